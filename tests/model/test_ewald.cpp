// Electrostatics (mlp/model/ewald.hpp through the `charges` model): Ewald energies against published Madelung
// constants (cubic and triclinic cells), independence from the splitting parameter, forces and virial against
// finite differences (bare, smeared, screened; periodic and not), invariances, per-atom sums, the screened periodic
// sum against an explicit image sum, and the Debye length against the textbook value.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "mlp/model/ewald.hpp"
#include "mlp/model/model.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
using mlp::test::max_rel_diff;

namespace {

constexpr double kKe = 14.399645;  // eV·Å/e²

/// Crystal of unit charges: `plus` and `minus` fractional positions in a cell (rows = lattice vectors, Å).
Structure ionic(const Mat3& cell, const std::vector<Vec3>& plus, const std::vector<Vec3>& minus) {
  Structure s;
  s.resize(plus.size() + minus.size());
  s.cell = cell;
  s.pbc = {true, true, true};
  std::size_t k = 0;
  for (const auto* list : {&plus, &minus})
    for (const Vec3& f : *list) {
      s.numbers[k] = list == &plus ? 11 : 17;
      s.positions.row(static_cast<Eigen::Index>(k)) = (f.transpose() * cell);
      ++k;
    }
  return s;
}

/// Madelung constant per ion pair from the Ewald energy: E = −M k_e N_pairs / r_nn.
double madelung(const Structure& s, double r_nn, const std::string& extra = "") {
  const auto m = make_model("charges:q_Na=1,q_Cl=-1,accuracy=1e-12" + extra);
  const double e = evaluate(*m, s, EvalRequest{}).energy;
  return -e * r_nn / (kKe * static_cast<double>(s.size()) / 2.0);
}

Structure rocksalt(double a) {
  return ionic(Mat3::Identity() * a, {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}},
               {{.5, 0, 0}, {0, .5, 0}, {0, 0, .5}, {.5, .5, .5}});
}

EvalRequest everything() {
  EvalRequest r;
  r.forces = r.virial = r.atom_energies = true;
  return r;
}

Structure random_ions(std::mt19937_64& rng, bool periodic, std::size_t n = 8) {
  Structure s = test::random_structure(rng, n, {11, 17}, test::random_cell(rng, 6.0, 8.0),
                                       {periodic, periodic, periodic}, 1.8);
  return s;
}

}  // namespace

TEST_CASE("ewald: Madelung constants of NaCl, CsCl and zincblende (cubic and triclinic cells)", "[ewald]") {
  // Reference values with the nearest-neighbour distance as length (the "usual conventions").
  const double a = 5.64;
  CHECK(madelung(rocksalt(a), a / 2) == Approx(1.747564594633).epsilon(1e-10));
  CHECK(madelung(ionic(Mat3::Identity() * 4.11, {{0, 0, 0}}, {{.5, .5, .5}}), 4.11 * std::sqrt(3.0) / 2) ==
        Approx(1.762674773070).epsilon(1e-10));
  const Structure zb = ionic(Mat3::Identity() * a, {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}},
                             {{.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}});
  CHECK(madelung(zb, a * std::sqrt(3.0) / 4) == Approx(1.638055053388).epsilon(1e-10));
  // NaCl in its 2-atom primitive (triclinic, 60°) cell: same constant.
  Mat3 fcc;
  fcc << 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0;
  CHECK(madelung(ionic(fcc, {{0, 0, 0}}, {{.5, .5, .5}}), a / 2) == Approx(1.747564594633).epsilon(1e-10));
  // The splitting between real and reciprocal space (set by rc) does not change the answer.
  for (const char* rc : {",rc=5", ",rc=7", ",rc=14"})
    CHECK(madelung(rocksalt(a), a / 2, rc) == Approx(1.747564594633).epsilon(1e-10));
}

TEST_CASE("ewald: per-atom energies sum to the total and are equal for equivalent ions", "[ewald]") {
  const Structure s = rocksalt(5.64);
  const auto m = make_model("charges:q_Na=1,q_Cl=-1");
  const EvalResult r = evaluate(*m, s, everything());
  CHECK(r.atom_energies.sum() == Approx(r.energy).epsilon(1e-12));
  for (Eigen::Index i = 1; i < r.atom_energies.size(); ++i)
    CHECK(r.atom_energies[i] == Approx(r.atom_energies[0]).epsilon(1e-9));
  CHECK(r.forces.cwiseAbs().maxCoeff() < 1e-9);  // every ion at a centre of symmetry
}

