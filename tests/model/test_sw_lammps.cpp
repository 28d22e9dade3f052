// Stillinger-Weber against LAMMPS (pair_style sw with Si.sw), from the fixtures in tests/fixtures/lammps_sw
// (how they were made: README.md there).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "mlp/model/registry.hpp"
#include "test_support.hpp"

using namespace mlp;
using mlp::test::max_rel_diff;

namespace {

// LAMMPS metal units convert virial/volume (eV/Å^3) to pressure (bar) with this factor (src/update.cpp,
// force->nktv2p). It is NOT the CODATA 2018 value 1602176.634: using that would leave an error of 8.4e-8.
constexpr double kNktv2p = 1.6021765e6;

struct Reference {
  Structure structure;
  double energy = 0.0;        // eV
  Matrix3N forces;            // eV/Å
  Eigen::VectorXd atom_energies;  // eV (compute pe/atom)
  std::vector<Mat3> atom_virials; // eV (from compute stress/atom)
  Mat3 virial = Mat3::Zero(); // eV (from compute pressure NULL virial)
};

Mat3 from_voigt(const double* v) {  // LAMMPS order xx yy zz xy xz yz
  Mat3 m;
  m << v[0], v[3], v[4], v[3], v[1], v[5], v[4], v[5], v[2];
  return m;
}

Reference load(const std::string& name) {
  Reference ref;
  Structure& s = ref.structure;
  s.source = name;
  // Box from the data file (exactly what we wrote; the dump header holds derived bounds).
  std::ifstream data(test::fixture("lammps_sw/" + name + ".data"));
  REQUIRE(data);
  double lx = 0, ly = 0, lz = 0, xy = 0, xz = 0, yz = 0, lo = 0;
  for (std::string line; std::getline(data, line);) {
    std::istringstream in(line);
    if (line.find("xlo xhi") != std::string::npos) in >> lo >> lx;
    if (line.find("ylo yhi") != std::string::npos) in >> lo >> ly;
    if (line.find("zlo zhi") != std::string::npos) in >> lo >> lz;
    if (line.find("xy xz yz") != std::string::npos) in >> xy >> xz >> yz;
  }
  s.cell << lx, 0, 0, xy, ly, 0, xz, yz, lz;

  std::ifstream refin(test::fixture("lammps_sw/" + name + ".ref"));
  REQUIRE(refin);
  double p[6] = {}, volume = 0;
  for (std::string line; std::getline(refin, line);) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "energy") in >> ref.energy;
    if (key == "pressure") in >> p[0] >> p[1] >> p[2] >> p[3] >> p[4] >> p[5];
    if (key == "volume") in >> volume;
    if (key == "boundary") {
      std::string bc;
      in >> bc;
      s.pbc = {bc == "p", bc == "p", bc == "p"};
    }
  }
  REQUIRE(volume == Approx(lx * ly * lz).epsilon(1e-14));
  // Pressure tensor without kinetic part: P = W·nktv2p/V.
  ref.virial = from_voigt(p) * (volume / kNktv2p);

  // Dump: id type x y z fx fy fz pe stress/atom[6], sorted by id. stress/atom is −(per-atom virial)·nktv2p.
  std::ifstream dump(test::fixture("lammps_sw/" + name + ".dump"));
  REQUIRE(dump);
  std::string line;
  std::size_t n = 0;
  while (std::getline(dump, line) && line.rfind("ITEM: NUMBER OF ATOMS", 0) != 0) {
  }
  dump >> n;
  while (std::getline(dump, line) && line.rfind("ITEM: ATOMS", 0) != 0) {
  }
  s.resize(n);
  ref.forces.resize(static_cast<Eigen::Index>(n), 3);
  ref.atom_energies.resize(static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    int id = 0, type = 0;
    double sa[6];
    dump >> id >> type >> s.positions(row, 0) >> s.positions(row, 1) >> s.positions(row, 2) >> ref.forces(row, 0) >>
        ref.forces(row, 1) >> ref.forces(row, 2) >> ref.atom_energies[row];
    for (double& v : sa) dump >> v;
    REQUIRE(dump);
    REQUIRE(id == static_cast<int>(i) + 1);
    s.numbers[i] = 14;
    ref.atom_virials.push_back(from_voigt(sa) * (-1.0 / kNktv2p));
  }
  return ref;
}

}  // namespace

TEST_CASE("sw matches LAMMPS pair_style sw (Si.sw) to 1e-9") {
  Catch::StringMaker<double>::precision = 20;  // Catch prints fixed-point: show differences ~1e-15
  const auto model = make_model("sw");
  for (const char* name : {"diamond64", "triclinic16", "contacts24", "cluster18"}) {
    INFO("fixture " << name);
    const Reference ref = load(name);
    EvalRequest request;
    request.atom_energies = request.atom_virials = true;
    const EvalResult r = evaluate(*model, ref.structure, request);
    CAPTURE(r.energy, ref.energy);
    // The fixtures are not trivial: forces of order eV/Å and a non-zero virial.
    REQUIRE(ref.forces.cwiseAbs().maxCoeff() > 0.1);
    CHECK(std::abs(r.energy - ref.energy) <= 1e-9 * std::abs(ref.energy));
    CHECK(max_rel_diff(r.forces, ref.forces) <= 1e-9);
    CHECK(max_rel_diff(r.virial, ref.virial) <= 1e-9);
    CHECK(max_rel_diff(r.atom_energies, ref.atom_energies) <= 1e-9);
    Mat3 lammps_sum = Mat3::Zero();
    double worst = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < ref.atom_virials.size(); ++i) {
      lammps_sum += ref.atom_virials[i];
      worst = std::max(worst, (r.atom_virials[i] - ref.atom_virials[i]).cwiseAbs().maxCoeff());
      scale = std::max(scale, ref.atom_virials[i].cwiseAbs().maxCoeff());
    }
    CHECK(worst <= 1e-9 * scale);
    // LAMMPS's own per-atom virials add up to its global virial (checks our reading of the units and signs).
    CHECK(max_rel_diff(lammps_sum, ref.virial) <= 1e-9);
  }
}
