// fit_bpnn: Adam and L-BFGS over BpnnProblem's loss, early stopping, committee, checkpoints
// (see mlp/fit/bpnn_fit.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <random>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/fit/bpnn_fit.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

std::string optimizer_name(BpnnOptimizer o) {
  switch (o) {
    case BpnnOptimizer::adam: return "adam";
    case BpnnOptimizer::lbfgs: return "lbfgs";
    case BpnnOptimizer::adam_lbfgs: return "adam+lbfgs";
  }
  return "adam";
}

BpnnOptimizer optimizer_from_name(const std::string& name) {
  if (name == "adam") return BpnnOptimizer::adam;
  if (name == "lbfgs") return BpnnOptimizer::lbfgs;
  if (name == "adam+lbfgs") return BpnnOptimizer::adam_lbfgs;
  throw InputError("unknown optimizer '" + name + "' (known: adam, lbfgs, adam+lbfgs)", "", 0, "optimizer");
}

namespace {

constexpr char kMagic[] = "MLPBPCK1";
constexpr double kInf = std::numeric_limits<double>::infinity();

// The optimiser's complete state at an epoch boundary (what a checkpoint holds).
struct State {
  std::uint64_t member = 0;
  std::uint64_t phase = 0;        // 0 Adam, 1 L-BFGS, 2 member finished, 3 member not yet started
  std::uint64_t epoch = 0;        // epochs completed by this member
  std::uint64_t phase_epoch = 0;  // epochs completed in the current phase
  std::vector<std::vector<double>> finished;
  std::vector<std::uint64_t> best_epochs;  // of the finished members
  std::vector<double> theta, best;
  double best_loss = kInf;
  std::uint64_t since_best = 0, best_epoch = 0;
  std::vector<double> m, v;  // Adam moments
  std::uint64_t t = 0;       // Adam steps
  std::deque<std::vector<double>> s, y;  // L-BFGS history, oldest first
  std::string rng;           // std::mt19937_64 state as text
};

// Little-endian byte writer/reader for checkpoints.
void put_u64(std::string& out, std::uint64_t x) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((x >> (8 * b)) & 0xff));
}
void put_f64(std::string& out, double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, 8);
  put_u64(out, u);
}
void put_vec(std::string& out, const std::vector<double>& v) {
  put_u64(out, v.size());
  for (double x : v) put_f64(out, x);
}
void put_str(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

class Reader {
 public:
  explicit Reader(const std::string& bytes) : b_(bytes) {}
  std::uint64_t u64() {
    need(8);
    std::uint64_t x = 0;
    for (int b = 0; b < 8; ++b) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[pos_ + b])) << (8 * b);
    pos_ += 8;
    return x;
  }
  double f64() {
    const std::uint64_t u = u64();
    double x;
    std::memcpy(&x, &u, 8);
    return x;
  }
  std::vector<double> vec() {
    const std::uint64_t n = u64();
    need(n * 8);
    std::vector<double> v(n);
    for (auto& x : v) x = f64();
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    need(n);
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  void need(std::uint64_t n) const {
    if (n > b_.size() - pos_)
      throw InputError("bpnn checkpoint is truncated at byte " + std::to_string(pos_), "restart", 0, "checkpoint");
  }
  const std::string& b_;
  std::size_t pos_ = 0;
};

std::string serialise(const State& st, const std::string& fingerprint) {
  std::string out(kMagic, 8);
  put_str(out, fingerprint);
  for (std::uint64_t x : {st.member, st.phase, st.epoch, st.phase_epoch}) put_u64(out, x);
  put_u64(out, st.finished.size());
  for (std::size_t k = 0; k < st.finished.size(); ++k) {
    put_vec(out, st.finished[k]);
    put_u64(out, st.best_epochs[k]);
  }
  put_vec(out, st.theta);
  put_vec(out, st.best);
  put_f64(out, st.best_loss);
  put_u64(out, st.since_best);
  put_u64(out, st.best_epoch);
  put_vec(out, st.m);
  put_vec(out, st.v);
  put_u64(out, st.t);
  put_u64(out, st.s.size());
  for (std::size_t k = 0; k < st.s.size(); ++k) {
    put_vec(out, st.s[k]);
    put_vec(out, st.y[k]);
  }
  put_str(out, st.rng);
  return out;
}

