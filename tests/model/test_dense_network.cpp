// DenseNetwork: value, input gradient and the training gradient c·∂y/∂θ + t·∂(∇_x y·v)/∂θ against central
// finite differences, for every activation with a second derivative.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "mlp/model/dense_network.hpp"
#include "mlp/util/error.hpp"

using namespace mlp;

namespace {

DenseNetwork random_network(Activation hidden, std::uint64_t seed) {
  DenseNetwork net({4, 5, 3, 1}, {hidden, hidden, Activation::linear});
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  net.initialise([&] { return u(rng); });
  std::vector<double> p = net.parameters();
  for (double& x : p) x += 0.1 * (u(rng) - 0.5);  // non-zero biases too
  net.set_parameters(p.data());
  return net;
}

double directional(const DenseNetwork& net, const std::vector<double>& x, const std::vector<double>& v) {
  std::vector<double> g(x.size()), unused(net.parameter_count());
  net.accumulate_parameter_gradient(x.data(), nullptr, 0.0, 0.0, unused.data(), g.data());
  double s = 0;
  for (std::size_t k = 0; k < x.size(); ++k) s += g[k] * v[k];
  return s;
}

}  // namespace

TEST_CASE("DenseNetwork: activations have the right first and second derivatives", "[model][bpnn]") {
  for (Activation a : {Activation::tanh, Activation::sigmoid, Activation::softplus, Activation::shifted_softplus,
                       Activation::silu, Activation::gaussian, Activation::cos, Activation::revsigmoid,
                       Activation::exp, Activation::harmonic, Activation::linear}) {
    INFO(activation_name(a));
    CHECK(activation_from_name(activation_name(a)) == a);
    for (double x : {-3.1, -0.4, 0.0, 0.7, 2.5}) {
      const double h = 1e-5;
      double f, d1, d2, fp, d1p, d2p, fm, d1m, d2m;
      activate(a, x, f, d1, d2);
      activate(a, x + h, fp, d1p, d2p);
      activate(a, x - h, fm, d1m, d2m);
      CHECK(d1 == Approx((fp - fm) / (2 * h)).margin(1e-8));
      CHECK(d2 == Approx((d1p - d1m) / (2 * h)).margin(1e-8));
    }
  }
  double f, d1, d2;
  activate(Activation::shifted_softplus, 0.0, f, d1, d2);
  CHECK(f == 0.0);
  activate(Activation::softplus, 800.0, f, d1, d2);  // no overflow
  CHECK(f == Approx(800.0));
  CHECK_THROWS_AS(activation_from_name("swish2"), InputError);
}

TEST_CASE("DenseNetwork: input and parameter gradients equal finite differences", "[model][bpnn]") {
  for (Activation hidden : {Activation::tanh, Activation::shifted_softplus, Activation::silu, Activation::sigmoid}) {
    INFO(activation_name(hidden));
    DenseNetwork net = random_network(hidden, 7);
    const std::vector<double> x = {0.3, -0.2, 0.9, 0.1}, v = {0.5, -1.0, 0.25, 0.8};
    const double h = 1e-6;
    // Input gradient.
    std::vector<double> g(4), grad(net.parameter_count(), 0.0);
    const double y = net.accumulate_parameter_gradient(x.data(), nullptr, 0.0, 0.0, grad.data(), g.data());
    CHECK(y == Approx(net.evaluate(x.data())).epsilon(1e-14));
    for (std::size_t k = 0; k < 4; ++k) {
      auto xp = x, xm = x;
      xp[k] += h, xm[k] -= h;
      CHECK(g[k] == Approx((net.evaluate(xp.data()) - net.evaluate(xm.data())) / (2 * h)).margin(1e-8));
    }
    // Batch evaluation agrees with single calls.
    Eigen::MatrixXd X(4, 2);
    X.col(0) = Eigen::Map<const Eigen::VectorXd>(x.data(), 4);
    X.col(1) = Eigen::Map<const Eigen::VectorXd>(v.data(), 4);
    Eigen::VectorXd yb;
    Eigen::MatrixXd gb;
    net.evaluate(X, yb, &gb);
    CHECK(yb(0) == Approx(y).epsilon(1e-14));
    CHECK(yb(1) == Approx(net.evaluate(v.data())).epsilon(1e-14));
    for (std::size_t k = 0; k < 4; ++k) CHECK(gb(static_cast<Eigen::Index>(k), 0) == Approx(g[k]).epsilon(1e-13));
    // Parameter gradient of J = c·y + t·(∇_x y·v).
    const double c = 0.7, t = -1.3;
    std::fill(grad.begin(), grad.end(), 0.0);
    net.accumulate_parameter_gradient(x.data(), v.data(), c, t, grad.data());
    const std::vector<double> p0 = net.parameters();
    double worst = 0;
    for (std::size_t k = 0; k < p0.size(); ++k) {
      auto pp = p0, pm = p0;
      pp[k] += h, pm[k] -= h;
      DenseNetwork a = net, b = net;
      a.set_parameters(pp.data());
      b.set_parameters(pm.data());
      const double Jp = c * a.evaluate(x.data()) + t * directional(a, x, v);
      const double Jm = c * b.evaluate(x.data()) + t * directional(b, x, v);
      worst = std::max(worst, std::abs(grad[k] - (Jp - Jm) / (2 * h)));
    }
    CHECK(worst < 1e-7);
  }
}

TEST_CASE("DenseNetwork: bad shapes are refused", "[model][bpnn]") {
  CHECK_THROWS_AS(DenseNetwork({3}, {}), InputError);
  CHECK_THROWS_AS(DenseNetwork({3, 2}, {Activation::linear}), InputError);
  CHECK_THROWS_AS(DenseNetwork({3, 0, 1}, {Activation::tanh, Activation::linear}), InputError);
  CHECK_THROWS_AS(DenseNetwork({3, 2, 1}, {Activation::tanh}), InputError);
  DenseNetwork net({3, 2, 1}, {Activation::tanh, Activation::linear});
  CHECK(net.parameter_count() == 3 * 2 + 2 + 2 + 1);
  Eigen::VectorXd y;
  CHECK_THROWS_AS(net.evaluate(Eigen::MatrixXd::Zero(2, 1), y, nullptr), InputError);
}
