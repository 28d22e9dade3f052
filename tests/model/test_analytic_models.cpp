// Exactness of the analytic reference models: forces and virial against central finite differences, per-atom
// sums, symmetry, smoothness at the cutoff, and a hand-computed ZBL value.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "mlp/model/model.hpp"
#include "mlp/model/pair_potentials.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/model/zbl.hpp"
#include "test_support.hpp"

using namespace mlp;
using mlp::test::max_rel_diff;

namespace {

EvalRequest everything() {
  EvalRequest r;
  r.forces = r.virial = r.atom_energies = r.atom_virials = true;
  return r;
}

EvalRequest energy_only() {
  EvalRequest r;
  r.forces = r.virial = false;
  return r;
}

struct Setup {
  std::vector<int> elements;
  double cell_lo, cell_hi;  // Å, lattice vector lengths of the random triclinic cell
  std::size_t atoms;
  double min_distance;      // Å
  bool periodic;
};

Structure make_structure(std::mt19937_64& rng, const Setup& setup) {
  const Mat3 cell = test::random_cell(rng, setup.cell_lo, setup.cell_hi);
  const std::array<bool, 3> pbc{setup.periodic, setup.periodic, setup.periodic};
  return test::random_structure(rng, setup.atoms, setup.elements, cell, pbc, setup.min_distance);
}

// The full set of exactness checks of one model on one structure.
void check_exact(const Model& model, const Structure& s, std::mt19937_64& rng) {
  const EvalResult r = evaluate(model, s, everything());
  REQUIRE(r.energy != 0.0);  // a structure on which the model does nothing would test nothing
  const test::EnergyFunction energy = [&](const Structure& x) { return evaluate(model, x, energy_only()).energy; };

  // Central differences with h = 1e-5 Å (strain 1e-5): truncation ~h²·E''' and round-off ~1e-16·|E|/h are both
  // far below the 1e-6 relative agreement asked for.
  const Matrix3N f_fd = test::fd_forces(energy, s, 1e-5);
  CHECK(max_rel_diff(r.forces, f_fd) <= 1e-6);
  const Mat3 w_fd = test::fd_virial(energy, s, 1e-5);
  CHECK(max_rel_diff(r.virial, w_fd) <= 1e-6);

  // Per-atom decompositions add up to the totals.
  CHECK(r.atom_energies.sum() == Approx(r.energy).epsilon(1e-12));
  Mat3 w_sum = Mat3::Zero();
  for (const Mat3& w : r.atom_virials) w_sum += w;
  CHECK(max_rel_diff(w_sum, r.virial) <= 1e-12);
  // Newton's third law: internal forces sum to zero.
  CHECK(r.forces.colwise().sum().cwiseAbs().maxCoeff() <= 1e-10 * r.forces.cwiseAbs().maxCoeff());

  // The term energies of a single model or a sum add up to the energy.
  double terms = 0.0;
  for (const auto& t : r.term_energies) terms += t.second;
  CHECK(terms == Approx(r.energy).epsilon(1e-12));

  // Rotation: energy invariant, forces and virial rotate.
  const Mat3 R = test::random_rotation(rng);
  Structure rotated = s;
  rotated.positions = s.positions * R.transpose();
  rotated.cell = s.cell * R.transpose();
  const EvalResult rr = evaluate(model, rotated, everything());
  CHECK(rr.energy == Approx(r.energy).epsilon(1e-10));
  CHECK(max_rel_diff(rr.forces, Matrix3N(r.forces * R.transpose())) <= 1e-10);
  CHECK(max_rel_diff(rr.virial, Mat3(R * r.virial * R.transpose())) <= 1e-10);

  // Translation (and, if periodic, moving one atom by a lattice vector): nothing changes.
  Structure moved = s;
  moved.positions.rowwise() += Eigen::RowVector3d(0.731, -1.377, 2.119);
  if (s.any_periodic()) moved.positions.row(0) += s.cell.row(1) - 2.0 * s.cell.row(2);
  const EvalResult rt = evaluate(model, moved, everything());
  CHECK(rt.energy == Approx(r.energy).epsilon(1e-10));
  CHECK(max_rel_diff(rt.forces, r.forces) <= 1e-10);
  CHECK(max_rel_diff(rt.virial, r.virial) <= 1e-10);
}

void check_model(const std::string& spec, const Setup& setup, std::uint64_t seed, int structures = 2) {
  const auto model = make_model(spec);
  std::mt19937_64 rng(seed);
  for (int k = 0; k < structures; ++k) {
    INFO("model " << spec << ", structure " << k << (setup.periodic ? " (periodic triclinic)" : " (cluster)"));
    check_exact(*model, make_structure(rng, setup), rng);
  }
}

}  // namespace