TEST_CASE("ewald: forces and virial are exact derivatives (bare, smeared, screened, charged cell)", "[ewald]") {
  std::mt19937_64 rng(7);
  for (const char* spec : {"charges:q_Na=1,q_Cl=-1", "charges:q_Na=0.8,q_Cl=-0.8,sigma=0.6,rc=8",
                           "charges:q_Na=1,q_Cl=-1,debye=1.2,accuracy=1e-14", "charges:q_Na=1,q_Cl=-0.5"}) {
    // (The screened sum is truncated where exp(−r/λ) is below `accuracy`: jumps of that size as pairs cross the
    // cutoff would spoil a 1e-6 finite difference, hence the tighter accuracy there.)
    INFO(spec);
    const auto m = make_model(spec);
    for (bool periodic : {true, false}) {
      INFO("periodic " << periodic);
      const Structure s = random_ions(rng, periodic);
      const EvalResult r = evaluate(*m, s, everything());
      const auto energy = [&](const Structure& t) { return evaluate(*m, t, EvalRequest{}).energy; };
      CHECK(max_rel_diff(r.forces, test::fd_forces(energy, s, 1e-5), 1e-3) < 1e-6);
      CHECK(r.atom_energies.sum() == Approx(r.energy).epsilon(1e-11));
      if (periodic) CHECK(max_rel_diff(r.virial, test::fd_virial(energy, s, 1e-6), 1e-3) < 1e-6);
    }
  }
}

TEST_CASE("ewald: invariance under translation, rotation and image shifts", "[ewald]") {
  std::mt19937_64 rng(11);
  const auto m = make_model("charges:q_Na=1,q_Cl=-1,accuracy=1e-12");
  Structure s = random_ions(rng, true);
  const EvalResult r0 = evaluate(*m, s, everything());
  Structure t = s;
  for (Eigen::Index i = 0; i < t.positions.rows(); ++i) t.positions.row(i) += Vec3(0.3, -1.1, 2.7).transpose();
  t.positions.row(2) += s.cell.row(1) - 2 * s.cell.row(0);
  const EvalResult r1 = evaluate(*m, t, everything());
  CHECK(std::abs(r1.energy - r0.energy) < 1e-10 * std::abs(r0.energy));
  CHECK(max_rel_diff(r1.forces, r0.forces) < 1e-9);
  const Mat3 R = test::random_rotation(rng);
  Structure u = s;
  u.positions = s.positions * R.transpose();
  u.cell = s.cell * R.transpose();
  const EvalResult r2 = evaluate(*m, u, everything());
  CHECK(std::abs(r2.energy - r0.energy) < 1e-10 * std::abs(r0.energy));
  CHECK(max_rel_diff(r2.forces, Matrix3N(r0.forces * R.transpose())) < 1e-9);
}

TEST_CASE("ewald: the screened periodic sum equals an explicit sum over images", "[ewald]") {
  std::mt19937_64 rng(3);
  Structure s = random_ions(rng, true, 4);
  const double lambda = 1.5;
  const double e = evaluate(*make_model("charges:q_Na=1,q_Cl=-1,debye=1.5,accuracy=1e-12"), s, EvalRequest{}).energy;
  // ½ Σ_i Σ_j Σ_images q_i q_j exp(−r/λ)/r over a large block of images, counted independently of any list.
  double direct = 0.0;
  const int n = 8;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j)
      for (int a = -n; a <= n; ++a)
        for (int b = -n; b <= n; ++b)
          for (int c = -n; c <= n; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const Vec3 d = (s.positions.row(static_cast<Eigen::Index>(j)) + a * s.cell.row(0) + b * s.cell.row(1) +
                            c * s.cell.row(2) - s.positions.row(static_cast<Eigen::Index>(i)))
                               .transpose();
            const double qq = (s.numbers[i] == 11 ? 1.0 : -1.0) * (s.numbers[j] == 11 ? 1.0 : -1.0);
            direct += 0.5 * kKe * qq * std::exp(-d.norm() / lambda) / d.norm();
          }
  CHECK(e == Approx(direct).epsilon(1e-10));
}

TEST_CASE("ewald: smeared charges stay finite at contact and approach point charges far apart", "[ewald]") {
  Structure s;
  s.resize(2);
  s.numbers = {11, 17};
  s.positions << 0, 0, 0, 1e-3, 0, 0;
  const double sigma = 0.5;
  const auto m = make_model("charges:q_Na=1,q_Cl=-1,sigma=0.5");
  // erf(r/2σ)/r → 1/(σ√π) at r → 0.
  CHECK(evaluate(*m, s, EvalRequest{}).energy == Approx(-kKe / (sigma * std::sqrt(M_PI))).epsilon(1e-6));
  s.positions(1, 0) = 12.0;
  CHECK(evaluate(*m, s, EvalRequest{}).energy == Approx(-kKe / 12.0).epsilon(1e-12));
}

TEST_CASE("ewald: Debye length from ionic strength, permittivity scales energies", "[ewald]") {
  // λ_D = 0.304 nm / √(I/M) for water at 25 °C (Israelachvili, Intermolecular and Surface Forces).
  CHECK(debye_length(0.15, 78.5, 298.15) == Approx(3.04 / std::sqrt(0.15)).epsilon(3e-3));
  Structure s = rocksalt(5.64);
  const double e1 = evaluate(*make_model("charges:q_Na=1,q_Cl=-1"), s, EvalRequest{}).energy;
  const double e80 = evaluate(*make_model("charges:q_Na=1,q_Cl=-1,permittivity=80"), s, EvalRequest{}).energy;
  CHECK(e80 == Approx(e1 / 80).epsilon(1e-12));
  CHECK_THROWS_AS(make_model("charges:q_Na=1,sigma=0.5,debye=3"), InputError);
  CHECK_THROWS_AS(make_model("charges:q_Na=1,debye=3,ionic_strength=0.1"), InputError);
}
