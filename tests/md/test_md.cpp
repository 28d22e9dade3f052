// Molecular dynamics: integrators against analytic solutions, energy conservation, canonical sampling of the
// thermostats, barostat pressure, bit-identical restarts and the safe stops.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/md/dynamics.hpp"
#include "mlp/md/units.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
using md::kAmuA2PerFs2;
using md::kBoltzmann;

namespace {

// ---- test models ----------------------------------------------------------------------------------------------

// Harmonic bonds E = Σ_{pairs r < cutoff} ½k(r − r0)², through the neighbour list (as real models do).
class Springs final : public Model {
 public:
  Springs(double k, double r0, double cutoff) : k_(k), r0_(r0), rc_(cutoff) {}
  std::string name() const override { return "springs"; }
  double cutoff() const override { return rc_; }
  std::string spec() const override { return "springs"; }
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& req, EvalResult& r) const override {
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
        const double d = nl.distance(k);
        if (d >= rc_) continue;
        r.energy += 0.25 * k_ * (d - r0_) * (d - r0_);  // each pair twice in a full list
        const Vec3 f = k_ * (d - r0_) / d * nl.vector(k);  // force on i, half of the pair's (seen twice)
        if (req.forces) {
          r.forces.row(static_cast<Eigen::Index>(i)) += 0.5 * f.transpose();
          r.forces.row(nl.neighbor(k)) -= 0.5 * f.transpose();
        }
        if (req.virial) r.virial -= 0.5 * nl.vector(k) * f.transpose();  // W = Σ_pairs d ⊗ F_j
      }
  }

 private:
  double k_, r0_, rc_;
};

// Independent anharmonic wells E = Σ ½k|r − c|² + ¼a|r − c|⁴ around fixed centres: an ideal heat bath test system.
class Wells final : public Model {
 public:
  Wells(Matrix3N centres, double k, double a) : c_(std::move(centres)), k_(k), a_(a) {}
  std::string name() const override { return "wells"; }
  double cutoff() const override { return 0.5; }
  std::string spec() const override { return "wells"; }
  void compute(const Structure& s, const NeighborList&, const EvalRequest&, EvalResult& r) const override {
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(s.size()); ++i) {
      const Eigen::RowVector3d d = s.positions.row(i) - c_.row(i);
      const double d2 = d.squaredNorm();
      r.energy += 0.5 * k_ * d2 + 0.25 * a_ * d2 * d2;
      r.forces.row(i) = -(k_ + a_ * d2) * d;
    }
  }

 private:
  Matrix3N c_;
  double k_, a_;
};

// Gives NaN energy and forces once atom 0 has moved past x = limit.
class NanBeyond final : public Model {
 public:
  explicit NanBeyond(double limit) : limit_(limit) {}
  std::string name() const override { return "nan_beyond"; }
  double cutoff() const override { return 0.5; }
  std::string spec() const override { return "nan_beyond"; }
  void compute(const Structure& s, const NeighborList&, const EvalRequest&, EvalResult& r) const override {
    if (s.positions(0, 0) > limit_) {
      r.energy = NAN;
      r.forces.setConstant(NAN);
    }
  }

 private:
  double limit_;
};

Structure diamond(int n, double a, int z) {
  const double basis[8][3] = {{0, 0, 0},          {0, 0.5, 0.5},      {0.5, 0, 0.5},   {0.5, 0.5, 0},
                              {0.25, 0.25, 0.25}, {0.25, 0.75, 0.75}, {0.75, 0.25, 0.75}, {0.75, 0.75, 0.25}};
  Structure s;
  s.resize(static_cast<std::size_t>(8 * n * n * n));
  Eigen::Index k = 0;
  for (int x = 0; x < n; ++x)
    for (int y = 0; y < n; ++y)
      for (int w = 0; w < n; ++w)
        for (const auto& b : basis) {
          s.positions.row(k) << (x + b[0]) * a, (y + b[1]) * a, (w + b[2]) * a;
          s.numbers[static_cast<std::size_t>(k++)] = z;
        }
  s.cell = Mat3::Identity() * (a * n);
  s.pbc = {true, true, true};
  return s;
}

