#pragma once
// The optional two-body term of a GAP model (QUIP's distance_2b descriptor; A. P. Bartók, G. Csányi, Int. J.
// Quantum Chem. 115, 1051 (2015) §5; V. L. Deringer, G. Csányi, PRB 95, 094203 (2017) for 2b + SOAP):
//
//   E_2b = Σ_{pairs i<j, r_ij < r_c} f_c(r_ij) g_P(r_ij),        P = the element pair {Z_i, Z_j},
//
// with g_P a Gaussian process over the distance under the squared-exponential kernel
//   k(r, r') = δ₂² exp(−(r − r')² / (2θ²)),
// represented on sparse distances x_t of that pair: g_P(r) = Σ_t β_t k(r, x_t) (β in 1/eV, like GAP's α), and
// f_c(r) = 1 − S((r − r_c + w)/w) the C² switch of mlp/util/smooth_step.hpp (1 up to r_c − w, 0 from r_c on).
// A pair of elements without sparse points (never closer than r_c in the training data) contributes nothing:
// the prior mean is zero.
//
// The latent functions g_P are independent of the SOAP term's (mlp/model/gap_model.hpp) and of each other, so
// their sparse points sit in their own diagonal blocks of K_MM and the predictive variances add. Per-atom
// energies split every pair half/half (as LAMMPS pair styles do): E_i gets ½ f_c g_P(r_ij) of each neighbour j.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "mlp/core/structure.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

/// Hyperparameters of the two-body kernel.
struct GapTwoBodyKernel {
  /// eV, prior standard deviation of a pair energy g_P(r), > 0. 3 eV: the best of 0.3, 1 and 3 eV on validation
  /// splits of the mlearn Mo, Ge (energy and forces) and Ni (forces) training data (bench/README.md).
  double delta = 3.0;
  double theta = 1.0;         ///< Å, length scale of the squared exponential, > 0
  double cutoff = 5.0;        ///< Å, r_c, > 0
  double cutoff_width = 1.0;  ///< Å, w: f_c falls from 1 to 0 over [r_c − w, r_c]; 0 < w <= r_c
  /// Throws InputError naming the field for a value out of range or not finite.
  void validate() const;
  /// k(r, x) in eV² and dk/dr in eV²/Å.
  double covariance(double r, double x) const;
  double covariance_derivative(double r, double x) const;
  /// f_c(r) (dimensionless) and, if `derivative` is non-null, df_c/dr (1/Å).
  double cutoff_function(double r, double* derivative = nullptr) const;
};

/// (smaller, larger) atomic number.
using ElementPair = std::pair<int, int>;
ElementPair element_pair(int z1, int z2);
/// "Si-Si", "H-O" (smaller atomic number first).
std::string element_pair_name(const ElementPair& p);

/// The sparse distances and weights of one element pair.
struct GapPairSparseSet {
  Eigen::VectorXd points;  ///< sparse distances x_t, Å, each in (0, r_c]
  Eigen::VectorXd alpha;   ///< weights β_t, 1/eV (g_P = Σ_t β_t k(r, x_t) is then in eV)
};

class GapTwoBody {
 public:
  /// `jitter` (eV², >= 0): what the fit added to the diagonal of each pair's K_MM (the predictive variance uses
  /// the same). Throws InputError for a bad kernel or jitter, no pairs, an empty pair set, mismatched lengths,
  /// non-finite numbers or distances outside (0, r_c].
  GapTwoBody(GapTwoBodyKernel kernel, std::map<ElementPair, GapPairSparseSet> pairs, double jitter = 0.0);

  const GapTwoBodyKernel& kernel() const { return kernel_; }
  const std::map<ElementPair, GapPairSparseSet>& pairs() const { return pairs_; }
  double jitter() const { return jitter_; }
  /// Total number of sparse distances, all pairs (stacked in the order of pairs()).
  Eigen::Index sparse_count() const { return total_; }
  /// Column of the pair's first sparse distance in that stacked order.
  Eigen::Index offset(const ElementPair& p) const { return offsets_.at(p); }

  /// Add E_2b (eV) and, as requested, its forces, virial, per-atom energies and virials to `result` (reset by the
  /// caller); honours EvalRequest::contributing as PairPotential does (a pair counts with weight (c_i + c_j)/2,
  /// only contributing atoms' neighbours are read). `nl`: a full list with cutoff >= r_c. Returns the energy.
  double add_to(const Structure& s, const NeighborList& nl, const EvalRequest& request, EvalResult& result) const;

  /// The fit's design rows with unit weights (column c = the sparse distance c of the stacked order): adds
  /// ∂E_2b/∂β_c to `energy` (1 × sparse_count(), eV²), ∂F/∂β_c to `forces` (3N × sparse_count(), row 3j + a =
  /// force component a of atom j, eV²/Å) and ∂W/∂β_c to `virial` (9 × sparse_count(), row 3a + b, eV²); null
  /// matrices are skipped. `nl` as in add_to().
  void add_design(const Structure& s, const NeighborList& nl, Eigen::Ref<Eigen::RowVectorXd> energy,
                  Eigen::MatrixXd* forces, Eigen::MatrixXd* virial) const;

  /// For the predictive variance: `columns` (sparse_count() × N) gets column i = ½ Σ_j f_c(r_ij) k(r_ij, x_t)
  /// (eV², the covariance of atom i's share with the sparse values), `atom_prior` (N) = ¼ Σ_{j,j'} f_c f_c'
  /// k(r_ij, r_ij') over neighbour pairs of the same element pair (eV², prior variance of atom i's share); returns
  /// Σ over all (ordered) pairs of pairs of the same element pair of f_c f_c' k (eV², prior variance of E_2b).
  /// Cost O(N nbr²) per atom plus O(P²) for the total (P = pairs within r_c).
  double variance_columns(const Structure& s, const NeighborList& nl, Eigen::MatrixXd& columns,
                          Eigen::VectorXd& atom_prior) const;

  /// Upper Cholesky factor of the pair's K_MM + jitter()·I. Throws ComputeError when it is not positive definite.
  Eigen::MatrixXd kmm_factor(const ElementPair& p) const;

 private:
  GapTwoBodyKernel kernel_;
  std::map<ElementPair, GapPairSparseSet> pairs_;
  double jitter_ = 0.0;
  std::map<ElementPair, Eigen::Index> offsets_;
  Eigen::Index total_ = 0;

  // Sparse set of the pair of atoms i, j (null if the pair has none) and its column offset.
  const GapPairSparseSet* find(int zi, int zj, Eigen::Index* offset) const;
};

/// Sparse distances for a two-body term: `count` (>= 1) points evenly spaced over [r_min, r_c] (a single point
/// sits at r_min), QUIP's "uniform" choice for distance_2b. `r_min` in Å, 0 < r_min <= r_c.
Eigen::VectorXd uniform_sparse_distances(double r_min, double cutoff, std::size_t count);

}  // namespace mlp
