#include "mlp/model/learned_charges.hpp"

#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"
#include "atomic_energy_model.hpp"

namespace mlp {

LearnedCharges::LearnedCharges(std::shared_ptr<const Descriptor> descriptor,
                               std::map<int, LearnedChargeElement> elements, ElectrostaticsOptions electrostatics)
    : descriptor_(std::move(descriptor)), elements_(std::move(elements)), electrostatics_(electrostatics) {
  if (!descriptor_) throw InputError("learned charges without a descriptor", "", 0, "descriptor");
  if (!(electrostatics_.sigma > 0.0))
    throw InputError("learned charges need Gaussian charges (sigma > 0)", "", 0, "sigma");
  for (int z : descriptor_->elements()) {
    const std::string symbol = element_symbol(z);
    const auto it = elements_.find(z);
    if (it == elements_.end()) throw InputError("learned charges: no weights for " + symbol, "", 0, "weights");
    const LearnedChargeElement& e = it->second;
    if (static_cast<std::size_t>(e.weights.size()) != descriptor_->size(z))
      throw InputError("learned charges: " + std::to_string(e.weights.size()) + " weights for " + symbol +
                           " but the descriptor has " + std::to_string(descriptor_->size(z)) + " values",
                       "", 0, "weights");
    if (!e.weights.allFinite() || !std::isfinite(e.bias))
      throw InputError("learned charges: non-finite weight for " + symbol, "", 0, "weights");
    if (!(e.hardness > 0.0 && std::isfinite(e.hardness) && e.qmax > 0.0 && std::isfinite(e.qmax)))
      throw InputError("learned charges: " + symbol + " needs hardness > 0 and qmax > 0", "", 0, "hardness");
  }
  for (const auto& kv : elements_)
    if (descriptor_->size(kv.first) == 0)
      throw InputError("learned charges: weights for " + element_symbol(kv.first) +
                           ", which is not a centre element of the descriptor",
                       "", 0, "weights");
}

std::string LearnedCharges::spec() const {
  return spec_.empty() ? "learned_charges:descriptor=" + descriptor_hash(*descriptor_) : spec_;
}

bool LearnedCharges::supports(const std::vector<int>& numbers, std::string& why) const {
  for (int z : numbers)
    if (!elements_.count(z)) {
      why = "learned charge model has no weights for element " + element_symbol(z);
      return false;
    }
  return true;
}

QeqAtoms LearnedCharges::atom_parameters(const DescriptorValues& q, const std::vector<int>& numbers) const {
  QeqAtoms atoms;
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    const LearnedChargeElement& e = elements_.at(numbers[i]);
    const auto size = static_cast<Eigen::Index>(q.row_size(i));
    atoms.chi.push_back(e.weights.dot(Eigen::Map<const Eigen::VectorXd>(q.row(i), size)) + e.bias);
    atoms.hardness.push_back(e.hardness);
    atoms.qmax.push_back(e.qmax);
  }
  return atoms;
}

void LearnedCharges::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                             EvalResult& result) const {
  std::string why;
  if (!supports(s.numbers, why)) throw InputError(why, s.source, s.line, "species");
  DescriptorGradients gradients;
  const DescriptorValues q = request.atom_virials ? descriptor_->compute(s, nl, gradients) : descriptor_->compute(s, nl);
  const QeqAtoms atoms = atom_parameters(q, s.numbers);
  const QeqSolution solution = solve_qeq(s, nl, atoms, electrostatics_);
  double energy = add_qeq_result(s, nl, atoms, solution.charges, electrostatics_, request, result);
  // The χ term's position dependence: dE/dq_i = q_i w_Z through the descriptor.
  if (request.forces || request.virial || request.atom_virials) {
    DescriptorValues dE_dq{q.offsets, std::vector<double>(q.data.size())};
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto size = static_cast<Eigen::Index>(q.row_size(i));
      Eigen::Map<Eigen::VectorXd>(dE_dq.row(i), size) = solution.charges[i] * elements_.at(s.numbers[i]).weights;
    }
    // Energies were added above; the shared helper adds the forces, virial and per-atom virials of dE/dq.
    const std::vector<double> no_energy(s.size(), 0.0);
    EvalRequest derivatives = request;
    derivatives.atom_energies = false;
    detail::add_atomic_energy_result(*descriptor_, s, nl, no_energy, dE_dq, &gradients, derivatives, result);
  }
  result.term_energies.emplace_back(name(), energy);
}

}  // namespace mlp
