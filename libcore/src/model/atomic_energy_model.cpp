#include "atomic_energy_model.hpp"

#include <algorithm>

#include "mlp/util/error.hpp"

namespace mlp::detail {

const NeighborList& descriptor_list(const NeighborList& nl, const EvalRequest& request, NeighborList& storage) {
  if (!request.contributing || nl.centres() == *request.contributing) return nl;
  storage = nl.restricted_to(*request.contributing);
  return storage;
}

namespace {

// The inner cutoff's part: scales atom energies and dE/dq rows by s_i and returns, per atom, the derivatives of
// s_i times the learned energy b_i, as gradients g = dE/d(r_j − r_i) of the pairs of the list.
struct SwitchTerms {
  std::vector<std::pair<std::size_t, Vec3>> pair_gradients;  // (pair index, g in eV/Å), atom by atom
  std::vector<std::size_t> first;                            // per atom: offset into pair_gradients (n + 1)
};

SwitchTerms apply_inner_cutoff(const DescriptorModel& owner, const Structure& s, const NeighborList& nl,
                               std::vector<double>& atom_energy, DescriptorValues& dE_dq) {
  const std::size_t n = s.size();
  SwitchTerms terms;
  terms.first.assign(n + 1, 0);
  std::vector<std::pair<std::size_t, double>> ds_dr;
  for (std::size_t i = 0; i < n; ++i) {
    const double switch_i = owner.inner_cutoff().factor(s, nl, i, &ds_dr);
    if (switch_i != 1.0 || !ds_dr.empty()) {
      const double reference = owner.reference_energy(s.numbers[i]);
      const double learned = atom_energy[i] - reference;
      const InnerCutoffBlend blend = inner_cutoff_blend(learned, switch_i);
      atom_energy[i] = reference + blend.energy;
      double* row = dE_dq.row(i);
      for (std::size_t k = 0; k < dE_dq.row_size(i); ++k) row[k] *= blend.d_learned;
      for (const auto& [pair, slope] : ds_dr)
        terms.pair_gradients.emplace_back(pair, (blend.d_switch * slope / nl.distance(pair)) * nl.vector(pair));
    }
    terms.first[i + 1] = terms.pair_gradients.size();
  }
  return terms;
}

}  // namespace

double add_atomic_energy_result(const Descriptor& descriptor, const Structure& s, const NeighborList& nl,
                                std::vector<double> atom_energy, DescriptorValues& dE_dq,
                                const DescriptorGradients* gradients, const EvalRequest& request,
                                EvalResult& result, const DescriptorModel* owner) {
  const std::size_t n = s.size();
  SwitchTerms switched;
  if (owner && !owner->inner_cutoff().empty()) switched = apply_inner_cutoff(*owner, s, nl, atom_energy, dE_dq);
  const auto switch_virial = [&](std::size_t i) {  // −dE_i/dε of the switch: −Σ_pairs g ⊗ d
    Mat3 w = Mat3::Zero();
    if (switched.first.empty()) return w;
    for (std::size_t m = switched.first[i]; m < switched.first[i + 1]; ++m)
      w.noalias() -= switched.pair_gradients[m].second * nl.vector(switched.pair_gradients[m].first).transpose();
    return w;
  };
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
      result.atom_virials[i] += w_i + switch_virial(i);
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
    if (!switched.first.empty())
      for (std::size_t i = 0; i < n; ++i) {
        if (flags && !(*flags)[i]) continue;
        for (std::size_t m = switched.first[i]; m < switched.first[i + 1]; ++m) {
          const auto& [pair, g] = switched.pair_gradients[m];
          forces.row(static_cast<Eigen::Index>(i)) += g.transpose();
          forces.row(nl.neighbor(pair)) -= g.transpose();
        }
        virial += switch_virial(i);
      }
    if (request.forces) result.forces += forces;
    if (request.virial) result.virial += virial;
  }
  return energy;
}

}  // namespace mlp::detail
