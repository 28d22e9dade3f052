// The uncertainty path of the Model interface: variances of independent terms add up in a sum model, exact terms
// add nothing, predictions carry standard deviations under MLP_*_std keys, and a non-finite variance is refused.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>

#include "mlp/model/model.hpp"
#include "mlp/model/predictions.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/model/sum_model.hpp"
#include "mlp/util/error.hpp"

using namespace mlp;

namespace {

/// A model whose every atom has energy 0 ± `sd` (eV): stands in for a GAP/committee model.
class UncertainModel final : public Model {
 public:
  explicit UncertainModel(double sd) : sd_(sd) {}
  std::string name() const override { return "uncertain"; }
  double cutoff() const override { return 1.0; }
  std::string spec() const override { return "uncertain"; }
  bool supports_uncertainty() const override { return true; }
  void compute(const Structure& s, const NeighborList&, const EvalRequest& request, EvalResult& r) const override {
    r.term_energies.emplace_back(name(), 0.0);
    if (!request.uncertainty) return;
    r.has_uncertainty = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      r.atom_energy_variance[static_cast<Eigen::Index>(i)] += sd_ * sd_;
      r.energy_variance += sd_ * sd_;  // atoms taken as uncorrelated here
    }
  }

 private:
  double sd_;
};

Structure dimer() {
  Structure s;
  s.numbers = {14, 14};
  s.positions = Matrix3N(2, 3);
  s.positions << 0, 0, 0, 2.4, 0, 0;
  return s;
}

}  // namespace

TEST_CASE("uncertainty: variances add over terms, exact terms add nothing, std written under MLP_*_std") {
  std::vector<std::unique_ptr<Model>> terms;
  terms.push_back(std::make_unique<UncertainModel>(0.3));
  terms.push_back(make_model("sw"));
  terms.push_back(std::make_unique<UncertainModel>(0.4));
  const SumModel sum(std::move(terms));
  CHECK(sum.supports_uncertainty());
  CHECK_FALSE(make_model("sw")->supports_uncertainty());

  Structure s = dimer();
  EvalRequest request;
  request.uncertainty = true;
  const EvalResult r = evaluate(sum, s, request);
  REQUIRE(r.has_uncertainty);
  CHECK(r.atom_energy_variance[0] == Approx(0.25).epsilon(1e-14));  // 0.3² + 0.4²
  CHECK(r.energy_variance == Approx(0.5).epsilon(1e-14));

  attach_predictions(s, r, PredictionKeys{}, LabelKeys{});
  CHECK(s.info.real("MLP_energy_std").value() == Approx(std::sqrt(0.5)).epsilon(1e-14));
  const AtomArray* col = s.arrays.find("MLP_energies_std");
  REQUIRE(col != nullptr);
  CHECK(col->reals[1] == Approx(0.5).epsilon(1e-14));
  CHECK(s.arrays.find("MLP_forces_std") == nullptr);  // no model provided force variances

  const EvalResult plain = evaluate(sum, dimer(), EvalRequest{});
  CHECK_FALSE(plain.has_uncertainty);
}

TEST_CASE("uncertainty: a non-finite variance is a ComputeError") {
  const UncertainModel bad(std::numeric_limits<double>::quiet_NaN());
  EvalRequest request;
  request.uncertainty = true;
  CHECK_THROWS_AS(evaluate(bad, dimer(), request), ComputeError);
}