TEST_CASE("lj: forces, virial, per-atom sums and symmetry are exact") {
  check_model("lj", {{18}, 8.0, 11.0, 10, 3.0, true}, 1);
  check_model("lj", {{18}, 8.0, 11.0, 10, 3.0, false}, 2);
  // Mixed species with per-element and per-pair values, and the energy-shifted variant.
  check_model("lj:epsilon_Kr=0.014,sigma_Kr=3.65,epsilon_Ar_Kr=0.012,cutoff_Ar_Kr=7.5", {{18, 36}, 8.0, 11.0, 10, 3.0, true},
              3);
  check_model("lj:shift=energy,cutoff=7.0", {{18}, 8.0, 11.0, 10, 3.0, false}, 4);
}

TEST_CASE("morse: forces, virial, per-atom sums and symmetry are exact") {
  check_model("morse", {{29}, 6.0, 8.0, 12, 2.0, true}, 5);
  check_model("morse", {{29}, 6.0, 8.0, 12, 2.0, false}, 6);
  check_model("morse:D_Cu_Ni=0.4,r0_Ni_Cu=2.7,cutoff_Cu_Ni=5.5", {{28, 29}, 6.0, 8.0, 12, 2.0, true}, 7);
}

TEST_CASE("zbl: forces, virial, per-atom sums and symmetry are exact") {
  // Short distances (0.6 Å) so that pairs sit below, inside and beyond the switching range.
  check_model("zbl", {{14, 8}, 4.0, 5.5, 10, 0.6, true}, 8);
  check_model("zbl:inner=0.5,outer=1.8", {{1, 6, 74}, 3.0, 4.0, 10, 0.5, false}, 9);
}

TEST_CASE("sw: forces, virial, per-atom sums and symmetry are exact") {
  // Min distance 1.9 Å in small cells: many triplets, short contacts, several periodic images within aσ.
  check_model("sw", {{14}, 5.0, 7.0, 12, 1.9, true}, 10);
  check_model("sw", {{14}, 4.5, 5.5, 12, 1.9, false}, 11);
  // Another element with its own (made-up) parameters and non-integer exponents.
  check_model("sw:element=Ge,epsilon=1.93,sigma=2.181,p=4.3,q=0.5,costheta0=-0.3", {{32}, 5.0, 7.0, 12, 2.0, true},
              12);
}

TEST_CASE("charges: forces, virial, per-atom sums and symmetry are exact") {
  check_model("charges:q_Na=1,q_Cl=-1", {{11, 17}, 6.0, 9.0, 12, 1.8, false}, 13);
  // Per-atom charges from the structure's initial_charges column.
  const auto model = make_model("charges");
  std::mt19937_64 rng(14);
  Structure s = make_structure(rng, {{8, 1}, 6.0, 8.0, 9, 1.0, false});
  AtomArray q;
  q.type = ColumnType::Real;
  q.width = 1;
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (std::size_t i = 0; i < s.size(); ++i) q.reals.push_back(u(rng));
  s.arrays.set("initial_charges", q);
  check_exact(*model, s, rng);
}

