// fit_bpnn and BpnnProblem: the loss gradient (energy + forces + stress, per-config_type σ, missing labels) equals
// central finite differences of the loss over every parameter (as n2p2's nnp-checkdw); the fitted model predicts
// what the loss saw; results are bit-identical for 1 and 2 threads and after a restart from any checkpoint;
// training on Lennard-Jones data converges far below the label spread; committees and bad options.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/bpnn_fit.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

void label_with(const Model& m, Structure& s, bool energy = true, bool forces = true, bool stress = true) {
  const EvalResult r = evaluate(m, s);
  if (energy) s.info.set("energy", r.energy);
  if (forces) {
    AtomArray f;
    f.width = 3;
    f.reals.assign(r.forces.data(), r.forces.data() + r.forces.size());
    s.arrays.set("forces", f);
  }
  if (stress) {
    const Mat3 st = stress_from_virial(r.virial, s.volume());
    s.info.set("stress", std::vector<double>(st.data(), st.data() + 9));
  }
}

std::shared_ptr<const Descriptor> acsf(const std::vector<int>& species, double rcut, int radial) {
  return make_descriptor(R"({"type":"acsf","cutoff":"cos","auto":{"rcut":)" + std::to_string(rcut) +
                             R"(,"rmin":0.8,"radial":)" + std::to_string(radial) +
                             R"(,"shifted":true,"angular_eta":[0.01],"angular_zeta":[1.0,4.0]}})",
                         species);
}

// Random periodic frames of two elements (H-like 1 and 8) labelled by a Lennard-Jones model.
std::vector<Structure> lj_frames(std::uint64_t seed, std::size_t count, std::size_t atoms, const std::vector<int>& elements,
                                 double lo, double hi) {
  std::mt19937_64 rng(seed);
  const auto lj = make_model("lj:epsilon=0.1,sigma=1.8,cutoff=4.0");
  std::vector<Structure> frames;
  for (std::size_t k = 0; k < count; ++k) {
    Structure s = test::random_structure(rng, atoms, elements, test::random_cell(rng, lo, hi), {true, true, true}, 1.6);
    label_with(*lj, s);
    frames.push_back(std::move(s));
  }
  return frames;
}

std::vector<double> parameters_of(const BpnnModel& m, std::size_t member = 0) {
  std::vector<double> all;
  for (const auto& kv : m.elements()) {
    const auto p = kv.second.committee.at(member).parameters();
    all.insert(all.end(), p.begin(), p.end());
  }
  return all;
}

// A small committee, each member on a bootstrap resample: `epochs` Adam epochs, then as many L-BFGS iterations.
BpnnFitOptions bootstrap_committee(int members, int epochs) {
  BpnnFitOptions o;
  o.hidden = {5};
  o.optimizer = BpnnOptimizer::adam_lbfgs;
  o.epochs = epochs;
  o.lbfgs_iterations = epochs;
  o.batch_size = 2;
  o.committee = members;
  o.bootstrap = true;
  return o;
}

Split all_but_last(std::size_t n, std::size_t valid) {
  Split s;
  for (std::size_t k = 0; k < n; ++k) (k + valid < n ? s.train : s.valid).push_back(k);
  return s;
}

}  // namespace

