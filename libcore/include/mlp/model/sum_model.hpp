#pragma once
// A model that is the sum of other models ("zbl+lj", or the lines of a model file): energies, forces, virials
// and per-atom values add; term_energies lists each term's energy in order, under the term's name (a name that
// repeats gets a suffix: "lj", "lj_2", ...).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mlp/model/model.hpp"

namespace mlp {

class SumModel final : public Model {
 public:
  explicit SumModel(std::vector<std::unique_ptr<Model>> terms);

  /// Term names joined by '+', e.g. "zbl+lj".
  std::string name() const override;
  /// Largest cutoff of the terms (Å).
  double cutoff() const override;
  /// Term specs joined by '+', or what set_spec() gave.
  std::string spec() const override;
  /// Make spec() return `spec` (a model file holding a learned term and its baseline: the file's path recreates
  /// the whole sum, whereas "file+zbl:..." would count the baseline twice).
  void set_spec(std::string spec) { spec_ = std::move(spec); }
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  /// True if every term honours EvalRequest::contributing.
  bool supports_contributing() const override;
  /// The largest of the terms'.
  int influence_hops() const override;
  bool uses_padding_neighbors() const override;
  /// True if any term is long-range.
  bool long_range() const override;
  /// True if any term has an uncertainty (the others are taken as exact).
  bool supports_uncertainty() const override;
  const std::vector<std::unique_ptr<Model>>& terms() const { return terms_; }

 private:
  std::vector<std::unique_ptr<Model>> terms_;
  std::string spec_;  ///< empty: joined term specs
};

}  // namespace mlp
