#pragma once
// The "provenance" object a fitted model file carries (mlp/model/model_file.hpp): who fitted it, on what data
// (file names with FNV-1a hashes of their bytes), with which settings, and how well it did at the end.
#include <cstdint>
#include <string>
#include <vector>

#include "mlp/fit/dataset.hpp"
#include "mlp/fit/gap_fit.hpp"
#include "mlp/fit/linear_fit.hpp"
#include "mlp/model/error_metrics.hpp"

namespace mlp {

struct FitProvenance {
  std::string tool, version, command_line;
  std::vector<TrainingData::File> train_files, valid_files;  ///< valid_files empty for a random split
  double valid_fraction = 0.0;
  std::uint64_t seed = 0;
  const LinearFitOptions* options = nullptr;  ///< linear fits
  const LinearFitResult* fit = nullptr;
  const GapFitOptions* gap_options = nullptr;  ///< GAP fits
  const GapFitResult* gap_fit = nullptr;
  const IsolatedAtomEnergies* isolated = nullptr;
  const ErrorTable* train_errors = nullptr;
  const ErrorTable* valid_errors = nullptr;  ///< null or empty without validation frames
};

/// JSON object text: {"tool", "version", "command_line", "data": {"train": [{"path", "fnv1a64", "frames"}],
/// "valid": [...], "valid_fraction", "seed"}, "fit": {"lambda", "lambda_absolute", "jitter", "parameters",
/// "sigmas": {"energy" (eV/atom), "force" (eV/Å), "virial" (eV/atom), "by_config_type": {...}},
/// "isolated_atom_energies_origin": {...}, "loss": {"train": {...}, "valid": {...}}},
/// "metrics": {"train"|"valid": {"frames", "energy_rmse", "energy_mae" (eV/atom), "force_rmse", "force_mae"
/// (eV/Å), "stress_rmse", "stress_mae" (eV/Å^3)}}}. An "off" σ is written as null. GAP fits write instead of
/// the λ fields "delta" (eV), "zeta", "jitter" (eV²), "selection", "sparse_points" and "candidates" per element,
/// "observations".
std::string fit_provenance_json(const FitProvenance& p);

}  // namespace mlp
