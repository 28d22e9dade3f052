// SOAP building blocks: real spherical harmonics (against std::assoc_legendre, orthonormality, gradients), scaled
// modified spherical Bessel functions (against a long-double series), the GTO radial basis (orthonormality), and
// the radial-integral spline (against direct quadrature; derivatives against finite differences).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "mlp/desc/soap_radial.hpp"
#include "mlp/desc/spherical_harmonics.hpp"
#include "mlp/util/error.hpp"

using namespace mlp;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Independent real Y_lm from the standard library's associated Legendre function (no Condon-Shortley phase in
// std::assoc_legendre), the convention of spherical_harmonics.hpp.
double reference_ylm(int l, int m, double theta, double phi) {
  const int am = std::abs(m);
  double fact = 1.0;  // (l−|m|)!/(l+|m|)!
  for (int k = l - am + 1; k <= l + am; ++k) fact /= k;
  const double N = std::sqrt((2.0 * l + 1.0) / (4.0 * kPi) * fact);
  const double P = std::assoc_legendre(static_cast<unsigned>(l), static_cast<unsigned>(am), std::cos(theta));
  if (m == 0) return N * P;
  if (m > 0) return std::sqrt(2.0) * N * P * std::cos(am * phi);
  return std::sqrt(2.0) * N * P * std::sin(am * phi);
}

// e^{−x} i_l(x) by the power series in long double.
long double reference_bessel(int l, long double x) {
  long double pre = 1.0L;
  for (int k = 1; k <= l; ++k) pre *= x / (2.0L * k + 1.0L);
  long double term = 1.0L, sum = 1.0L;
  for (int k = 0; k < 5000; ++k) {
    term *= 0.5L * x * x / ((k + 1.0L) * (2.0L * l + 2.0L * k + 3.0L));
    sum += term;
    if (term < 1e-22L * sum) break;
  }
  return pre * sum * std::exp(-x);
}

}  // namespace

TEST_CASE("SOAP basis: real spherical harmonics match std::assoc_legendre and are orthonormal", "[soap]") {
  const int lmax = 8;
  const RealSphericalHarmonics Y(lmax);
  REQUIRE(Y.size() == 81);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> y(81), dy(243), yp(81), ym(81);
  double worst = 0.0;
  for (int t = 0; t < 50; ++t) {
    const Vec3 d(u(rng) * 3, u(rng) * 3, u(rng) * 3);
    Y.compute(d, y.data());
    const double theta = std::acos(d[2] / d.norm()), phi = std::atan2(d[1], d[0]);
    for (int l = 0; l <= lmax; ++l)
      for (int m = -l; m <= l; ++m) worst = std::max(worst, std::abs(y[static_cast<std::size_t>(l * l + l + m)] - reference_ylm(l, m, theta, phi)));
  }
  CHECK(worst < 1e-12);
  // Poles: the direction (0, 0, ±1) is regular.
  Y.compute(Vec3(0, 0, -2.0), y.data());
  for (int l = 0; l <= lmax; ++l) CHECK(std::abs(y[static_cast<std::size_t>(l * l + l)] - reference_ylm(l, 0, kPi, 0.0)) < 1e-12);

  // ∫ Y_lm Y_l'm' dΩ on Gauss-Legendre(cos θ) × uniform φ: exact for these polynomial degrees.
  std::vector<double> z, wz;
  gauss_legendre(lmax + 2, -1.0, 1.0, z, wz);
  const int nphi = 2 * lmax + 3;
  std::vector<double> gram(81 * 81, 0.0);
  for (std::size_t a = 0; a < z.size(); ++a)
    for (int k = 0; k < nphi; ++k) {
      const double phi = 2 * kPi * k / nphi, s = std::sqrt(1 - z[a] * z[a]);
      Y.compute(Vec3(s * std::cos(phi), s * std::sin(phi), z[a]), y.data());
      for (std::size_t i = 0; i < 81; ++i)
        for (std::size_t j = 0; j < 81; ++j) gram[i * 81 + j] += wz[a] * 2 * kPi / nphi * y[i] * y[j];
    }
  double off = 0.0;
  for (std::size_t i = 0; i < 81; ++i)
    for (std::size_t j = 0; j < 81; ++j) off = std::max(off, std::abs(gram[i * 81 + j] - (i == j ? 1.0 : 0.0)));
  CHECK(off < 1e-12);
}

