// fit module: the ridge fit recovers the weights of a known linear model from its own noise-free energies,
// forces and stresses; labels that are absent contribute nothing; λ on the validation set; isolated-atom
// energies from free-atom frames or from compositions; reproducible splits; σ options.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/fit/linear_fit.hpp"
#include "mlp/fit/loss.hpp"
#include "mlp/fit/provenance.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/model/linear_model.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/hash.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

std::shared_ptr<const Descriptor> small_acsf() {
  return make_descriptor(R"({"type":"acsf","auto":{"rcut":4.0,"radial":4,"angular_eta":[0.01],)"
                         R"("angular_zeta":[1.0,4.0]}})",
                         {6, 14});
}

LinearModel reference_model(std::mt19937_64& rng, std::shared_ptr<const Descriptor> d) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::map<int, Eigen::VectorXd> w;
  for (int z : d->elements()) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(d->size(z)));
    for (Eigen::Index k = 0; k < v.size(); ++k) v[k] = 0.2 * u(rng);
    w[z] = v;
  }
  return LinearModel(d, w, {{6, -1.25}, {14, -0.75}});
}

// Label a structure with the model's energy (eV), forces (eV/Å) and stress (eV/Å^3).
void label(Structure& s, const Model& m, bool energy = true, bool forces = true, bool stress = true) {
  const EvalResult r = evaluate(m, s);
  if (energy) s.info.set("energy", r.energy);
  if (forces) {
    AtomArray f;
    f.width = 3;
    for (Eigen::Index i = 0; i < r.forces.rows(); ++i)
      for (int a = 0; a < 3; ++a) f.reals.push_back(r.forces(i, a));
    s.arrays.set("forces", f);
  }
  if (stress) {
    const Mat3 sigma = stress_from_virial(r.virial, s.volume());
    s.info.set("stress", std::vector<double>(sigma.data(), sigma.data() + 9));
  }
}

std::vector<Structure> labelled_frames(std::mt19937_64& rng, const Model& m, std::size_t count) {
  std::vector<Structure> frames;
  for (std::size_t f = 0; f < count; ++f) {
    Structure s = test::random_structure(rng, 8 + f % 5, {6, 14}, test::random_cell(rng, 5.0, 6.5),
                                         {true, true, true}, 1.6);
    s.frame = f;
    label(s, m);
    frames.push_back(std::move(s));
  }
  return frames;
}

Split all_train(std::size_t n) {
  Split s;
  for (std::size_t i = 0; i < n; ++i) s.train.push_back(i);
  return s;
}

double max_weight_error(const LinearFitResult& fit, const LinearModel& ref) {
  double err = 0.0, scale = 0.0;
  for (const auto& kv : ref.weights()) {
    err = std::max(err, (fit.weights.at(kv.first) - kv.second).cwiseAbs().maxCoeff());
    scale = std::max(scale, kv.second.cwiseAbs().maxCoeff());
  }
  return err / scale;
}

}  // namespace

TEST_CASE("fit: recovers the weights of a known one-element linear model from noise-free data", "[fit]") {
  std::mt19937_64 rng(21);
  const std::shared_ptr<const Descriptor> d = make_descriptor(R"({"type":"acsf","auto":{"rcut":4.0,"radial":5,"angular_eta":[0.01,0.03],)"
                                 R"("angular_zeta":[1.0,4.0]}})",
                                 {14});
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Eigen::VectorXd w(static_cast<Eigen::Index>(d->size(14)));
  for (Eigen::Index k = 0; k < w.size(); ++k) w[k] = 0.2 * u(rng);
  const LinearModel ref(d, {{14, w}}, {{14, -0.75}});
  std::vector<Structure> frames;
  for (std::size_t f = 0; f < 20; ++f) {
    Structure s = test::random_structure(rng, 8 + f % 5, {14}, test::random_cell(rng, 5.0, 6.5), {true, true, true},
                                         1.6);
    label(s, ref);
    frames.push_back(std::move(s));
  }
  LinearFitOptions o;
  o.lambda = 0.0;
  o.atomic_energy_sigma = std::numeric_limits<double>::infinity();  // exact recovery: no bias at all
  const LinearFitResult fit = fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o);
  CHECK(fit.parameters == d->size(14));
  INFO("relative weight error " << max_weight_error(fit, ref) << ", jitter " << fit.jitter);
  CHECK(fit.jitter == 0.0);
  CHECK(max_weight_error(fit, ref) < 1e-8);
  CHECK(fit.train.n_energy == 20);
  CHECK(fit.train.n_virial == 20 * 6);
  CHECK(fit.train.total() < 1e-8);
}

