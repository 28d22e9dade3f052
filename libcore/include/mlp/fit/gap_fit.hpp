#pragma once
// Fitting a sparse Gaussian-process (GAP) model, mlp/model/gap_model.hpp, on energies, forces and virials.
//
// Observations: per frame (loss and σ as in mlp/fit/loss.hpp) the energy E − Σ_i e0(Z_i) with noise N·σ_E, each
// force component with noise σ_F, and the 6 independent virial components with noise N·σ_W (3D-periodic frames
// only); a frame without a label contributes no term for it. They are linear in the weights α:
//   E = Σ_i Σ_s α_s k(q_i, x_s),  F_ja = −Σ_i Σ_s α_s ∂k(q_i,x_s)/∂q_i · ∂q_i/∂r_ja,  W_ab = −Σ_i Σ_s α_s ∂k/∂q_i · ∂q_i/∂ε_ab,
// so each frame gives rows of K_NM (1 + 3N + 6 rows × M columns) from the descriptor's sparse gradients.
//
// Solution (the sparse-GP posterior mean, GAP's): α = argmin |Λ^{-1/2}(K_NM α − y)|² + αᵀ(K_MM + jI)α, solved
// as the least-squares problem of the stacked matrix [Λ^{-1/2} K_NM ; U] with U the upper Cholesky factor of
// K_MM + jI (j = jitter·δ²) by a QR factorisation that is updated one frame at a time: start from R = U, z = 0;
// for each frame, Householder reflections annihilate its rows B against the triangle ([R; B] → [R'; 0], with the
// right-hand side carried along), exploiting that R is already triangular (cost 2·rows·M² per frame, the same as a
// normal-matrix rank update, but without squaring the condition number); finally R α = z by back substitution.
// The final R (RᵀR = K_MM + jI + K_MN Λ⁻¹ K_NM) is stored in the model for the DTC predictive variance.
// Memory grows with M × (M + rows of the frames in flight), never with observations × M.
//
// Threads: frames are assembled in parallel (OpenMP) in waves of `threads` frames, each into its own buffer, and
// folded into R in frame order by one thread: any thread count gives the same bits.
//
// Two-body term (optional): its sparse distances are further columns of K_NM (after the SOAP points), its K_MM
// blocks further diagonal blocks of R; see GapTwoBodyFitOptions.
//
// Sparse points: per element, the candidates are the normalised descriptor rows of every atom of that element in
// the training frames, with exact repeats removed (mlp/fit/sparse_selection.hpp: distinct_rows), from which
// `sparse_points` (or the element's entry of `sparse_points_by_element`) are chosen by `selection` with `seed`;
// an element with fewer distinct environments uses them all. `given_sparse_points` overrides the choice.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "mlp/core/structure.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/fit/linear_fit.hpp"
#include "mlp/fit/loss.hpp"
#include "mlp/fit/sparse_selection.hpp"
#include "mlp/model/gap_model.hpp"

namespace mlp {

/// The optional two-body term (mlp/model/gap_two_body.hpp): per element pair that comes closer than the cutoff in
/// the training frames, `sparse_points` distances evenly spaced from that pair's shortest training distance to the
/// cutoff (QUIP's "uniform" for distance_2b), fitted jointly with the SOAP term; its jitter is the same relative
/// jitter times δ₂².
struct GapTwoBodyFitOptions {
  GapTwoBodyKernel kernel;
  std::size_t sparse_points = 20;  ///< per element pair, >= 1
};

struct GapFitOptions {
  LossWeights weights;
  LabelKeys labels;
  GapKernel kernel;                                     ///< δ (eV, energy scale) and ζ
  std::size_t sparse_points = 100;                      ///< per element
  std::map<int, std::size_t> sparse_points_by_element;  ///< overrides per atomic number
  SparseSelection selection = SparseSelection::cur;
  std::map<int, Eigen::MatrixXd> given_sparse_points;   ///< per atomic number: use these rows (M_Z × d) instead
  double jitter = 1e-8;  ///< added to K_MM's diagonal, relative to δ² (absolute jitter = jitter·δ², eV²), >= 0
  std::uint64_t seed = 0;
  int threads = 0;       ///< OpenMP threads; 0 = OpenMP's default
  std::optional<GapTwoBodyFitOptions> two_body;  ///< none: SOAP kernel only
};

struct GapFitResult {
  std::unique_ptr<GapModel> model;
  std::map<int, std::size_t> sparse_points;  ///< chosen per element
  std::map<int, std::size_t> candidates;     ///< distinct environments per element in the training frames
  std::map<ElementPair, std::size_t> two_body_sparse_points;  ///< per element pair (two-body term only)
  std::size_t observations = 0;              ///< rows of K_NM
  double jitter = 0.0;                       ///< absolute jitter on K_MM's diagonal, eV²
  double regularisation = 0.0;               ///< αᵀ(K_MM + jI)α, the prior term of the objective (dimensionless)
  LossTerms train, valid;                    ///< σ-weighted loss terms at the solution (second pass over frames)
};

/// Bytes the fit holds at its peak: R and K_MM (M² each), the candidate rows (`candidates` = atoms of the training
/// frames, held three times while the sparse points are chosen: raw rows, normalised rows, distinct rows) × d, and
/// for each thread one frame's rows (1 + 3N + 6) × M plus the kernel derivative d × M; N = largest frame, d =
/// descriptor row size.
/// The descriptor gradients of the frames in flight (about N × neighbours × 3d per frame) are not included.
/// threads = 0: OpenMP's default.
std::size_t gap_fit_memory_bytes(std::size_t sparse_points_total, std::size_t descriptor_size,
                                 std::size_t candidates, std::size_t threads, std::size_t largest_frame_atoms);

/// Fit a GAP model on split.train (losses also on split.valid). `isolated`: e0 (eV) for every element of the
/// frames. Throws InputError (elements the descriptor does not describe, bad options, no label in the training
/// frames, given sparse points of the wrong width), ComputeError (K_MM not positive definite with this jitter).
/// `frame_done` is called after each training frame is folded in (from the calling thread).
GapFitResult fit_gap(std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
                     const Split& split, const std::map<int, double>& isolated, const GapFitOptions& options,
                     const std::function<void()>& frame_done = {});

/// σ-weighted loss terms (mlp/fit/loss.hpp) of any model on the frames listed in `use`.
LossTerms model_loss(const Model& model, const std::vector<Structure>& frames, const std::vector<std::size_t>& use,
                     const LossWeights& weights, const LabelKeys& labels = {}, int threads = 0);

}  // namespace mlp
