// SOAP radial part: GTO basis with Löwdin orthonormalisation, scaled modified spherical Bessel functions, and the
// splined radial integrals. Formulas in mlp/desc/soap_radial.hpp.
#include "mlp/desc/soap_radial.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <string>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr int kNodesPerPanel = 12;
constexpr double kWindow = 12.0;  // in units of σ: exp(−72) < 6e-32
}  // namespace

void scaled_modified_spherical_bessel(int l_max, double x, double* out) {
  if (x == 0.0) {
    out[0] = 1.0;
    for (int l = 1; l <= l_max; ++l) out[l] = 0.0;
    return;
  }
  const double x_switch = std::max(30.0, 2.0 * l_max + 2.0);
  if (x > x_switch) {
    // Upward recurrence is stable for x > l (i_l dominant); e^{−2x} terms via expm1 for the closed forms.
    const double em = std::expm1(-2.0 * x);  // e^{−2x} − 1
    out[0] = -em / (2.0 * x);
    if (l_max >= 1) out[1] = (x * (2.0 + em) + em) / (2.0 * x * x);
    for (int l = 1; l < l_max; ++l) out[l + 1] = out[l - 1] - (2.0 * l + 1.0) / x * out[l];
    return;
  }
  // Power series i_l(x) = x^l/(2l+1)!! Σ_k (x²/2)^k / (k! (2l+3)(2l+5)···(2l+2k+1)), every term positive.
  const double ex = std::exp(-x);
  auto series = [&](int l) {
    double pre = ex;
    for (int k = 1; k <= l; ++k) pre *= x / (2.0 * k + 1.0);
    const double h = 0.5 * x * x;
    double term = 1.0, sum = 1.0;
    for (int k = 0; k < 1000; ++k) {
      term *= h / ((k + 1.0) * (2.0 * l + 2.0 * k + 3.0));
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return pre * sum;
  };
  if (x < 2.0 || l_max < 2) {  // few terms each; also avoids underflow of the high orders that would seed recursion
    for (int l = 0; l <= l_max; ++l) out[l] = series(l);
    return;
  }
  // Downward recurrence (stable for the minimal solution i_l) from the two highest orders.
  out[l_max] = series(l_max);
  out[l_max - 1] = series(l_max - 1);
  for (int l = l_max - 1; l >= 1; --l) out[l - 1] = out[l + 1] + (2.0 * l + 1.0) / x * out[l];
}

void gauss_legendre(int n, double a, double b, std::vector<double>& nodes, std::vector<double>& weights) {
  const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
  for (int i = 0; i < n; ++i) {
    double z = std::cos(kPi * (i + 0.75) / (n + 0.5));  // Tricomi's initial guess, then Newton
    double dp = 0.0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1.0, p1 = z;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n == 1) p0 = 1.0;
      dp = n * (z * p1 - p0) / (z * z - 1.0);
      const double dz = p1 / dp;
      z -= dz;
      if (std::abs(dz) < 1e-16) break;
    }
    {  // derivative at the converged node
      double p0 = 1.0, p1 = z;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n == 1) p0 = 1.0;
      dp = n * (z * p1 - p0) / (z * z - 1.0);
    }
    nodes.push_back(mid - half * z);
    weights.push_back(half * 2.0 / ((1.0 - z * z) * dp * dp));
  }
}

GtoRadialBasis::GtoRadialBasis(int n_max, double r_cut) : n_max_(n_max) {
  if (n_max < 1 || n_max > 24) throw InputError("n_max must be between 1 and 24", "", 0, "n_max");
  if (!(r_cut > 0.0) || !std::isfinite(r_cut)) throw InputError("r_cut must be a positive number (Å)", "", 0, "r_cut");
  const auto N = static_cast<std::size_t>(n_max);
  sigma_.resize(N);
  log_norm_.resize(N);
  for (int n = 0; n < n_max; ++n) {
    const double s = r_cut * std::max(std::sqrt(static_cast<double>(n)), 1.0) / n_max;
    sigma_[static_cast<std::size_t>(n)] = s;
    log_norm_[static_cast<std::size_t>(n)] = 0.5 * (std::log(2.0) - (2.0 * n + 3.0) * std::log(s) - std::lgamma(n + 1.5));
  }
  Eigen::MatrixXd S(n_max, n_max);
  for (int a = 0; a < n_max; ++a)
    for (int b = 0; b < n_max; ++b) {
      const double sa = sigma_[static_cast<std::size_t>(a)], sb = sigma_[static_cast<std::size_t>(b)];
      // N_a N_b Γ(p)/(2 α^p) rearranged into factors of order one (fewer rounding errors for the Löwdin step):
      // Γ(p)/sqrt(Γ(a+3/2) Γ(b+3/2)) · (2σ_aσ_b/(σ_a²+σ_b²))^p · (σ_b/σ_a)^{(a−b)/2},  p = (a+b+3)/2.
      const double p = 0.5 * (a + b + 3.0);
      S(a, b) = std::exp(std::lgamma(p) - 0.5 * (std::lgamma(a + 1.5) + std::lgamma(b + 1.5))) *
                std::pow(2.0 * sa * sb / (sa * sa + sb * sb), p) * std::pow(sb / sa, 0.5 * (a - b));
    }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  const Eigen::VectorXd ev = es.eigenvalues();
  // S^{−1/2} amplifies rounding errors by about the condition number of S (4e7 at n_max = 12, 6e10 at 16):
  // refuse bases that would not be orthonormal to about 1e-6.
  if (!(ev.minCoeff() > 1e-10 * ev.maxCoeff()))
    throw InputError("the GTO overlap matrix is too ill-conditioned for this n_max (at most 15)", "", 0, "n_max");
  lowdin_ = es.eigenvectors() * ev.cwiseInverse().cwiseSqrt().asDiagonal() * es.eigenvectors().transpose();
}

