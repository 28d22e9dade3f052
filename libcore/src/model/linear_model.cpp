#include "mlp/model/linear_model.hpp"

#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"

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
  DescriptorGradients gradients;
  const DescriptorValues q =
      request.atom_virials ? descriptor_->compute(s, nl, gradients) : descriptor_->compute(s, nl);
  DescriptorValues dE_dq;
  dE_dq.offsets = q.offsets;
  dE_dq.data.assign(q.data.size(), 0.0);
  double energy = 0.0;
  // With contributing flags (domain decomposition), E = Σ over flagged atoms of E_i: padding atoms have no
  // dE/dq of their own, yet receive forces through the descriptors of flagged atoms.
  const std::vector<std::uint8_t>* flags = request.contributing;
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::VectorXd& w = weights_.at(s.numbers[i]);
    const double e_i =
        Eigen::Map<const Eigen::VectorXd>(q.row(i), static_cast<Eigen::Index>(q.row_size(i))).dot(w) +
        isolated_.at(s.numbers[i]);
    if (request.atom_energies) result.atom_energies[static_cast<Eigen::Index>(i)] += e_i;
    if (flags && !(*flags)[i]) continue;
    Eigen::Map<Eigen::VectorXd>(dE_dq.row(i), static_cast<Eigen::Index>(q.row_size(i))) = w;
    energy += e_i;
  }
  result.energy += energy;
  if (request.forces || request.virial) {
    Matrix3N forces = Matrix3N::Zero(static_cast<Eigen::Index>(n), 3);
    Mat3 virial = Mat3::Zero();
    descriptor_->accumulate(s, nl, dE_dq, forces, virial);
    if (request.forces) result.forces += forces;
    if (request.virial) result.virial += virial;
  }
  if (request.atom_virials) {
    // Atom i's share of the virial is −dE_i/dε: the strain derivative of its own energy.
    for (std::size_t i = 0; i < n; ++i) {
      const Eigen::VectorXd& w = weights_.at(s.numbers[i]);
      const double* g = gradients.strain.data() + q.offsets[i] * 9;
      Mat3 w_i = Mat3::Zero();
      for (std::size_t k = 0; k < q.row_size(i); ++k)
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b) w_i(a, b) -= w[static_cast<Eigen::Index>(k)] * g[9 * k + 3 * a + b];
      result.atom_virials[i] += w_i;
    }
  }
  result.term_energies.emplace_back(name(), energy);
}

}  // namespace mlp
