#pragma once
// Fitting learned electronegativities (mlp/model/learned_charges.hpp) to reference charges (e.g. Hirshfeld
// charges of DFT), the first step of a 4G-HDNNP-style fit. The charges q(θ) of a frame come from charge
// equilibration with χ = D θ (D the descriptor rows, θ the weights and biases of all elements), so the loss
//   L(θ) = Σ_frames Σ_i (q_i(θ) − q_ref,i)² + λ |w|²
// is minimised by Gauss-Newton: the Jacobian is ∂q/∂θ = (∂q/∂χ) D with ∂q/∂χ the exact response matrix of the
// equilibration (mlp/model/qeq.hpp solve_qeq). Without the barrier the charges are linear in χ and one step
// solves the problem; the barrier makes a few steps necessary. The step is a ridge solve (λ relative to the mean
// diagonal of JᵀJ, so it is unit-free), which also fixes the direction that total-charge conservation leaves
// undetermined (a common shift of every χ).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/model/learned_charges.hpp"

namespace mlp {

struct ChargeFitOptions {
  std::string charges_key;             ///< per-atom reference charges (e); empty: charges, initial_charges, hirshfeld_charges
  std::map<int, double> hardness;      ///< eV/e² per element (default_hardness for the others)
  double default_hardness = 10.0;      ///< eV/e²
  double qmax = 3.0;                   ///< e, charge limit of every element
  ElectrostaticsOptions electrostatics;  ///< sigma must be > 0 (default set by the caller; 1 Å is typical)
  double lambda = 1e-8;                ///< ridge, relative to the mean diagonal of JᵀJ
  int iterations = 20;                 ///< Gauss-Newton steps at most
  double tolerance = 1e-10;            ///< stop when the loss changes by less than this fraction
};

struct ChargeFitResult {
  double rmse_train = 0.0, rmse_valid = 0.0;  ///< e per atom
  std::size_t atoms_train = 0, atoms_valid = 0;
  int iterations = 0;
  std::string charges_key;  ///< the key that was used
};

/// The per-atom reference charges of a frame under `key` (or the first of the default keys if empty); null if
/// absent. Throws InputError naming the frame for non-finite values.
const AtomArray* reference_charges(const Structure& s, const std::string& key);

/// Fit on frames[split.train] (every training frame must carry reference charges), report RMSE on both sets.
/// `progress` (may be empty) is called once per Gauss-Newton step. Throws InputError for missing charges or an
/// element without frames.
std::unique_ptr<LearnedCharges> fit_learned_charges(std::shared_ptr<const Descriptor> descriptor,
                                                    const std::vector<Structure>& frames, const Split& split,
                                                    const ChargeFitOptions& options, ChargeFitResult& result,
                                                    const std::function<void()>& progress = {});

}  // namespace mlp