Structure fcc(int n, double a, int z) {
  const double basis[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  Structure s;
  s.resize(static_cast<std::size_t>(4 * n * n * n));
  Eigen::Index k = 0;
  for (int x = 0; x < n; ++x)
    for (int y = 0; y < n; ++y)
      for (int w = 0; w < n; ++w)
        for (const auto& b : basis) {
          s.positions.row(k) << (x + b[0]) * a, (y + b[1]) * a, (w + b[2]) * a;
          s.numbers[static_cast<std::size_t>(k++)] = z;
        }
  s.cell = Mat3::Identity() * (a * n);
  s.pbc = {true, true, true};
  return s;
}

// Mean of x and its standard error from `blocks` block averages (robust to correlation when the blocks are much
// longer than the correlation time).
struct BlockStats {
  double mean = 0.0, se = 0.0;
};
BlockStats block_stats(const std::vector<double>& x, std::size_t blocks) {
  const std::size_t len = x.size() / blocks;
  std::vector<double> means(blocks, 0.0);
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t i = 0; i < len; ++i) means[b] += x[b * len + i];
    means[b] /= static_cast<double>(len);
  }
  BlockStats st;
  for (double m : means) st.mean += m / static_cast<double>(blocks);
  double var = 0.0;
  for (double m : means) var += (m - st.mean) * (m - st.mean) / static_cast<double>(blocks - 1);
  st.se = std::sqrt(var / static_cast<double>(blocks));
  return st;
}

// Energy conservation of an NVE run: largest |E(t) − E(0)| per atom and the drift (least-squares slope) per atom
// per ps, over `steps` steps.
struct Conservation {
  double max_error = 0.0;  // eV/atom
  double drift = 0.0;      // eV/atom/ps
};
Conservation nve_run(const Model& model, const Structure& start, double dt, double t0, double ps,
                     md::Ensemble ensemble = md::Ensemble::NVE) {
  md::Options o;
  o.ensemble = ensemble;
  o.temperature = t0;
  o.tau_t = 50.0;
  o.timestep = dt;
  o.seed = 7;
  md::Simulation sim(model, start, o);
  sim.set_maxwell_boltzmann(t0);
  const double e0 = sim.thermo().conserved;
  const auto steps = static_cast<std::size_t>(std::lround(ps * 1000.0 / dt));
  const double n = static_cast<double>(start.size());
  Conservation c;
  double st = 0, se = 0, stt = 0, ste = 0, m = 0;
  auto stop = sim.run(steps, [&] {
    const double e = (sim.thermo().conserved - e0) / n, t = sim.time() / 1000.0;
    c.max_error = std::max(c.max_error, std::abs(e));
    st += t, se += e, stt += t * t, ste += t * e, m += 1;
  });
  REQUIRE_FALSE(stop);
  c.drift = (m * ste - st * se) / (m * stt - st * st);
  return c;
}

}  // namespace

TEST_CASE("units come from CODATA and pressures need a unit", "[md]") {
  CHECK(kBoltzmann == Approx(8.617333262e-5).epsilon(1e-10));
  CHECK(kAmuA2PerFs2 == Approx(103.6426965).epsilon(1e-9));
  CHECK(md::ase_time_unit_fs() == Approx(10.1805057).epsilon(1e-8));
  CHECK(md::parse_pressure("1bar", "p") == Approx(1.0 / md::kBarPerEvA3).epsilon(1e-14));
  CHECK(md::parse_pressure("1.5GPa", "p") == Approx(1.5 / md::kGPaPerEvA3).epsilon(1e-14));
  CHECK(md::parse_pressure("-2e3 bar", "p") == Approx(-2e3 / md::kBarPerEvA3).epsilon(1e-14));
  CHECK(md::parse_pressure("0.01eV/A^3", "p") == 0.01);
  CHECK_THROWS_AS(md::parse_pressure("1", "p"), InputError);
  CHECK_THROWS_AS(md::parse_pressure("1 psi", "p"), InputError);
  CHECK_THROWS_AS(md::parse_pressure("bar", "p"), InputError);
}

