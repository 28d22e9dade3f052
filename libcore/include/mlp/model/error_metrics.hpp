#pragma once
// Prediction errors against reference labels, overall and per config_type, as the field reports them.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlp/core/types.hpp"

namespace mlp {

/// Running mean absolute and root-mean-square error of one quantity.
struct ErrorStat {
  std::size_t count = 0;
  double sum_abs = 0.0, sum_sq = 0.0, max_abs = 0.0;
  void add(double error);
  double mae() const { return count ? sum_abs / count : 0.0; }
  double rmse() const;
};

/// The metrics of one group of frames. Definitions (also printed in the table header):
/// - energy:   (E_pred − E_ref) / N_atoms per frame, eV/atom
/// - force:    every Cartesian component F_pred,ia − F_ref,ia, eV/Å
/// - force_vec: |F_pred,i − F_ref,i| per atom (norm of the error vector), eV/Å
/// - stress:   every component of the 3×3 tensor σ_pred − σ_ref, eV/Å^3 (only frames with a stress label,
///             periodic in all three directions)
/// - charge:   q_pred,i − q_ref,i per atom, e (models that compute charges, frames with reference charges)
struct ErrorGroup {
  std::size_t frames = 0;
  ErrorStat energy, force, force_vec, stress, charge;
};

/// Reference/predicted pairs kept for parity plots (energy per atom in eV/atom, force components in eV/Å).
struct ParityData {
  std::vector<double> energy_ref, energy_pred, force_ref, force_pred;
};

class ErrorTable {
 public:
  /// Record one frame. Labels that are absent are simply not counted. `config_type` "" = none.
  void add(const std::string& config_type, std::size_t atoms, std::optional<double> energy_ref, double energy_pred,
           const std::optional<Matrix3N>& forces_ref, const Matrix3N& forces_pred,
           const std::optional<Mat3>& stress_ref, const std::optional<Mat3>& stress_pred);

  /// Record per-atom charge errors of a frame already added with add() (sizes must match; otherwise ignored).
  void add_charges(const std::string& config_type, const std::vector<double>& reference, const Eigen::VectorXd& predicted);

  const ErrorGroup& overall() const { return overall_; }
  /// Per config_type, sorted by name; frames without config_type are not listed here (only in overall).
  const std::map<std::string, ErrorGroup>& by_config_type() const { return groups_; }
  const ParityData& parity() const { return parity_; }

  /// Tab-separated table: a '#' header that defines every metric and unit, then one row per group and metric.
  std::string tsv() const;
  /// Aligned human-readable table for stderr: the same errors in meV/atom, meV/Å and meV/Å^3.
  std::string human() const;

 private:
  ErrorGroup overall_;
  std::map<std::string, ErrorGroup> groups_;
  ParityData parity_;
};

}  // namespace mlp
