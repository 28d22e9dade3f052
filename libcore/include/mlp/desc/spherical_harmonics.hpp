#pragma once
// Real spherical harmonics Y_lm(r̂) for 0 <= l <= l_max by recurrence (no std::sph_legendre: the SOAP inner loop
// calls this once per neighbour), optionally with their gradient with respect to the (unnormalised) vector.
//
// Convention (orthonormal on the unit sphere, ∫ Y_lm Y_l'm' dΩ = δ_ll' δ_mm', NO Condon-Shortley phase):
//   Y_l0  = N_l0 P_l(cos θ)
//   Y_lm  = √2 N_lm P_l^m(cos θ) cos(m φ)      (m > 0)
//   Y_l−m = √2 N_lm P_l^m(cos θ) sin(m φ)      (m > 0)
//   N_lm = sqrt((2l+1)/(4π) · (l−m)!/(l+m)!),  P_l^m(z) = (1−z²)^{m/2} d^m P_l/dz^m (positive near z = 1).
// Storage: value of (l, m) at index lm = l² + l + m, (l_max+1)² values; gradients at [3·lm + a].
//
// Evaluation: with u = r/|r| = (x, y, z), Y_l±m = P̄_l^m(z) · {Re, Im}(x + i y)^m, where P̄_l^m(z) is the
// normalised associated Legendre function divided by sin^m θ (a polynomial in z) from the stable recurrences
//   P̄_m^m = sqrt((2m+1)/(2m)) P̄_{m−1}^{m−1} (×√2 once, at m = 1),   P̄_{m+1}^m = sqrt(2m+3) z P̄_m^m,
//   P̄_l^m = a_lm (z P̄_{l−1}^m − b_lm P̄_{l−2}^m),  a_lm = sqrt((4l²−1)/(l²−m²)),
//   b_lm = sqrt(((l−1)²−m²)/(4(l−1)²−1)).
// The gradient differentiates this polynomial extension in (x, y, z) and projects out the radial part:
//   ∂Y/∂r = (I − u uᵀ) ∇_u Ỹ / |r|.
#include <vector>

#include "mlp/core/types.hpp"

namespace mlp {

class RealSphericalHarmonics {
 public:
  /// Throws InputError if l_max is negative or larger than 40 (where the recurrences stay accurate in double).
  explicit RealSphericalHarmonics(int l_max);
  int l_max() const { return l_max_; }
  /// Number of (l, m) values: (l_max+1)².
  int size() const { return (l_max_ + 1) * (l_max_ + 1); }
  /// Y_lm(d/|d|) into Y[size()]; d (any length unit) must be non-zero.
  void compute(const Vec3& d, double* Y) const;
  /// Y_lm(d/|d|) and ∂Y_lm/∂d_a (1/length) into dY[3·lm + a].
  void compute(const Vec3& d, double* Y, double* dY) const;

 private:
  int l_max_;
  std::vector<double> a_, b_;  // recurrence coefficients at [l·(l_max+1) + m]
  std::vector<double> diag_;   // P̄_m^m / P̄_{m−1}^{m−1}
  template <bool Grad>
  void evaluate(const Vec3& d, double* Y, double* dY) const;
};

}  // namespace mlp
