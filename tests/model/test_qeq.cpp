// Charge equilibration (mlp/model/qeq.hpp) and the electrostatic potential it is built on: φ = ∂E/∂q against
// finite differences (molecule and periodic, bare and smeared), the equilibrium conditions, a two-atom case solved
// independently by bisection, forces and virial against finite differences (Hellmann-Feynman), invariance, the
// total-charge constraint and the bounded response to fields far beyond any physical strength.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "mlp/model/ewald.hpp"
#include "mlp/model/model.hpp"
#include "mlp/model/qeq.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
using mlp::test::max_rel_diff;

namespace {

const char* kNaCl = "qeq:chi_Na=-2.0,J_Na=8.0,qmax_Na=1.5,chi_Cl=3.0,J_Cl=10.0,qmax_Cl=1.5,sigma=0.8";

Structure molecule(std::mt19937_64& rng, std::size_t n = 6) {
  return test::random_structure(rng, n, {11, 17}, Mat3::Identity() * 6.0, {false, false, false}, 1.9);
}

Structure crystal(std::mt19937_64& rng) {
  return test::random_structure(rng, 8, {11, 17}, test::random_cell(rng, 6.0, 7.5), {true, true, true}, 1.9);
}

double electrostatic_energy(const Structure& s, const std::vector<double>& q, const ElectrostaticsOptions& o) {
  EvalRequest none;
  none.forces = none.virial = false;
  EvalResult r;
  r.reset(s.size(), none);
  NeighborListOptions lo;
  lo.cutoff = electrostatics_cutoff(o);
  return add_electrostatics(s, NeighborList(s, lo), q, o, none, r);
}

EvalRequest everything() {
  EvalRequest r;
  r.forces = r.virial = r.atom_energies = true;
  return r;
}

}  // namespace

TEST_CASE("electrostatic potential equals dE/dq", "[model][qeq]") {
  std::mt19937_64 rng(3);
  for (bool periodic : {false, true})
    for (double sigma : {0.0, 0.7}) {
      INFO("periodic " << periodic << " sigma " << sigma);
      const Structure s = periodic ? crystal(rng) : molecule(rng);
      ElectrostaticsOptions o;
      o.sigma = sigma;
      o.accuracy = 1e-10;
      std::vector<double> q(s.size());
      std::uniform_real_distribution<double> u(-1.0, 1.0);
      for (double& x : q) x = u(rng);
      q[1] = 0.0;  // an uncharged atom still feels the potential
      NeighborListOptions lo;
      lo.cutoff = electrostatics_cutoff(o);
      const std::vector<double> phi = electrostatic_potential(s, NeighborList(s, lo), q, o);
      double e_sum = 0.0;
      for (std::size_t i = 0; i < q.size(); ++i) e_sum += 0.5 * q[i] * phi[i];
      CHECK(e_sum == Approx(electrostatic_energy(s, q, o)).epsilon(1e-11));
      for (std::size_t i = 0; i < q.size(); ++i) {
        auto qp = q, qm = q;
        qp[i] += 1e-4, qm[i] -= 1e-4;
        const double fd = (electrostatic_energy(s, qp, o) - electrostatic_energy(s, qm, o)) / 2e-4;
        CHECK(phi[i] == Approx(fd).epsilon(1e-8).margin(1e-9));
      }
    }
}

TEST_CASE("QEq: charges satisfy the constraint and the equilibrium condition", "[model][qeq]") {
  std::mt19937_64 rng(5);
  const auto model = make_model(kNaCl);
  const auto& qeq = dynamic_cast<const ChargeEquilibration&>(*model);
  for (double total : {0.0, 1.0, -0.5})
    for (bool periodic : {false, true}) {
      Structure s = periodic ? crystal(rng) : molecule(rng);
      s.info.set("total_charge", total);
      const EvalResult r = evaluate(*model, s, everything());
      REQUIRE(r.has_charges);
      CHECK(r.charges.sum() == Approx(total).margin(1e-12));
      // ∂E/∂q_i is the same for every atom (the Lagrange multiplier): check by moving charge between two atoms.
      NeighborListOptions lo;
      lo.cutoff = electrostatics_cutoff(qeq.parameters().electrostatics);
      const NeighborList nl(s, lo);
      double e0 = 0.0;
      const std::vector<double> q = qeq.equilibrate(s, nl, &e0);
      CHECK(r.energy == Approx(e0).epsilon(1e-12));
      CHECK(r.atom_energies.sum() == Approx(r.energy).epsilon(1e-10));
      for (int sign : {-1, 1}) {  // E(q + δ(e_0 − e_1)) ≥ E(q): a constrained minimum
        Structure t = s;
        (void)t;
        std::vector<double> shifted = q;
        shifted[0] += sign * 1e-3, shifted[1] -= sign * 1e-3;
        // Energy of arbitrary charges: electrostatics + self + χ terms, recomputed here independently.
        auto energy_of = [&](const std::vector<double>& c) {
          double e = electrostatic_energy(s, c, qeq.parameters().electrostatics);
          for (std::size_t i = 0; i < c.size(); ++i) {
            const auto& p = qeq.parameters().elements.at(s.numbers[i]);
            e += p.chi * c[i] - 0.5 * p.hardness * p.qmax * p.qmax * std::log(1.0 - c[i] * c[i] / (p.qmax * p.qmax)) +
                 14.399645 * c[i] * c[i] / (2.0 * 0.8 * std::sqrt(M_PI));  // Gaussian self-energy, σ = 0.8 Å
          }
          return e;
        };
        CHECK(energy_of(q) == Approx(e0).epsilon(1e-11));
        CHECK(energy_of(shifted) > e0);
      }
    }
}