TEST_CASE("bpnn loss gradient (energy, forces, stress) equals central finite differences", "[fit][bpnn]") {
  std::vector<Structure> frames = lj_frames(11, 3, 5, {1, 8}, 4.0, 4.6);
  frames[1].info.set("config_type", std::string("liquid"));
  frames[2].info.erase("stress");  // a frame without a stress label contributes no virial term
  const auto d = acsf({1, 8}, 3.5, 3);
  BpnnFitOptions o;
  o.hidden = {4, 3};
  o.activation = Activation::tanh;
  o.weights.defaults = {0.01, 0.3, 0.05};
  o.weights.add_override("liquid:force=0.1,energy=0.002");
  const std::map<int, double> isolated{{1, -0.3}, {8, 0.2}};
  const BpnnProblem problem(d, frames, {0, 1, 2}, {0, 1}, isolated, o);
  const std::vector<double> theta = problem.initial_parameters(5);
  const std::size_t P = problem.parameter_count();
  REQUIRE(theta.size() == P);
  const std::vector<std::size_t> all{0, 1, 2};
  std::vector<double> grad(P, 0.0);
  const LossTerms terms = problem.loss(theta, all, grad.data());
  CHECK(terms.n_energy == 3);
  CHECK(terms.n_force == 45);
  CHECK(terms.n_virial == 12);
  REQUIRE(terms.energy > 0.0);
  REQUIRE(terms.force > 0.0);
  REQUIRE(terms.virial > 0.0);
  const double h = 1e-5;
  double worst = 0.0, largest = 0.0;
  for (std::size_t q = 0; q < P; ++q) {
    std::vector<double> t = theta;
    t[q] = theta[q] + h;
    const double up = problem.loss(t, all, nullptr).total();
    t[q] = theta[q] - h;
    const double down = problem.loss(t, all, nullptr).total();
    const double fd = (up - down) / (2 * h);
    worst = std::max(worst, std::abs(fd - grad[q]));
    largest = std::max(largest, std::abs(grad[q]));
  }
  INFO("largest |dL/dθ| " << largest << ", worst |FD − analytic| " << worst);
  CHECK(largest > 1.0);
  CHECK(worst <= 1e-6 * largest);

  // Each term separately: forces only and stress only (other σ off) also agree.
  for (const char* only : {"force", "virial"}) {
    BpnnFitOptions o2 = o;
    const double off = std::numeric_limits<double>::infinity();
    o2.weights = LossWeights();
    o2.weights.defaults = {off, std::string(only) == "force" ? 0.3 : off, std::string(only) == "virial" ? 0.05 : off};
    const BpnnProblem p2(d, frames, {0, 1, 2}, {0, 1}, isolated, o2);
    std::vector<double> g2(P, 0.0);
    const LossTerms t2 = p2.loss(theta, all, g2.data(), 0.5);
    CHECK(t2.n_energy == 0);
    double w2 = 0.0, l2 = 0.0;
    for (std::size_t q = 0; q < P; q += 3) {
      std::vector<double> t = theta;
      t[q] = theta[q] + h;
      const double up = p2.loss(t, all, nullptr).total();
      t[q] = theta[q] - h;
      const double down = p2.loss(t, all, nullptr).total();
      w2 = std::max(w2, std::abs(0.5 * (up - down) / (2 * h) - g2[q]));
      l2 = std::max(l2, std::abs(g2[q]));
    }
    INFO(only << ": largest " << l2 << ", worst " << w2);
    CHECK(l2 > 0.0);
    CHECK(w2 <= 1e-6 * l2);
  }
}

TEST_CASE("bpnn fit: the model predicts what the loss saw, 1 and 2 threads give the same bits", "[fit][bpnn]") {
  const std::vector<Structure> frames = lj_frames(3, 10, 6, {1, 8}, 4.2, 5.0);
  const Split split = all_but_last(frames.size(), 3);
  const auto d = acsf({1, 8}, 3.5, 4);
  BpnnFitOptions o;
  o.hidden = {6, 5};
  o.optimizer = BpnnOptimizer::adam_lbfgs;
  o.epochs = 4;
  o.lbfgs_iterations = 3;
  o.batch_size = 3;
  o.learning_rate = 0.01;
  const std::map<int, double> isolated{{1, 0.0}, {8, 0.0}};
  o.threads = 1;
  const BpnnFitResult one = fit_bpnn(d, frames, split, isolated, o);
  o.threads = 2;
  const BpnnFitResult two = fit_bpnn(d, frames, split, isolated, o);
  REQUIRE(one.history.size() == 7);
  CHECK(one.history[3].phase == "adam");
  CHECK(one.history[4].phase == "lbfgs");
  const std::vector<double> p1 = parameters_of(*one.model), p2 = parameters_of(*two.model);
  REQUIRE(p1.size() == p2.size());
  CHECK(p1 == p2);
  for (std::size_t k = 0; k < one.history.size(); ++k) CHECK(one.history[k].valid.total() == two.history[k].valid.total());

  // The loss falls, and the model file's numbers reproduce the validation RMSE of the kept epoch.
  CHECK(one.history.back().train.total() < one.history.front().train.total());
  const int best = one.best_epoch.at(0);
  REQUIRE(best >= 1);
  const BpnnEpochMetrics& m = one.history.at(static_cast<std::size_t>(best - 1));
  CHECK(m.best);
  const ErrorTable errors = evaluate_errors(*one.model, frames, split.valid);
  CHECK(errors.overall().energy.rmse() == Approx(m.valid_energy_rmse).epsilon(1e-9));
  CHECK(errors.overall().force.rmse() == Approx(m.valid_force_rmse).epsilon(1e-9));
}