TEST_CASE("a harmonic diatomic follows the analytic solution (and velocity Verlet's exact discrete one)", "[md]") {
  const double k = 5.0, r0 = 2.0, a0 = 0.1, dt = 0.5;
  Springs model(k, r0, 4.0);
  Structure s;
  s.resize(2);
  s.numbers = {14, 14};
  s.positions << 0, 0, 0, r0 + a0, 0, 0;
  md::Options o;
  o.timestep = dt;
  o.max_temperature_factor = 0;
  md::Simulation sim(model, s, o);
  const double mu = 0.5 * atomic_mass(14);
  const double w = std::sqrt(k / (mu * kAmuA2PerFs2));          // 1/fs
  const double wd = std::acos(1.0 - 0.5 * (w * dt) * (w * dt)) / dt;  // velocity Verlet's frequency
  double worst_discrete = 0, worst_analytic = 0;
  const std::size_t steps = static_cast<std::size_t>(3 * 2 * M_PI / w / dt);  // three periods
  REQUIRE_FALSE(sim.run(steps, [&] {
    const double r = (sim.structure().positions.row(1) - sim.structure().positions.row(0)).norm();
    worst_discrete = std::max(worst_discrete, std::abs(r - r0 - a0 * std::cos(wd * sim.time())));
    worst_analytic = std::max(worst_analytic, std::abs(r - r0 - a0 * std::cos(w * sim.time())));
  }));
  INFO("period " << 2 * M_PI / w << " fs, phase error bound " << a0 * (wd - w) * sim.time());
  CHECK(worst_discrete < 1e-10 * a0 * 1e3);
  // Analytic solution: the only error is the frequency shift ω̃ − ω = ω³dt²/24 + ..., a phase error ≤ a0·(ω̃−ω)·t.
  CHECK(worst_analytic <= 1.01 * a0 * (wd - w) * sim.time());
  CHECK(worst_analytic > 0.2 * a0 * (wd - w) * sim.time());
  // Energy (½kx² + ½μv²) stays within the O(dt²) modified-energy bound of velocity Verlet.
  CHECK(sim.thermo().total == Approx(0.5 * k * a0 * a0).epsilon(0.25 * (w * dt) * (w * dt)));
}

TEST_CASE("NVE conserves energy for Stillinger-Weber silicon with an O(dt^2) error", "[md][nve]") {
  const auto model = make_model("sw");
  const Structure si = diamond(2, 5.431, 14);  // 64 atoms
  const auto c1 = nve_run(*model, si, 1.0, 2000.0, 0.5);
  const auto c2 = nve_run(*model, si, 0.5, 2000.0, 0.5);
  WARN("SW Si 64 atoms ~1000 K: max |dE| " << c1.max_error << " eV/atom at dt 1 fs, " << c2.max_error
                                           << " at 0.5 fs (ratio " << c1.max_error / c2.max_error
                                           << "); drift " << c1.drift << ", " << c2.drift << " eV/atom/ps");
  CHECK(c1.max_error < 1e-3);  // 0.37 meV/atom measured at 1 fs
  CHECK(c1.max_error / c2.max_error == Approx(4.0).epsilon(0.3));
  CHECK(std::abs(c1.drift) < 0.1 * c1.max_error / 0.5);
  CHECK(std::abs(c2.drift) < 0.1 * c2.max_error / 0.5);
}

TEST_CASE("NVE conserves energy for Lennard-Jones argon with an O(dt^2) error", "[md][nve]") {
  const auto model = make_model("lj:epsilon=0.0104,sigma=3.4");
  const Structure ar = fcc(3, 5.26, 18);  // 108 atoms
  const auto c1 = nve_run(*model, ar, 8.0, 60.0, 2.0);
  const auto c2 = nve_run(*model, ar, 4.0, 60.0, 2.0);
  WARN("LJ Ar 108 atoms: max |dE| " << c1.max_error << " eV/atom at dt 8 fs, " << c2.max_error << " at 4 fs (ratio "
                                    << c1.max_error / c2.max_error << "); drift " << c1.drift << ", " << c2.drift
                                    << " eV/atom/ps");
  CHECK(c1.max_error < 3e-5);  // 9 µeV/atom measured at 8 fs
  CHECK(c1.max_error / c2.max_error == Approx(4.0).epsilon(0.3));
  CHECK(std::abs(c1.drift) < 0.1 * c1.max_error / 2.0);
}