TEST_CASE("sum model: forces and virial are exact, term energies are the terms' energies") {
  check_model("zbl:inner=0.8,outer=1.6+lj:epsilon=0.02,sigma=2.4+morse:D=0.1,r0=2.5,cutoff=4.5",
              {{14, 8}, 5.0, 7.0, 10, 0.9, true}, 15);
  // SW with a longer-ranged partner: its list holds pairs beyond SW's own cutoff, which SW must skip.
  check_model("sw+zbl:inner=2,outer=4.5", {{14}, 5.0, 7.0, 12, 1.9, true}, 19, 1);

  const auto sum = make_model("zbl+lj:epsilon=0.02,sigma=2.4");
  const auto zbl = make_model("zbl");
  const auto lj = make_model("lj:epsilon=0.02,sigma=2.4");
  std::mt19937_64 rng(16);
  const Structure s = make_structure(rng, {{14, 8}, 5.0, 7.0, 10, 0.9, true});
  const EvalResult r = evaluate(*sum, s, everything());
  const EvalResult rz = evaluate(*zbl, s, everything());
  const EvalResult rl = evaluate(*lj, s, everything());
  REQUIRE(r.term_energies.size() == 2);
  CHECK(r.term_energies[0].first == "zbl");
  CHECK(r.term_energies[1].first == "lj");
  CHECK(r.term_energies[0].second == rz.energy);
  CHECK(r.term_energies[1].second == rl.energy);
  CHECK(r.energy == Approx(rz.energy + rl.energy).epsilon(1e-14));
  CHECK(max_rel_diff(r.forces, Matrix3N(rz.forces + rl.forces)) <= 1e-14);
  CHECK(max_rel_diff(r.virial, Mat3(rz.virial + rl.virial)) <= 1e-14);
  CHECK(sum->cutoff() == std::max(zbl->cutoff(), lj->cutoff()));

  // A single model reports itself as its one term; repeated names in a sum get distinct suffixes.
  REQUIRE(rz.term_energies.size() == 1);
  CHECK(rz.term_energies[0].first == "zbl");
  CHECK(rz.term_energies[0].second == rz.energy);
  const EvalResult twice = evaluate(*make_model("lj+lj"), s, everything());
  REQUIRE(twice.term_energies.size() == 2);
  CHECK(twice.term_energies[0].first == "lj");
  CHECK(twice.term_energies[1].first == "lj_2");
}

TEST_CASE("zbl: hand-computed values") {
  // Si–O at r = 0.8 Å (below inner = 1 Å: pure ZBL), evaluated by hand (python3, double precision):
  //   a_u = 0.8854·0.529177/(14^0.23 + 8^0.23) = 0.468533 / (1.8348875 + 1.6132835) = 0.13587879 Å
  //   x = 0.8/a_u = 5.8876002
  //   Φ(x) = 0.18175e^{−3.19980x} + 0.50986e^{−0.94229x} + 0.28022e^{−0.40290x} + 0.02817e^{−0.20162x}
  //        = 1.196e-9 + 1.986371e-3 + 2.6139848e-2 + 8.595163e-3 = 3.6721384e-2
  //   E = 14.399645·14·8/0.8 eV · Φ = 2015.9503 eV · 3.6721384e-2 = 74.028484295 eV
  // and at r = 1.5 Å: x = 11.039250, Φ = 6.3375670e-3, E = 6.8139840162 eV.
  const auto model = make_model("zbl:inner=1,outer=2");
  const auto dimer = [](double r, int z1, int z2) {
    Structure s;
    s.resize(2);
    s.numbers = {z1, z2};
    s.positions.setZero();
    s.positions(1, 0) = r;
    return s;
  };
  const EvalResult r = evaluate(*model, dimer(0.8, 14, 8));
  CHECK(r.energy == Approx(74.028484295).epsilon(1e-10));
  // Midway through the switch (t = 1/2) the smootherstep is exactly 1/2 of the pure ZBL value; with inner pushed
  // above r the same model gives that pure value.
  const double half = evaluate(*model, dimer(1.5, 14, 8)).energy;
  const double pure = evaluate(*make_model("zbl:inner=1.6,outer=2.0"), dimer(1.5, 14, 8)).energy;
  CHECK(half == Approx(0.5 * pure).epsilon(1e-14));
  CHECK(pure == Approx(6.8139840162).epsilon(1e-10));
  // Symmetric in the two elements; beyond outer exactly zero.
  CHECK(evaluate(*model, dimer(0.8, 8, 14)).energy == r.energy);
  CHECK(evaluate(*model, dimer(2.0, 14, 8)).energy == 0.0);
}

