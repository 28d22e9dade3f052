#include "mlp/model/dense_network.hpp"

#include <algorithm>
#include <cmath>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {

struct ActivationName {
  Activation a;
  const char* name;
};
constexpr ActivationName kNames[] = {
    {Activation::linear, "linear"},   {Activation::tanh, "tanh"},
    {Activation::sigmoid, "sigmoid"}, {Activation::softplus, "softplus"},
    {Activation::shifted_softplus, "shifted_softplus"},
    {Activation::silu, "silu"},       {Activation::relu, "relu"},
    {Activation::gaussian, "gaussian"}, {Activation::cos, "cos"},
    {Activation::revsigmoid, "revsigmoid"}, {Activation::exp, "exp"},
    {Activation::harmonic, "harmonic"},
};

// 1/(1+e^−x) without overflow for large |x|.
double logistic(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// ln(1+e^x) without overflow.
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

}  // namespace

std::string activation_name(Activation a) {
  for (const auto& n : kNames)
    if (n.a == a) return n.name;
  return "?";
}

Activation activation_from_name(const std::string& name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.a;
  std::string known;
  for (const auto& n : kNames) known += (known.empty() ? "" : ", ") + std::string(n.name);
  throw InputError("unknown activation '" + name + "' (known: " + known + ")", "", 0, "activation");
}

void activate(Activation a, double x, double& f, double& d1, double& d2) {
  switch (a) {
    case Activation::linear:
      f = x, d1 = 1.0, d2 = 0.0;
      return;
    case Activation::tanh: {
      f = std::tanh(x);
      d1 = 1.0 - f * f;
      d2 = -2.0 * f * d1;
      return;
    }
    case Activation::sigmoid: {
      const double s = logistic(x);
      f = s, d1 = s * (1.0 - s), d2 = d1 * (1.0 - 2.0 * s);
      return;
    }
    case Activation::revsigmoid: {
      const double s = logistic(x);
      f = 1.0 - s, d1 = -s * (1.0 - s), d2 = -s * (1.0 - s) * (1.0 - 2.0 * s);
      return;
    }
    case Activation::softplus:
    case Activation::shifted_softplus: {
      const double s = logistic(x);
      f = softplus(x) - (a == Activation::shifted_softplus ? std::log(2.0) : 0.0);
      d1 = s, d2 = s * (1.0 - s);
      return;
    }
    case Activation::silu: {
      const double s = logistic(x), ds = s * (1.0 - s);
      f = x * s, d1 = s + x * ds, d2 = 2.0 * ds + x * ds * (1.0 - 2.0 * s);
      return;
    }
    case Activation::relu:
      f = x > 0 ? x : 0.0, d1 = x > 0 ? 1.0 : 0.0, d2 = 0.0;
      return;
    case Activation::gaussian: {
      const double g = std::exp(-0.5 * x * x);
      f = g, d1 = -x * g, d2 = (x * x - 1.0) * g;
      return;
    }
    case Activation::cos:
      f = std::cos(x), d1 = -std::sin(x), d2 = -f;
      return;
    case Activation::exp:
      f = d1 = d2 = std::exp(x);
      return;
    case Activation::harmonic:
      f = x * x, d1 = 2.0 * x, d2 = 2.0;
      return;
  }
  f = d1 = d2 = 0.0;
}

DenseNetwork::DenseNetwork(std::vector<int> sizes, std::vector<Activation> activations)
    : sizes_(std::move(sizes)), activations_(std::move(activations)) {
  if (sizes_.size() < 2) throw InputError("a network needs at least an input and an output layer", "", 0, "layers");
  for (int n : sizes_)
    if (n <= 0) throw InputError("network layer sizes must be positive", "", 0, "layers");
  if (sizes_.back() != 1) throw InputError("a network must have exactly one output", "", 0, "layers");
  if (activations_.size() != sizes_.size() - 1)
    throw InputError("a network needs one activation per layer (" + std::to_string(sizes_.size() - 1) + "), got " +
                         std::to_string(activations_.size()),
                     "", 0, "activations");
  for (std::size_t l = 0; l + 1 < sizes_.size(); ++l) {
    weights_.push_back(Eigen::MatrixXd::Zero(sizes_[l + 1], sizes_[l]));
    biases_.push_back(Eigen::VectorXd::Zero(sizes_[l + 1]));
    parameter_count_ += static_cast<std::size_t>(sizes_[l + 1]) * static_cast<std::size_t>(sizes_[l] + 1);
  }
}

std::vector<double> DenseNetwork::parameters() const {
  std::vector<double> p;
  p.reserve(parameter_count_);
  for (std::size_t l = 0; l < weights_.size(); ++l) {
    for (Eigen::Index r = 0; r < weights_[l].rows(); ++r)
      for (Eigen::Index c = 0; c < weights_[l].cols(); ++c) p.push_back(weights_[l](r, c));
    for (Eigen::Index r = 0; r < biases_[l].size(); ++r) p.push_back(biases_[l](r));
  }
  return p;
}

void DenseNetwork::set_parameters(const double* p) {
  for (std::size_t l = 0; l < weights_.size(); ++l) {
    for (Eigen::Index r = 0; r < weights_[l].rows(); ++r)
      for (Eigen::Index c = 0; c < weights_[l].cols(); ++c) weights_[l](r, c) = *p++;
    for (Eigen::Index r = 0; r < biases_[l].size(); ++r) biases_[l](r) = *p++;
  }
}