TEST_CASE("SOAP basis: spherical-harmonic gradients match central finite differences", "[soap]") {
  const RealSphericalHarmonics Y(7);
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> y(64), dy(192), yp(64), ym(64);
  const double h = 1e-5;
  for (int t = 0; t < 20; ++t) {
    const Vec3 d(u(rng) * 3, u(rng) * 3, u(rng) * 3);
    Y.compute(d, y.data(), dy.data());
    std::vector<double> v(64);
    Y.compute(d, v.data());
    for (std::size_t i = 0; i < 64; ++i) CHECK(v[i] == y[i]);
    double worst = 0.0, scale = 0.0;
    for (int a = 0; a < 3; ++a) {
      Vec3 dp = d, dm = d;
      dp[a] += h;
      dm[a] -= h;
      Y.compute(dp, yp.data());
      Y.compute(dm, ym.data());
      for (std::size_t i = 0; i < 64; ++i) {
        const double fd = (yp[i] - ym[i]) / (2 * h);
        worst = std::max(worst, std::abs(fd - dy[3 * i + static_cast<std::size_t>(a)]));
        scale = std::max(scale, std::abs(fd));
      }
    }
    CHECK(worst / scale < 1e-8);
  }
  CHECK_THROWS_AS(RealSphericalHarmonics(-1), InputError);
}

TEST_CASE("SOAP basis: scaled modified spherical Bessel functions", "[soap]") {
  const int lmax = 21;
  std::vector<double> out(lmax + 1);
  for (double x : {0.0, 1e-8, 1e-3, 0.5, 1.9, 2.1, 7.0, 29.5, 30.5, 44.0, 46.0, 100.0, 300.0, 2000.0}) {
    scaled_modified_spherical_bessel(lmax, x, out.data());
    for (int l = 0; l <= lmax; ++l) {
      const double ref = static_cast<double>(reference_bessel(l, x));
      INFO("x = " << x << " l = " << l);
      if (ref < 1e-280) {
        CHECK(std::abs(out[static_cast<std::size_t>(l)]) < 1e-270);
      } else {
        CHECK(std::abs(out[static_cast<std::size_t>(l)] - ref) <= 1e-12 * ref);
      }
    }
  }
}