TEST_CASE("bpnn fit: restart from a checkpoint continues bit-identically", "[fit][bpnn]") {
  const std::vector<Structure> frames = lj_frames(4, 8, 5, {1, 8}, 4.2, 5.0);
  const Split split = all_but_last(frames.size(), 2);
  const auto d = acsf({1, 8}, 3.5, 3);
  const std::map<int, double> isolated{{1, 0.0}, {8, 0.0}};
  BpnnFitOptions o = bootstrap_committee(2, 4);
  o.checkpoint_every = 3;
  std::vector<std::string> checkpoints;
  BpnnFitCallbacks cb;
  cb.checkpoint = [&](const std::string& bytes) { checkpoints.push_back(bytes); };
  const BpnnFitResult full = fit_bpnn(d, frames, split, isolated, o, cb);
  REQUIRE(full.model->committee_size() == 2);
  const std::vector<double> m0 = parameters_of(*full.model, 0), m1 = parameters_of(*full.model, 1);
  CHECK(m0 != m1);
  // Per member: epochs 3 (Adam) and 6 (L-BFGS), then the end of the member.
  REQUIRE(checkpoints.size() == 6);
  for (std::size_t k = 0; k < checkpoints.size(); ++k) {
    INFO("restart from checkpoint " << k);
    BpnnFitOptions r = o;
    r.restart = &checkpoints[k];
    const BpnnFitResult again = fit_bpnn(d, frames, split, isolated, r);
    CHECK(parameters_of(*again.model, 0) == m0);
    CHECK(parameters_of(*again.model, 1) == m1);
    CHECK(again.best_epoch == full.best_epoch);
  }
  // A checkpoint of another fit, or damaged bytes, are refused.
  BpnnFitOptions other = o;
  other.learning_rate = 0.5;
  other.restart = &checkpoints[0];
  CHECK_THROWS_AS(fit_bpnn(d, frames, split, isolated, other), InputError);
  const std::string cut = checkpoints[0].substr(0, checkpoints[0].size() / 2);
  other = o;
  other.restart = &cut;
  CHECK_THROWS_AS(fit_bpnn(d, frames, split, isolated, other), InputError);
}

