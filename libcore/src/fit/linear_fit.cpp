#include "mlp/fit/linear_fit.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>

#include <omp.h>

#include "mlp/core/elements.hpp"
#include "mlp/model/predictions.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

// One loss term's share of the normal equations: G = AᵀA (lower triangle while accumulating), h = Aᵀy,
// c = yᵀy, n = rows. Its value at w is |Aw − y|² = wᵀGw − 2wᵀh + c. G and h are allocated with the first row:
// a term without observations (virials of molecules, the prior of a validation set) costs no P×P memory.
class Quadratic {
 public:
  explicit Quadratic(Eigen::Index p = 0) : p_(p) {}
  void add(const Eigen::MatrixXd& A, const Eigen::VectorXd& y) {
    if (A.rows() == 0) return;
    allocate();
    G_.selfadjointView<Eigen::Lower>().rankUpdate(A.transpose());
    h_.noalias() += A.transpose() * y;
    c_ += y.squaredNorm();
    n_ += static_cast<std::size_t>(A.rows());
  }
  void merge(const Quadratic& o) {
    if (o.n_ == 0) return;
    allocate();
    G_ += o.G_;
    h_ += o.h_;
    c_ += o.c_;
    n_ += o.n_;
  }
  void symmetrise() {
    if (n_ > 0) G_.triangularView<Eigen::StrictlyUpper>() = G_.transpose();
  }
  /// Adds G (and h) to the sums; nothing when the term has no rows.
  void add_to(Eigen::MatrixXd& G, Eigen::VectorXd* h = nullptr) const {
    if (n_ == 0) return;
    G += G_;
    if (h) *h += h_;
  }
  std::size_t rows() const { return n_; }
  // Clamped at 0: the expanded form loses the last digits to cancellation when the fit is (nearly) exact.
  double value(const Eigen::VectorXd& w) const {
    if (n_ == 0) return 0.0;
    return std::max(0.0, w.dot(G_ * w) - 2.0 * w.dot(h_) + c_);
  }

 private:
  void allocate() {
    if (G_.size() > 0) return;
    G_ = Eigen::MatrixXd::Zero(p_, p_);
    h_ = Eigen::VectorXd::Zero(p_);
  }
  Eigen::Index p_;
  Eigen::MatrixXd G_;
  Eigen::VectorXd h_;
  double c_ = 0.0;
  std::size_t n_ = 0;
};

struct NormalSet {
  Quadratic energy, force, virial;
  Quadratic atomic;  // the atomic-energy prior: rows (q_i − q̄)/σ_a with target 0, training frames only
  explicit NormalSet(Eigen::Index p = 0) : energy(p), force(p), virial(p), atomic(p) {}
  void merge(const NormalSet& o) {
    energy.merge(o.energy);
    force.merge(o.force);
    virial.merge(o.virial);
    atomic.merge(o.atomic);
  }
  void symmetrise() {
    energy.symmetrise();
    force.symmetrise();
    virial.symmetrise();
    atomic.symmetrise();
  }
  LossTerms loss(const Eigen::VectorXd& w) const {
    LossTerms t;
    t.energy = energy.value(w);
    t.force = force.value(w);
    t.virial = virial.value(w);
    t.n_energy = energy.rows();
    t.n_force = force.rows();
    t.n_virial = virial.rows();
    return t;
  }
};

// Columns of each element's weights in the parameter vector.
struct Layout {
  std::map<int, Eigen::Index> offset;
  Eigen::Index size = 0;
};

Layout make_layout(const Descriptor& d, const std::vector<int>& species) {
  Layout l;
  for (int z : species) {
    l.offset[z] = l.size;
    l.size += static_cast<Eigen::Index>(d.size(z));
  }
  return l;
}

