#pragma once
// A small fully connected feed-forward network y = f(x) with one output, as used per element in
// Behler-Parrinello models (mlp/model/bpnn_model.hpp):
//   a_0 = x,   z_l = W_l a_{l-1} + b_l,   a_l = σ_l(z_l)   (l = 1..L),   y = a_L (one value).
// Besides the value it gives the input gradient ∇_x y (for forces, through the descriptor gradients) and the
// parameter gradient of the training objective
//   J = c·y + t·(∇_x y · v)
// for an energy seed c and a force seed t along an input-space direction v. The second term is what force and
// stress training need: forces are −Σ_i ∇_q E_i · dq_i/dr, so the derivative of a force residual with respect to
// the weights is a mixed second derivative ∂(∇_x y · v)/∂θ. It is computed exactly by forward-mode propagation of
// v (tangents ȧ_l = σ'(z_l) ∘ W_l ȧ_{l−1}) followed by one reverse sweep over both the primal and the tangent
// values ("double backpropagation"); that sweep needs σ''.
//
// Parameter layout (flat vector, also the model-file layout): for l = 1..L, W_l row-major (out × in) and then
// b_l. Everything is dimensionless here; the model attaches units (y is an energy in the model's output scale).
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mlp {

/// Activation functions. Names (activation_name) are ours; n2p2's one-letter codes map onto them in the n2p2
/// importer (l t s p r g c S e h).
enum class Activation {
  linear,            ///< x
  tanh,              ///< tanh x
  sigmoid,           ///< 1/(1+e^−x)
  softplus,          ///< ln(1+e^x)
  shifted_softplus,  ///< ln(1+e^x) − ln 2 (SchNet), zero at 0
  silu,              ///< x/(1+e^−x) (swish)
  relu,              ///< max(0,x) (σ'' = 0; kink at 0, fine for n2p2 compatibility, poor for force training)
  gaussian,          ///< e^{−x²/2}
  cos,               ///< cos x
  revsigmoid,        ///< 1 − 1/(1+e^−x)
  exp,               ///< e^x
  harmonic,          ///< x²
};

/// "tanh", "silu", ...; the inverse throws InputError (field "activation") for an unknown name.
std::string activation_name(Activation a);
Activation activation_from_name(const std::string& name);
/// σ(x), σ'(x), σ''(x).
void activate(Activation a, double x, double& value, double& first, double& second);

class DenseNetwork {
 public:
  DenseNetwork() = default;
  /// `sizes` = {inputs, hidden..., 1}; `activations` one per layer (sizes.size() − 1 entries), the last usually
  /// linear. Parameters start at zero. Throws InputError for fewer than two sizes, a zero size, an output size
  /// other than 1 or a wrong number of activations.
  DenseNetwork(std::vector<int> sizes, std::vector<Activation> activations);

  const std::vector<int>& sizes() const { return sizes_; }
  const std::vector<Activation>& activations() const { return activations_; }
  int inputs() const { return sizes_.front(); }
  std::size_t layers() const { return weights_.size(); }
  /// Number of weights and biases.
  std::size_t parameter_count() const { return parameter_count_; }
  /// Flat parameters in the layout above; set_parameters needs parameter_count() values.
  std::vector<double> parameters() const;
  void set_parameters(const double* p);
  /// Direct access, W_l is sizes[l+1] × sizes[l] (l counted from 0 here).
  Eigen::MatrixXd& weight(std::size_t l) { return weights_[l]; }
  Eigen::VectorXd& bias(std::size_t l) { return biases_[l]; }
  const Eigen::MatrixXd& weight(std::size_t l) const { return weights_[l]; }
  const Eigen::VectorXd& bias(std::size_t l) const { return biases_[l]; }

  /// Nguyen-Widrow-like random initialisation: weights uniform in ±sqrt(6/(in+out)) (Glorot), biases 0, output
  /// layer scaled by `output_scale`. Deterministic for a given generator state: draws come from `uniform01`, a
  /// callable returning doubles in [0,1).
  template <class Uniform01>
  void initialise(Uniform01&& uniform01, double output_scale = 1.0);

  /// y for one input vector (inputs() values).
  double evaluate(const double* x) const;
  /// Batch: column k of X (inputs() × n) is one input; y(k) its output and, if dy_dx is non-null, column k of
  /// *dy_dx (inputs() × n) its input gradient ∇_x y. Matrix-matrix products, so much faster than per-vector calls.
  void evaluate(const Eigen::MatrixXd& X, Eigen::VectorXd& y, Eigen::MatrixXd* dy_dx) const;

  /// Training: add c·∂y/∂θ + t·∂(∇_x y · v)/∂θ at input x to `gradient` (parameter_count() values, layout above).
  /// Returns y; `dy_dx` (inputs() values, may be null) receives ∇_x y. `v` may be null when t == 0.
  double accumulate_parameter_gradient(const double* x, const double* v, double c, double t, double* gradient,
                                       double* dy_dx = nullptr) const;

 private:
  std::vector<int> sizes_;
  std::vector<Activation> activations_;
  std::vector<Eigen::MatrixXd> weights_;
  std::vector<Eigen::VectorXd> biases_;
  std::size_t parameter_count_ = 0;
};

template <class Uniform01>
void DenseNetwork::initialise(Uniform01&& uniform01, double output_scale) {
  for (std::size_t l = 0; l < weights_.size(); ++l) {
    const double limit = std::sqrt(6.0 / static_cast<double>(weights_[l].rows() + weights_[l].cols())) *
                         (l + 1 == weights_.size() ? output_scale : 1.0);
    for (Eigen::Index r = 0; r < weights_[l].rows(); ++r)
      for (Eigen::Index c = 0; c < weights_[l].cols(); ++c) weights_[l](r, c) = limit * (2.0 * uniform01() - 1.0);
    biases_[l].setZero();
  }
}

}  // namespace mlp
