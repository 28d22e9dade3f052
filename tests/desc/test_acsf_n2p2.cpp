// End-to-end check of the n2p2 conventions: the symmetry functions of the n2p2 water potential, computed here
// in its native units (Bohr), scaled with scaling.data and fed through a minimal feed-forward network written in
// this test from the documented weight layout, reproduce n2p2's own atomic energies. This checks G2/G4 with the
// tanhu cutoff, the element-pair convention, the 2^(1−ζ) factor and periodic images (cells < 2 rc), not just
// formulas on paper. The network here is test code only; the real BPNN model lives in the model module.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "mlp/desc/acsf.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/io/extxyz.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

struct Net {
  std::vector<std::vector<double>> w, b;  // per layer: w[to*nin + from], b[to]
  std::vector<int> sizes;
  double eval(std::vector<double> x) const {
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
      const auto nin = static_cast<std::size_t>(sizes[l]), nout = static_cast<std::size_t>(sizes[l + 1]);
      std::vector<double> y(nout);
      for (std::size_t o = 0; o < nout; ++o) {
        double s = b[l][o];
        for (std::size_t i = 0; i < nin; ++i) s += w[l][o * nin + i] * x[i];
        y[o] = (l + 2 < sizes.size()) ? std::tanh(s) : s;  // t t l
      }
      x = y;
    }
    return x[0];
  }
};

Net read_net(const std::string& path, int inputs) {
  Net n;
  n.sizes = {inputs, 25, 25, 1};
  std::istringstream in(slurp(path));
  std::vector<double> v;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    v.push_back(std::stod(line));
  }
  std::size_t at = 0;
  for (std::size_t l = 0; l + 1 < n.sizes.size(); ++l) {
    const auto nin = static_cast<std::size_t>(n.sizes[l]), nout = static_cast<std::size_t>(n.sizes[l + 1]);
    std::vector<double> w(nin * nout), b(nout);
    for (std::size_t i = 0; i < nin; ++i)  // by start neuron, then end neuron
      for (std::size_t o = 0; o < nout; ++o) w[o * nin + i] = v.at(at++);
    for (std::size_t o = 0; o < nout; ++o) b[o] = v.at(at++);
    n.w.push_back(w);
    n.b.push_back(b);
  }
  REQUIRE(at == v.size());
  return n;
}

}  // namespace

TEST_CASE("ACSF: the n2p2 water symmetry functions reproduce n2p2's atomic energies", "[acsf][n2p2]") {
  const std::string dir = test::shared_data("n2p2_h2o_rpbe_d3/potential");
  if (dir.empty()) MLP_SKIP("shared data absent");
  const Acsf file_order = Acsf::from_n2p2(slurp(dir + "/input.nn"));
  std::vector<SymmetryFunction> sorted = Acsf::n2p2_order(file_order.functions(1));
  const auto o = Acsf::n2p2_order(file_order.functions(8));
  sorted.insert(sorted.end(), o.begin(), o.end());
  const Acsf acsf(sorted);
  REQUIRE(acsf.size(1) == 27);
  REQUIRE(acsf.size(8) == 30);

  // scaling.data: element index (1 = H, 2 = O), sf index, min, max, mean, sigma.
  std::vector<std::vector<std::array<double, 3>>> scaling(2);
  {
    std::istringstream in(slurp(dir + "/scaling.data"));
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream ls(line);
      int e, k;
      double mn, mx, mean, sigma;
      ls >> e >> k >> mn >> mx >> mean >> sigma;
      scaling[static_cast<std::size_t>(e - 1)].push_back({mn, mx, mean});
    }
  }
  REQUIRE(scaling[0].size() == 27);
  REQUIRE(scaling[1].size() == 30);
  const Net net_h = read_net(dir + "/weights.001.data", 27), net_o = read_net(dir + "/weights.008.data", 30);
  const double mean_energy = -2.5521343547039809E+01, conv_energy = 2.4265748255366972E+02;
  const double hartree = 27.211386245988;

  ExtxyzReader reader(dir + "/reference_predictions.extxyz");
  Structure s;
  double worst = 0.0;
  std::size_t frames = 0, atoms = 0;
  while (reader.read(s)) {
    const std::size_t index = reader.frames_read() - 1;
    if (index < 1 || index > 3) continue;  // liquid_00..02: 192, 48, 48 atoms (keeps the test fast)
    // Native units: positions and cell in Bohr, exactly what n2p2 read.
    const AtomArray* pb = s.arrays.reals("pos_bohr", 3);
    const auto lb = s.info.reals("lattice_bohr");
    const AtomArray* ea = s.arrays.reals("n2p2_atomic_energies", 1);
    REQUIRE(pb);
    REQUIRE(lb);
    REQUIRE(ea);
    for (std::size_t i = 0; i < s.size(); ++i)
      for (int c = 0; c < 3; ++c) s.positions(static_cast<Eigen::Index>(i), c) = pb->reals[3 * i + static_cast<std::size_t>(c)];
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) s.cell(r, c) = (*lb)[static_cast<std::size_t>(3 * r + c)];
    NeighborListOptions opt;
    opt.cutoff = acsf.cutoff();
    const AcsfValues q = acsf.compute(s, NeighborList(s, opt));
    for (std::size_t i = 0; i < s.size(); ++i) {
      const bool h = s.numbers[i] == 1;
      const auto& sc = scaling[h ? 0 : 1];
      std::vector<double> x(q.row_size(i));
      for (std::size_t k = 0; k < x.size(); ++k) x[k] = (q.row(i)[k] - sc[k][2]) / (sc[k][1] - sc[k][0]);
      const double e_ha = (h ? net_h : net_o).eval(x) / conv_energy;
      const double ref_ha = ea->reals[i] / hartree - mean_energy;  // n2p2's atomic NN energy, Ha
      worst = std::max(worst, std::abs(e_ha - ref_ha));
      if (index == 2 && i == 0) CHECK(e_ha == Approx(1.2127001626327025E-02).epsilon(1e-9));
      if (index == 2 && i == 1) CHECK(e_ha == Approx(-5.5195469214278448E-03).epsilon(1e-9));
      ++atoms;
    }
    ++frames;
  }
  CHECK(frames == 3);
  INFO("largest atomic-energy difference from n2p2: " << worst << " Ha over " << atoms << " atoms");
  // The reference atomic energies went through eV with mean_energy added (≈ 694 eV), so ~1e-15 Ha is the floor.
  CHECK(worst < 1e-12);  // measured 5.4e-15 Ha over 288 atoms
}

