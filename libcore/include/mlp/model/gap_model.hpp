#pragma once
// A sparse Gaussian-process model of the local atomic energy (GAP: A. P. Bartók, M. C. Payne, R. Kondor,
// G. Csányi, PRL 104, 136403 (2010); A. P. Bartók, G. Csányi, "Gaussian approximation potentials: a brief
// tutorial introduction", Int. J. Quantum Chem. 115, 1051 (2015)):
//
//   E = Σ_i [ e0(Z_i) + Σ_{s ∈ S(Z_i)} α_s k(q_i, x_s) ],      k(q, x) = δ² (q̂·x̂)^ζ,
//
// q_i the descriptor row of atom i (mlp/desc/descriptor.hpp), q̂ = q/|q| (normalised again here, so a descriptor
// without its own normalisation works too; a zero row has k = 0), S(Z) the sparse points of element Z (stored
// normalised), α_s their weights (dimensionless: the energy unit is carried by δ), δ (eV) the energy scale and
// ζ >= 1 an integer (4 as in GAP/SOAP). e0(Z) is the isolated-atom energy (eV). Kernels between different
// elements are zero: each element has its own latent local-energy function f_Z(q).
// Forces and virial go through Descriptor::accumulate() with
//   dE/dq_i = δ² ζ Σ_s α_s (q̂_i·x̂_s)^{ζ−1} (x̂_s − (q̂_i·x̂_s) q̂_i) / |q_i|.
// An optional two-body term E_2b = Σ_pairs f_c(r) g_P(r) (mlp/model/gap_two_body.hpp) adds its own independent
// latent functions: its sparse distances follow the SOAP sparse points in every stacked vector and matrix below
// (α, K_MM, R), and its per-atom shares are added to the atom energies (reported as the term "gap-2b").
//
// Predictive variance (EvalRequest::uncertainty): the DTC (deterministic training conditional, "projected
// process") posterior of the local energies, J. Quiñonero-Candela, C. E. Rasmussen, JMLR 6, 1939 (2005), eq. (20)
// and Rasmussen & Williams §8.3.3. With K_MM the kernel matrix of the M sparse points (block-diagonal over
// elements; jitter j added to its diagonal, K_MM + jI = UᵀU), Λ the observation noise (σ², see
// mlp/fit/loss.hpp) and K_NM the kernel between the observations (sums over atoms, and their derivatives) and the
// sparse points, the fit leaves R with RᵀR = Σ⁻¹ = K_MM + jI + K_MN Λ⁻¹ K_NM (mlp/fit/gap_fit.hpp). Then for atom
// i with k_i = (k(q_i, x_s))_s:
//   var f(q_i) = [k(q_i,q_i) − |U⁻ᵀ k_i|²] + |R⁻ᵀ k_i|²
// (the prior variance the sparse points cannot explain, plus the posterior variance of the weights), and for the
// total energy E = Σ_i f(q_i), with s = Σ_i k_i,
//   var E = [Σ_{i,j same element} k(q_i,q_j) − |U⁻ᵀ s|²] + |R⁻ᵀ s|².
// Both brackets are Nyström residuals (positive semi-definite; the jitter only makes them larger), so each
// variance is >= 0 in exact arithmetic; round-off can leave a bracket a few ulps of δ² below zero, and it is then
// clamped to 0. DTC rather than SoR because SoR's variance k_iᵀ Σ k_i vanishes far from every sparse point, where
// the model knows least; DTC returns the prior variance δ² there. The cost is O(M²) per atom plus O(N² d) for the
// total (pairs of like atoms), paid only when uncertainty is requested.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "mlp/desc/descriptor.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/descriptor_model.hpp"
#include "mlp/model/gap_two_body.hpp"

