#include "mlp/model/bpnn_model.hpp"

#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"
#include "atomic_energy_model.hpp"

namespace mlp {

BpnnModel::BpnnModel(std::shared_ptr<const Descriptor> descriptor, std::map<int, BpnnElement> elements)
    : descriptor_(std::move(descriptor)), elements_(std::move(elements)) {
  if (!descriptor_) throw InputError("bpnn model without a descriptor", "", 0, "descriptor");
  std::size_t members = 0;
  for (int z : descriptor_->elements()) {
    const std::string symbol = element_symbol(z);
    const auto it = elements_.find(z);
    if (it == elements_.end()) throw InputError("bpnn model: no networks for " + symbol, "", 0, "networks");
    const BpnnElement& e = it->second;
    const auto size = static_cast<Eigen::Index>(descriptor_->size(z));
    if (e.input_shift.size() != size || e.input_scale.size() != size)
      throw InputError("bpnn model: input scaling of " + symbol + " has " + std::to_string(e.input_shift.size()) +
                           " values but the descriptor has " + std::to_string(size),
                       "", 0, "scaling");
    if (!e.input_shift.allFinite() || !e.input_scale.allFinite() || !std::isfinite(e.input_offset) ||
        !std::isfinite(e.energy_scale) || !std::isfinite(e.energy_shift))
      throw InputError("bpnn model: non-finite scaling for " + symbol, "", 0, "scaling");
    if (e.committee.empty()) throw InputError("bpnn model: no network for " + symbol, "", 0, "networks");
    if (members == 0) members = e.committee.size();
    if (e.committee.size() != members)
      throw InputError("bpnn model: committees of different sizes (" + std::to_string(members) + " and " +
                           std::to_string(e.committee.size()) + " for " + symbol + ")",
                       "", 0, "networks");
    for (const DenseNetwork& net : e.committee) {
      if (net.inputs() != size)
        throw InputError("bpnn model: network of " + symbol + " has " + std::to_string(net.inputs()) +
                             " inputs but the descriptor has " + std::to_string(size) + " values",
                         "", 0, "networks");
      for (double p : net.parameters())
        if (!std::isfinite(p)) throw InputError("bpnn model: non-finite weight for " + symbol, "", 0, "weights");
    }
  }
  for (const auto& kv : elements_)
    if (descriptor_->size(kv.first) == 0)
      throw InputError("bpnn model: networks for " + element_symbol(kv.first) +
                           ", which is not a centre element of the descriptor",
                       "", 0, "networks");
}

std::string BpnnModel::spec() const {
  return spec_.empty() ? "bpnn:descriptor=" + descriptor_hash(*descriptor_) : spec_;
}

std::size_t BpnnModel::committee_size() const {
  return elements_.empty() ? 0 : elements_.begin()->second.committee.size();
}

bool BpnnModel::supports(const std::vector<int>& numbers, std::string& why) const {
  for (int z : numbers)
    if (elements_.find(z) == elements_.end()) {
      why = "bpnn model has no network for element " + element_symbol(z) + " (it describes";
      for (const auto& kv : elements_) why += " " + element_symbol(kv.first);
      why += ")";
      return false;
    }
  return true;
}

Eigen::MatrixXd BpnnModel::atomic_energies(const DescriptorValues& q, const std::vector<int>& numbers,
                                           std::vector<DescriptorValues>* dE_dq,
                                           const std::vector<std::uint8_t>* only) const {
  const std::size_t n = numbers.size(), members = committee_size();
  Eigen::MatrixXd energies = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(members));
  if (dE_dq) {
    dE_dq->assign(members, DescriptorValues{q.offsets, std::vector<double>(q.data.size(), 0.0)});
  }
  // Atoms of one element go through each network together (matrix-matrix products).
  for (const auto& [z, e] : elements_) {
    std::vector<std::size_t> atoms;
    for (std::size_t i = 0; i < n; ++i)
      if (numbers[i] == z && (!only || (*only)[i])) atoms.push_back(i);
    if (atoms.empty()) continue;
    const Eigen::Index size = e.input_shift.size(), count = static_cast<Eigen::Index>(atoms.size());
    Eigen::MatrixXd X(size, count);
    for (Eigen::Index c = 0; c < count; ++c) {
      const Eigen::Map<const Eigen::VectorXd> row(q.row(atoms[static_cast<std::size_t>(c)]), size);
      X.col(c) = ((row - e.input_shift).array() * e.input_scale.array() + e.input_offset).matrix();
    }
    Eigen::VectorXd y;
    Eigen::MatrixXd dy_dx;
    for (std::size_t m = 0; m < members; ++m) {
      e.committee[m].evaluate(X, y, dE_dq ? &dy_dx : nullptr);
      for (Eigen::Index c = 0; c < count; ++c) {
        const std::size_t i = atoms[static_cast<std::size_t>(c)];
        energies(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(m)) = e.energy_scale * y(c) + e.energy_shift;
        if (dE_dq)
          Eigen::Map<Eigen::VectorXd>((*dE_dq)[m].row(i), size) =
              e.energy_scale * (dy_dx.col(c).array() * e.input_scale.array()).matrix();
      }
    }
  }
  return energies;
}