TEST_CASE("ACSF: n2p2 water rows, forces and virial equal the reference implementation", "[acsf][n2p2]") {
  // Numbers printed with %.17g by the ACSF implementation of commit 1513026 (before the kernel rewrite): the
  // water set in file order on frame liquid_01 (48 atoms, Bohr), rows of atoms 0 (O) and 1 (H), and forces on
  // those atoms and the virial of accumulate() with dE/dq = sin(0.7 k + 0.3) for the k-th value of all rows.
  const std::string dir = test::shared_data("n2p2_h2o_rpbe_d3/potential");
  if (dir.empty()) MLP_SKIP("shared data absent");
  const Acsf acsf = Acsf::from_n2p2(slurp(dir + "/input.nn"));
  const std::vector<double> row0 = {
      2.6182656444080936, 2.0229027141106783, 1.3126096494733253, 0.86450547437257408, 0.73790292698803905,
      0.5326620603958524, 0.35800954646451416, 0.14014211844090169, 0.95557575792694638, 0.66864429913721657,
      0.32588586880266135, 0.12204366880083854, 0.5327772381747794, 0.3591520603126136, 0.18677988075505927,
      0.03816391841448822, 0.011076522606099006, 0.016059356941502199, 0.049805080014684693, 0.049730112042752711,
      0.0708451195357718, 0.030897377988823523, 0.037137118887926597, 0.0067565426881161655, 0.19739113087671567,
      0.016665722095929099, 0.0007497881805950021, 0.00026812653180671747, 0.0094042918438740526,
      0.00084150550462509734};
  const std::vector<double> row1 = {
      2.2236617002760029, 1.6573367720477175, 0.97201338000541171, 0.52162369912801065, 0.64536423869036874,
      0.36364019445827905, 0.16220546872893768, 0.028727416540570792, 1.3001465714815872, 1.0263224948129912,
      0.68579628396898329, 0.45048896132808314, 0.3687768693023688, 0.25727211235862951, 0.17422736471520328,
      0.067434490014941478, 0.001689010962259471, 0.025198075339642526, 0.0044327309918404095, 0.089613149543040171,
      0.022602338417748641, 0.14985484856007089, 0.019801858730150671, 0.0052452743124354623, 0.0072228374201786733,
      0.019182831513592416, 0.018561143560551031};
  const std::vector<double> forces01 = {
      -0.50658419746250694, 0.51826466277738148, 1.0911045851780232, 0.37037508904973537, 0.45498660141485159,
      0.0087111404190550051};
  const std::vector<double> virial = {
      -5.0278172223353916, -5.4582806355401585, -3.5016890806437524, -5.4582806355401452, -2.5562822874400726,
      -0.3070250320078543, -3.5016890806437693, -0.30702503200785441, -7.0610283431474246};
  ExtxyzReader reader(dir + "/reference_predictions.extxyz");
  Structure s;
  while (reader.read(s) && reader.frames_read() < 3) {
  }
  REQUIRE(reader.frames_read() == 3);
  REQUIRE(s.size() == 48);
  const AtomArray* pb = s.arrays.reals("pos_bohr", 3);
  const auto lb = s.info.reals("lattice_bohr");
  REQUIRE(pb);
  REQUIRE(lb);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (int c = 0; c < 3; ++c) s.positions(static_cast<Eigen::Index>(i), c) = pb->reals[3 * i + static_cast<std::size_t>(c)];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) s.cell(r, c) = (*lb)[static_cast<std::size_t>(3 * r + c)];
  NeighborListOptions opt;
  opt.cutoff = acsf.cutoff();
  const NeighborList nl(s, opt);
  const AcsfValues q = acsf.compute(s, nl);
  REQUIRE(q.row_size(0) == row0.size());
  REQUIRE(q.row_size(1) == row1.size());
  for (std::size_t k = 0; k < row0.size(); ++k) CHECK(q.row(0)[k] == Approx(row0[k]).epsilon(1e-12));
  for (std::size_t k = 0; k < row1.size(); ++k) CHECK(q.row(1)[k] == Approx(row1[k]).epsilon(1e-12));
  AcsfValues w = q;
  for (std::size_t k = 0; k < w.data.size(); ++k) w.data[k] = std::sin(0.7 * static_cast<double>(k) + 0.3);
  Matrix3N f = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
  Mat3 vir = Mat3::Zero();
  acsf.accumulate(s, nl, w, f, vir);
  double fmax = 0.0, vmax = 0.0;
  for (double x : forces01) fmax = std::max(fmax, std::abs(x));
  for (double x : virial) vmax = std::max(vmax, std::abs(x));
  for (int i = 0; i < 2; ++i)
    for (int c = 0; c < 3; ++c) CHECK(std::abs(f(i, c) - forces01[static_cast<std::size_t>(3 * i + c)]) < 1e-12 * fmax);
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 3; ++y) CHECK(std::abs(vir(x, y) - virial[static_cast<std::size_t>(3 * x + y)]) < 1e-12 * vmax);
}