namespace mlp {

/// Hyperparameters of the SOAP-type dot-product kernel.
struct GapKernel {
  double delta = 1.0;  ///< eV, energy scale: the prior standard deviation of a local energy, > 0
  int zeta = 4;        ///< exponent of the normalised dot product, 1..64
  /// k/δ² and its derivative with respect to the dot product c = q̂·x̂: c^ζ and ζ c^{ζ−1}.
  double value(double c) const;
  double derivative(double c) const;
};

/// The sparse points and weights of one centre element.
struct GapSparseSet {
  Eigen::MatrixXd points;  ///< M_Z × d, rows normalised to unit length (unit of the descriptor, made unit-free)
  Eigen::VectorXd alpha;   ///< M_Z weights (dimensionless; E = δ² Σ α k/δ²)
};

class GapModel final : public DescriptorModel {
 public:
  /// `sparse[Z]` for every centre element of the descriptor (points of width descriptor->size(Z), at least one
  /// point each, rows normalised by the constructor; a zero row is an InputError), `isolated_energies` (eV) for
  /// each. `posterior_r`: the upper-triangular M×M factor R above (M = total number of sparse points, order:
  /// elements ascending, points in order), or empty for a model without variance (supports_uncertainty() false);
  /// `jitter` the value that was added to K_MM's diagonal in the fit (>= 0). `two_body` (may be null): the
  /// two-body term, whose sparse distances then also count in M and in posterior_r (after the SOAP points).
  /// Throws InputError for wrong shapes, non-finite numbers, a bad kernel.
  GapModel(std::shared_ptr<const Descriptor> descriptor, GapKernel kernel, std::map<int, GapSparseSet> sparse,
           std::map<int, double> isolated_energies, Eigen::MatrixXd posterior_r = {}, double jitter = 0.0,
           std::shared_ptr<const GapTwoBody> two_body = nullptr);

  std::string name() const override { return "gap"; }
  /// The descriptor's cutoff or the two-body cutoff, whichever is larger, Å.
  double cutoff() const override;
  /// The model file it was loaded from (set_spec), else "gap:descriptor=<hash>" (informative only).
  std::string spec() const override;
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  double reference_energy(int Z) const override { return isolated_.at(Z); }
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  bool supports_uncertainty() const override { return posterior_r_.size() > 0; }

  void set_spec(std::string spec) { spec_ = std::move(spec); }
  const Descriptor& descriptor() const { return *descriptor_; }
  std::shared_ptr<const Descriptor> descriptor_ptr() const { return descriptor_; }
  std::vector<int> species() const { return descriptor_->elements(); }
  const GapKernel& kernel() const { return kernel_; }
  const std::map<int, GapSparseSet>& sparse() const { return sparse_; }
  /// Isolated-atom energies e0(Z), eV.
  const std::map<int, double>& isolated_energies() const { return isolated_; }
  const Eigen::MatrixXd& posterior_r() const { return posterior_r_; }
  double jitter() const { return jitter_; }
  /// The two-body term, or null.
  const GapTwoBody* two_body() const { return two_body_.get(); }
  std::shared_ptr<const GapTwoBody> two_body_ptr() const { return two_body_; }
  /// Number of SOAP sparse points (all elements); the two-body distances are not included.
  Eigen::Index sparse_count() const { return total_; }
  /// Column of element Z's first sparse point in the stacked order (elements ascending).
  Eigen::Index sparse_offset(int Z) const { return offset_.at(Z); }

  /// Kernel values k(q_i, x_s) (eV²) of the rows q (n × d, not necessarily normalised) of element Z against its
  /// sparse points: n × M_Z.
  Eigen::MatrixXd kernel_row(int Z, const Eigen::MatrixXd& q) const;

 private:
  std::shared_ptr<const Descriptor> descriptor_;
  GapKernel kernel_;
  std::map<int, GapSparseSet> sparse_;
  std::map<int, double> isolated_;
  Eigen::MatrixXd posterior_r_;
  double jitter_ = 0.0;
  std::shared_ptr<const GapTwoBody> two_body_;
  std::map<int, Eigen::MatrixXd> kmm_factor_;  // U_Z: upper Cholesky factor of K_ZZ + jitter·I (variance only)
  std::map<ElementPair, Eigen::MatrixXd> pair_kmm_factor_;  // the same for the two-body pairs
  std::map<int, Eigen::Index> offset_;
  Eigen::Index total_ = 0;
  std::string spec_;

