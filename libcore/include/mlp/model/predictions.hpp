#pragma once
// Storing a model's predictions in a frame under their own keys, never over reference labels.
#include <optional>
#include <string>

#include "mlp/core/structure.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

struct PredictionKeys {
  std::string prefix = "MLP_";  ///< keys are <prefix>energy, <prefix>forces, <prefix>stress, <prefix>energies,
                                ///< <prefix>energy_<term>
  bool atom_energies = false;   ///< write <prefix>energies (per-atom energies, eV)
  bool terms = false;           ///< write <prefix>energy_<term> for each term of a composite model (eV)
};

/// Predicted stress (eV/Å^3, ASE sign) if the frame is periodic in all three directions, else nullopt.
std::optional<Mat3> predicted_stress(const Structure& s, const EvalResult& r);

/// Add predictions to the frame: energy (info, eV), forces (array R:3, eV/Å), stress (info, 9 reals, eV/Å^3, only
/// for 3D-periodic frames), optionally per-atom energies and per-term energies, and, when the result has an
/// uncertainty, standard deviations <prefix>energy_std (info, eV), <prefix>energies_std (R:1, eV per atom) and
/// <prefix>forces_std (R:3, eV/Å, models that provide it), and <prefix>charges (R:1, e) from models that compute
/// charges (qeq). Throws InputError if a target key
/// is also the name of a reference label in `labels` (predictions never overwrite references).
void attach_predictions(Structure& s, const EvalResult& r, const PredictionKeys& keys, const LabelKeys& labels);

}  // namespace mlp