TEST_CASE("bpnn fit: learns Lennard-Jones data far below the label spread", "[fit][bpnn]") {
  const std::vector<Structure> frames = lj_frames(21, 40, 8, {18}, 4.6, 5.4);
  const Split split = all_but_last(frames.size(), 8);
  const auto d = acsf({18}, 4.0, 8);
  const IsolatedAtomEnergies iso = isolated_atom_energies(frames, split.train, {18}, d->cutoff());
  BpnnFitOptions o;
  o.hidden = {12, 12};
  o.optimizer = BpnnOptimizer::adam_lbfgs;
  o.epochs = 60;
  o.batch_size = 4;
  o.learning_rate = 0.01;
  o.lbfgs_iterations = 150;
  o.weights.defaults = {0.002, 0.05, 0.05};
  const BpnnFitResult fit = fit_bpnn(d, frames, split, iso.energy, o);
  // Label spread on the validation frames.
  ErrorStat e_spread, f_spread;
  double e_mean = 0.0;
  for (std::size_t k : split.valid) e_mean += *reference_energy(frames[k]) / 8.0 / split.valid.size();
  for (std::size_t k : split.valid) {
    e_spread.add(*reference_energy(frames[k]) / 8.0 - e_mean);
    const Matrix3N f = *reference_forces(frames[k]);
    for (Eigen::Index q = 0; q < f.size(); ++q) f_spread.add(f.data()[q]);
  }
  const ErrorTable errors = evaluate_errors(*fit.model, frames, split.valid);
  INFO("valid RMSE E " << errors.overall().energy.rmse() << " eV/atom (spread " << e_spread.rmse() << "), F "
                       << errors.overall().force.rmse() << " eV/Å (spread " << f_spread.rmse() << ")");
  CHECK(errors.overall().force.rmse() < 0.15 * f_spread.rmse());
  CHECK(errors.overall().energy.rmse() < 0.25 * e_spread.rmse());
  CHECK(fit.history.back().train.total() < 0.05 * fit.history.front().train.total());
}

TEST_CASE("bpnn fit: inputs are standardised by their training deviation, floored at a fraction of the largest",
          "[fit][bpnn]") {
  const std::vector<Structure> frames = lj_frames(9, 6, 6, {1, 8}, 4.2, 5.0);
  const Split split = all_but_last(frames.size(), 2);
  const auto d = acsf({1, 8}, 3.5, 6);
  // Mean and standard deviation of every input over the training atoms, computed here from the descriptor rows.
  std::map<int, std::vector<double>> sum, sum2;
  std::map<int, double> count;
  for (std::size_t f : split.train) {
    NeighborListOptions nlo;
    nlo.cutoff = d->cutoff();
    const NeighborList nl(frames[f], nlo);
    const DescriptorValues q = d->compute(frames[f], nl);
    for (std::size_t i = 0; i < q.atoms(); ++i) {
      const int Z = frames[f].numbers[i];
      auto& s1 = sum[Z];
      auto& s2 = sum2[Z];
      s1.resize(q.row_size(i), 0.0);
      s2.resize(q.row_size(i), 0.0);
      for (std::size_t k = 0; k < q.row_size(i); ++k) {
        s1[k] += q.row(i)[k];
        s2[k] += q.row(i)[k] * q.row(i)[k];
      }
      count[Z] += 1.0;
    }
  }
  const std::map<int, double> isolated{{1, 0.0}, {8, 0.0}};
  for (double floor : {0.0, 0.3, 1.0}) {
    BpnnFitOptions o;
    o.hidden = {3};
    o.optimizer = BpnnOptimizer::lbfgs;
    o.lbfgs_iterations = 0;
    o.input_sd_floor = floor;
    const BpnnFitResult r = fit_bpnn(d, frames, split, isolated, o);
    for (const auto& kv : r.model->elements()) {
      const int Z = kv.first;
      const std::size_t m = sum.at(Z).size();
      std::vector<double> sd(m);
      double largest = 0.0;
      for (std::size_t k = 0; k < m; ++k) {
        const double mean = sum[Z][k] / count[Z];
        sd[k] = std::sqrt(std::max(0.0, sum2[Z][k] / count[Z] - mean * mean));
        largest = std::max(largest, sd[k]);
        CHECK(kv.second.input_shift[static_cast<Eigen::Index>(k)] == Approx(mean).epsilon(1e-9).margin(1e-14));
      }
      std::size_t floored = 0;
      for (std::size_t k = 0; k < m; ++k) {
        INFO("Z " << Z << " input " << k << " floor " << floor << " sd " << sd[k] << " largest " << largest);
        if (floor == 0.0 && sd[k] < 1e-9) continue;  // constant: scale 1, by the rule for zero deviation
        const double expected = 1.0 / std::max(sd[k], floor * largest);
        CHECK(kv.second.input_scale[static_cast<Eigen::Index>(k)] == Approx(expected).epsilon(1e-6));
        if (sd[k] < floor * largest) ++floored;
      }
      // The data hold inputs of very different spread, so the floor does something (and at 1 every input shares
      // the largest deviation).
      if (floor > 0.0) CHECK(floored > 0);
      if (floor == 1.0) CHECK(kv.second.input_scale.maxCoeff() == Approx(kv.second.input_scale.minCoeff()).epsilon(1e-12));
    }
  }
}