// The σ-weighted rows of one frame, folded into `set`; with `prior` (training frames: the solver never reads a
// validation set's prior) also the atomic-energy prior's rows.
void assemble_frame(const Descriptor& d, const Structure& s, const Layout& layout,
                    const std::map<int, double>& isolated, const LinearFitOptions& o, bool prior, NormalSet& set) {
  const Sigmas sigma = o.weights.sigmas(s);
  const auto energy = std::isfinite(sigma.energy) ? reference_energy(s, o.labels) : std::nullopt;
  const auto forces = std::isfinite(sigma.force) ? reference_forces(s, o.labels) : std::nullopt;
  const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2];
  const auto stress = std::isfinite(sigma.virial) && periodic ? reference_stress(s, o.labels) : std::nullopt;
  if (!energy && !forces && !stress) return;
  const Eigen::Index p = layout.size;
  const std::size_t n = s.size();
  const double atoms = static_cast<double>(n);
  DescriptorGradients g;
  const bool need_gradients = forces || stress;
  const DescriptorValues q = need_gradients ? compute_descriptors(d, s, &g) : compute_descriptors(d, s);

  if (energy) {
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(1, p);
    double y = *energy;
    for (std::size_t i = 0; i < n; ++i) {
      const int z = s.numbers[i];
      y -= isolated.at(z);
      const Eigen::Index off = layout.offset.at(z);
      for (std::size_t k = 0; k < q.row_size(i); ++k) A(0, off + static_cast<Eigen::Index>(k)) += q.row(i)[k];
    }
    const double scale = 1.0 / (atoms * sigma.energy);
    set.energy.add(A * scale, Eigen::VectorXd::Constant(1, y * scale));
  }
  if (prior && std::isfinite(o.atomic_energy_sigma) && n > 1) {
    // One prior row per atom: (b_i − b̄)/σ_a, b̄ the frame's mean learned atomic energy, target 0.
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), p);
    for (std::size_t i = 0; i < n; ++i) {
      const Eigen::Index off = layout.offset.at(s.numbers[i]);
      for (std::size_t k = 0; k < q.row_size(i); ++k)
        A(static_cast<Eigen::Index>(i), off + static_cast<Eigen::Index>(k)) = q.row(i)[k] / o.atomic_energy_sigma;
    }
    A.rowwise() -= A.colwise().mean();
    set.atomic.add(A, Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n)));
  }
  if (forces) {
    // F_ja = −Σ_i w_{Z_i}·dq_i/dr_ja.
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(3 * n), p);
    for (std::size_t i = 0; i < n; ++i) {
      const Eigen::Index off = layout.offset.at(s.numbers[i]);
      const std::size_t m = q.row_size(i);
      for (std::size_t e = g.entry_offsets[i]; e < g.entry_offsets[i + 1]; ++e) {
        const auto j = static_cast<Eigen::Index>(g.atom[e]);
        const double* block = g.position.data() + g.data_offsets[e];
        for (std::size_t k = 0; k < m; ++k)
          for (int a = 0; a < 3; ++a) A(3 * j + a, off + static_cast<Eigen::Index>(k)) -= block[3 * k + a];
      }
    }
    Eigen::VectorXd y(static_cast<Eigen::Index>(3 * n));
    for (std::size_t j = 0; j < n; ++j)
      for (int a = 0; a < 3; ++a) y[static_cast<Eigen::Index>(3 * j) + a] = (*forces)(static_cast<Eigen::Index>(j), a);
    const double scale = 1.0 / sigma.force;
    set.force.add(A * scale, y * scale);
  }
  if (stress) {
    // W_ab = −Σ_i w·dq_i/dε_ab, symmetrised (a symmetric tensor has 6 independent components).
    static constexpr int kA[6] = {0, 1, 2, 1, 0, 0}, kB[6] = {0, 1, 2, 2, 2, 1};
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(6, p);
    for (std::size_t i = 0; i < n; ++i) {
      const Eigen::Index off = layout.offset.at(s.numbers[i]);
      const double* strain = g.strain.data() + q.offsets[i] * 9;
      for (std::size_t k = 0; k < q.row_size(i); ++k)
        for (int r = 0; r < 6; ++r)
          A(r, off + static_cast<Eigen::Index>(k)) -=
              0.5 * (strain[9 * k + 3 * kA[r] + kB[r]] + strain[9 * k + 3 * kB[r] + kA[r]]);
    }
    const Mat3 w_ref = -*stress * s.volume();
    Eigen::VectorXd y(6);
    for (int r = 0; r < 6; ++r) y[r] = 0.5 * (w_ref(kA[r], kB[r]) + w_ref(kB[r], kA[r]));
    const double scale = 1.0 / (atoms * sigma.virial);
    set.virial.add(A * scale, y * scale);
  }
}

struct Solution {
  Eigen::VectorXd w;
  double jitter = 0.0;
};

