#include "atomic_energy_model.hpp"

#include <algorithm>

#include "mlp/util/error.hpp"

namespace mlp::detail {

const NeighborList& descriptor_list(const NeighborList& nl, const EvalRequest& request, NeighborList& storage) {
  if (!request.contributing || nl.centres() == *request.contributing) return nl;
  storage = nl.restricted_to(*request.contributing);
  return storage;
}

double add_atomic_energy_result(const Descriptor& descriptor, const Structure& s, const NeighborList& nl,
                                const std::vector<double>& atom_energy, DescriptorValues& dE_dq,
                                const DescriptorGradients* gradients, const EvalRequest& request,
                                EvalResult& result) {
  const std::size_t n = s.size();
  if (request.atom_virials) {
    if (!gradients) throw ComputeError("per-atom virials need descriptor gradients", s.source, s.line, "atom_virials");
    // Atom i's share of the virial is −dE_i/dε, the strain derivative of its own energy (the whole structure's
    // split, flags or not: computed before padding rows are cleared below).
    for (std::size_t i = 0; i < n; ++i) {
      const double* g = gradients->strain.data() + dE_dq.offsets[i] * 9;
      const double* de = dE_dq.row(i);
      Mat3 w_i = Mat3::Zero();
      for (std::size_t k = 0; k < dE_dq.row_size(i); ++k)
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b) w_i(a, b) -= de[k] * g[9 * k + 3 * a + b];
      result.atom_virials[i] += w_i;
    }
  }
  const std::vector<std::uint8_t>* flags = request.contributing;
  double energy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (request.atom_energies) result.atom_energies[static_cast<Eigen::Index>(i)] += atom_energy[i];
    if (flags && !(*flags)[i]) {
      // A padding atom has no energy of its own, yet receives forces through the descriptors of flagged atoms.
      std::fill(dE_dq.data.begin() + static_cast<std::ptrdiff_t>(dE_dq.offsets[i]),
                dE_dq.data.begin() + static_cast<std::ptrdiff_t>(dE_dq.offsets[i + 1]), 0.0);
      continue;
    }
    energy += atom_energy[i];
  }
  result.energy += energy;
  if (request.forces || request.virial) {
    Matrix3N forces = Matrix3N::Zero(static_cast<Eigen::Index>(n), 3);
    Mat3 virial = Mat3::Zero();
    descriptor.accumulate(s, nl, dE_dq, forces, virial);
    if (request.forces) result.forces += forces;
    if (request.virial) result.virial += virial;
  }
  return energy;
}

}  // namespace mlp::detail