// With several elements the per-atom split of a linear model is not unique: a heteronuclear radial function
// summed over the C atoms (Si neighbours) equals the one summed over the Si atoms (C neighbours), so
// w_C += a, w_Si −= a leaves every energy, force and stress unchanged. The fit must still reproduce the
// reference model's predictions exactly.
TEST_CASE("fit: reproduces a known two-element linear model from noise-free data", "[fit]") {
  std::mt19937_64 rng(21);
  const auto d = small_acsf();
  const LinearModel ref = reference_model(rng, d);
  const std::vector<Structure> frames = labelled_frames(rng, ref, 30);
  LinearFitOptions o;
  o.lambda = 0.0;
  o.atomic_energy_sigma = std::numeric_limits<double>::infinity();  // exact recovery: no bias at all
  const LinearFitResult fit = fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o);
  CHECK(fit.parameters == d->size(6) + d->size(14));
  CHECK(fit.train.total() < 1e-8);
  const LinearModel fitted(d, fit.weights, ref.isolated_energies());
  for (int trial = 0; trial < 3; ++trial) {
    Structure s = test::random_structure(rng, 11, {6, 14}, test::random_cell(rng, 5.0, 6.5), {true, true, true}, 1.6);
    const EvalResult a = evaluate(ref, s), b = evaluate(fitted, s);
    CHECK(std::abs(a.energy - b.energy) < 1e-8 * std::abs(a.energy));
    CHECK((a.forces - b.forces).cwiseAbs().maxCoeff() < 1e-8 * a.forces.cwiseAbs().maxCoeff());
    CHECK((a.virial - b.virial).cwiseAbs().maxCoeff() < 1e-8 * a.virial.cwiseAbs().maxCoeff());
  }
}

namespace {

// Σ_i (b_i − b̄)² over the frames: how unevenly each frame's learned energy (eV) is shared among its atoms.
double partition_spread(const LinearModel& m, const std::vector<Structure>& frames) {
  EvalRequest request;
  request.atom_energies = true;
  double spread = 0.0;
  for (const Structure& s : frames) {
    Eigen::VectorXd b = evaluate(m, s, request).atom_energies;
    for (std::size_t i = 0; i < s.size(); ++i) b[static_cast<Eigen::Index>(i)] -= m.isolated_energies().at(s.numbers[i]);
    spread += (b.array() - b.mean()).square().sum();
  }
  return spread;
}

}  // namespace

// The two-element model's per-atom split is not fixed by the data (see above). The prior on uneven atomic energies
// must pick, among the fits that reproduce the data, one at least as even as the reference model's own split,
// without changing the predictions; without the prior the split is whatever the solver lands on.
TEST_CASE("fit: the atomic-energy prior picks the most even per-atom split and keeps the predictions", "[fit]") {
  std::mt19937_64 rng(24);
  const auto d = small_acsf();
  const LinearModel ref = reference_model(rng, d);
  const std::vector<Structure> frames = labelled_frames(rng, ref, 30);
  LinearFitOptions o;
  o.lambda = 0.0;
  o.atomic_energy_sigma = std::numeric_limits<double>::infinity();
  const LinearFitResult plain = fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o);
  CHECK(plain.atomic_prior == 0.0);
  o.atomic_energy_sigma = 10.0;
  const LinearFitResult prior = fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o);
  const LinearModel with_prior(d, prior.weights, ref.isolated_energies());
  const LinearModel without(d, plain.weights, ref.isolated_energies());
  const double s_ref = partition_spread(ref, frames), s_prior = partition_spread(with_prior, frames),
               s_plain = partition_spread(without, frames);
  INFO("spread (eV^2): reference " << s_ref << ", prior " << s_prior << ", no prior " << s_plain);
  CHECK(s_prior <= s_ref * (1.0 + 1e-6));
  CHECK(s_prior < 0.5 * s_plain);
  CHECK(prior.atomic_prior == Approx(s_prior / 100.0).epsilon(1e-6));  // Σ (b_i − b̄)²/σ_a², σ_a = 10 eV
  // The prior is a weak bias: the training loss stays near the noise-free level and new structures are
  // predicted as before to a small fraction of the forces.
  INFO("training loss " << prior.train.total());
  CHECK(prior.train.total() < 1e-5);
  Structure s = test::random_structure(rng, 11, {6, 14}, test::random_cell(rng, 5.0, 6.5), {true, true, true}, 1.6);
  const EvalResult a = evaluate(ref, s), b = evaluate(with_prior, s);
  INFO("energy " << a.energy << " vs " << b.energy << ", largest force difference "
                 << (a.forces - b.forces).cwiseAbs().maxCoeff() << " of " << a.forces.cwiseAbs().maxCoeff());
  CHECK(std::abs(a.energy - b.energy) < 1e-5 * std::abs(a.energy));
  CHECK((a.forces - b.forces).cwiseAbs().maxCoeff() < 1e-4 * a.forces.cwiseAbs().maxCoeff());
  // A non-positive σ is refused.
  o.atomic_energy_sigma = 0.0;
  CHECK_THROWS_AS(fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o), InputError);
}