Solution solve(const Eigen::MatrixXd& G, const Eigen::VectorXd& h, double lambda_abs) {
  const Eigen::Index p = G.rows();
  Eigen::VectorXd d(p);
  for (Eigen::Index k = 0; k < p; ++k) d[k] = G(k, k) > 0.0 ? 1.0 / std::sqrt(G(k, k)) : 0.0;
  Eigen::MatrixXd M = d.asDiagonal() * G * d.asDiagonal();
  for (Eigen::Index k = 0; k < p; ++k) M(k, k) = d[k] > 0.0 ? M(k, k) + lambda_abs * d[k] * d[k] : 1.0;
  const Eigen::VectorXd rhs = d.asDiagonal() * h;
  Solution out;
  for (double jitter = 0.0; jitter <= 1e-6; jitter = jitter == 0.0 ? 1e-14 : jitter * 10.0) {
    Eigen::MatrixXd Mj = M;
    Mj.diagonal().array() += jitter;
    const Eigen::LLT<Eigen::MatrixXd> llt(Mj);
    if (llt.info() != Eigen::Success) continue;
    const Eigen::VectorXd z = llt.solve(rhs);
    if (!z.allFinite()) continue;
    out.w = d.asDiagonal() * z;
    out.jitter = jitter;
    return out;
  }
  throw ComputeError("the normal equations of the linear fit are singular even with jitter 1e-6 (try a larger "
                     "--lambda, or check that the data hold labels)",
                     "", 0, "lambda");
}

}  // namespace

std::size_t linear_parameter_count(const Descriptor& d, const std::vector<int>& species) {
  std::size_t p = 0;
  for (int z : species) p += d.size(z);
  return p;
}

std::size_t linear_fit_memory_bytes(std::size_t parameters, std::size_t threads, std::size_t largest_frame_atoms) {
  if (threads == 0) threads = static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  const std::size_t p2 = parameters * parameters * sizeof(double);
  const std::size_t rows = 1 + 3 * largest_frame_atoms + 6;
  // Training sets: 3 loss terms + the prior; validation sets: the 3 loss terms (they never get prior rows).
  return p2 * ((4 + 3) * (1 + threads) + 3) + threads * rows * parameters * sizeof(double);
}