TEST_CASE("energy and force go to zero continuously at the cutoff") {
  const auto dimer = [](double r, int z) {
    Structure s;
    s.resize(3);
    s.numbers = {z, z, z};
    s.positions.setZero();
    s.positions(1, 0) = r;
    // A third atom at the same distance at 100° makes SW's three-body term take part too; for pair potentials
    // it only adds a second identical pair.
    s.positions(2, 0) = r * std::cos(100.0 * M_PI / 180.0);
    s.positions(2, 1) = r * std::sin(100.0 * M_PI / 180.0);
    return s;
  };
  struct Case {
    std::string spec;
    int z;
    int order;  // the energy vanishes like (rc − r)^order at least
  };
  for (const Case& c : {Case{"lj", 18, 2}, Case{"lj:epsilon_Ar_Kr=0.02,cutoff=9", 18, 2}, Case{"morse", 29, 2},
                        Case{"zbl:elements=Si", 14, 3}, Case{"zbl:inner=1,outer=2", 14, 3},
                        Case{"sw", 14, 3}}) {
    INFO("model " << c.spec);
    const auto model = make_model(c.spec);
    const double rc = model->cutoff();
    // Scale of energy and force a little inside the cutoff, to compare against.
    const EvalResult ref = evaluate(*model, dimer(rc - 0.3, c.z));
    const double e_scale = std::abs(ref.energy), f_scale = ref.forces.cwiseAbs().maxCoeff();
    REQUIRE(e_scale > 0.0);
    for (double delta : {1e-2, 1e-3, 1e-4, 1e-5}) {
      const EvalResult r = evaluate(*model, dimer(rc - delta, c.z));
      // E = O(δ^order) and F = O(δ^(order−1)) relative to their values at δ = 0.3 Å.
      CHECK(std::abs(r.energy) <= e_scale * 10.0 * std::pow(delta / 0.3, c.order));
      CHECK(r.forces.cwiseAbs().maxCoeff() <= f_scale * 10.0 * std::pow(delta / 0.3, c.order - 1));
    }
    const EvalResult beyond = evaluate(*model, dimer(rc * (1 + 1e-12), c.z));
    CHECK(beyond.energy == 0.0);
    CHECK(beyond.forces.cwiseAbs().maxCoeff() == 0.0);
  }
  // The energy-shifted LJ variant does what it says: energy continuous, force jumps by φ'(rc) at the cutoff.
  const auto shifted = make_model("lj:shift=energy");
  const double rc = shifted->cutoff();
  const EvalResult r = evaluate(*shifted, dimer(rc - 1e-9, 18));
  CHECK(std::abs(r.energy) < 1e-12);
  const double sr6 = std::pow(3.4 / rc, 6);
  const double dphi = -24 * 0.0104 * (2 * sr6 * sr6 - sr6) / rc;
  CHECK(std::abs(r.forces(1, 0) + dphi) < 1e-9);  // force on atom 1 (along +x) is −φ'(rc)
}

TEST_CASE("lj: Lorentz-Berthelot mixing and per-pair overrides") {
  const auto model = make_model("lj:epsilon_Kr=0.0140,sigma_Kr=3.65,sigma_Ar_Ne=3.0,shift=none,cutoff=20");
  const auto& lj = dynamic_cast<const PairPotential&>(*model);
  const auto ar_kr = lj.pair_params(18, 36);
  CHECK(ar_kr.p[0] == Approx(std::sqrt(0.0104 * 0.0140)).epsilon(1e-15));
  CHECK(ar_kr.p[1] == Approx(0.5 * (3.40 + 3.65)).epsilon(1e-15));
  const auto ar_ar = lj.pair_params(18, 18);
  CHECK(ar_ar.p[0] == 0.0104);
  CHECK(ar_ar.p[1] == 3.40);
  const auto ne_ar = lj.pair_params(10, 18);
  CHECK(ne_ar.p[1] == 3.0);
  CHECK(ne_ar.p[0] == 0.0104);
  // Unshifted LJ minimum: φ(2^{1/6}σ) = −ε.
  Structure s;
  s.resize(2);
  s.numbers = {18, 36};
  s.positions.setZero();
  s.positions(1, 2) = std::pow(2.0, 1.0 / 6.0) * ar_kr.p[1];
  const EvalResult r = evaluate(*model, s);
  CHECK(r.energy == Approx(-ar_kr.p[0]).epsilon(1e-13));
  CHECK(r.forces.cwiseAbs().maxCoeff() < 1e-14);
  // Default cutoff is 2.5σ of the largest pair.
  CHECK(make_model("lj")->cutoff() == Approx(2.5 * 3.40).epsilon(1e-15));
  CHECK(make_model("lj:sigma_Xe=4.0")->cutoff() == Approx(10.0).epsilon(1e-15));
}

TEST_CASE("morse: unshifted minimum and defaults") {
  const auto model = make_model("morse:shift=none,cutoff=50");
  Structure s;
  s.resize(2);
  s.numbers = {29, 29};
  s.positions.setZero();
  s.positions(1, 1) = 2.866;
  const EvalResult r = evaluate(*model, s);
  CHECK(r.energy == Approx(-0.3429).epsilon(1e-14));
  CHECK(r.forces.cwiseAbs().maxCoeff() < 1e-14);
  CHECK(make_model("morse")->cutoff() == 6.0);
}