void GtoRadialBasis::primitive(double r, double* out) const {
  const double lr = r > 0.0 ? std::log(r) : 0.0;
  for (int k = 0; k < n_max_; ++k) {
    const double s = sigma_[static_cast<std::size_t>(k)];
    if (r == 0.0) {
      out[k] = k == 0 ? std::exp(log_norm_[0]) : 0.0;
      continue;
    }
    out[k] = std::exp(log_norm_[static_cast<std::size_t>(k)] + k * lr - r * r / (2.0 * s * s));
  }
}

void GtoRadialBasis::evaluate(double r, double* out) const {
  double R[24];
  primitive(r, R);
  for (int n = 0; n < n_max_; ++n) {
    double g = 0.0;
    for (int k = 0; k < n_max_; ++k) g += lowdin_(n, k) * R[k];
    out[n] = g;
  }
}

SoapRadialIntegral::SoapRadialIntegral(const GtoRadialBasis& basis, int l_max, double sigma, double r_cut,
                                       double accuracy)
    : n_max_(basis.n_max()), l_max_(l_max), sigma_(sigma), r_cut_(r_cut) {
  if (!(sigma > 0.0) || !std::isfinite(sigma)) throw InputError("sigma must be a positive number (Å)", "", 0, "sigma");
  if (l_max < 0 || l_max > 40) throw InputError("l_max must be between 0 and 40", "", 0, "l_max");
  // Quadrature nodes on [0, r_cut + 12σ]: every r at which some r_ij in [0, r_cut] has a non-negligible Gaussian.
  const double width = 0.5 * std::min(sigma, r_cut / n_max_);
  const double end = r_cut + kWindow * sigma;
  const auto panels = static_cast<int>(std::ceil(end / width));
  std::vector<double> w;
  for (int p = 0; p < panels; ++p) gauss_legendre(kNodesPerPanel, p * width, (p + 1) * width, node_r_, w);
  node_wg_.resize(node_r_.size() * static_cast<std::size_t>(n_max_));
  for (std::size_t q = 0; q < node_r_.size(); ++q) {
    const double r = node_r_[q];
    basis.evaluate(r, node_wg_.data() + q * static_cast<std::size_t>(n_max_));
    for (int n = 0; n < n_max_; ++n) node_wg_[q * static_cast<std::size_t>(n_max_) + static_cast<std::size_t>(n)] *= 4.0 * kPi * w[q] * r * r;
  }

  // Spline: start at spacing ~σ/4 and double the knots until the midpoints agree with quadrature.
  const auto NL = static_cast<std::size_t>(size());
  std::size_t K = static_cast<std::size_t>(std::max(4.0, std::ceil(4.0 * r_cut / sigma)));
  std::vector<double> kI((K + 1) * NL), kdI((K + 1) * NL);
  for (std::size_t k = 0; k <= K; ++k) integrate(r_cut * static_cast<double>(k) / static_cast<double>(K), &kI[k * NL], &kdI[k * NL]);
  std::vector<double> mI, mdI, sI(NL), sdI(NL), scale(NL);
  for (;;) {
    build_spline(K, kI, kdI);
    mI.assign(K * NL, 0.0);
    mdI.assign(K * NL, 0.0);
    std::fill(scale.begin(), scale.end(), 0.0);
    for (std::size_t k = 0; k <= K; ++k)
      for (std::size_t j = 0; j < NL; ++j) scale[j] = std::max(scale[j], std::abs(kI[k * NL + j]));
    double global = 0.0;
    for (double s : scale) global = std::max(global, s);
    double worst = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      const double r = r_cut * (static_cast<double>(k) + 0.5) / static_cast<double>(K);
      integrate(r, &mI[k * NL], &mdI[k * NL]);
      evaluate(r, sI.data(), sdI.data());
      for (std::size_t j = 0; j < NL; ++j)
        worst = std::max(worst, std::abs(sI[j] - mI[k * NL + j]) / std::max(scale[j], 1e-12 * global));
    }
    spline_error_ = worst;
    if (worst <= accuracy) break;
    if (K >= (std::size_t(1) << 17))
      throw ComputeError("the SOAP radial spline does not reach accuracy " + std::to_string(accuracy) +
                         " (sigma too small for r_cut?)");
    // The midpoints become knots: interleave.
    std::vector<double> nI((2 * K + 1) * NL), ndI((2 * K + 1) * NL);
    for (std::size_t k = 0; k <= K; ++k) {
      std::copy_n(&kI[k * NL], NL, &nI[2 * k * NL]);
      std::copy_n(&kdI[k * NL], NL, &ndI[2 * k * NL]);
      if (k < K) {
        std::copy_n(&mI[k * NL], NL, &nI[(2 * k + 1) * NL]);
        std::copy_n(&mdI[k * NL], NL, &ndI[(2 * k + 1) * NL]);
      }
    }
    kI.swap(nI);
    kdI.swap(ndI);
    K *= 2;
  }
}