TEST_CASE("SOAP basis: the GTO radial basis is orthonormal with weight r^2", "[soap]") {
  for (int nmax : {1, 4, 8, 12}) {
    const double rc = 5.0;
    const GtoRadialBasis g(nmax, rc);
    for (int n = 0; n < nmax; ++n) CHECK(g.width(n) == Approx(rc * std::max(std::sqrt(double(n)), 1.0) / nmax));
    std::vector<double> r, w;
    for (int p = 0; p < 400; ++p) gauss_legendre(16, p * 0.1, (p + 1) * 0.1, r, w);
    std::vector<double> v(static_cast<std::size_t>(nmax)), gram(static_cast<std::size_t>(nmax * nmax), 0.0), prim(gram.size(), 0.0),
        R(static_cast<std::size_t>(nmax));
    for (std::size_t q = 0; q < r.size(); ++q) {
      g.evaluate(r[q], v.data());
      g.primitive(r[q], R.data());
      for (std::size_t a = 0; a < v.size(); ++a)
        for (std::size_t b = 0; b < v.size(); ++b) {
          gram[a * v.size() + b] += w[q] * r[q] * r[q] * v[a] * v[b];
          prim[a * v.size() + b] += w[q] * r[q] * r[q] * R[a] * R[b];
        }
    }
    double off = 0.0;
    for (std::size_t a = 0; a < v.size(); ++a) {
      CHECK(prim[a * v.size() + a] == Approx(1.0).epsilon(1e-12));  // primitive functions normalised
      for (std::size_t b = 0; b < v.size(); ++b) off = std::max(off, std::abs(gram[a * v.size() + b] - (a == b ? 1.0 : 0.0)));
    }
    INFO("n_max " << nmax << " off-orthonormality " << off);
    // Löwdin's S^{−1/2} amplifies rounding by the condition number of S: 3e4 at n_max = 8, 4e7 at 12.
    CHECK(off < (nmax <= 8 ? 1e-10 : 1e-8));
  }
  CHECK_THROWS_AS(GtoRadialBasis(16, 5.0), InputError);
  CHECK_NOTHROW(GtoRadialBasis(15, 5.0));
  CHECK_THROWS_AS(GtoRadialBasis(0, 5.0), InputError);
  CHECK_THROWS_AS(GtoRadialBasis(4, -1.0), InputError);
}

TEST_CASE("SOAP basis: the radial-integral spline reproduces quadrature, derivatives match finite differences", "[soap]") {
  const double rc = 5.0, sigma = 0.5;
  const GtoRadialBasis g(8, rc);
  const SoapRadialIntegral R(g, 6, sigma, rc);
  CHECK(R.spline_error() <= 1e-9);
  const auto NL = static_cast<std::size_t>(R.size());
  std::vector<double> scale(NL, 0.0), I(NL), dI(NL), J(NL), dJ(NL), Ip(NL), Im(NL), dummy(NL);
  for (int k = 0; k <= 200; ++k) {
    R.integrate(rc * k / 200.0, I.data(), dI.data());
    for (std::size_t j = 0; j < NL; ++j) scale[j] = std::max(scale[j], std::abs(I[j]));
  }
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, rc);
  double worst = 0.0, worst_d = 0.0, worst_fd = 0.0, worst_sfd = 0.0;
  const double h = 1e-5;
  for (int t = 0; t < 60; ++t) {
    const double r = t == 0 ? rc - 1e-9 : (t == 1 ? 1e-7 : u(rng));
    R.integrate(r, I.data(), dI.data());
    R.evaluate(r, J.data(), dJ.data());
    for (std::size_t j = 0; j < NL; ++j) {
      worst = std::max(worst, std::abs(I[j] - J[j]) / scale[j]);
      worst_d = std::max(worst_d, std::abs(dI[j] - dJ[j]) / scale[j]);
    }
    if (r > h && r < rc - h) {
      R.integrate(r + h, Ip.data(), dummy.data());  // quadrature derivative against FD of quadrature
      R.integrate(r - h, Im.data(), dummy.data());
      for (std::size_t j = 0; j < NL; ++j) worst_fd = std::max(worst_fd, std::abs((Ip[j] - Im[j]) / (2 * h) - dI[j]) / scale[j]);
      R.evaluate(r + h, Ip.data(), nullptr);  // spline derivative against FD of the spline
      R.evaluate(r - h, Im.data(), nullptr);
      for (std::size_t j = 0; j < NL; ++j) worst_sfd = std::max(worst_sfd, std::abs((Ip[j] - Im[j]) / (2 * h) - dJ[j]) / scale[j]);
    }
  }
  INFO("spline " << worst << " derivative " << worst_d << " fd " << worst_fd << " spline fd " << worst_sfd
                 << " intervals " << R.intervals());
  CHECK(worst < 1e-8);
  CHECK(worst_d < 1e-5);  // the derivative of a cubic Hermite spline is one order less accurate
  CHECK(worst_fd < 1e-8);
  CHECK(worst_sfd < 1e-8);
}