TEST_CASE("fit: forces alone or stresses plus energies also determine the weights", "[fit]") {
  std::mt19937_64 rng(22);
  const auto d = small_acsf();
  const LinearModel ref = reference_model(rng, d);
  std::vector<Structure> frames = labelled_frames(rng, ref, 30);
  for (auto& s : frames) {
    s.info.erase("energy");
    s.info.erase("stress");
  }
  LinearFitOptions o;
  o.lambda = 0.0;
  o.atomic_energy_sigma = std::numeric_limits<double>::infinity();  // exact recovery: no bias at all
  const LinearFitResult fit = fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o);
  CHECK(fit.train.n_energy == 0);
  CHECK(fit.train.n_virial == 0);
  CHECK(fit.train.n_force > 0);
  const LinearModel fitted(d, fit.weights, ref.isolated_energies());
  const EvalResult a = evaluate(ref, frames[0]), b = evaluate(fitted, frames[0]);
  CHECK((a.forces - b.forces).cwiseAbs().maxCoeff() < 1e-7 * a.forces.cwiseAbs().maxCoeff());

  // σ "off" removes a term just as a missing label does.
  std::vector<Structure> full = labelled_frames(rng, ref, 10);
  o.weights.defaults.force = std::numeric_limits<double>::infinity();
  const LinearFitResult no_forces = fit_linear(*d, full, all_train(full.size()), ref.isolated_energies(), o);
  CHECK(no_forces.train.n_force == 0);
  CHECK(no_forces.train.n_energy == 10);
}

TEST_CASE("fit: does not depend on the number of threads", "[fit]") {
  std::mt19937_64 rng(23);
  const auto d = small_acsf();
  const LinearModel ref = reference_model(rng, d);
  std::vector<Structure> frames = labelled_frames(rng, ref, 13);
  LinearFitOptions o;
  o.lambda = 1e-6;
  o.threads = 1;
  const LinearFitResult one = fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o);
  o.threads = 3;
  const LinearFitResult three = fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o);
  for (const auto& kv : one.weights) CHECK(kv.second == three.weights.at(kv.first));
}

// The σ-weighted loss of each term computed directly from the model's predictions on the frames.
LossTerms direct_loss(const Model& m, const std::vector<Structure>& frames, const std::vector<std::size_t>& use,
                      const Sigmas& sigma) {
  LossTerms t;
  for (std::size_t f : use) {
    const Structure& s = frames[f];
    const EvalResult r = evaluate(m, s);
    const double n = static_cast<double>(s.size());
    if (auto e = reference_energy(s)) {
      t.energy += std::pow((r.energy - *e) / n / sigma.energy, 2);
      ++t.n_energy;
    }
    if (auto f_ref = reference_forces(s)) {
      t.force += ((r.forces - *f_ref) / sigma.force).squaredNorm();
      t.n_force += static_cast<std::size_t>(f_ref->size());
    }
    if (auto st = reference_stress(s)) {
      const Mat3 dw = (r.virial + *st * s.volume()) / n / sigma.virial;  // W_ref = −σ V
      for (int a = 0; a < 3; ++a)
        for (int b = a; b < 3; ++b) t.virial += dw(a, b) * dw(a, b);
      t.n_virial += 6;
    }
  }
  return t;
}

