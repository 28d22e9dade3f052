#pragma once
// Ridge regression of a LinearModel (mlp/model/linear_model.hpp) on energies, forces and virials.
//
// Every labelled quantity is linear in the weights: E − Σ_i b_{Z_i} = Σ_i w_{Z_i}·q_i, F_j = −Σ_i w·dq_i/dr_j,
// W = −Σ_i w·dq_i/dε. Each frame gives its rows of the σ-weighted design matrix A (1 energy row, 3N force rows,
// 6 virial rows; see mlp/fit/loss.hpp) from the descriptor's sparse gradients, and the rows are folded at once
// into the normal matrix AᵀA (P×P, P = number of weights), Aᵀy and yᵀy, one accumulator per loss term. Memory
// therefore grows with P² (plus one frame's rows), never with observations × P. Frames are assembled in parallel
// (OpenMP) in blocks of 4 frames folded into the totals in block order: any thread count gives the same bits.
//
// Solver: Cholesky (Eigen LLT) of the Jacobi-equilibrated system D(AᵀA + R + λI)D z = D Aᵀy, w = D z, R the
// atomic-energy prior below, D = diag(AᵀA + R)^(−1/2) (weights of descriptor values that are zero in every frame
// are set to 0). Equilibration removes the spread of scales between descriptor values; if the factorisation still
// fails (λ = 0 and linearly dependent values), a jitter 1e-14, 1e-13, ... 1e-6 is added to the diagonal of the
// equilibrated matrix and the jitter used is reported. Forming AᵀA squares the condition number of A; with λ > 0
// (the default) that is harmless.
//
// λ is given relative to the data: the penalty is λ_abs |w|² with λ_abs = λ · mean(diag AᵀA), so one value
// transfers between data sets and descriptor sizes. With auto_lambda, every λ of the grid is tried and the one
// with the smallest σ-weighted validation loss is kept (validation loss from the validation set's own normal
// matrices: exact quadratic forms, no second pass over the data).
//
// Atomic-energy prior: only sums of atomic energies are observed, so a data set of one composition (or of few)
// leaves the split of each frame's energy among its atoms open: a nearly unregularised fit put −95 eV of learned
// energy on each C and +40 eV on each H of ethanol, cancelling in every training frame. Such cancelling terms are
// invisible on the data but make per-atom energies meaningless and defeat the inner cutoff, which blends atomic
// energies (mlp/model/inner_cutoff.hpp). GAP's prior sets the scale of each local energy (δ); the linear fit adds a
// Gaussian prior on how unevenly a frame's learned energy is shared: Σ_frames Σ_i (b_i − b̄)²/σ_a², b_i = w·q_i
// the learned energy of atom i, b̄ its frame's mean, σ_a = atomic_energy_sigma (eV), over the training frames.
// Measured from the frame's mean, the prior does not pull the totals (which the energies fix) towards zero; it
// picks, among partitions the data cannot tell apart, the most even one.

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "mlp/core/structure.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/fit/loss.hpp"
#include "mlp/model/error_metrics.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

/// The σ-weighted sums of squared residuals of each loss term (dimensionless) and their observation counts.
struct LossTerms {
  double energy = 0.0, force = 0.0, virial = 0.0;
  std::size_t n_energy = 0, n_force = 0, n_virial = 0;
  double total() const { return energy + force + virial; }
};

struct LinearFitOptions {
  LossWeights weights;
  LabelKeys labels;
  double lambda = 1e-8;       ///< relative ridge parameter (see above), >= 0
  bool auto_lambda = false;   ///< choose λ from lambda_grid on the validation loss (needs validation frames)
  std::vector<double> lambda_grid = {0.0,  1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7,
                                     1e-6, 1e-5,  1e-4,  1e-3,  1e-2, 1e-1};
  /// eV: prior standard deviation of a training atom's learned energy about its frame's mean (see above);
  /// infinity = no prior.
  double atomic_energy_sigma = 10.0;
  int threads = 0;            ///< OpenMP threads for the assembly; 0 = OpenMP's default
};

struct LambdaTrial {
  double lambda = 0.0, lambda_absolute = 0.0;
  LossTerms train, valid;
};

struct LinearFitResult {
  std::map<int, Eigen::VectorXd> weights;  ///< per element, eV per unit of the descriptor
  std::size_t parameters = 0;
  double lambda = 0.0;           ///< relative λ used
  double lambda_absolute = 0.0;  ///< λ_abs (dimensionless loss per squared weight)
  double regularisation = 0.0;   ///< λ_abs |w|² (ridge term, dimensionless)
  double atomic_prior = 0.0;     ///< Σ_frames Σ_i (b_i − b̄)²/σ_a² over the training frames (dimensionless)
  double jitter = 0.0;           ///< jitter added to the equilibrated diagonal (0 if none was needed)
  LossTerms train, valid;        ///< at the solution
  std::vector<LambdaTrial> trials;  ///< every λ tried (auto), in grid order
};

/// Number of weights of a linear model: Σ over `species` of the descriptor's row size.
std::size_t linear_parameter_count(const Descriptor& d, const std::vector<int>& species);
/// Bytes the fit holds at most: the P×P matrices (3 loss terms and the atomic prior for the training frames, the 3
/// loss terms for the validation frames, for the totals and for each thread's block, plus 3 for the solver) and one
/// frame's rows (1 + 3N + 6) × P for each thread, N = largest frame. An upper bound: a term without observations
/// (virials of molecules) allocates nothing. threads = 0: OpenMP's default.
std::size_t linear_fit_memory_bytes(std::size_t parameters, std::size_t threads, std::size_t largest_frame_atoms);

/// Fit the weights on split.train (validation loss on split.valid). `isolated` gives b_Z (eV) for every element
/// of the frames. Throws InputError when a frame holds an element the descriptor does not describe, when no
/// frame of the training set has any label, or when auto_lambda is asked without validation frames;
/// ComputeError when the normal equations cannot be solved. `frame_done` is called after each frame is assembled
/// (from the calling thread or a worker; it must be thread-safe).
LinearFitResult fit_linear(const Descriptor& d, const std::vector<Structure>& frames, const Split& split,
                           const std::map<int, double>& isolated, const LinearFitOptions& options,
                           const std::function<void()>& frame_done = {});

/// Errors of a model on the frames listed in `use` (every frame evaluated with mlp::evaluate).
ErrorTable evaluate_errors(const Model& model, const std::vector<Structure>& frames, const std::vector<std::size_t>& use,
                           const LabelKeys& labels = {});

}  // namespace mlp