TEST_CASE("bpnn fit: bad options and data are refused naming the field", "[fit][bpnn]") {
  const std::vector<Structure> frames = lj_frames(5, 3, 4, {1}, 4.0, 4.5);
  const Split split = all_but_last(frames.size(), 1);
  const auto d = acsf({1}, 3.5, 3);
  const std::map<int, double> iso{{1, 0.0}};
  const auto field_of = [&](BpnnFitOptions o) {
    try {
      fit_bpnn(d, frames, split, iso, o);
    } catch (const InputError& e) {
      return e.field();
    }
    return std::string("none");
  };
  BpnnFitOptions o;
  o.epochs = 1;
  o.lbfgs_iterations = 0;
  {
    BpnnFitOptions b = o;
    b.batch_size = 0;
    CHECK(field_of(b) == "batch-size");
  }
  {
    BpnnFitOptions b = o;
    b.learning_rate = -1;
    CHECK(field_of(b) == "learning-rate");
  }
  {
    BpnnFitOptions b = o;
    b.input_sd_floor = 1.5;
    CHECK(field_of(b) == "input-sd-floor");
  }
  {
    BpnnFitOptions b = o;
    b.committee = 0;
    CHECK(field_of(b) == "committee");
  }
  {
    BpnnFitOptions b = o;
    b.hidden = {4, 0};
    CHECK(field_of(b) == "layers");
  }
  CHECK(field_of(o) == "none");
  CHECK_THROWS_AS(optimizer_from_name("sgd"), InputError);
  CHECK(optimizer_from_name(optimizer_name(BpnnOptimizer::adam_lbfgs)) == BpnnOptimizer::adam_lbfgs);
  // No labels at all.
  std::vector<Structure> bare = frames;
  for (auto& s : bare) {
    s.info.erase("energy");
    s.info.erase("stress");
    s.arrays.erase("forces");
  }
  CHECK_THROWS_AS(fit_bpnn(d, bare, split, iso, o), InputError);
  // An element the descriptor does not describe.
  std::vector<Structure> alien = frames;
  alien[0].numbers[0] = 8;
  CHECK_THROWS_AS(fit_bpnn(d, alien, split, iso, o), InputError);
}

