#pragma once
// Training of a Behler-Parrinello model (mlp/model/bpnn_model.hpp) on energies, forces and virials.
//
// Data. Every frame of the training and validation sets is described once, with the sparse position and strain
// gradients of its descriptor rows (mlp/desc/descriptor.hpp). Inputs are standardised per element from the
// training atoms, x_ik = (q_ik − mean_Zk)/σ_Zk; mean and 1/σ become the model's input_shift/input_scale, and the
// stored gradients are those of x. σ_Zk is the input's standard deviation, but at least input_sd_floor × the largest
// standard deviation of that element's inputs (σ_Zk = 1 for a constant input when the floor is 0). Why a floor:
// ACSF grids hold shells that the training atoms almost never reach (radial Gaussians beyond the bonds, narrow
// angular terms); their σ is 1e-3..1e-9 of the others, so pure standardisation blows rare, tiny values up to
// |x| of 20..300 and the networks fit noise on them and extrapolate wildly on new frames. The output
// map is E_i = s_E·y_Z(x_i) + E_Z with E_Z the isolated-atom energy (mlp/fit/dataset.hpp) and s_E (eV) the root
// mean square of the per-atom energy (E − Σ_i E_Z_i)/N over the labelled training frames, at least
// 0.1 Å × the RMS force component and 1 meV: network outputs are then O(1). The output bias starts at the mean
// per-atom energy / s_E, the weights Glorot-uniform (DenseNetwork::initialise).
//
// Loss (mlp/fit/loss.hpp), over a set of frames F:
//   L(θ) = Σ_{f∈F} [ ((E_f − E_ref)/N/σ_E)² + Σ_{ja} ((F_ja − F_ref,ja)/σ_F)² + Σ_{ab} ((W_ab − W_ref,ab)/N/σ_W)² ]
// and the training objective is  J(θ) = L_train(θ)/n_train + λ|θ|²  (λ: options.l2, on all weights and biases;
// dividing by the number of training frames makes λ and the learning rate independent of the data-set size).
// Its gradient is exact: with the residuals e = (E − E_ref)/(Nσ_E), r_j = (F_j − F_ref,j)/σ_F and
// ρ_ab = (W_ab − W_ref,ab)/(Nσ_W) of a frame, each atom contributes, per DenseNetwork::accumulate_parameter_gradient,
//   c = 2 e s_E/(N σ_E)  and  t = −2 s_E  along  v_i = Σ_j (∂x_i/∂r_j)ᵀ r_j/σ_F + Σ_ab ρ_ab ∂x_i/∂ε_ab/(N σ_W),
// since F_j = −s_E Σ_i (∂x_i/∂r_j)ᵀ∇y(x_i) and W = −s_E Σ_i ∇y(x_i)·∂x_i/∂ε (the virial symmetrised, 6 terms).
//
// Optimisers. Adam (Kingma & Ba 2015) on minibatches of frames, reshuffled every epoch, learning rate decaying
// exponentially from learning_rate to learning_rate·final_lr_ratio over the Adam epochs; L-BFGS (memory
// lbfgs_memory) on the full training set with a backtracking Armijo line search, one iteration counted as an
// epoch; or Adam followed by L-BFGS. After every epoch the train and validation sets are evaluated; the parameters
// with the lowest validation loss (training loss without validation frames) are kept, and training stops after
// `patience` epochs without improvement (0: never). A committee of M networks per element is M independent runs
// with seeds derived from `seed` (optionally each on a bootstrap resample of the training frames).
//
// Determinism. Consecutive frames are gathered into chunks of at least 96 atoms (a chunk depends only on the
// data); chunks are processed in parallel (OpenMP), each summed in frame order into its own gradient buffer, and
// the buffers are summed in chunk order: the result is bit-identical for any thread count.
// All randomness comes from std::mt19937_64 seeded from `seed` and the committee index.
//
// Checkpoints. Every checkpoint_every epochs (and at the end of each committee member) the fit hands the caller
// a checkpoint as bytes (a small binary record, "MLPBPCK1", little-endian): a fingerprint of the problem (parameter
// count, frame counts, options that change the trajectory), the committee index, the parameters of finished
// members, the current and the best parameters, the best validation loss and epochs since it, the epoch and
// phase (Adam or L-BFGS), Adam's moments and step count, the L-BFGS history, and the random generator's
// state. Passing those bytes back as options.restart continues the fit bit-identically to an uninterrupted run
// with the same data and options (a checkpoint of another fit is refused). The learning curve before it is
// not stored.
//
// Warm start (options.initial; n2p2's use_old_weights_short, the second stage of MACE-style training). Member k
// starts from the k-th network set of one or more earlier models (their members in order) instead of random
// weights: BpnnProblem::parameters_from() re-expresses those networks in this problem's input standardisation and
// output map (first-layer weights and biases, output weights and bias), so the starting prediction is the earlier
// model's learned energy exactly, whatever data the earlier model was standardised on. The starting parameters are
// scored like an epoch (epoch 0): a warm start keeps them unless an epoch does better on the validation frames.
// An element of the model that no training frame holds (fine-tuning a water model on frames without oxygen) keeps
// its networks as they were: no gradient reaches them and the L2 penalty leaves them alone. Without a warm start
// such an element is refused: its network could not be fitted.
//
// One member alone (options.member = k): the fit trains member k of the committee only, with the same bits as
// member k of the whole committee's run (each member has its own seed and random stream), and returns a model of
// that one network set. Members trained as separate jobs become one committee through a warm start from all of
// them with no iterations (they were standardised on the same data, so nothing changes).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "mlp/core/structure.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/fit/linear_fit.hpp"
#include "mlp/fit/loss.hpp"
#include "mlp/model/bpnn_model.hpp"
#include "mlp/model/dense_network.hpp"

