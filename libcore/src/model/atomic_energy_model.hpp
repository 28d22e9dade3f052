#pragma once
// The part that every descriptor-based model E = Σ_i E_i(q_i) (linear, GAP, BPNN) shares: from the atomic
// energies E_i (eV) and their derivatives dE_i/dq_i, fill an EvalResult as requested (energy, per-atom energies,
// forces and virial through Descriptor::accumulate(), per-atom virials through the strain gradients), honouring
// EvalRequest::contributing (domain decomposition: only flagged atoms' energies count, every atom gets forces).
#include <vector>

#include "mlp/desc/descriptor.hpp"
#include "mlp/model/descriptor_model.hpp"

namespace mlp::detail {

/// The list a descriptor model computes its rows on: with contributing flags, a copy in which only flagged atoms
/// have neighbours (stored in `storage`), so that the environments of padding atoms, never used, cost nothing;
/// otherwise `nl` itself.
const NeighborList& descriptor_list(const NeighborList& nl, const EvalRequest& request, NeighborList& storage);

/// `dE_dq` has the layout of the rows (same offsets); rows of atoms that do not count are zeroed here.
/// `gradients` (strain part) is needed only for per-atom virials (may be null otherwise). With `owner` (the
/// model, non-null for energy models), its inner cutoff is applied: E_i -> e_ref + s_i (E_i - e_ref), with the
/// forces and virials of the switch (mlp/model/inner_cutoff.hpp). Returns the energy added.
double add_atomic_energy_result(const Descriptor& descriptor, const Structure& s, const NeighborList& nl,
                                std::vector<double> atom_energy, DescriptorValues& dE_dq,
                                const DescriptorGradients* gradients, const EvalRequest& request,
                                EvalResult& result, const DescriptorModel* owner = nullptr);

}  // namespace mlp::detail