TEST_CASE("bpnn warm start: the starting networks reproduce the earlier model under new standardisation", "[fit][bpnn]") {
  // Model A: two members, fitted on dense frames with zero isolated energies.
  const std::vector<Structure> dense = lj_frames(31, 8, 6, {1, 8}, 4.0, 4.6);
  const auto d = acsf({1, 8}, 3.5, 4);
  BpnnFitOptions o;
  o.hidden = {5, 4};
  o.activation = Activation::silu;
  o.optimizer = BpnnOptimizer::adam;
  o.epochs = 3;
  o.committee = 2;
  o.learning_rate = 0.02;
  const BpnnFitResult a = fit_bpnn(d, dense, all_but_last(dense.size(), 2), {{1, 0.0}, {8, 0.0}}, o);

  // Problem B: sparser frames (other input means and deviations), other energy shifts and energy scale.
  const std::vector<Structure> sparse = lj_frames(32, 9, 6, {1, 8}, 5.0, 6.0);
  const std::map<int, double> shifts{{1, 0.3}, {8, -0.7}};
  const Split split = all_but_last(sparse.size(), 3);
  std::vector<std::size_t> use = split.train;
  use.insert(use.end(), split.valid.begin(), split.valid.end());
  std::vector<std::size_t> train(split.train.size());
  for (std::size_t k = 0; k < train.size(); ++k) train[k] = k;
  const BpnnProblem b(d, sparse, use, train, shifts, o);
  REQUIRE(b.energy_scale() != a.energy_scale);
  const auto moved = b.make_model({b.parameters_from(*a.model, 0), b.parameters_from(*a.model, 1)});
  CHECK(moved->elements().at(8).input_shift != a.model->elements().at(8).input_shift);
  for (const Structure& s : {dense[0], sparse[1]}) {
    EvalRequest request;
    request.uncertainty = true;
    const EvalResult ra = evaluate(*a.model, s, request), rb = evaluate(*moved, s, request);
    CHECK(std::abs(rb.energy - ra.energy) < 1e-11);
    CHECK((rb.forces - ra.forces).cwiseAbs().maxCoeff() < 1e-11);
    CHECK(std::abs(std::sqrt(rb.energy_variance) - std::sqrt(ra.energy_variance)) < 1e-11);  // per member
  }

  // A fit started from A with no iterations gives A back; with iterations its training loss falls and what it
  // keeps never scores worse than its start on the validation frames.
  BpnnFitOptions w = o;
  w.initial = {a.model.get()};
  w.optimizer = BpnnOptimizer::lbfgs;
  w.lbfgs_iterations = 0;
  const BpnnFitResult same = fit_bpnn(d, sparse, split, shifts, w);
  CHECK(same.best_epoch == std::vector<int>{0, 0});
  const ErrorTable e_a = evaluate_errors(*a.model, sparse, split.valid);
  const ErrorTable e_same = evaluate_errors(*same.model, sparse, split.valid);
  CHECK(e_same.overall().force.rmse() == Approx(e_a.overall().force.rmse()).epsilon(1e-9));
  w.lbfgs_iterations = 6;
  const BpnnFitResult more = fit_bpnn(d, sparse, split, shifts, w);
  REQUIRE(more.history.size() == 12);
  std::vector<std::size_t> valid;
  for (std::size_t k = train.size(); k < use.size(); ++k) valid.push_back(k);
  for (std::size_t m = 0; m < 2; ++m) {
    INFO("member " << m);
    const std::vector<double> initial = b.parameters_from(*a.model, m), kept = parameters_of(*more.model, m);
    CHECK(b.loss(kept, valid, nullptr).total() <= b.loss(initial, valid, nullptr).total());
    CHECK(more.history.at(6 * m + 5).train.total() < b.loss(initial, train, nullptr).total());
    CHECK(more.history.at(6 * m).member == static_cast<int>(m));
  }

  // What does not fit is refused, naming --init-model.
  const auto field_of = [&](BpnnFitOptions x, const std::shared_ptr<const Descriptor>& desc) {
    try {
      fit_bpnn(desc, sparse, split, shifts, x);
    } catch (const InputError& e) {
      return e.field();
    }
    return std::string("none");
  };
  BpnnFitOptions x = w;
  x.hidden = {5, 5};
  CHECK(field_of(x, d) == "init-model");
  x = w;
  x.activation = Activation::tanh;
  CHECK(field_of(x, d) == "init-model");
  x = w;
  x.committee = 3;
  CHECK(field_of(x, d) == "init-model");
  CHECK(field_of(w, acsf({1, 8}, 3.5, 5)) == "init-model");
  CHECK(field_of(w, d) == "none");
}