TEST_CASE("each thermostat's conserved quantity is conserved to the integrator's O(dt^2) error", "[md][thermostat]") {
  const auto model = make_model("sw");
  const Structure si = diamond(2, 5.431, 14);
  for (const auto e : {md::Ensemble::Langevin, md::Ensemble::Bussi, md::Ensemble::NoseHoover}) {
    const auto c1 = nve_run(*model, si, 1.0, 1000.0, 0.5, e);
    const auto c2 = nve_run(*model, si, 0.5, 1000.0, 0.5, e);
    WARN(md::ensemble_name(e) << " SW Si 64 atoms 1000 K: max |dH| " << c1.max_error << " eV/atom at dt 1 fs, "
                              << c2.max_error << " at 0.5 fs (ratio " << c1.max_error / c2.max_error << "); drift "
                              << c1.drift << ", " << c2.drift << " eV/atom/ps");
    CHECK(c1.max_error < 1e-3);
    CHECK(c1.max_error / c2.max_error > 2.5);
    CHECK(c1.max_error / c2.max_error < 6.0);
  }
}

TEST_CASE("Maxwell-Boltzmann velocities: exact temperature, zero momentum, reproducible with the seed", "[md]") {
  const auto model = make_model("sw");
  md::Options o;
  o.seed = 11;
  md::Simulation a(*model, diamond(2, 5.431, 14), o), b(*model, diamond(2, 5.431, 14), o);
  a.set_maxwell_boltzmann(500.0);
  b.set_maxwell_boltzmann(500.0);
  CHECK(a.temperature() == Approx(500.0).epsilon(1e-12));
  CHECK(a.degrees_of_freedom() == 3 * 64 - 3);
  Eigen::RowVector3d p = Eigen::RowVector3d::Zero();
  for (Eigen::Index i = 0; i < 64; ++i) p += a.masses()[i] * a.velocities().row(i);
  CHECK(p.norm() < 1e-12);
  CHECK(a.velocities() == b.velocities());
  o.seed = 12;
  md::Simulation c(*model, diamond(2, 5.431, 14), o);
  c.set_maxwell_boltzmann(500.0);
  CHECK(a.velocities() != c.velocities());
}

TEST_CASE("negative or non-finite temperatures are refused rather than turned into NaN velocities", "[md]") {
  const auto model = make_model("sw");
  md::Options o;
  md::Simulation a(*model, diamond(2, 5.431, 14), o);
  CHECK_THROWS_AS(a.set_maxwell_boltzmann(-10.0), InputError);
  CHECK_THROWS_AS(a.set_maxwell_boltzmann(std::nan("")), InputError);
  a.set_maxwell_boltzmann(0.0);
  CHECK(a.temperature() == 0.0);
  o.temperature = -10.0;  // NVE too: it is the default initial temperature
  CHECK_THROWS_AS(md::Simulation(*model, diamond(2, 5.431, 14), o), InputError);
  o.temperature = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(md::Simulation(*model, diamond(2, 5.431, 14), o), InputError);
}

TEST_CASE("velocities are read in Å/fs, ASE momenta converted, masses and fixed atoms from columns", "[md]") {
  Structure s;
  s.resize(2);
  s.numbers = {1, 8};
  s.positions << 0, 0, 0, 3, 0, 0;
  AtomArray p;
  p.reals = {1.0, 0, 0, -1.0, 0, 0};
  p.width = 3;
  s.arrays.set("momenta", p);
  AtomArray m;
  m.reals = {2.0, 16.0};
  s.arrays.set("masses", m);
  auto model = make_model("lj:epsilon=0.001,sigma=1.0");
  md::Options o;
  o.remove_drift = false;
  md::Simulation sim(*model, s, o);
  REQUIRE(sim.has_input_velocities());
  CHECK(sim.velocities()(0, 0) == Approx(1.0 / 2.0 / 10.1805057).epsilon(1e-8));
  CHECK(sim.velocities()(1, 0) == Approx(-1.0 / 16.0 / 10.1805057).epsilon(1e-8));
  // Written back as `velocities` in Å/fs with the masses, and read back identically.
  const std::string text = to_extxyz(sim.frame());
  CHECK(text.find("velocities:R:3") != std::string::npos);
  CHECK(text.find("masses:R:1") != std::string::npos);
  std::istringstream in(text);
  ExtxyzReader reader(in, "frame");
  Structure back;
  REQUIRE(reader.read(back));
  md::Simulation again(*model, back, o);
  CHECK(again.velocities() == sim.velocities());
  CHECK(again.masses() == sim.masses());

  AtomArray f;
  f.type = ColumnType::Logical;
  f.logicals = {1, 0};
  s.arrays.set("fixed", f);
  md::Simulation fixed(*model, s, o);
  CHECK(fixed.degrees_of_freedom() == 3);
  CHECK(fixed.velocities().row(0).norm() == 0.0);
  REQUIRE_FALSE(fixed.run(20, [] {}));
  CHECK(fixed.structure().positions.row(0).norm() == 0.0);
  CHECK(fixed.structure().positions(1, 0) != 3.0);
}