TEST_CASE("fit: loss terms and automatic lambda on the validation set", "[fit]") {
  std::mt19937_64 rng(24);
  const auto d = small_acsf();
  const LinearModel ref = reference_model(rng, d);
  std::vector<Structure> frames = labelled_frames(rng, ref, 20);
  // Noisy labels, so that no λ fits exactly and the loss terms are far from 0.
  std::normal_distribution<double> noise(0.0, 1.0);
  for (auto& s : frames) {
    s.info.set("energy", *s.info.real("energy") + 0.05 * noise(rng));
    for (double& f : s.arrays.find("forces")->reals) f += 0.2 * noise(rng);
    std::vector<double> st = *s.info.reals("stress");
    for (double& x : st) x += 0.002 * noise(rng);
    st[1] = st[3];
    st[2] = st[6];
    st[5] = st[7];
    s.info.set("stress", st);
  }
  const Split split = random_split(frames.size(), 0.25, 3);
  LinearFitOptions o;
  o.auto_lambda = true;
  const LinearFitResult fit = fit_linear(*d, frames, split, ref.isolated_energies(), o);
  REQUIRE(fit.trials.size() == o.lambda_grid.size());
  double best = std::numeric_limits<double>::infinity();
  for (const auto& t : fit.trials) best = std::min(best, t.valid.total());
  CHECK(fit.valid.total() == best);
  CHECK(fit.regularisation > 0.0);
  // The loss terms from the normal equations equal the ones computed from the fitted model's predictions.
  const LinearModel fitted(d, fit.weights, ref.isolated_energies());
  for (const auto& [set, terms] : {std::make_pair(&split.train, fit.train), std::make_pair(&split.valid, fit.valid)}) {
    const LossTerms direct = direct_loss(fitted, frames, *set, o.weights.defaults);
    CHECK(direct.n_energy == terms.n_energy);
    CHECK(direct.n_force == terms.n_force);
    CHECK(direct.n_virial == terms.n_virial);
    CHECK(terms.energy == Approx(direct.energy).epsilon(1e-6));
    CHECK(terms.force == Approx(direct.force).epsilon(1e-6));
    CHECK(terms.virial == Approx(direct.virial).epsilon(1e-6));
  }
  // A fixed λ reproduces the chosen trial exactly.
  o.auto_lambda = false;
  o.lambda = fit.lambda;
  const LinearFitResult fixed = fit_linear(*d, frames, split, ref.isolated_energies(), o);
  for (const auto& kv : fit.weights) CHECK(kv.second == fixed.weights.at(kv.first));
  // Larger λ, smaller weights.
  o.lambda = 1e-1;
  const LinearFitResult strong = fit_linear(*d, frames, split, ref.isolated_energies(), o);
  CHECK(strong.weights.at(14).norm() < fixed.weights.at(14).norm());
  // Without validation frames λ cannot be chosen.
  o.auto_lambda = true;
  CHECK_THROWS_AS(fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o), InputError);
}

TEST_CASE("fit: errors for undescribed elements and data without labels", "[fit]") {
  std::mt19937_64 rng(25);
  const auto d = small_acsf();
  const LinearModel ref = reference_model(rng, d);
  std::vector<Structure> frames = labelled_frames(rng, ref, 3);
  LinearFitOptions o;
  Structure bad = frames[0];
  bad.numbers[0] = 8;
  bad.source = "bad.xyz";
  bad.line = 42;
  try {
    fit_linear(*d, {bad}, all_train(1), {{6, 0.0}, {8, 0.0}, {14, 0.0}}, o);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.located().find("bad.xyz:42") != std::string::npos);
    CHECK(e.message().find("O") != std::string::npos);
  }
  for (auto& s : frames) {
    s.info.erase("energy");
    s.info.erase("stress");
    s.arrays.erase("forces");
  }
  CHECK_THROWS_AS(fit_linear(*d, frames, all_train(frames.size()), ref.isolated_energies(), o), InputError);
  o.lambda = -1.0;
  CHECK_THROWS_AS(fit_linear(*d, labelled_frames(rng, ref, 2), all_train(2), ref.isolated_energies(), o),
                  InputError);
}

