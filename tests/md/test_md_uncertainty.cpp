// Uncertainty-driven safe stops and collect mode of the MD engine, with a model whose per-atom uncertainty is
// known exactly: an atom in free flight whose energy standard deviation grows linearly with its displacement.
#include <catch2/catch.hpp>

#include <cmath>

#include "mlp/md/dynamics.hpp"
#include "mlp/model/model.hpp"
#include "mlp/util/error.hpp"

using namespace mlp;

namespace {

/// No forces; the energy of atom i has standard deviation |r_i − r_i(0)| · (1 eV/Å).
class DriftingUncertainty final : public Model {
 public:
  explicit DriftingUncertainty(Matrix3N start) : start_(std::move(start)) {}
  std::string name() const override { return "drifting"; }
  double cutoff() const override { return 1.0; }
  std::string spec() const override { return "drifting"; }
  bool supports_uncertainty() const override { return true; }
  void compute(const Structure& s, const NeighborList&, const EvalRequest& request, EvalResult& r) const override {
    r.term_energies.emplace_back(name(), 0.0);
    if (!request.uncertainty) return;
    r.has_uncertainty = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto k = static_cast<Eigen::Index>(i);
      const double var = (s.positions.row(k) - start_.row(k)).squaredNorm();
      r.atom_energy_variance[k] += var;
      r.energy_variance += var;
    }
  }

 private:
  Matrix3N start_;
};

Structure argon() {
  Structure s;
  s.numbers = {18};
  s.positions = Matrix3N::Zero(1, 3);
  return s;
}

md::Options options(double threshold, bool collect, std::size_t every) {
  md::Options o;
  o.timestep = 1.0;
  o.remove_drift = false;         // one atom: removing the drift would stop it
  o.max_temperature_factor = 0.0;  // velocities are set after construction: no runaway reference
  o.max_uncertainty = threshold;
  o.collect = collect;
  o.uncertainty_every = every;
  return o;
}

}  // namespace

TEST_CASE("md: the run stops at the first step whose uncertainty exceeds the threshold") {
  const Structure s = argon();
  const DriftingUncertainty model(s.positions);
  md::Simulation sim(model, s, options(0.105, false, 1));
  sim.velocities() << 0.01, 0.0, 0.0;  // Å/fs: the atom is 0.01·step Å away after `step` steps
  const auto stop = sim.run(100, [] {});
  REQUIRE(stop);
  CHECK(stop->step == 11);
  CHECK(stop->atoms == std::vector<std::size_t>{0});
  CHECK(stop->reason.find("uncertainty") != std::string::npos);
  CHECK(sim.max_atom_uncertainty() == Approx(0.11).epsilon(1e-12));
  CHECK(sim.frame().info.real("MLP_energy_std").value() == Approx(0.11).epsilon(1e-12));
  CHECK(sim.last_good().info.real("md_step").value_or(-1) == 10);
}

TEST_CASE("md: the uncertainty is checked every N steps only") {
  const Structure s = argon();
  const DriftingUncertainty model(s.positions);
  md::Simulation sim(model, s, options(0.105, false, 5));
  sim.velocities() << 0.01, 0.0, 0.0;
  const auto stop = sim.run(100, [] {});
  REQUIRE(stop);
  CHECK(stop->step == 15);
}

TEST_CASE("md: collect mode keeps running and reports every step above the threshold") {
  const Structure s = argon();
  const DriftingUncertainty model(s.positions);
  md::Simulation sim(model, s, options(0.105, true, 1));
  sim.velocities() << 0.01, 0.0, 0.0;
  std::vector<std::size_t> flagged;
  const auto stop = sim.run(20, [&] {
    if (sim.uncertain()) flagged.push_back(sim.uncertain()->step);
  });
  CHECK_FALSE(stop);
  REQUIRE(flagged.size() == 10);
  CHECK(flagged.front() == 11);
  CHECK(flagged.back() == 20);
}

TEST_CASE("md: max_uncertainty with a model without uncertainty is refused") {
  const Structure s = argon();
  class Plain final : public Model {
   public:
    std::string name() const override { return "plain"; }
    double cutoff() const override { return 1.0; }
    std::string spec() const override { return "plain"; }
    void compute(const Structure&, const NeighborList&, const EvalRequest&, EvalResult&) const override {}
  } plain;
  CHECK_THROWS_AS(md::Simulation(plain, s, options(0.1, false, 1)), InputError);
}