namespace {

// Kinetic energy samples of a thermostatted run of 64 atoms in anharmonic wells (3N degrees of freedom).
void check_canonical(md::Ensemble ensemble) {
  const double t = 300.0;
  Structure s = fcc(2, 4.0, 14);
  s.pbc = {false, false, false};
  s.cell.setZero();
  Wells model(s.positions, 2.0, 1.0);
  md::Options o;
  o.ensemble = ensemble;
  o.temperature = t;
  o.timestep = 2.0;
  o.tau_t = 50.0;
  o.remove_drift = false;
  o.seed = 2024;
  md::Simulation sim(model, s, o);
  sim.set_maxwell_boltzmann(t);
  const double nf = static_cast<double>(sim.degrees_of_freedom());
  REQUIRE(nf == 3 * 32);
  REQUIRE_FALSE(sim.run(2000, [] {}));  // equilibration, 4 ps
  std::vector<double> k, k2;
  const double kt = kBoltzmann * t;
  const double mean = 0.5 * nf * kt;
  REQUIRE_FALSE(sim.run(2000 + 100000, [&] {
    const double e = sim.kinetic_energy();
    k.push_back(e);
    k2.push_back((e - mean) * (e - mean));
  }));
  const auto m = block_stats(k, 25), v = block_stats(k2, 25);
  const double var = 0.5 * nf * kt * kt;
  INFO(md::ensemble_name(ensemble) << ": <K> " << m.mean << " ± " << m.se << " eV (canonical " << mean
                                   << "), var " << v.mean << " ± " << v.se << " eV^2 (canonical " << var << ")");
  // The test must be able to fail: the statistical errors are small against the quantities tested...
  CHECK(m.se < 0.01 * mean);
  CHECK(v.se < 0.08 * var);
  // ...and the canonical values lie within 5 standard errors.
  CHECK(std::abs(m.mean - mean) < 5 * m.se);
  CHECK(std::abs(v.mean - var) < 5 * v.se);
  // Conserved quantity: bounded (no systematic drift beyond the integrator error).
  CHECK(std::abs(sim.thermo().drift) < 1e-3);
}

}  // namespace

TEST_CASE("Langevin (BAOAB) samples the canonical kinetic energy distribution", "[md][thermostat]") {
  check_canonical(md::Ensemble::Langevin);
}
TEST_CASE("Bussi velocity rescaling samples the canonical kinetic energy distribution", "[md][thermostat]") {
  check_canonical(md::Ensemble::Bussi);
}
TEST_CASE("Nosé-Hoover chains sample the canonical kinetic energy distribution", "[md][thermostat]") {
  check_canonical(md::Ensemble::NoseHoover);
}

TEST_CASE("a run split by a checkpoint continues bit-identically", "[md][restart]") {
  const auto model = make_model("sw");
  struct Case {
    md::Ensemble e;
    md::Barostat b;
  };
  for (const Case c : {Case{md::Ensemble::NVE, md::Barostat::None}, Case{md::Ensemble::Langevin, md::Barostat::None},
                       Case{md::Ensemble::Bussi, md::Barostat::None}, Case{md::Ensemble::NoseHoover, md::Barostat::None},
                       Case{md::Ensemble::Bussi, md::Barostat::Isotropic},
                       Case{md::Ensemble::Langevin, md::Barostat::Anisotropic}}) {
    md::Options o;
    o.ensemble = c.e;
    o.barostat = c.b;
    o.temperature = 1200;
    o.checkpoint_every = 25;
    o.skin = 0.3;  // several list rebuilds between checkpoints
    o.virial_every = 5;
    o.seed = 99;
    o.compressibility = 1e-2;  // a lively cell
    o.tau_p = 100;
    INFO(md::ensemble_name(c.e) << "/" << md::barostat_name(c.b));
    md::Simulation whole(*model, diamond(2, 5.431, 14), o);
    whole.set_maxwell_boltzmann(1200);
    std::string checkpoint;
    REQUIRE_FALSE(whole.run(100, [&] {
      if (whole.step_count() == 50) {
        std::ostringstream out;
        whole.write_checkpoint(out);
        checkpoint = out.str();
      }
    }));
    CHECK(whole.neighbor_list_builds() > 4);
    std::istringstream in(checkpoint);
    ExtxyzReader reader(in, "checkpoint");
    Structure c50;
    REQUIRE(reader.read(c50));
    md::Simulation second(*model, c50, o);
    second.restore(c50);
    CHECK(second.step_count() == 50);
    REQUIRE_FALSE(second.run(100, [] {}));
    CHECK(second.structure().positions == whole.structure().positions);
    CHECK(second.velocities() == whole.velocities());
    CHECK(second.structure().cell == whole.structure().cell);
    CHECK(second.thermo().conserved == whole.thermo().conserved);
    CHECK(to_extxyz(second.frame()) == to_extxyz(whole.frame()));
  }
}