LinearFitResult fit_linear(const Descriptor& d, const std::vector<Structure>& frames, const Split& split,
                           const std::map<int, double>& isolated, const LinearFitOptions& o,
                           const std::function<void()>& frame_done) {
  const std::vector<int> species = d.elements();
  for (const auto* list : {&split.train, &split.valid})
    for (std::size_t f : *list) {
      const Structure& s = frames.at(f);
      for (std::size_t i = 0; i < s.size(); ++i)
        if (d.size(s.numbers[i]) == 0 || !isolated.count(s.numbers[i]))
          throw InputError("frame " + std::to_string(s.frame) + " atom " + std::to_string(i) + ": element " +
                               element_symbol(s.numbers[i]) + " is not described by the descriptor",
                           s.source, s.line, "species");
    }
  if (!(o.lambda >= 0.0) || !std::isfinite(o.lambda))
    throw InputError("lambda must be a finite number >= 0", "", 0, "lambda");
  if (!(o.atomic_energy_sigma > 0.0))
    throw InputError("the atomic-energy prior sigma must be > 0 (eV; infinity for none)", "", 0,
                     "atomic_energy_sigma");
  if (o.auto_lambda && split.valid.empty())
    throw InputError("choosing lambda automatically needs validation frames (--valid-fraction or --valid)", "", 0,
                     "lambda");
  const Layout layout = make_layout(d, species);
  const Eigen::Index p = layout.size;
  if (p == 0) throw InputError("the descriptor has no values for the elements of the data", "", 0, "descriptor");

  // Assembly in blocks of kBlock consecutive frames: each block is summed from zero by one thread, and blocks are
  // folded into the totals in block order, so the result does not depend on the number of threads. Memory: one
  // pair of block accumulators per thread plus the totals.
  constexpr std::size_t kBlock = 4;
  struct Job {
    std::size_t frame;
    bool valid;
  };
  std::vector<Job> jobs;
  for (std::size_t f : split.train) jobs.push_back({f, false});
  for (std::size_t f : split.valid) jobs.push_back({f, true});
  const std::size_t blocks = (jobs.size() + kBlock - 1) / kBlock;
  const int threads = std::max(1, o.threads > 0 ? o.threads : omp_get_max_threads());
  const auto wave = static_cast<std::size_t>(threads);
  std::vector<NormalSet> block_train(wave, NormalSet(p)), block_valid(wave, NormalSet(p));
  NormalSet tr(p), va(p);
  std::exception_ptr failure;
  std::mutex failure_mutex;
  for (std::size_t first = 0; first < blocks && !failure; first += wave) {
    const std::size_t count = std::min(wave, blocks - first);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (std::ptrdiff_t b = 0; b < static_cast<std::ptrdiff_t>(count); ++b) {
      const auto slot = static_cast<std::size_t>(b);
      block_train[slot] = NormalSet(p);
      block_valid[slot] = NormalSet(p);
      const std::size_t begin = (first + slot) * kBlock, end = std::min(jobs.size(), begin + kBlock);
      try {
        for (std::size_t k = begin; k < end; ++k) {
          assemble_frame(d, frames[jobs[k].frame], layout, isolated, o, !jobs[k].valid,
                         jobs[k].valid ? block_valid[slot] : block_train[slot]);
          if (frame_done) frame_done();
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
    for (std::size_t slot = 0; slot < count; ++slot) {
      tr.merge(block_train[slot]);
      va.merge(block_valid[slot]);
    }
  }
  if (failure) std::rethrow_exception(failure);
  block_train.clear();
  block_valid.clear();
  tr.symmetrise();
  va.symmetrise();
  if (tr.energy.rows() + tr.force.rows() + tr.virial.rows() == 0)
    throw InputError("no training frame has a label (energy, forces or stress/virial) to fit", "", 0, "labels");

  // G_prior = the data's normal matrix plus the prior's; λ stays relative to the data alone.
  Eigen::MatrixXd G_prior = Eigen::MatrixXd::Zero(p, p);
  Eigen::VectorXd h = Eigen::VectorXd::Zero(p);
  for (const Quadratic* term : {&tr.energy, &tr.force, &tr.virial}) term->add_to(G_prior, &h);
  const double scale = G_prior.diagonal().mean();
  tr.atomic.add_to(G_prior);

  LinearFitResult result;
  result.parameters = static_cast<std::size_t>(p);
  const std::vector<double> grid = o.auto_lambda ? o.lambda_grid : std::vector<double>{o.lambda};
  double best = std::numeric_limits<double>::infinity();
  Solution chosen;
  for (double lambda : grid) {
    const double lambda_abs = lambda * scale;
    Solution sol;
    try {
      sol = solve(G_prior, h, lambda_abs);
    } catch (const ComputeError&) {
      if (!o.auto_lambda) throw;
      continue;  // λ = 0 may be singular; the grid goes on
    }
    LambdaTrial trial{lambda, lambda_abs, tr.loss(sol.w), va.loss(sol.w)};
    result.trials.push_back(trial);
    const double score = o.auto_lambda ? trial.valid.total() : 0.0;
    if (score < best || chosen.w.size() == 0) {
      best = score;
      chosen = sol;
      result.lambda = lambda;
      result.lambda_absolute = lambda_abs;
      result.train = trial.train;
      result.valid = trial.valid;
    }
  }
  if (chosen.w.size() == 0) throw ComputeError("no lambda of the grid gave a solvable fit", "", 0, "lambda");
  if (!o.auto_lambda) result.trials.clear();
  result.jitter = chosen.jitter;
  result.regularisation = result.lambda_absolute * chosen.w.squaredNorm();
  result.atomic_prior = tr.atomic.value(chosen.w);
  for (int z : species)
    result.weights[z] = chosen.w.segment(layout.offset.at(z), static_cast<Eigen::Index>(d.size(z)));
  return result;
}

ErrorTable evaluate_errors(const Model& model, const std::vector<Structure>& frames, const std::vector<std::size_t>& use,
                           const LabelKeys& labels) {
  ErrorTable table;
  for (std::size_t f : use) {
    const Structure& s = frames.at(f);
    const EvalResult r = evaluate(model, s);
    table.add(s.info.string("config_type").value_or(""), s.size(), reference_energy(s, labels), r.energy,
              reference_forces(s, labels), r.forces, reference_stress(s, labels), predicted_stress(s, r));
  }
  return table;
}

}  // namespace mlp
