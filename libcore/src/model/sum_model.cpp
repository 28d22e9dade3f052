#include "mlp/model/sum_model.hpp"

#include <algorithm>
#include <map>

#include "mlp/util/error.hpp"

namespace mlp {

SumModel::SumModel(std::vector<std::unique_ptr<Model>> terms) : terms_(std::move(terms)) {
  if (terms_.empty()) throw InputError("a sum model needs at least one term", "", 0, "model");
}

std::string SumModel::name() const {
  std::string out;
  for (const auto& t : terms_) out += (out.empty() ? "" : "+") + t->name();
  return out;
}

double SumModel::cutoff() const {
  double rc = 0.0;
  for (const auto& t : terms_) rc = std::max(rc, t->cutoff());
  return rc;
}

std::string SumModel::spec() const {
  if (!spec_.empty()) return spec_;
  std::string out;
  for (const auto& t : terms_) out += (out.empty() ? "" : "+") + t->spec();
  return out;
}

void SumModel::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                       EvalResult& result) const {
  // Every term accumulates into the same result and appends its own term energy; repeated names get a
  // suffix so that per-term outputs (e.g. MLP_energy_<term>) stay distinct.
  const std::size_t first = result.term_energies.size();
  for (const auto& t : terms_) t->compute(s, nl, request, result);
  std::map<std::string, int> seen;
  for (std::size_t k = first; k < result.term_energies.size(); ++k) {
    const int count = ++seen[result.term_energies[k].first];
    if (count > 1) result.term_energies[k].first += "_" + std::to_string(count);
  }
}

bool SumModel::supports(const std::vector<int>& numbers, std::string& why) const {
  for (const auto& t : terms_)
    if (!t->supports(numbers, why)) return false;
  return true;
}

bool SumModel::supports_contributing() const {
  for (const auto& t : terms_)
    if (!t->supports_contributing()) return false;
  return true;
}

int SumModel::influence_hops() const {
  int hops = 1;
  for (const auto& t : terms_) hops = std::max(hops, t->influence_hops());
  return hops;
}

bool SumModel::uses_padding_neighbors() const {
  for (const auto& t : terms_)
    if (t->uses_padding_neighbors()) return true;
  return false;
}

bool SumModel::long_range() const {
  for (const auto& t : terms_)
    if (t->long_range()) return true;
  return false;
}

bool SumModel::supports_uncertainty() const {
  for (const auto& t : terms_)
    if (t->supports_uncertainty()) return true;
  return false;
}

}  // namespace mlp