double DenseNetwork::evaluate(const double* x) const {
  Eigen::VectorXd a = Eigen::Map<const Eigen::VectorXd>(x, sizes_.front());
  double f, d1, d2;
  for (std::size_t l = 0; l < weights_.size(); ++l) {
    Eigen::VectorXd z = weights_[l] * a + biases_[l];
    for (Eigen::Index k = 0; k < z.size(); ++k) activate(activations_[l], z(k), f, d1, d2), z(k) = f;
    a.swap(z);
  }
  return a(0);
}

void DenseNetwork::evaluate(const Eigen::MatrixXd& X, Eigen::VectorXd& y, Eigen::MatrixXd* dy_dx) const {
  if (X.rows() != sizes_.front())
    throw InputError("network input has " + std::to_string(X.rows()) + " values, expected " +
                         std::to_string(sizes_.front()),
                     "", 0, "inputs");
  const Eigen::Index n = X.cols();
  std::vector<Eigen::MatrixXd> slope;  // σ'(z_l) per layer, kept for the backward sweep
  if (dy_dx) slope.reserve(weights_.size());
  Eigen::MatrixXd a = X;
  double f, d1, d2;
  for (std::size_t l = 0; l < weights_.size(); ++l) {
    Eigen::MatrixXd z = weights_[l] * a;
    z.colwise() += biases_[l];
    Eigen::MatrixXd s;
    if (dy_dx) s.resize(z.rows(), z.cols());
    for (Eigen::Index c = 0; c < n; ++c)
      for (Eigen::Index r = 0; r < z.rows(); ++r) {
        activate(activations_[l], z(r, c), f, d1, d2);
        z(r, c) = f;
        if (dy_dx) s(r, c) = d1;
      }
    if (dy_dx) slope.push_back(std::move(s));
    a.swap(z);
  }
  y = a.row(0).transpose();
  if (!dy_dx) return;
  Eigen::MatrixXd adj = slope.back();  // ∂y/∂z_L (1 × n)
  for (std::size_t l = weights_.size(); l-- > 0;) {
    Eigen::MatrixXd prev = weights_[l].transpose() * adj;  // ∂y/∂a_{l−1}
    if (l > 0) prev.array() *= slope[l - 1].array();
    adj.swap(prev);
  }
  *dy_dx = std::move(adj);
}

double DenseNetwork::accumulate_parameter_gradient(const double* x, const double* v, double c, double t,
                                                   double* gradient, double* dy_dx) const {
  const std::size_t L = weights_.size();
  const bool tangent = t != 0.0 && v != nullptr;
  // Forward: primal a_l, tangent ȧ_l, and σ', σ'' at z_l.
  std::vector<Eigen::VectorXd> a(L + 1), ad(L + 1), s1(L), s2(L), zd(L);
  a[0] = Eigen::Map<const Eigen::VectorXd>(x, sizes_.front());
  ad[0] = tangent ? Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v, sizes_.front()))
                  : Eigen::VectorXd::Zero(sizes_.front());
  for (std::size_t l = 0; l < L; ++l) {
    Eigen::VectorXd z = weights_[l] * a[l] + biases_[l];
    s1[l].resize(z.size()), s2[l].resize(z.size());
    a[l + 1].resize(z.size());
    for (Eigen::Index k = 0; k < z.size(); ++k) activate(activations_[l], z(k), a[l + 1](k), s1[l](k), s2[l](k));
    zd[l] = weights_[l] * ad[l];
    ad[l + 1] = s1[l].cwiseProduct(zd[l]);
  }
  // Reverse sweep for J = c·y + t·ẏ: ā (primal adjoint) and ǎ (tangent adjoint).
  Eigen::VectorXd abar = Eigen::VectorXd::Constant(1, c), atbar = Eigen::VectorXd::Constant(1, tangent ? t : 0.0);
  Eigen::VectorXd gbar = Eigen::VectorXd::Constant(1, 1.0);  // for ∇_x y
  // Offsets of each layer's block in the flat gradient.
  std::vector<std::size_t> offset(L);
  for (std::size_t l = 0, o = 0; l < L; ++l) offset[l] = o, o += static_cast<std::size_t>(weights_[l].size() + biases_[l].size());
  for (std::size_t l = L; l-- > 0;) {
    const Eigen::VectorXd zbar = s1[l].cwiseProduct(abar) + s2[l].cwiseProduct(zd[l]).cwiseProduct(atbar);
    const Eigen::VectorXd ztbar = s1[l].cwiseProduct(atbar);
    double* g = gradient + offset[l];
    const Eigen::Index rows = weights_[l].rows(), cols = weights_[l].cols();
    for (Eigen::Index r = 0; r < rows; ++r) {
      const double zr = zbar(r), tr = ztbar(r);
      for (Eigen::Index k = 0; k < cols; ++k) g[r * cols + k] += zr * a[l](k) + tr * ad[l](k);
    }
    for (Eigen::Index r = 0; r < rows; ++r) g[rows * cols + r] += zbar(r);
    abar = weights_[l].transpose() * zbar;
    atbar = weights_[l].transpose() * ztbar;
    if (dy_dx) gbar = weights_[l].transpose() * s1[l].cwiseProduct(gbar);
  }
  if (dy_dx)
    for (int k = 0; k < sizes_.front(); ++k) dy_dx[k] = gbar(k);
  return a[L](0);
}

}  // namespace mlp