void BpnnModel::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                        EvalResult& result) const {
  const std::size_t n = s.size(), members = committee_size();
  const auto N = static_cast<Eigen::Index>(n);
  std::string why;
  if (!supports(s.numbers, why)) throw InputError(why, s.source, s.line, "species");
  NeighborList restricted;  // with contributing flags: only flagged atoms' environments
  const NeighborList& list = detail::descriptor_list(nl, request, restricted);
  DescriptorGradients gradients;
  const DescriptorValues q =
      request.atom_virials ? descriptor_->compute(s, list, gradients) : descriptor_->compute(s, list);
  const bool derivatives = request.forces || request.virial || request.atom_virials;
  std::vector<DescriptorValues> member_dE_dq;
  const Eigen::MatrixXd e = atomic_energies(q, s.numbers, derivatives ? &member_dE_dq : nullptr, request.contributing);
  const double inv_m = 1.0 / static_cast<double>(members);
  const Eigen::VectorXd mean = e.rowwise().mean();
  const std::vector<std::uint8_t>* flags = request.contributing;
  const auto counts = [&](std::size_t i) { return !flags || (*flags)[i]; };
  Eigen::VectorXd member_totals = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(members));
  for (std::size_t i = 0; i < n; ++i)
    if (counts(i)) member_totals += e.row(static_cast<Eigen::Index>(i)).transpose();

  // The committee mean: energies and dE/dq (forces are linear in it).
  DescriptorValues dE_dq{q.offsets, std::vector<double>(q.data.size(), 0.0)};
  if (derivatives)
    for (std::size_t k = 0; k < q.data.size(); ++k) {
      double sum = 0.0;
      for (std::size_t m = 0; m < members; ++m) sum += member_dE_dq[m].data[k];
      dE_dq.data[k] = sum * inv_m;
    }
  const std::vector<double> atom_energy(mean.data(), mean.data() + mean.size());
  const double energy =
      detail::add_atomic_energy_result(*descriptor_, s, list, atom_energy, dE_dq, &gradients, request, result, this);
  if (request.uncertainty && members > 1) {
    result.has_uncertainty = true;
    result.energy_variance += (member_totals.array() - member_totals.mean()).square().sum() * inv_m;
    if (result.atom_energy_variance.size() != N) result.atom_energy_variance = Eigen::VectorXd::Zero(N);
    for (Eigen::Index i = 0; i < N; ++i)
      result.atom_energy_variance[i] += (e.row(i).array() - mean(i)).square().sum() * inv_m;
    if (request.forces) {
      // Each member's forces: one accumulate() per member (only when the spread is asked for).
      std::vector<Matrix3N> member_forces;
      Matrix3N sum = Matrix3N::Zero(N, 3);
      for (std::size_t m = 0; m < members; ++m) {
        DescriptorValues d = member_dE_dq[m];
        if (flags)
          for (std::size_t i = 0; i < n; ++i)
            if (!counts(i)) std::fill(d.data.begin() + static_cast<std::ptrdiff_t>(q.offsets[i]),
                                      d.data.begin() + static_cast<std::ptrdiff_t>(q.offsets[i + 1]), 0.0);
        Matrix3N f = Matrix3N::Zero(N, 3);
        Mat3 unused = Mat3::Zero();
        descriptor_->accumulate(s, list, d, f, unused);
        sum += f;
        member_forces.push_back(std::move(f));
      }
      // Two passes (mean, then squared deviations): identical members give exactly 0.
      const Matrix3N mean_f = sum * inv_m;
      Matrix3N var = Matrix3N::Zero(N, 3);
      for (const Matrix3N& f : member_forces) var.array() += (f - mean_f).array().square();
      var *= inv_m;
      if (result.forces_variance.rows() != N) result.forces_variance = Matrix3N::Zero(N, 3);
      result.forces_variance += var;
    }
  }
  result.term_energies.emplace_back(name(), energy);
}

}  // namespace mlp
