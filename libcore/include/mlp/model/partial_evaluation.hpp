#pragma once
// Evaluation of a structure whose atoms are flagged contributing or padding: the building block of domain
// decomposition (the KIM-API driver for LAMMPS, kim/). The energy is the sum of the per-atom energies of the
// contributing atoms, the forces (on every atom, padding included) are its exact gradient, the virial is that
// of this energy; per-atom energies and virials are those of the whole structure, exact for contributing atoms
// whose surroundings (up to the model's influence distance) are all present.
#include <cstdint>
#include <vector>

#include "mlp/model/model.hpp"

namespace mlp {

/// Evaluate `model` on `s` (periodic or not) with per-atom flags `contributing` (1/0, one per atom). `nl` (full
/// list, model cutoff, Verlet `skin` in Å) is refreshed when it was built for as many atoms with the same cutoff
/// and skin (and no atom moved more than skin/2), else rebuilt. Throws InputError when the model does not support contributing flags
/// (Model::supports_contributing()) or an element, or the flags do not match the structure; ComputeError when
/// a number is not finite.
EvalResult evaluate_contributing(const Model& model, const Structure& s, NeighborList& nl,
                                 const std::vector<std::uint8_t>& contributing, EvalRequest request = {},
                                 double skin = 0.0);

}  // namespace mlp
