// Real spherical harmonics by recurrence: see mlp/desc/spherical_harmonics.hpp for the convention.
#include "mlp/desc/spherical_harmonics.hpp"

#include <cmath>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

RealSphericalHarmonics::RealSphericalHarmonics(int l_max) : l_max_(l_max) {
  if (l_max < 0 || l_max > 40) throw InputError("l_max must be between 0 and 40", "", 0, "l_max");
  const int L = l_max + 1;
  a_.assign(static_cast<std::size_t>(L * L), 0.0);
  b_.assign(static_cast<std::size_t>(L * L), 0.0);
  diag_.assign(static_cast<std::size_t>(L), 0.0);
  diag_[0] = std::sqrt(1.0 / (4.0 * kPi));
  for (int m = 1; m < L; ++m) diag_[static_cast<std::size_t>(m)] = std::sqrt((2.0 * m + 1.0) / (2.0 * m)) * (m == 1 ? std::sqrt(2.0) : 1.0);
  for (int m = 0; m < L; ++m)
    for (int l = m + 2; l < L; ++l) {
      const double l2 = static_cast<double>(l * l), m2 = static_cast<double>(m * m), lm1 = static_cast<double>((l - 1) * (l - 1));
      a_[static_cast<std::size_t>(l * L + m)] = std::sqrt((4.0 * l2 - 1.0) / (l2 - m2));
      b_[static_cast<std::size_t>(l * L + m)] = std::sqrt((lm1 - m2) / (4.0 * lm1 - 1.0));
    }
}

void RealSphericalHarmonics::compute(const Vec3& d, double* Y) const { evaluate<false>(d, Y, nullptr); }
void RealSphericalHarmonics::compute(const Vec3& d, double* Y, double* dY) const { evaluate<true>(d, Y, dY); }

template <bool Grad>
void RealSphericalHarmonics::evaluate(const Vec3& d, double* Y, double* dY) const {
  const int L = l_max_ + 1;
  const double r = d.norm();
  const double inv_r = 1.0 / r;
  const double x = d[0] * inv_r, y = d[1] * inv_r, z = d[2] * inv_r;
  // C_m + i S_m = (x + i y)^m: cos/sin(m φ) sin^m θ on the unit sphere.
  double C[41], S[41];
  C[0] = 1.0;
  S[0] = 0.0;
  for (int m = 1; m < L; ++m) {
    C[m] = x * C[m - 1] - y * S[m - 1];
    S[m] = x * S[m - 1] + y * C[m - 1];
  }
  double pmm = diag_[0];  // P̄_m^m (a constant)
  for (int m = 0; m < L; ++m) {
    if (m > 0) pmm *= diag_[static_cast<std::size_t>(m)];
    // Walk l = m .. l_max with P̄_l^m(z) and its z-derivative.
    double p2 = 0.0, p1 = pmm, dp2 = 0.0, dp1 = 0.0;
    for (int l = m; l < L; ++l) {
      double p, dp;
      if (l == m) {
        p = pmm;
        dp = 0.0;
      } else if (l == m + 1) {
        const double c = std::sqrt(2.0 * m + 3.0);
        p = c * z * pmm;
        dp = c * pmm;
      } else {
        const double a = a_[static_cast<std::size_t>(l * L + m)], b = b_[static_cast<std::size_t>(l * L + m)];
        p = a * (z * p1 - b * p2);
        dp = a * (p1 + z * dp1 - b * dp2);
      }
      if (l > m) {
        p2 = p1;
        dp2 = dp1;
      }
      p1 = p;
      dp1 = dp;
      const int base = l * l + l;
      Y[base + m] = p * C[m];
      if (m > 0) Y[base - m] = p * S[m];
      if constexpr (Grad) {
        // ∇ of the polynomial extension: ∂C_m/∂x = m C_{m−1}, ∂C_m/∂y = −m S_{m−1}, ∂S_m/∂x = m S_{m−1},
        // ∂S_m/∂y = m C_{m−1}; then the tangential projection divided by r.
        const double cm1 = m > 0 ? m * C[m - 1] : 0.0, sm1 = m > 0 ? m * S[m - 1] : 0.0;
        auto put = [&](int idx, double gx, double gy, double gz) {
          const double radial = x * gx + y * gy + z * gz;
          double* g = dY + 3 * idx;
          g[0] = (gx - radial * x) * inv_r;
          g[1] = (gy - radial * y) * inv_r;
          g[2] = (gz - radial * z) * inv_r;
        };
        put(base + m, p * cm1, -p * sm1, dp * C[m]);
        if (m > 0) put(base - m, p * sm1, p * cm1, dp * S[m]);
      }
    }
  }
}

template void RealSphericalHarmonics::evaluate<false>(const Vec3&, double*, double*) const;
template void RealSphericalHarmonics::evaluate<true>(const Vec3&, double*, double*) const;

}  // namespace mlp