TEST_CASE("QEq: a heteronuclear dimer matches an independent bisection", "[model][qeq]") {
  // Na at the origin, Cl at r; q_Cl = −q_Na = x. dE/dx = 0: (χ_Cl − χ_Na) + s'_Cl(x) − s'_Na(−x)·(−1)... written out:
  // E(x) = χ_Na(−x) + χ_Cl x + s_Na(−x) + s_Cl(x) − k_e x² erf(r/2σ)/r + 2 k_e x²/(2σ√π).
  const double r = 2.4, sigma = 0.8, ke = 14.399645;
  const auto model = make_model(kNaCl);
  Structure s;
  s.resize(2);
  s.numbers = {11, 17};
  s.positions << 0, 0, 0, r, 0, 0;
  const EvalResult res = evaluate(*model, s, everything());
  auto dE = [&](double x) {
    const double a = 1.5;
    auto ds = [&](double J, double q) { return J * q / (1.0 - q * q / (a * a)); };
    return -(-2.0) + 3.0 + (-ds(8.0, -x)) + ds(10.0, x) - 2.0 * ke * x * std::erf(r / (2 * sigma)) / r +
           2.0 * ke * x / (sigma * std::sqrt(M_PI));  // two Gaussian self-energies
  };
  // dE/dx at x: −χ_Na + χ_Cl − s'_Na(−x) + s'_Cl(x) − 2 k_e x erf/r; root in (−1.5, 1.5).
  double lo = -1.4999999, hi = 1.4999999;
  for (int k = 0; k < 200; ++k) {
    const double mid = 0.5 * (lo + hi);
    (dE(mid) > 0 ? hi : lo) = mid;
  }
  CHECK(res.charges(1) == Approx(0.5 * (lo + hi)).epsilon(1e-10));
  CHECK(res.charges(0) == Approx(-0.5 * (lo + hi)).epsilon(1e-10));
  CHECK(res.charges(1) < 0.0);  // Cl (higher χ) takes the electron: negative charge
}

TEST_CASE("QEq: forces and virial equal finite differences", "[model][qeq]") {
  std::mt19937_64 rng(11);
  const auto model = make_model(kNaCl);
  const auto energy = [&](const Structure& t) {
    EvalRequest q;
    q.forces = q.virial = false;
    return evaluate(*model, t, q).energy;
  };
  Structure mol = molecule(rng, 7);
  mol.info.set("external_field", std::vector<double>{0.05, -0.02, 0.03});
  mol.info.set("total_charge", 1.0);
  EvalResult r = evaluate(*model, mol, everything());
  CHECK(max_rel_diff(r.forces, test::fd_forces(energy, mol, 1e-5)) < 1e-7);
  // A field breaks rotational symmetry: the virial is not symmetric, symmetric strains see its symmetric part.
  const Mat3 symmetric = 0.5 * (r.virial + r.virial.transpose());
  CHECK(max_rel_diff(symmetric, test::fd_virial(energy, mol, 1e-6)) < 1e-7);
  const Structure cell = crystal(rng);
  r = evaluate(*model, cell, everything());
  CHECK(max_rel_diff(r.forces, test::fd_forces(energy, cell, 1e-5)) < 1e-7);
  CHECK(max_rel_diff(r.virial, test::fd_virial(energy, cell, 1e-6)) < 1e-7);
}

TEST_CASE("QEq: invariant to rotation and translation without a field", "[model][qeq]") {
  std::mt19937_64 rng(13);
  const auto model = make_model(kNaCl);
  const Structure s = molecule(rng, 8);
  const EvalResult a = evaluate(*model, s, everything());
  Structure t = s;
  const Mat3 R = test::random_rotation(rng);
  t.positions = (s.positions * R.transpose()).rowwise() + Eigen::RowVector3d(1.0, -2.0, 0.5);
  const EvalResult b = evaluate(*model, t, everything());
  CHECK(std::abs(a.energy - b.energy) < 1e-10 * std::abs(a.energy));
  CHECK((a.charges - b.charges).cwiseAbs().maxCoeff() < 1e-10);
  CHECK(max_rel_diff(b.forces, a.forces * R.transpose()) < 1e-10);
}