TEST_CASE("bpnn warm start: an element the training frames lack keeps its networks", "[fit][bpnn]") {
  // Model A knows elements 1 and 8; the new frames hold element 1 only (fine-tuning on a subset).
  const std::vector<Structure> both = lj_frames(41, 8, 6, {1, 8}, 4.0, 4.6);
  const std::vector<Structure> only_1 = lj_frames(42, 8, 6, {1}, 4.0, 4.6);
  const auto d = acsf({1, 8}, 3.5, 4);
  BpnnFitOptions o;
  o.hidden = {5};
  o.optimizer = BpnnOptimizer::adam;
  o.epochs = 3;
  o.learning_rate = 0.02;
  o.l2 = 1e-2;  // large: a penalty on element 8's network would visibly shrink it
  const BpnnFitResult a = fit_bpnn(d, both, all_but_last(both.size(), 2), {{1, 0.0}, {8, 0.0}}, o);

  // A fresh network for element 8 could not be fitted: refused.
  const Split split = all_but_last(only_1.size(), 2);
  try {
    fit_bpnn(d, only_1, split, {{1, 0.0}}, o);
    FAIL("a fresh fit without training atoms of element 8 was accepted");
  } catch (const InputError& e) {
    CHECK(e.field() == "species");
    CHECK_THAT(e.message(), Catch::Contains("no training frame holds O"));
  }

  // The warm start fits element 1 and hands element 8 back: its atoms' energies are A's, element 1's are not.
  BpnnFitOptions w = o;
  w.initial = {a.model.get()};
  w.optimizer = BpnnOptimizer::lbfgs;
  w.lbfgs_iterations = 5;
  const BpnnFitResult b = fit_bpnn(d, only_1, split, {{1, 0.0}}, w);
  REQUIRE(b.best_epoch.at(0) > 0);
  CHECK(b.untouched_elements == std::vector<int>{8});
  REQUIRE(std::count(both[0].numbers.begin(), both[0].numbers.end(), 8) > 0);
  REQUIRE(std::count(both[0].numbers.begin(), both[0].numbers.end(), 1) > 0);
  EvalRequest request;
  request.atom_energies = true;
  const EvalResult ra = evaluate(*a.model, both[0], request), rb = evaluate(*b.model, both[0], request);
  double kept = 0.0, moved = 0.0;  // largest change of an atomic energy (eV) of element 8, of element 1
  for (std::size_t i = 0; i < both[0].size(); ++i) {
    const double change = std::abs(rb.atom_energies[static_cast<Eigen::Index>(i)] -
                                   ra.atom_energies[static_cast<Eigen::Index>(i)]);
    double& largest = both[0].numbers[i] == 8 ? kept : moved;
    largest = std::max(largest, change);
  }
  CHECK(kept < 1e-12);
  CHECK(moved > 1e-3);
}

TEST_CASE("bpnn committee members trained as separate jobs equal the whole run and join by a warm start", "[fit][bpnn]") {
  const std::vector<Structure> frames = lj_frames(41, 8, 5, {1, 8}, 4.2, 5.0);
  const Split split = all_but_last(frames.size(), 2);
  const auto d = acsf({1, 8}, 3.5, 3);
  const std::map<int, double> isolated{{1, 0.0}, {8, 0.0}};
  const BpnnFitOptions o = bootstrap_committee(3, 3);
  const BpnnFitResult whole = fit_bpnn(d, frames, split, isolated, o);
  std::vector<std::unique_ptr<BpnnModel>> alone;
  for (int k = 0; k < 3; ++k) {
    BpnnFitOptions one = o;
    one.member = k;
    BpnnFitResult r = fit_bpnn(d, frames, split, isolated, one);
    REQUIRE(r.model->committee_size() == 1);
    CHECK(parameters_of(*r.model) == parameters_of(*whole.model, static_cast<std::size_t>(k)));
    CHECK(r.best_epoch == std::vector<int>{whole.best_epoch.at(static_cast<std::size_t>(k))});
    alone.push_back(std::move(r.model));
  }
  // Joined in member order by a warm start without iterations: the whole committee, bit for bit.
  BpnnFitOptions join = o;
  join.optimizer = BpnnOptimizer::lbfgs;
  join.lbfgs_iterations = 0;
  join.initial = {alone[0].get(), alone[1].get(), alone[2].get()};
  const BpnnFitResult joined = fit_bpnn(d, frames, split, isolated, join);
  REQUIRE(joined.model->committee_size() == 3);
  for (std::size_t k = 0; k < 3; ++k) CHECK(parameters_of(*joined.model, k) == parameters_of(*whole.model, k));
  // A member outside the committee is refused.
  BpnnFitOptions bad = o;
  bad.member = 3;
  CHECK_THROWS_AS(fit_bpnn(d, frames, split, isolated, bad), InputError);
}