void SoapRadialIntegral::build_spline(std::size_t K, const std::vector<double>& kI, const std::vector<double>& kdI) {
  const auto NL = static_cast<std::size_t>(size());
  intervals_ = K;
  h_ = r_cut_ / static_cast<double>(K);
  inv_h_ = 1.0 / h_;
  coef_.assign(K * 4 * NL, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    double* c = coef_.data() + k * 4 * NL;
    for (std::size_t j = 0; j < NL; ++j) {
      const double y0 = kI[k * NL + j], y1 = kI[(k + 1) * NL + j];
      const double m0 = h_ * kdI[k * NL + j], m1 = h_ * kdI[(k + 1) * NL + j];
      c[j] = y0;
      c[NL + j] = m0;
      c[2 * NL + j] = 3.0 * (y1 - y0) - 2.0 * m0 - m1;
      c[3 * NL + j] = 2.0 * (y0 - y1) + m0 + m1;
    }
  }
}

void SoapRadialIntegral::evaluate(double r, double* I, double* dI) const {
  const auto NL = static_cast<std::size_t>(size());
  double t = r * inv_h_;
  std::size_t k = static_cast<std::size_t>(t);
  if (k >= intervals_) k = intervals_ - 1;
  t -= static_cast<double>(k);
  const double* c0 = coef_.data() + k * 4 * NL;
  const double* c1 = c0 + NL;
  const double* c2 = c1 + NL;
  const double* c3 = c2 + NL;
  for (std::size_t j = 0; j < NL; ++j) I[j] = c0[j] + t * (c1[j] + t * (c2[j] + t * c3[j]));
  if (dI)
    for (std::size_t j = 0; j < NL; ++j) dI[j] = (c1[j] + t * (2.0 * c2[j] + 3.0 * t * c3[j])) * inv_h_;
}

void SoapRadialIntegral::integrate(double rij, double* I, double* dI) const {
  const int L = l_max_ + 1;
  const auto NL = static_cast<std::size_t>(size());
  std::fill(I, I + NL, 0.0);
  std::fill(dI, dI + NL, 0.0);
  const double is2 = 1.0 / (sigma_ * sigma_);
  const auto lo = std::lower_bound(node_r_.begin(), node_r_.end(), rij - kWindow * sigma_) - node_r_.begin();
  const auto hi = std::upper_bound(node_r_.begin(), node_r_.end(), rij + kWindow * sigma_) - node_r_.begin();
  std::vector<double> ib(static_cast<std::size_t>(L + 1)), val(static_cast<std::size_t>(L)), der(static_cast<std::size_t>(L));
  for (auto q = static_cast<std::size_t>(lo); q < static_cast<std::size_t>(hi); ++q) {
    const double r = node_r_[q];
    const double e = std::exp(-0.5 * (r - rij) * (r - rij) * is2);
    scaled_modified_spherical_bessel(L, r * rij * is2, ib.data());
    for (int l = 0; l < L; ++l) {
      const double dib = (l * (l > 0 ? ib[static_cast<std::size_t>(l - 1)] : 0.0) + (l + 1.0) * ib[static_cast<std::size_t>(l + 1)]) / (2.0 * l + 1.0);
      val[static_cast<std::size_t>(l)] = e * ib[static_cast<std::size_t>(l)];
      der[static_cast<std::size_t>(l)] = e * (-rij * is2 * ib[static_cast<std::size_t>(l)] + r * is2 * dib);
    }
    const double* wg = node_wg_.data() + q * static_cast<std::size_t>(n_max_);
    for (int n = 0; n < n_max_; ++n)
      for (int l = 0; l < L; ++l) {
        I[n * L + l] += wg[n] * val[static_cast<std::size_t>(l)];
        dI[n * L + l] += wg[n] * der[static_cast<std::size_t>(l)];
      }
  }
}

}  // namespace mlp