TEST_CASE("QEq: the response to any field stays bounded", "[model][qeq]") {
  // A chain of 10 alternating atoms along x in fields up to 1000 V/Å: plain QEq would give charges and a dipole
  // growing linearly with the field; the barrier keeps |q| < qmax and the dipole below Σ qmax |x_i − x_c|.
  const auto model = make_model(kNaCl);
  Structure s;
  s.resize(10);
  for (int i = 0; i < 10; ++i) {
    s.numbers[static_cast<std::size_t>(i)] = i % 2 ? 17 : 11;
    s.positions.row(i) << 2.5 * i, 0.0, 0.0;
  }
  const double bound = 1.5 * 2.5 * (4.5 + 3.5 + 2.5 + 1.5 + 0.5) * 2;
  double previous = 0.0, permanent = 0.0;
  for (double f : {0.0, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0}) {
    s.info.set("external_field", std::vector<double>{f, 0.0, 0.0});
    const EvalResult r = evaluate(*model, s, everything());
    double dipole = 0.0;
    for (int i = 0; i < 10; ++i) dipole += r.charges(i) * (s.positions(i, 0) - 11.25);
    INFO("field " << f << " V/Å: dipole " << dipole << " e·Å, max |q| " << r.charges.cwiseAbs().maxCoeff());
    CHECK(r.charges.cwiseAbs().maxCoeff() < 1.5);
    CHECK(std::abs(dipole) < bound);
    if (f == 0.0) permanent = dipole;
    const double induced = dipole - permanent;
    CHECK(induced >= previous - 1e-9);  // grows monotonically with the field (a positive-definite response)
    previous = induced;
    CHECK(std::isfinite(r.energy));
  }
}

TEST_CASE("QEq: bad parameters and inputs are refused", "[model][qeq]") {
  CHECK_THROWS_AS(make_model("qeq:chi_Na=1"), InputError);                       // no hardness
  CHECK_THROWS_AS(make_model("qeq:chi_Na=1,J_Na=5,sigma=0"), InputError);        // point charges
  CHECK_THROWS_AS(make_model("qeq:chi_Na=1,J_Na=-5"), InputError);               // negative hardness
  CHECK_THROWS_AS(make_model("qeq:chi_Na=1,J_Na=5,color=3"), InputError);        // unknown key
  const auto model = make_model(kNaCl);
  CHECK(make_model(model->spec())->spec() == model->spec());
  std::mt19937_64 rng(17);
  Structure cell = crystal(rng);
  cell.info.set("external_field", std::vector<double>{0.1, 0.0, 0.0});
  CHECK_THROWS_AS(evaluate(*model, cell, everything()), InputError);  // no field in a periodic cell
  Structure mol = molecule(rng, 4);
  mol.info.set("total_charge", 7.0);  // more than 4 atoms × 1.5 e can hold
  CHECK_THROWS_AS(evaluate(*model, mol, everything()), InputError);
  Structure argon = mol;
  argon.numbers[0] = 18;
  std::string why;
  CHECK_FALSE(model->supports(argon.numbers, why));
}

TEST_CASE("QEq: the charge response dq/dchi equals finite differences", "[model][qeq]") {
  std::mt19937_64 rng(19);
  for (bool periodic : {false, true}) {
    Structure s = periodic ? crystal(rng) : molecule(rng, 6);
    s.info.set("total_charge", 0.5);
    ElectrostaticsOptions o;
    o.sigma = 0.9;
    o.rcut = 12.0;
    NeighborListOptions lo;
    lo.cutoff = electrostatics_cutoff(o);
    const NeighborList nl(s, lo);
    QeqAtoms atoms;
    for (std::size_t i = 0; i < s.size(); ++i) {
      atoms.chi.push_back(s.numbers[i] == 11 ? -1.0 + 0.1 * static_cast<double>(i) : 2.0);
      atoms.hardness.push_back(6.0);
      atoms.qmax.push_back(1.2);
    }
    const QeqSolution base = solve_qeq(s, nl, atoms, o, 1e-13, true);
    REQUIRE(base.response.rows() == static_cast<Eigen::Index>(s.size()));
    for (std::size_t j = 0; j < s.size(); ++j) {
      QeqAtoms plus = atoms, minus = atoms;
      plus.chi[j] += 1e-5, minus.chi[j] -= 1e-5;
      const auto qp = solve_qeq(s, nl, plus, o, 1e-13).charges, qm = solve_qeq(s, nl, minus, o, 1e-13).charges;
      for (std::size_t i = 0; i < s.size(); ++i)
        CHECK(base.response(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) ==
              Approx((qp[i] - qm[i]) / 2e-5).margin(1e-7));
      CHECK(std::abs(base.response.col(static_cast<Eigen::Index>(j)).sum()) < 1e-12);
    }
  }
}