  void add_variance(const Structure& s, const NeighborList& nl, const DescriptorValues& q,
                    EvalResult& result) const;

 protected:
  /// The inner cutoff blends each atom's descriptor energy as one number; the pair shares are not part of it.
  std::string inner_cutoff_conflict() const override;
};

/// Upper Cholesky factor U of K + jitter·I (K = δ² (x̂·x̂')^ζ over `points`), as the fit and the model both use
/// it. Throws ComputeError if it is not positive definite (duplicate points and jitter 0).
Eigen::MatrixXd gap_kmm_factor(const GapKernel& kernel, const Eigen::MatrixXd& points, double jitter);

// ---- model files (gap_model_file.cpp) ------------------------------------------------------------------------
// MODL container (mlp/io/container.hpp), format version kGapModelFileVersion:
//   header JSON {"model_type": "gap", "descriptor": <canonical JSON>, "descriptor_hash": "<16 hex>",
//                "species": ["Si", ...], "isolated_atom_energies": {"Si": ...} (eV),
//                "kernel": {"type": "dot_product", "delta": δ (eV), "zeta": ζ}, "jitter": j,
//                "sparse_points": {"Si": M_Si, ...},
//                "units": {...}, "provenance": {...}}
//   records (type kModelArrayRecord = 1, NamedArray): "sparse/<symbol>" [M_Z, d], "alpha/<symbol>" [M_Z] for
//   every species, and "posterior_r" [M, M] when the model has a variance.
// Doubles are stored as IEEE bits (records) or shortest round-trip decimal (header): save → load is bit-exact.
// Version 2 adds the optional header key "baseline" (mlp/model/model_baseline.hpp); a file is version 2 only
// when it has one. load_gap_model() returns the GAP term alone; load_model() adds the baseline. Version 3 adds
// "inner_cutoff" (mlp/model/inner_cutoff.hpp). Version 4 (kGapTwoBodyFileVersion) adds the two-body term:
//   "two_body": {"kernel": "squared_exponential", "delta": δ₂ (eV), "theta": θ (Å), "cutoff": r_c (Å),
//                "cutoff_width": w (Å), "jitter": j₂ (eV²), "sparse_points": {"Si-Si": M_P, ...}}
// with records "two_body/sparse/<pair>" [M_P] (Å) and "two_body/alpha/<pair>" [M_P]; posterior_r is then
// (M + Σ M_P)². Each version is written only when its key is present, so older readers refuse what they cannot
// read and still read the rest.

/// Version of GAP model files with a two-body term.
constexpr std::uint32_t kGapTwoBodyFileVersion = 4;
/// Newest format version of GAP model files this build reads and writes.
constexpr std::uint32_t kGapModelFileVersion = kGapTwoBodyFileVersion;

/// Write `model` as a MODL container. `provenance_json`: a JSON object (or empty), stored under "provenance".
/// `baseline` (may be null): the analytic model `model` was fitted on top of, stored under "baseline".
/// Throws InputError for invalid provenance or baseline, IoError if the stream fails.
void save_gap_model(std::ostream& out, const GapModel& model, const std::string& provenance_json = "{}",
                    const Model* baseline = nullptr);
/// Read the records of a GAP model from `reader`, whose header has been read (by the ContainerReader constructor,
/// with kind MODL) and says "model_type": "gap". Refuses a container version newer than kGapModelFileVersion,
/// unknown, missing, duplicate or misshapen arrays, a descriptor that does not match its hash. `source` names the
/// input in errors and becomes the model's spec().
std::unique_ptr<GapModel> load_gap_model(ContainerReader& reader, const std::string& source);

}  // namespace mlp