namespace mlp {

enum class BpnnOptimizer { adam, lbfgs, adam_lbfgs };
/// "adam", "lbfgs", "adam+lbfgs"; the inverse throws InputError (field "optimizer").
std::string optimizer_name(BpnnOptimizer o);
BpnnOptimizer optimizer_from_name(const std::string& name);

struct BpnnFitOptions {
  LossWeights weights;
  LabelKeys labels;
  std::vector<int> hidden = {25, 25};          ///< hidden layer widths
  Activation activation = Activation::tanh;    ///< hidden layers; the output layer is linear
  BpnnOptimizer optimizer = BpnnOptimizer::adam_lbfgs;
  int epochs = 100;                ///< Adam epochs (passes over the training frames)
  std::size_t batch_size = 4;      ///< frames per Adam step
  double learning_rate = 1e-3;     ///< Adam's initial step size (units of the parameters)
  double final_lr_ratio = 0.05;    ///< learning rate at the last Adam epoch / learning_rate
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  int lbfgs_iterations = 100;      ///< L-BFGS iterations (each counted as an epoch)
  int lbfgs_memory = 10;
  double l2 = 1e-6;                ///< λ of the objective above (dimensionless per squared parameter)
  double input_sd_floor = 0.01;    ///< least σ of an input, as a fraction of the element's largest input σ
  int patience = 0;                ///< stop after this many epochs without a better validation loss; 0 = never
  int committee = 1;               ///< networks per element
  bool bootstrap = false;          ///< each committee member trains on a bootstrap resample of the training frames
  std::uint64_t seed = 1;
  int threads = 0;                 ///< OpenMP threads; 0 = OpenMP's default
  int checkpoint_every = 0;        ///< epochs between checkpoints (0: only at the end of each member)
  const std::string* restart = nullptr;  ///< checkpoint bytes to continue from (null: start afresh)
  /// Warm start: member k starts from the k-th network set of these models, their members taken in order (empty:
  /// random weights). They must have the problem's descriptor, hidden layers and activation and at least
  /// `committee` members in all.
  std::vector<const BpnnModel*> initial;
  int member = -1;                 ///< >= 0: train only this member of the committee; the model holds it alone
};

/// The metrics of one epoch of one committee member.
struct BpnnEpochMetrics {
  int member = 0;
  int epoch = 0;              ///< 1-based, counted over Adam and L-BFGS
  std::string phase;          ///< "adam" or "lbfgs"
  double seconds = 0.0;       ///< wall time since the fit (or the restart) began, s
  double learning_rate = 0.0; ///< Adam's; the accepted line-search step for L-BFGS
  LossTerms train, valid;     ///< σ-weighted sums over the sets (dimensionless)
  double regularisation = 0.0;             ///< λ|θ|²
  double train_energy_rmse = 0.0, train_force_rmse = 0.0;  ///< eV/atom, eV/Å
  double valid_energy_rmse = 0.0, valid_force_rmse = 0.0;  ///< 0 without validation frames
  bool best = false;          ///< the parameters of this epoch are the best so far
};

struct BpnnFitCallbacks {
  std::function<void(const BpnnEpochMetrics&)> epoch;   ///< after every epoch
  std::function<void(const std::string&)> checkpoint;   ///< checkpoint bytes, to be stored by the caller
};

struct BpnnFitResult {
  std::unique_ptr<BpnnModel> model;
  std::size_t parameters = 0;          ///< per committee member
  double energy_scale = 0.0;           ///< s_E, eV
  std::vector<int> best_epoch;         ///< per member: the epoch whose parameters were kept (0: the initial ones)
  std::vector<BpnnEpochMetrics> history;  ///< every epoch of every member (since the restart, if any)
  /// Elements no training frame holds, whose networks a warm start handed back as they were (atomic numbers).
  std::vector<int> untouched_elements;
};

/// Descriptor data of a set of frames, standardised for training, and the loss and its gradient.
class BpnnProblem {
 public:
  /// Describes frames[use[k]] for every k (in parallel). The standardisation and s_E come from the frames listed
  /// in `train` (indices into `use`), the energy shifts from `isolated` (eV, every element of the frames).
  /// Throws InputError when a frame holds an element the descriptor does not describe or when no training frame
  /// holds a label.
  BpnnProblem(std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
              const std::vector<std::size_t>& use, const std::vector<std::size_t>& train,
              const std::map<int, double>& isolated, const BpnnFitOptions& options);
  ~BpnnProblem();
  BpnnProblem(const BpnnProblem&) = delete;
  BpnnProblem& operator=(const BpnnProblem&) = delete;