TEST_CASE("every model gives the same numbers whatever the request asks for") {
  // The SW kernel is specialised per request (virial, per-atom values); the others skip unrequested work. All
  // variants must agree exactly with the full evaluation.
  std::mt19937_64 rng(17);
  const Structure periodic = make_structure(rng, {{14}, 5.0, 7.0, 12, 1.9, true});
  const Structure cluster = make_structure(rng, {{14}, 5.0, 7.0, 12, 1.9, false});
  for (const char* spec : {"sw", "lj:sigma=2.2", "morse:r0=2.3", "zbl:outer=2.5", "charges:q_Si=0.3"}) {
    INFO("model " << spec);
    const auto model = make_model(spec);
    const Structure& s = std::string(spec).rfind("charges", 0) == 0 ? cluster : periodic;
    const EvalResult full = evaluate(*model, s, everything());
    EvalRequest plain;  // forces + virial
    const EvalResult r1 = evaluate(*model, s, plain);
    CHECK(r1.energy == full.energy);
    CHECK(max_rel_diff(r1.forces, full.forces) <= 1e-15);
    CHECK(max_rel_diff(r1.virial, full.virial) <= 1e-15);
    CHECK(r1.atom_energies.size() == 0);
    CHECK(r1.atom_virials.empty());
    plain.virial = false;
    const EvalResult r2 = evaluate(*model, s, plain);
    CHECK(r2.energy == full.energy);
    CHECK(max_rel_diff(r2.forces, full.forces) <= 1e-15);
    CHECK(r2.virial == Mat3::Zero());
    const EvalResult r3 = evaluate(*model, s, energy_only());
    CHECK(r3.energy == full.energy);
    CHECK(r3.forces.size() == 0);
    EvalRequest atoms_only = energy_only();
    atoms_only.atom_energies = true;
    const EvalResult r4 = evaluate(*model, s, atoms_only);
    CHECK(r4.energy == full.energy);
    CHECK(r4.atom_energies == full.atom_energies);
  }
}

TEST_CASE("periodic models are extensive: a doubled cell has twice the energy and the same forces") {
  // Catches a model that mishandles periodic images (an atom and its own image, several images in the cutoff).
  std::mt19937_64 rng(18);
  for (const char* spec : {"sw", "lj:sigma=2.2", "morse:r0=2.3", "zbl:outer=2.5"}) {
    INFO("model " << spec);
    const auto model = make_model(spec);
    const Structure s = make_structure(rng, {{14}, 4.0, 5.0, 6, 1.9, true});
    Structure big = s;
    big.resize(2 * s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto row = static_cast<Eigen::Index>(i), row2 = static_cast<Eigen::Index>(i + s.size());
      big.numbers[i + s.size()] = s.numbers[i];
      big.positions.row(row2) = s.positions.row(row) + s.cell.row(0);
    }
    big.cell.row(0) *= 2.0;
    const EvalResult r = evaluate(*model, s, everything()), rb = evaluate(*model, big, everything());
    CHECK(rb.energy == Approx(2 * r.energy).epsilon(1e-12));
    CHECK(max_rel_diff(Matrix3N(rb.forces.topRows(r.forces.rows())), r.forces) <= 1e-11);
    CHECK(max_rel_diff(Matrix3N(rb.forces.bottomRows(r.forces.rows())), r.forces) <= 1e-11);
    CHECK(max_rel_diff(rb.virial, Mat3(2 * r.virial)) <= 1e-12);
  }
}

TEST_CASE("pairs beyond the cutoff in a list with a Verlet skin are ignored") {
  std::mt19937_64 rng(20);
  const Structure s = make_structure(rng, {{14}, 5.0, 7.0, 12, 1.9, true});
  for (const char* spec : {"sw", "lj:sigma=2.2", "morse:r0=2.3", "zbl:outer=2.5"}) {
    INFO("model " << spec);
    const auto model = make_model(spec);
    NeighborListOptions options;
    options.cutoff = model->cutoff();
    options.skin = 1.5;
    NeighborList nl(s, options);
    const EvalResult with_skin = evaluate(*model, s, nl, everything());
    const EvalResult fresh = evaluate(*model, s, everything());
    CHECK(with_skin.energy == Approx(fresh.energy).epsilon(1e-13));
    CHECK(max_rel_diff(with_skin.forces, fresh.forces) <= 1e-13);
    CHECK(max_rel_diff(with_skin.virial, fresh.virial) <= 1e-13);
  }
}
