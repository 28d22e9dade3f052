#pragma once
// The loop every pair energy E = Σ_{pairs} φ(r) shares (PairPotential: LJ, Morse, ZBL; the GAP two-body term),
// private to libcore/src/model.
//
// Each pair appears twice in the full list (once from each atom); each occurrence contributes half of the energy
// and virial and the whole force on its own atom i, which gives LAMMPS's half/half per-atom split without
// scattering into atom j.
// With contributing flags c (EvalRequest::contributing) a pair counts with weight (c_i + c_j)/2 in the energy,
// forces and virial, and only contributing atoms' neighbours are read (Model::uses_padding_neighbors() false): the
// occurrence i -> j of a contributing i carries half the pair's energy and virial either way; its force goes
// wholly to i when j contributes (j's own occurrence gives j its force), and is split half/half between i and
// j when j is padding (the pair's total weight is then 1/2). Per-atom values are those of contributing atoms.
#include <cstddef>

#include "mlp/core/structure.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/model/model.hpp"

namespace mlp::detail {

/// `pair(i, j, r, phi, dphi)`: for the occurrence of atom j (at distance r, Å) in atom i's list, set the pair
/// energy φ (eV) and dφ/dr (eV/Å) and return true, or return false to skip it (beyond the pair's cutoff, a pair
/// without a term). Adds energy, forces, virial, per-atom energies and virials to `result` as requested and
/// returns the energy added.
template <class PairEnergy>
double add_pair_sum(const Structure& s, const NeighborList& nl, const EvalRequest& request, EvalResult& result,
                    PairEnergy&& pair) {
  const std::uint8_t* c = request.contributing ? request.contributing->data() : nullptr;
  double energy = 0.0;
  Mat3 virial = Mat3::Zero();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (c && !c[i]) continue;
    Vec3 fi = Vec3::Zero();
    Mat3 wi = Mat3::Zero();
    double ei = 0.0;
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.distance(k);
      const auto j = static_cast<std::size_t>(nl.neighbor(k));
      double phi = 0.0, dphi = 0.0;
      if (!pair(i, j, r, phi, dphi)) continue;
      ei += 0.5 * phi;
      const Vec3& d = nl.vector(k);                // r_j − r_i
      const Vec3 g = (dphi / r) * d;               // dφ/d(r_j − r_i): force on j is −g, on i is +g
      wi.noalias() -= 0.5 * g * d.transpose();     // W = Σ_pairs F_j ⊗ d
      if (c && !c[j]) {
        fi += 0.5 * g;
        if (request.forces) result.forces.row(static_cast<Eigen::Index>(j)) -= 0.5 * g.transpose();
        continue;
      }
      fi += g;
    }
    energy += ei;
    virial += wi;
    if (request.forces) result.forces.row(static_cast<Eigen::Index>(i)) += fi.transpose();
    if (request.atom_energies) result.atom_energies[static_cast<Eigen::Index>(i)] += ei;
    if (request.atom_virials) result.atom_virials[i] += wi;
  }
  result.energy += energy;
  if (request.virial) result.virial += virial;
  return energy;
}

}  // namespace mlp::detail