State deserialise(const std::string& bytes, const std::string& fingerprint) {
  if (bytes.size() < 8 || bytes.compare(0, 8, kMagic) != 0)
    throw InputError("not a bpnn checkpoint (no MLPBPCK1 signature)", "restart", 0, "checkpoint");
  const std::string rest = bytes.substr(8);
  Reader r(rest);
  const std::string fp = r.str();
  if (fp != fingerprint)
    throw InputError("the checkpoint belongs to a different fit (it was written for " + fp + "; this fit is " +
                         fingerprint + ")",
                     "restart", 0, "checkpoint");
  State st;
  st.member = r.u64();
  st.phase = r.u64();
  st.epoch = r.u64();
  st.phase_epoch = r.u64();
  const std::uint64_t nf = r.u64();
  for (std::uint64_t k = 0; k < nf; ++k) {
    st.finished.push_back(r.vec());
    st.best_epochs.push_back(r.u64());
  }
  st.theta = r.vec();
  st.best = r.vec();
  st.best_loss = r.f64();
  st.since_best = r.u64();
  st.best_epoch = r.u64();
  st.m = r.vec();
  st.v = r.vec();
  st.t = r.u64();
  const std::uint64_t nh = r.u64();
  for (std::uint64_t k = 0; k < nh; ++k) {
    st.s.push_back(r.vec());
    st.y.push_back(r.vec());
  }
  st.rng = r.str();
  if (!r.done()) throw InputError("bpnn checkpoint has trailing bytes", "restart", 0, "checkpoint");
  return st;
}

std::string rng_text(const std::mt19937_64& rng) {
  std::ostringstream o;
  o << rng;
  return o.str();
}

