#include "mlp/model/linear_model.hpp"

#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"
#include "atomic_energy_model.hpp"

namespace mlp {

LinearModel::LinearModel(std::shared_ptr<const Descriptor> descriptor, std::map<int, Eigen::VectorXd> weights,
                         std::map<int, double> isolated_energies)
    : descriptor_(std::move(descriptor)), weights_(std::move(weights)), isolated_(std::move(isolated_energies)) {
  if (!descriptor_) throw InputError("linear model without a descriptor", "", 0, "descriptor");
  for (int z : descriptor_->elements()) {
    const std::string symbol = element_symbol(z);
    const auto w = weights_.find(z);
    if (w == weights_.end()) throw InputError("linear model: no weights for " + symbol, "", 0, "weights");
    if (static_cast<std::size_t>(w->second.size()) != descriptor_->size(z))
      throw InputError("linear model: " + std::to_string(w->second.size()) + " weights for " + symbol +
                           " but the descriptor has " + std::to_string(descriptor_->size(z)) + " values",
                       "", 0, "weights");
    if (!w->second.allFinite()) throw InputError("linear model: non-finite weight for " + symbol, "", 0, "weights");
    const auto b = isolated_.find(z);
    if (b == isolated_.end())
      throw InputError("linear model: no isolated-atom energy for " + symbol, "", 0, "isolated_atom_energies");
    if (!std::isfinite(b->second))
      throw InputError("linear model: non-finite isolated-atom energy for " + symbol, "", 0,
                       "isolated_atom_energies");
  }
  for (const auto& kv : weights_)
    if (descriptor_->size(kv.first) == 0)
      throw InputError("linear model: weights for " + element_symbol(kv.first) +
                           ", which is not a centre element of the descriptor",
                       "", 0, "weights");
}

std::string LinearModel::spec() const {
  return spec_.empty() ? "linear:descriptor=" + descriptor_hash(*descriptor_) : spec_;
}

bool LinearModel::supports(const std::vector<int>& numbers, std::string& why) const {
  for (int z : numbers)
    if (weights_.find(z) == weights_.end()) {
      why = "linear model has no weights for element " + element_symbol(z) + " (it describes";
      for (int e : descriptor_->elements()) why += " " + element_symbol(e);
      why += ")";
      return false;
    }
  return true;
}

void LinearModel::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                          EvalResult& result) const {
  const std::size_t n = s.size();
  std::string why;
  if (!supports(s.numbers, why)) throw InputError(why, s.source, s.line, "species");
  // Per-atom virials need the strain gradient of each atom's own energy; otherwise accumulate() is cheaper.
  NeighborList restricted;  // with contributing flags: only flagged atoms' environments
  const NeighborList& list = detail::descriptor_list(nl, request, restricted);
  DescriptorGradients gradients;
  const DescriptorValues q =
      request.atom_virials ? descriptor_->compute(s, list, gradients) : descriptor_->compute(s, list);
  DescriptorValues dE_dq{q.offsets, std::vector<double>(q.data.size())};
  std::vector<double> atom_energy(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::VectorXd& w = weights_.at(s.numbers[i]);
    const auto size = static_cast<Eigen::Index>(q.row_size(i));
    atom_energy[i] = Eigen::Map<const Eigen::VectorXd>(q.row(i), size).dot(w) + isolated_.at(s.numbers[i]);
    Eigen::Map<Eigen::VectorXd>(dE_dq.row(i), size) = w;
  }
  const double energy = detail::add_atomic_energy_result(*descriptor_, s, list, atom_energy, dE_dq, &gradients,
                                                         request, result, this);
  result.term_energies.emplace_back(name(), energy);
}

}  // namespace mlp