TEST_CASE("a checkpoint of another ensemble or time step is refused", "[md][restart]") {
  const auto model = make_model("sw");
  md::Options o;
  o.ensemble = md::Ensemble::Langevin;
  md::Simulation a(*model, diamond(1, 5.431, 14), o);
  std::ostringstream out;
  a.write_checkpoint(out);
  std::istringstream in(out.str());
  ExtxyzReader reader(in, "checkpoint");
  Structure c;
  REQUIRE(reader.read(c));
  o.ensemble = md::Ensemble::Bussi;
  md::Simulation b(*model, c, o);
  CHECK_THROWS_AS(b.restore(c), InputError);
  o.ensemble = md::Ensemble::Langevin;
  o.timestep = 2.0;
  md::Simulation d(*model, c, o);
  CHECK_THROWS_AS(d.restore(c), InputError);
}

TEST_CASE("safe stops: atoms too close, non-finite energy, temperature runaway", "[md][stop]") {
  SECTION("two atoms thrown at each other stop at the covalent-radius distance") {
    Structure s;
    s.resize(2);
    s.numbers = {14, 14};
    s.positions << 0, 0, 0, 3.0, 0, 0;
    auto model = make_model("lj:epsilon=0.01,sigma=1.0");  // weak repulsion: they get close
    md::Options o;
    o.max_temperature_factor = 0;
    md::Simulation sim(*model, s, o);
    sim.velocities() << 0.05, 0, 0, -0.05, 0, 0;  // Å/fs
    const auto stop = sim.run(1000, [] {});
    REQUIRE(stop);
    CHECK(stop->atoms == std::vector<std::size_t>{0, 1});
    CHECK(stop->reason.find("Si 0 and Si 1") != std::string::npos);
    CHECK(sim.min_distance(0, 1) == Approx(covalent_radius(14)));
    const Structure bad = sim.frame(), good = sim.last_good();
    CHECK(std::get<std::int64_t>(*bad.info.find("md_step")) == static_cast<std::int64_t>(stop->step));
    CHECK(std::get<std::int64_t>(*good.info.find("md_step")) == static_cast<std::int64_t>(stop->step - 1));
    CHECK((good.positions.row(1) - good.positions.row(0)).norm() >= sim.min_distance(0, 1));
    CHECK((bad.positions.row(1) - bad.positions.row(0)).norm() < sim.min_distance(0, 1));
  }
  SECTION("a model that returns NaN stops the run with the step") {
    Structure s;
    s.resize(1);
    s.numbers = {14};
    s.positions << 0, 0, 0;
    NanBeyond model(0.505);
    md::Options o;
    o.max_temperature_factor = 0;
    md::Simulation sim(model, s, o);
    sim.velocities() << 0.01, 0, 0;
    const auto stop = sim.run(1000, [] {});
    REQUIRE(stop);
    CHECK(stop->step == 51);
    CHECK(stop->reason.find("non-finite") != std::string::npos);
    CHECK(std::isnan(*sim.frame().info.real("MLP_energy")));
    CHECK(*sim.last_good().info.real("MLP_energy") == 0.0);
    CHECK(std::get<std::int64_t>(*sim.last_good().info.find("md_step")) == 50);
  }
  SECTION("an atom pushed into its neighbour heats the crystal beyond the factor") {
    auto model = make_model("lj:epsilon=0.0104,sigma=3.4");
    md::Options o;
    o.max_temperature_factor = 5;
    Structure s = fcc(3, 5.26, 18);
    s.positions.row(0) << 0.93, 0.93, 0.0;  // 2.4 Å from a neighbour: ~2.7 eV released
    md::Simulation sim(*model, s, o);
    sim.set_maxwell_boltzmann(20.0);
    const auto stop = sim.run(2000, [] {});
    REQUIRE(stop);
    CHECK(stop->reason.find("runaway") != std::string::npos);
    CHECK(sim.temperature() > 100.0);
    CHECK(stop->atoms.size() == 1);
  }
}