// Uniform integer in [0, n) by rejection (the same on every standard library).
std::uint64_t bounded(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t bits_of(double x) {
  std::uint64_t u = 0;
  std::memcpy(&u, &x, 8);
  return u;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

double squared_norm(const std::vector<double>& a) { return dot(a, a); }

void check_options(const BpnnFitOptions& o) {
  const auto bad = [](const std::string& what, const std::string& field) {
    throw InputError("bpnn fit: " + what, "", 0, field);
  };
  if (o.epochs < 0) bad("epochs must be >= 0", "epochs");
  if (o.lbfgs_iterations < 0) bad("L-BFGS iterations must be >= 0", "lbfgs-iterations");
  if (o.batch_size < 1) bad("batch size must be >= 1", "batch-size");
  if (!(o.learning_rate > 0.0) || !std::isfinite(o.learning_rate)) bad("learning rate must be > 0", "learning-rate");
  if (!(o.final_lr_ratio > 0.0) || o.final_lr_ratio > 1.0) bad("final learning-rate ratio must be in (0, 1]", "final-lr-ratio");
  if (!(o.l2 >= 0.0) || !std::isfinite(o.l2)) bad("l2 must be >= 0", "l2");
  if (!(o.input_sd_floor >= 0.0 && o.input_sd_floor <= 1.0)) bad("input sd floor must be in [0, 1]", "input-sd-floor");
  if (o.patience < 0) bad("patience must be >= 0", "patience");
  if (o.committee < 1) bad("committee size must be >= 1", "committee");
  if (o.member < -1 || o.member >= o.committee) bad("member must be in 0..committee size - 1", "member");
  if (o.lbfgs_memory < 1) bad("L-BFGS memory must be >= 1", "lbfgs-memory");
  if (o.checkpoint_every < 0) bad("checkpoint interval must be >= 0", "checkpoint");
  for (int h : o.hidden)
    if (h < 1) bad("hidden layer widths must be positive", "layers");
}

}  // namespace

BpnnFitResult fit_bpnn(std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
                       const Split& split, const std::map<int, double>& isolated, const BpnnFitOptions& o,
                       const BpnnFitCallbacks& callbacks) {
  const auto start = std::chrono::steady_clock::now();
  check_options(o);
  if (split.train.empty()) throw InputError("bpnn fit: no training frames", "", 0, "frames");
  std::vector<std::size_t> use = split.train, train_all, valid_all;
  use.insert(use.end(), split.valid.begin(), split.valid.end());
  for (std::size_t k = 0; k < split.train.size(); ++k) train_all.push_back(k);
  for (std::size_t k = 0; k < split.valid.size(); ++k) valid_all.push_back(split.train.size() + k);
  const BpnnProblem problem(descriptor, frames, use, train_all, isolated, o);
  const std::size_t P = problem.parameter_count();
  // An element that no training frame holds gets no gradient: a fresh network for it would stay random (refused),
  // a warm start's network for it is handed back as it was (no L2 penalty either).
  const std::vector<int> untrained = problem.untrained_elements();
  if (!untrained.empty() && o.initial.empty()) {
    std::string symbols;
    for (int z : untrained) symbols += (symbols.empty() ? "" : ", ") + element_symbol(z);
    throw InputError("bpnn fit: no training frame holds " + symbols +
                         ", which the descriptor describes: its network cannot be fitted (put frames with it in the "
                         "training set, or warm-start from a model that has it)",
                     "", 0, "species");
  }
  const std::vector<double> mask = problem.penalty_mask();
  const auto penalty = [&](const std::vector<double>& theta) {  // o.l2·Σ θ² over the penalised parameters
    double s = 0.0;
    for (std::size_t q = 0; q < P; ++q) s += mask[q] * theta[q] * theta[q];
    return o.l2 * s;
  };
  const double n_train = static_cast<double>(train_all.size());

  std::ostringstream fp;
  fp.precision(17);
  fp << "P=" << P << " train=" << train_all.size() << " valid=" << valid_all.size()
     << " scale=" << problem.energy_scale() << " optimizer=" << optimizer_name(o.optimizer) << " epochs=" << o.epochs
     << " batch=" << o.batch_size << " lr=" << o.learning_rate << " ratio=" << o.final_lr_ratio
     << " l2=" << o.l2 << " committee=" << o.committee << " bootstrap=" << o.bootstrap << " seed=" << o.seed
     << " memory=" << o.lbfgs_memory << " sd_floor=" << o.input_sd_floor;
  // Warm start: every member's starting parameters, so that a checkpoint of another warm start is refused too.
  std::vector<std::vector<double>> warm;
  if (!o.initial.empty()) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const BpnnModel* model : o.initial)
      for (std::size_t k = 0; k < model->committee_size() && warm.size() < static_cast<std::size_t>(o.committee); ++k) {
        warm.push_back(problem.parameters_from(*model, k));
        for (double x : warm.back()) h = splitmix64(h ^ bits_of(x));
      }
    if (warm.size() < static_cast<std::size_t>(o.committee))
      throw InputError("warm start: the model(s) have " + std::to_string(warm.size()) +
                           " committee member(s) in all, the fit asks for " + std::to_string(o.committee),
                       "", 0, "init-model");
    fp << " init=" << h;
  }
  if (o.member >= 0) fp << " member=" << o.member;
  const std::string fingerprint = fp.str();

  BpnnFitResult result;
  result.untouched_elements = untrained;
  result.parameters = P;
  result.energy_scale = problem.energy_scale();

  State st;
  bool resumed = false;
  if (o.restart) {
    st = deserialise(*o.restart, fingerprint);
    resumed = true;
  } else if (o.member >= 0) {
    st.member = static_cast<std::uint64_t>(o.member);
  }
  const auto end_member = static_cast<std::uint64_t>(o.member >= 0 ? o.member + 1 : o.committee);
  const bool has_adam = o.optimizer != BpnnOptimizer::lbfgs;
  const bool has_lbfgs = o.optimizer != BpnnOptimizer::adam;

  // What early stopping minimises: the validation loss, or the training objective without validation frames.
  const auto score = [&](const LossTerms& train, const LossTerms& valid, double regularisation) {
    return valid_all.empty() ? train.total() / n_train + regularisation : valid.total();
  };
  const auto score_of = [&](const std::vector<double>& theta) {  // of parameters not yet evaluated
    const LossTerms none;
    return valid_all.empty() ? score(problem.loss(theta, train_all, nullptr), none, penalty(theta))
                             : score(none, problem.loss(theta, valid_all, nullptr), 0.0);
  };
  const auto emit_checkpoint = [&] {
    if (callbacks.checkpoint) callbacks.checkpoint(serialise(st, fingerprint));
  };

  while (st.member < end_member) {
    const std::uint64_t member_seed = splitmix64(o.seed + 0x632be59bd9b4e019ULL * st.member);
    std::mt19937_64 rng;
    if (!resumed || st.phase == 3) {
      resumed = false;
      st.theta = warm.empty() ? problem.initial_parameters(member_seed) : warm[st.member];
      st.best = st.theta;
      st.best_loss = warm.empty() ? kInf : score_of(st.theta);  // a warm start keeps its start unless beaten
      st.since_best = st.best_epoch = st.epoch = st.phase_epoch = 0;
      st.m.assign(P, 0.0);
      st.v.assign(P, 0.0);
      st.t = 0;
      st.s.clear();
      st.y.clear();
      st.phase = has_adam ? 0 : 1;
      rng.seed(splitmix64(member_seed));
    } else {
      std::istringstream in(st.rng);
      in >> rng;
      if (!in) throw InputError("bpnn checkpoint: unreadable random generator state", "restart", 0, "checkpoint");
      resumed = false;
    }
    // Training frames of this member: all, or a bootstrap resample (its own generator, not checkpointed state).
    std::vector<std::size_t> subset = train_all;
    if (o.bootstrap) {
      std::mt19937_64 boot(splitmix64(member_seed ^ 0x5bd1e995ULL));
      for (auto& k : subset) k = train_all[bounded(boot, train_all.size())];
      std::sort(subset.begin(), subset.end());
    }
    const double n_subset = static_cast<double>(subset.size());

    // L-BFGS: objective and gradient at θ (recomputed after a restart: same bits).
    std::vector<double> g(P);
    double f_value = 0.0;
    bool have_fg = false;
    LossTerms last_train;
    ErrorStat last_e, last_f;
    const auto objective = [&](const std::vector<double>& theta, std::vector<double>& grad, LossTerms& terms,
                               ErrorStat& es, ErrorStat& fs) {
      std::fill(grad.begin(), grad.end(), 0.0);
      es = ErrorStat();
      fs = ErrorStat();
      terms = problem.loss(theta, subset, grad.data(), 1.0 / n_subset, &es, &fs);
      for (std::size_t q = 0; q < P; ++q) grad[q] += 2.0 * o.l2 * mask[q] * theta[q];
      return terms.total() / n_subset + penalty(theta);
    };

    const auto end_phase = [&] {
      if (st.phase == 0 && has_lbfgs) {
        st.phase = 1;
        st.theta = st.best;
        st.phase_epoch = 0;
        st.since_best = 0;
        st.s.clear();
        st.y.clear();
        have_fg = false;
      } else {
        st.phase = 2;
      }
    };

    while (st.phase != 2) {
      if (st.phase == 0 && st.phase_epoch >= static_cast<std::uint64_t>(o.epochs)) {
        end_phase();
        continue;
      }
      if (st.phase == 1 && st.phase_epoch >= static_cast<std::uint64_t>(o.lbfgs_iterations)) {
        end_phase();
        continue;
      }
      BpnnEpochMetrics metrics;
      bool train_known = false;
      if (st.phase == 0) {
        const double frac = o.epochs > 1 ? static_cast<double>(st.phase_epoch) / (o.epochs - 1) : 0.0;
        const double lr = o.learning_rate * std::pow(o.final_lr_ratio, frac);
        metrics.learning_rate = lr;
        metrics.phase = "adam";
        std::vector<std::size_t> order = subset;
        for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[bounded(rng, k)]);
        std::vector<double> grad(P);
        for (std::size_t b = 0; b < order.size(); b += o.batch_size) {
          const std::vector<std::size_t> batch(order.begin() + static_cast<std::ptrdiff_t>(b),
                                               order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), b + o.batch_size)));
          std::fill(grad.begin(), grad.end(), 0.0);
          problem.loss(st.theta, batch, grad.data(), 1.0 / static_cast<double>(batch.size()));
          ++st.t;
          const double c1 = 1.0 - std::pow(o.adam_beta1, static_cast<double>(st.t));
          const double c2 = 1.0 - std::pow(o.adam_beta2, static_cast<double>(st.t));
          for (std::size_t q = 0; q < P; ++q) {
            const double gq = grad[q] + 2.0 * o.l2 * mask[q] * st.theta[q];
            st.m[q] = o.adam_beta1 * st.m[q] + (1.0 - o.adam_beta1) * gq;
            st.v[q] = o.adam_beta2 * st.v[q] + (1.0 - o.adam_beta2) * gq * gq;
            st.theta[q] -= lr * (st.m[q] / c1) / (std::sqrt(st.v[q] / c2) + o.adam_epsilon);
          }
        }
      } else {
        metrics.phase = "lbfgs";
        if (!have_fg) {
          f_value = objective(st.theta, g, last_train, last_e, last_f);
          have_fg = true;
        }
        // Two-loop recursion: d = −H g.
        std::vector<double> d(g);
        const std::size_t h = st.s.size();
        std::vector<double> alpha(h), rho(h);
        for (std::size_t k = h; k-- > 0;) {
          rho[k] = 1.0 / dot(st.y[k], st.s[k]);
          alpha[k] = rho[k] * dot(st.s[k], d);
          for (std::size_t q = 0; q < P; ++q) d[q] -= alpha[k] * st.y[k][q];
        }
        const double gnorm = std::sqrt(squared_norm(g));
        const double gamma = h ? dot(st.s[h - 1], st.y[h - 1]) / squared_norm(st.y[h - 1])
                               : std::min(1.0, o.learning_rate / std::max(gnorm, 1e-300) * std::sqrt(static_cast<double>(P)));
        for (double& x : d) x *= gamma;
        for (std::size_t k = 0; k < h; ++k) {
          const double beta = rho[k] * dot(st.y[k], d);
          for (std::size_t q = 0; q < P; ++q) d[q] += (alpha[k] - beta) * st.s[k][q];
        }
        for (double& x : d) x = -x;
        double slope = dot(g, d);
        if (!(slope < 0.0)) {  // not a descent direction: restart from scaled steepest descent
          st.s.clear();
          st.y.clear();
          const double scale = std::min(1.0, o.learning_rate / std::max(gnorm, 1e-300) * std::sqrt(static_cast<double>(P)));
          for (std::size_t q = 0; q < P; ++q) d[q] = -scale * g[q];
          slope = dot(g, d);
        }
        // Backtracking Armijo line search (c1 = 1e-4), halving from the full step.
        std::vector<double> trial(P), g_new(P);
        LossTerms terms;
        ErrorStat es, fs;
        double step = 1.0, f_new = kInf;
        bool accepted = false;
        for (int tries = 0; tries < 40 && slope < 0.0; ++tries, step *= 0.5) {
          for (std::size_t q = 0; q < P; ++q) trial[q] = st.theta[q] + step * d[q];
          f_new = objective(trial, g_new, terms, es, fs);
          if (std::isfinite(f_new) && f_new <= f_value + 1e-4 * step * slope) {
            accepted = true;
            break;
          }
        }
        if (!accepted) {  // no decrease along the direction: converged as far as double precision allows
          end_phase();
          continue;
        }
        std::vector<double> sv(P), yv(P);
        for (std::size_t q = 0; q < P; ++q) {
          sv[q] = trial[q] - st.theta[q];
          yv[q] = g_new[q] - g[q];
        }
        if (dot(sv, yv) > 1e-12 * std::sqrt(squared_norm(sv) * squared_norm(yv))) {
          st.s.push_back(std::move(sv));
          st.y.push_back(std::move(yv));
          if (st.s.size() > static_cast<std::size_t>(o.lbfgs_memory)) {
            st.s.pop_front();
            st.y.pop_front();
          }
        }
        st.theta = trial;
        g = g_new;
        f_value = f_new;
        last_train = terms;
        last_e = es;
        last_f = fs;
        metrics.learning_rate = step;
        train_known = !o.bootstrap;
      }
      ++st.epoch;
      ++st.phase_epoch;

      // Metrics and early stopping.
      metrics.member = static_cast<int>(st.member);
      metrics.epoch = static_cast<int>(st.epoch);
      ErrorStat te, tf, ve, vf;
      if (train_known) {
        metrics.train = last_train;
        te = last_e;
        tf = last_f;
      } else {
        metrics.train = problem.loss(st.theta, train_all, nullptr, 1.0, &te, &tf);
      }
      if (!valid_all.empty()) metrics.valid = problem.loss(st.theta, valid_all, nullptr, 1.0, &ve, &vf);
      metrics.regularisation = penalty(st.theta);
      metrics.train_energy_rmse = te.rmse();
      metrics.train_force_rmse = tf.rmse();
      metrics.valid_energy_rmse = ve.rmse();
      metrics.valid_force_rmse = vf.rmse();
      const double epoch_score = score(metrics.train, metrics.valid, metrics.regularisation);
      if (std::isfinite(epoch_score) && epoch_score < st.best_loss) {
        st.best_loss = epoch_score;
        st.best = st.theta;
        st.best_epoch = st.epoch;
        st.since_best = 0;
        metrics.best = true;
      } else {
        ++st.since_best;
      }
      metrics.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      result.history.push_back(metrics);
      if (callbacks.epoch) callbacks.epoch(metrics);
      if (o.patience > 0 && st.since_best >= static_cast<std::uint64_t>(o.patience)) end_phase();
      if (o.checkpoint_every > 0 && st.epoch % static_cast<std::uint64_t>(o.checkpoint_every) == 0) {
        st.rng = rng_text(rng);
        emit_checkpoint();
      }
    }
    if (!std::all_of(st.best.begin(), st.best.end(), [](double x) { return std::isfinite(x); }))
      throw ComputeError("bpnn fit diverged (non-finite parameters); try a smaller --learning-rate", "", 0,
                         "learning-rate");
    st.finished.push_back(st.best);
    st.best_epochs.push_back(st.best_epoch);
    ++st.member;
    st.phase = 3;
    st.rng = rng_text(rng);
    st.theta.clear();
    st.best.clear();
    st.m.clear();
    st.v.clear();
    st.s.clear();
    st.y.clear();
    st.epoch = st.phase_epoch = 0;
    emit_checkpoint();  // the next member starts afresh from its own seed
  }
  for (std::uint64_t e : st.best_epochs) result.best_epoch.push_back(static_cast<int>(e));
  result.model = problem.make_model(st.finished);
  return result;
}

}  // namespace mlp