  std::size_t frames() const;
  std::size_t parameter_count() const;
  double energy_scale() const;
  /// Fresh parameters of one network set (Glorot weights, output bias at the mean energy), drawn from `rng`.
  std::vector<double> initial_parameters(std::uint64_t seed) const;
  /// Loss L over the frames `subset` (indices into `use`) and, if `gradient` is non-null, ∂L/∂θ times
  /// `gradient_scale` added to it. Also the RMSE accumulators when `energy`/`force` are non-null.
  LossTerms loss(const std::vector<double>& theta, const std::vector<std::size_t>& subset, double* gradient,
                 double gradient_scale = 1.0, ErrorStat* energy = nullptr, ErrorStat* force = nullptr) const;
  /// The descriptor's elements that no training frame holds (ascending atomic numbers). Their networks get no
  /// gradient from the loss.
  std::vector<int> untrained_elements() const;
  /// Per parameter: 1 where the L2 penalty applies, 0 for the networks of untrained_elements() (so a warm start
  /// hands those networks back untouched instead of shrinking them towards zero with no data to balance it).
  std::vector<double> penalty_mask() const;
  /// The parameters θ that reproduce member `member` of `model` in this problem's standardisation: the networks of
  /// make_model({θ}) give the same atomic energies (eV) as the member's, up to rounding, whatever the input and
  /// energy scaling of `model`. Throws InputError (field "init-model") when the descriptors differ, an element's
  /// hidden layers or activations are not this problem's, or the model has no such member.
  std::vector<double> parameters_from(const BpnnModel& model, std::size_t member) const;
  /// The model with one network set per committee member.
  std::unique_ptr<BpnnModel> make_model(const std::vector<std::vector<double>>& members) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Fit on split.train, validate on split.valid. Throws InputError for bad options (field named), a checkpoint
/// that does not belong to this problem, or data problems (see BpnnProblem).
BpnnFitResult fit_bpnn(std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
                       const Split& split, const std::map<int, double>& isolated, const BpnnFitOptions& options,
                       const BpnnFitCallbacks& callbacks = {});

}  // namespace mlp
