#pragma once
// Radial part of SOAP (mlp/desc/soap.hpp): the GTO radial basis, scaled modified spherical Bessel functions,
// Gauss-Legendre quadrature, and the cubic Hermite spline of the radial integrals I_nl(r).
//
// GTO basis (librascal / featomic "Gto"), n = 0 .. n_max−1, lengths in Å:
//   R_n(r) = N_n r^n exp(−r²/(2σ_n²)),  σ_n = r_cut · max(√n, 1) / n_max,
//   N_n = sqrt(2 / (σ_n^{2n+3} Γ(n + 3/2)))               so that ∫_0^∞ R_n(r)² r² dr = 1,
//   S_nn' = ∫_0^∞ R_n R_n' r² dr = N_n N_n' Γ((n+n'+3)/2) / (2 α^{(n+n'+3)/2}),  α = 1/(2σ_n²) + 1/(2σ_n'²),
//   g_n(r) = Σ_k (S^{−1/2})_{nk} R_k(r)                   (Löwdin), so ∫_0^∞ g_n g_n' r² dr = δ_nn' (1/Å³ units
//   of g_n: g_n ~ Å^{−3/2}).
//
// Radial integral of one Gaussian neighbour density at distance r_ij (the 3-D integral ∫ exp(−|r − r_ij|²/(2σ²))
// g_n(r) Y_lm(r̂) d³r equals I_nl(r_ij) Y_lm(r̂_ij), from exp(x r̂·r̂') = 4π Σ_lm i_l(x) Y_lm(r̂) Y_lm(r̂')):
//   I_nl(r_ij) = 4π ∫_0^∞ g_n(r) r² exp(−(r − r_ij)²/(2σ²)) ĩ_l(r r_ij/σ²) dr,   ĩ_l(x) = e^{−x} i_l(x),
//   dI_nl/dr_ij = 4π ∫_0^∞ g_n r² exp(−(r − r_ij)²/(2σ²)) [−(r_ij/σ²) ĩ_l(x) + (r/σ²) ĩ'_l(x)] dr,
//   ĩ'_l(x) = e^{−x} di_l/dx = (l ĩ_{l−1}(x) + (l+1) ĩ_{l+1}(x))/(2l+1)   (ĩ'_0 = ĩ_1).
// The integrals are computed by composite Gauss-Legendre quadrature (panels of min(σ, r_cut/n_max)/2, 12 nodes,
// the window |r − r_ij| <= 12σ outside of which the Gaussian is < 6e-32) on a uniform grid of r_ij in
// [0, r_cut], and interpolated by a cubic Hermite spline with the exact values and derivatives at the knots. The
// grid is refined (doubling) until the spline differs from direct quadrature at every interval midpoint by less
// than `accuracy` times the largest |I_nl| of that (n, l) over [0, r_cut].
#include <cstddef>
#include <vector>

#include <Eigen/Core>

namespace mlp {

/// e^{−x} i_l(x) for l = 0..l_max into out[l+1 values], x >= 0 (i_l: modified spherical Bessel function of the
/// first kind). Power series for x <= max(30, 2 l_max + 2) (all terms positive: no cancellation), seeded at the two
/// highest orders and recurred downwards; upward recurrence from the closed forms of ĩ_0, ĩ_1 above that.
void scaled_modified_spherical_bessel(int l_max, double x, double* out);

/// `n` Gauss-Legendre nodes and weights on [a, b] (appended to nodes/weights).
void gauss_legendre(int n, double a, double b, std::vector<double>& nodes, std::vector<double>& weights);

/// The orthonormal GTO radial basis g_n defined above.
class GtoRadialBasis {
 public:
  /// Throws InputError if n_max is not in [1, 24], r_cut <= 0, or the overlap matrix is too ill-conditioned
  /// (condition number above 1e10, i.e. n_max > 15: the orthonormality error is about 1e-16 × condition number).
  GtoRadialBasis(int n_max, double r_cut);
  int n_max() const { return n_max_; }
  /// σ_n (Å).
  double width(int n) const { return sigma_[static_cast<std::size_t>(n)]; }
  /// g_n(r), n = 0..n_max−1, into out (Å^{−3/2}); r in Å, r >= 0.
  void evaluate(double r, double* out) const;
  /// Primitive normalised R_k(r) (before orthogonalisation), k = 0..n_max−1, into out.
  void primitive(double r, double* out) const;
  /// The Löwdin matrix S^{−1/2}: g = S^{−1/2} R.
  const Eigen::MatrixXd& lowdin() const { return lowdin_; }

 private:
  int n_max_;
  std::vector<double> sigma_, log_norm_;
  Eigen::MatrixXd lowdin_;
};

/// I_nl(r) and dI_nl/dr (see above) for 0 <= r <= r_cut, by quadrature or by spline.
class SoapRadialIntegral {
 public:
  /// sigma: Gaussian width (Å). Throws InputError for sigma <= 0 and ComputeError if the spline cannot reach
  /// `accuracy` with at most 2^17 intervals.
  SoapRadialIntegral(const GtoRadialBasis& basis, int l_max, double sigma, double r_cut, double accuracy = 1e-9);
  int n_max() const { return n_max_; }
  int l_max() const { return l_max_; }
  /// Values per r: index n·(l_max+1) + l.
  int size() const { return n_max_ * (l_max_ + 1); }
  /// Spline intervals used.
  std::size_t intervals() const { return intervals_; }
  /// Largest spline error relative to each (n, l)'s largest |I_nl| found at the interval midpoints.
  double spline_error() const { return spline_error_; }

  /// Spline: I[size()] (Å^{3/2}) and dI[size()] (Å^{1/2}) at 0 <= r <= r_cut (Å). dI may be null.
  void evaluate(double r, double* I, double* dI) const;
  /// Direct quadrature (slow; for construction and tests).
  void integrate(double r, double* I, double* dI) const;

 private:
  int n_max_, l_max_;
  double sigma_, r_cut_;
  std::vector<double> node_r_, node_wg_;  // quadrature nodes (Å) and weight · r² · g_n(r) at [node·n_max + n]
  std::size_t intervals_ = 0;
  double h_ = 0.0, inv_h_ = 0.0;
  std::vector<double> coef_;  // [interval][4][size()]: I = c0 + t(c1 + t(c2 + t c3)), t = (r − k h)/h
  double spline_error_ = 0.0;
  void build_spline(std::size_t intervals, const std::vector<double>& knot_I, const std::vector<double>& knot_dI);
};

}  // namespace mlp