TEST_CASE("isolated-atom energies: from free-atom frames, else least squares on composition", "[fit]") {
  // Frames of a fake binary: E = n_C·(−3) + n_Si·(−5) + 0.01·(noise-free offset per frame that sums to 0).
  std::vector<Structure> frames;
  const auto frame = [](std::vector<int> numbers, double energy, bool periodic) {
    Structure s;
    s.resize(numbers.size());
    s.numbers = numbers;
    for (std::size_t i = 0; i < numbers.size(); ++i) s.positions.row(static_cast<Eigen::Index>(i)) << 2.0 * i, 0, 0;
    if (periodic) {
      s.cell = Mat3::Identity() * 2.5;
      s.pbc = {true, true, true};
    }
    s.info.set("energy", energy);
    return s;
  };
  frames.push_back(frame({6, 6, 14}, 2 * -3.0 + -5.0, false));
  frames.push_back(frame({6, 14, 14}, -3.0 + 2 * -5.0, false));
  frames.push_back(frame({14, 14, 14, 14}, 4 * -5.0, false));
  IsolatedAtomEnergies e = isolated_atom_energies(frames, {0, 1, 2}, {6, 14}, 4.0);
  CHECK(e.energy.at(6) == Approx(-3.0).margin(1e-12));
  CHECK(e.energy.at(14) == Approx(-5.0).margin(1e-12));
  CHECK(e.origin.at(6).find("least squares") != std::string::npos);

  // A free carbon atom fixes E_C; silicon is fitted on what the carbon atoms leave.
  frames.push_back(frame({6}, -0.5, false));
  e = isolated_atom_energies(frames, {0, 1, 2, 3}, {6, 14}, 4.0);
  CHECK(e.energy.at(6) == -0.5);
  CHECK(e.origin.at(6).find("isolated-atom frames (1)") != std::string::npos);
  CHECK(e.origin.at(14).find("least squares") != std::string::npos);
  // Si from (−6 + 0.5·2... ) residuals: frame 0: −11 − 2·(−0.5) = −10 = 1·E_Si, frame 1: −13 + 0.5 = −12.5 = 2·E_Si,
  // frame 2: −20 = 4·E_Si; least squares: (−10 − 25 − 80)/(1 + 4 + 16) = −115/21.
  CHECK(e.energy.at(14) == Approx(-115.0 / 21.0).epsilon(1e-12));

  // A one-atom periodic cell whose images are within the cutoff is bulk, not a free atom.
  CHECK_FALSE(is_isolated_atom(frame({6}, -7.0, true), 4.0));
  CHECK(is_isolated_atom(frame({6}, -7.0, true), 2.0));
  CHECK_FALSE(is_isolated_atom(frames[0], 4.0));

  // An element that no labelled frame holds gets 0 and says why.
  e = isolated_atom_energies(frames, {2}, {6, 14}, 4.0);
  CHECK(e.energy.at(6) == 0.0);
  CHECK(e.origin.at(6).find("no frame") != std::string::npos);
  CHECK(e.energy.at(14) == Approx(-5.0));

  // Compositions at a fixed ratio do not separate the elements: minimum norm, still exact in total.
  std::vector<Structure> ratio = {frame({6, 14}, -8.0, false), frame({6, 6, 14, 14}, -16.0, false)};
  e = isolated_atom_energies(ratio, {0, 1}, {6, 14}, 4.0);
  CHECK(e.energy.at(6) + e.energy.at(14) == Approx(-8.0));
  CHECK(e.energy.at(6) == Approx(-4.0));

  // One molecule in 1000 frames (rMD17-like: every row the same composition, energies varying): minimum norm
  // E_Z = Ē n_Z/|n|², never the ±1e11 eV that a rank decision at roundoff level gives.
  std::vector<Structure> molecule;
  std::vector<std::size_t> all;
  for (int k = 0; k < 1000; ++k) {
    molecule.push_back(frame({1, 1, 1, 1, 1, 1, 6, 6, 8}, -4209.0 + 0.37 * std::sin(k), false));
    all.push_back(static_cast<std::size_t>(k));
  }
  e = isolated_atom_energies(molecule, all, {1, 6, 8}, 4.0);
  double mean = 0;
  for (const auto& m : molecule) mean += *m.info.real("energy") / 1000.0;
  CHECK(e.energy.at(1) == Approx(mean * 6 / 41).epsilon(1e-9));
  CHECK(e.energy.at(6) == Approx(mean * 2 / 41).epsilon(1e-9));
  CHECK(e.energy.at(8) == Approx(mean * 1 / 41).epsilon(1e-9));
}