TEST_CASE("the NPT conserved quantity converges with the time step", "[md][barostat]") {
  const auto model = make_model("lj:epsilon=0.0104,sigma=3.4");
  double worst[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    md::Options o;
    o.ensemble = md::Ensemble::Bussi;
    o.barostat = md::Barostat::Isotropic;
    o.temperature = 40.0;
    o.pressure = md::parse_pressure("0.1GPa", "p");
    o.timestep = k == 0 ? 10.0 : 5.0;
    o.tau_p = 500.0;
    o.compressibility = 1e-4 * md::kBarPerEvA3;  // 1e-4 /bar
    md::Simulation sim(*model, fcc(3, 5.26, 18), o);
    sim.set_maxwell_boltzmann(40.0);
    REQUIRE_FALSE(sim.run(static_cast<std::size_t>(8000 / o.timestep), [&] {
      worst[k] = std::max(worst[k], std::abs(sim.thermo().drift));
    }));
    CHECK(sim.structure().volume() != fcc(3, 5.26, 18).volume());
  }
  WARN("NPT LJ Ar 108 atoms, 8 ps: max |drift| " << worst[0] << " eV/atom at dt 10 fs, " << worst[1] << " at 5 fs");
  CHECK(worst[0] < 3e-5);
  CHECK(worst[1] < 0.6 * worst[0]);
}

TEST_CASE("the stochastic cell rescaling barostat reaches the target mean pressure", "[md][barostat]") {
  const auto model = make_model("lj:epsilon=0.0104,sigma=3.4");
  for (const auto b : {md::Barostat::Isotropic, md::Barostat::Anisotropic}) {
    md::Options o;
    o.ensemble = md::Ensemble::Bussi;
    o.barostat = b;
    o.temperature = 40.0;
    o.pressure = md::parse_pressure("0.1GPa", "p");
    o.timestep = 5.0;
    o.tau_t = 100.0;
    o.tau_p = 200.0;
    o.compressibility = 1.0 / md::parse_pressure("1GPa", "p");  // 1/GPa, Å^3/eV
    o.seed = 5;
    md::Simulation sim(*model, fcc(3, 5.26, 18), o);
    sim.set_maxwell_boltzmann(40.0);
    REQUIRE_FALSE(sim.run(1000, [] {}));
    std::vector<double> p, pxx, pyy, pzz;
    REQUIRE_FALSE(sim.run(1000 + 6000, [&] {
      p.push_back(sim.pressure());
      const Mat3 t = sim.pressure_tensor();
      pxx.push_back(t(0, 0)), pyy.push_back(t(1, 1)), pzz.push_back(t(2, 2));
    }));
    const auto ps = block_stats(p, 20);
    CHECK(sim.pressure_tensor().trace() / 3 == Approx(sim.pressure()).epsilon(1e-12));
    if (b == md::Barostat::Anisotropic)
      for (const auto* axis : {&pxx, &pyy, &pzz}) {
        const auto pa = block_stats(*axis, 20);
        INFO("axis pressure " << pa.mean * md::kGPaPerEvA3 << " ± " << pa.se * md::kGPaPerEvA3 << " GPa");
        CHECK(std::abs(pa.mean - o.pressure) < 5 * pa.se);
        CHECK(pa.se * md::kGPaPerEvA3 < 0.02);
      }
    WARN(md::barostat_name(b) << ": <P> " << ps.mean * md::kGPaPerEvA3 << " ± " << ps.se * md::kGPaPerEvA3
                              << " GPa, target 0.1 GPa");
    CHECK(ps.se * md::kGPaPerEvA3 < 0.01);
    CHECK(std::abs(ps.mean - o.pressure) < 5 * ps.se);
  }
}