TEST_CASE("split: reproducible, disjoint, complete, and sized as asked", "[fit]") {
  const Split a = random_split(100, 0.2, 7), b = random_split(100, 0.2, 7), c = random_split(100, 0.2, 8);
  CHECK(a.train == b.train);
  CHECK(a.valid == b.valid);
  CHECK(a.valid != c.valid);
  CHECK(a.valid.size() == 20);
  std::vector<int> seen(100, 0);
  for (auto i : a.train) ++seen[i];
  for (auto i : a.valid) ++seen[i];
  CHECK(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 1; }));
  const Split pinned = random_split(10, 0.3, 7);
  CHECK(pinned.valid.size() == 3);
  CHECK(random_split(10, 0.0, 7).valid.empty());
  CHECK(random_split(10, 0.01, 7).valid.size() == 1);
  CHECK_THROWS_AS(random_split(10, 1.0, 7), InputError);
  CHECK_THROWS_AS(random_split(1, 0.5, 7), InputError);
  CHECK_THROWS_AS(random_split(10, -0.1, 7), InputError);
}

TEST_CASE("loss weights: sigma options and per-config_type overrides", "[fit]") {
  CHECK(parse_sigma("0.02", "x") == 0.02);
  CHECK(std::isinf(parse_sigma("off", "x")));
  CHECK_THROWS_AS(parse_sigma("0", "x"), InputError);
  CHECK_THROWS_AS(parse_sigma("-1", "x"), InputError);
  CHECK_THROWS_AS(parse_sigma("nan", "x"), InputError);
  CHECK_THROWS_AS(parse_sigma("1e-3eV", "x"), InputError);
  LossWeights w;
  w.add_override("liquid phase:force=0.3,energy=off");
  w.add_override("Surface:virial=0.2");
  Structure s;
  CHECK(w.sigmas(s).force == 0.1);
  s.info.set("config_type", std::string("liquid phase"));
  CHECK(w.sigmas(s).force == 0.3);
  CHECK(std::isinf(w.sigmas(s).energy));
  CHECK(w.sigmas(s).virial == 0.05);
  s.info.set("config_type", std::string("Surface"));
  CHECK(w.sigmas(s).virial == 0.2);
  CHECK(w.resolved().size() == 2);
  CHECK_THROWS_AS(w.add_override("Surface"), InputError);
  CHECK_THROWS_AS(w.add_override("Surface:stiffness=1"), InputError);
  CHECK_THROWS_AS(w.add_override("Surface:force"), InputError);
  CHECK_THROWS_AS(w.add_override(":force=1"), InputError);
}

TEST_CASE("training data: frames and hashes of the files, provenance JSON", "[fit]") {
  std::mt19937_64 rng(5);
  Structure s = test::random_structure(rng, 3, {14}, Mat3::Identity() * 6.0,
                                       {true, true, true}, 1.5);
  s.info.set("energy", -3.5);
  const std::string text = to_extxyz(s) + to_extxyz(s);
  std::istringstream in(text);
  TrainingData data;
  append_frames(in, "two.xyz", data);
  REQUIRE(data.frames.size() == 2);
  CHECK(data.files.at(0).frames == 2);
  CHECK(data.files.at(0).fnv1a == hex16(fnv1a64(text)));
  CHECK(species_of(data.frames) == std::vector<int>{14});
  std::istringstream empty("");
  CHECK_THROWS_AS(append_frames(empty, "empty.xyz", data), InputError);
  FitProvenance p;
  p.tool = "mlp-fit";
  p.train_files = data.files;
  const std::string json = fit_provenance_json(p);
  CHECK(json.find(data.files[0].fnv1a) != std::string::npos);
  CHECK(json.find("\"tool\":\"mlp-fit\"") != std::string::npos);
}
