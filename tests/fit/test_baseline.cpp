// Δ-learning on top of a baseline (mlp/fit/baseline.hpp): label subtraction in every layout, and fits on data
// generated from an exact model "linear + ZBL": with the ZBL baseline the fit recovers the linear part exactly
// and the saved/loaded model equals learned + exact ZBL (term energies), dominated by ZBL at short range, with
// forces and stress that are derivatives of its energy; without the baseline the same data cannot be fitted.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/baseline.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/fit/gap_fit.hpp"
#include "mlp/fit/linear_fit.hpp"
#include "mlp/model/gap_model.hpp"
#include "mlp/model/linear_model.hpp"
#include "mlp/model/model_baseline.hpp"
#include "mlp/model/model_file.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/model/sum_model.hpp"
#include "mlp/model/zbl.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

std::shared_ptr<const Descriptor> acsf_ch() {
  return make_descriptor(R"({"type":"acsf","auto":{"rcut":4.0,"radial":5,"angular_eta":[0.01,0.03],)"
                         R"("angular_zeta":[1.0,4.0]}})",
                         {1, 6});
}

LinearModel random_linear(std::mt19937_64& rng, std::shared_ptr<const Descriptor> d) {
  std::uniform_real_distribution<double> u(-0.1, 0.1);
  std::map<int, Eigen::VectorXd> w;
  for (int z : d->elements()) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(d->size(z)));
    for (Eigen::Index k = 0; k < v.size(); ++k) v[k] = u(rng);
    w[z] = v;
  }
  return LinearModel(d, w, {{1, -13.5}, {6, -48.25}});
}

void label(Structure& s, const Model& m) {
  const EvalResult r = evaluate(m, s);
  s.info.set("energy", r.energy);
  AtomArray f;
  f.width = 3;
  for (Eigen::Index i = 0; i < r.forces.rows(); ++i)
    for (int a = 0; a < 3; ++a) f.reals.push_back(r.forces(i, a));
  s.arrays.set("forces", f);
  const Mat3 sigma = stress_from_virial(r.virial, s.volume());
  s.info.set("stress", std::vector<double>(sigma.data(), sigma.data() + 9));
}

// Periodic C/H frames with close contacts (min distance 0.55 Å, inside every C/H ZBL switching range).
std::vector<Structure> frames_of(std::mt19937_64& rng, const Model& m, std::size_t count) {
  std::vector<Structure> frames;
  for (std::size_t f = 0; f < count; ++f) {
    Structure s = test::random_structure(rng, 8 + f % 4, {1, 6}, test::random_cell(rng, 4.5, 5.5),
                                         {true, true, true}, 0.55);
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

std::unique_ptr<Model> saved_and_loaded(const LinearModel& m, const Model* baseline) {
  std::ostringstream out(std::ios::binary);
  save_model_file(out, m, "{}", baseline);
  std::istringstream in(out.str(), std::ios::binary);
  return load_model(in, "fit.mlp");
}

Structure dimer(int z1, int z2, double r) {
  Structure s;
  s.resize(2);
  s.numbers = {z1, z2};
  s.positions.setZero();
  s.positions(1, 0) = r;
  return s;
}

}  // namespace

TEST_CASE("subtract_baseline: energy, forces, stress (9 or Voigt 6) and virial labels", "[fit][baseline]") {
  std::mt19937_64 rng(1);
  const auto base = make_model("zbl:elements=H_C");
  const auto ref = make_model("lj:epsilon=0.05,sigma=1.5+zbl:elements=H_C");
  Structure s = test::random_structure(rng, 10, {1, 6}, test::random_cell(rng, 4.5, 5.0), {true, true, true}, 0.6);
  label(s, *ref);
  const EvalResult b = evaluate(*base, s), r = evaluate(*ref, s);
  REQUIRE(std::abs(b.energy) > 1.0);  // the baseline matters in this frame

  Structure nine = s;
  BaselineSubtraction counts;
  subtract_baseline(*base, nine, {}, &counts);
  CHECK(counts.energies == 1);
  CHECK(counts.forces == 1);
  CHECK(counts.stresses == 1);
  CHECK(counts.max_abs_energy == std::abs(b.energy));
  CHECK(*reference_energy(nine) == r.energy - b.energy);
  CHECK(test::max_rel_diff(*reference_forces(nine), r.forces - b.forces) < 1e-14);
  const Mat3 lj_stress = stress_from_virial(r.virial - b.virial, s.volume());
  CHECK(test::max_rel_diff(*reference_stress(nine), lj_stress) < 1e-12);
  REQUIRE(nine.info.reals("stress")->size() == 9);

  // Voigt stress stays Voigt; a virial label (no stress) is changed as a virial (eV).
  Structure voigt = s;
  const Mat3 st = *reference_stress(s);
  voigt.info.set("stress", std::vector<double>{st(0, 0), st(1, 1), st(2, 2), st(1, 2), st(0, 2), st(0, 1)});
  subtract_baseline(*base, voigt, {});
  REQUIRE(voigt.info.reals("stress")->size() == 6);
  CHECK(test::max_rel_diff(*reference_stress(voigt), lj_stress) < 1e-12);
  Structure vir = s;
  vir.info.erase("stress");
  vir.info.set("virial", std::vector<double>(r.virial.data(), r.virial.data() + 9));
  subtract_baseline(*base, vir, {});
  CHECK(test::max_rel_diff(*reference_stress(vir), lj_stress) < 1e-12);

  // Non-periodic frames keep their (unused) stress; frames without labels are untouched; other keys work.
  Structure molecule = s;
  molecule.pbc = {false, false, false};
  const auto before = *molecule.info.reals("stress");
  subtract_baseline(*base, molecule, {});
  CHECK(*molecule.info.reals("stress") == before);
  Structure bare = s;
  bare.info.erase("energy");
  bare.info.erase("stress");
  bare.arrays.erase("forces");
  subtract_baseline(*base, bare, {});
  CHECK(bare.info.size() == 0);
  Structure keyed = s;
  keyed.info.set("E_dft", r.energy);
  LabelKeys keys;
  keys.energy = "E_dft";
  subtract_baseline(*base, keyed, keys);
  CHECK(*keyed.info.real("E_dft") == r.energy - b.energy);

  // Every frame, and the baseline of a free atom is zero.
  std::vector<Structure> many{s, s, s};
  const BaselineSubtraction all = subtract_baseline(*base, many);
  CHECK(all.frames == 3);
  CHECK(all.energies == 3);
  CHECK(*reference_energy(many[2]) == *reference_energy(nine));
  CHECK(baseline_isolated_atom_energy(*base, 6) == 0.0);
  // An element the baseline does not cover is an error naming it.
  Structure si = dimer(14, 14, 2.0);
  si.info.set("energy", 1.0);
  CHECK_THROWS_AS(subtract_baseline(*base, si, {}), InputError);
}

TEST_CASE("Δ-learning: a linear fit on linear+ZBL data recovers the linear part, the loaded model is exact",
          "[fit][baseline]") {
  std::mt19937_64 rng(21);
  const auto d = acsf_ch();
  const LinearModel truth = random_linear(rng, d);
  const auto zbl = default_zbl_baseline({1, 6});
  std::vector<std::unique_ptr<Model>> parts;
  parts.push_back(std::make_unique<LinearModel>(truth));
  parts.push_back(make_model(zbl->spec()));
  const SumModel reference(std::move(parts));
  const std::vector<Structure> data = frames_of(rng, reference, 24);

  LinearFitOptions o;
  o.lambda = 0.0;
  o.atomic_energy_sigma = std::numeric_limits<double>::infinity();  // exact recovery: no bias at all
  // With the baseline: labels − ZBL are exactly linear in the descriptors.
  std::vector<Structure> delta = data;
  const BaselineSubtraction sub = subtract_baseline(*zbl, delta);
  REQUIRE(sub.max_abs_energy > 1.0);
  const LinearFitResult with = fit_linear(*d, delta, all_train(delta.size()), truth.isolated_energies(), o);
  // The weights themselves need not be unique (ACSF values of a small grid can be linearly dependent on these
  // frames): the fitted model must predict what the linear part predicts, on frames it has not seen.
  {
    const LinearModel recovered(d, with.weights, truth.isolated_energies());
    std::mt19937_64 other(99);
    for (const Structure& f : frames_of(other, truth, 4)) {
      const EvalResult a = evaluate(recovered, f), b = evaluate(truth, f);
      CHECK(std::abs(a.energy - b.energy) < 1e-6 * (1.0 + std::abs(b.energy)));
      CHECK(test::max_rel_diff(a.forces, b.forces, 1e-3) < 1e-6);
    }
  }
  // Without it the same data are not linear in the descriptors: a much larger loss.
  const LinearFitResult without = fit_linear(*d, data, all_train(data.size()), truth.isolated_energies(), o);
  CHECK(without.train.total() > 1e6 * std::max(with.train.total(), 1e-20));

  const LinearModel learned(d, with.weights, truth.isolated_energies());
  const auto model = saved_and_loaded(learned, zbl.get());
  const auto plain = saved_and_loaded(learned, nullptr);
  CHECK(plain->name() == "linear");
  REQUIRE(model->name() == "linear+zbl");
  for (std::size_t f = 0; f < 4; ++f) {
    const EvalResult r = evaluate(*model, data[f]), z = evaluate(*zbl, data[f]), l = evaluate(learned, data[f]);
    REQUIRE(r.term_energies.size() == 2);
    CHECK(r.term_energies[1].first == "zbl");
    CHECK(r.term_energies[1].second == z.energy);
    CHECK(r.term_energies[0].second == l.energy);
    CHECK(r.energy == Approx(*reference_energy(data[f])).epsilon(1e-9));
    CHECK(test::max_rel_diff(r.forces, *reference_forces(data[f])) < 1e-6);
  }

  // Short range: the total is the learned part (bounded descriptors) plus exact ZBL, which dominates and rises
  // monotonically as two atoms approach; below `inner` the ZBL term is the pure ZBL value.
  const Zbl& zz = dynamic_cast<const Zbl&>(*zbl);
  double previous = -1e300;
  for (double r = 1.0; r >= 0.2; r -= 0.01) {
    const EvalResult e = evaluate(*model, dimer(6, 1, r));
    if (r < 0.6) CHECK(e.energy > previous);
    previous = e.energy;
  }
  const double r0 = 0.5 * zz.radii(6, 1).inner;
  const EvalResult close = evaluate(*model, dimer(6, 1, r0));
  const double pure = evaluate(*make_model("zbl:inner=5,outer=6"), dimer(6, 1, r0)).energy;
  CHECK(close.term_energies[1].second == pure);
  CHECK(std::abs(close.term_energies[0].second - (-13.5 - 48.25)) < 0.05 * pure);

  // Forces and stress of the combined loaded model are derivatives of its energy (central differences).
  Structure s = test::random_structure(rng, 8, {1, 6}, test::random_cell(rng, 4.5, 5.0), {true, true, true}, 0.6);
  s.numbers[0] = 6, s.numbers[1] = 1;  // one C-H pair at 0.7 Å, inside ZBL's switching range (0.52-0.832 Å)
  s.positions.row(1) = s.positions.row(0) + Eigen::RowVector3d(0.7, 0.0, 0.0);
  const EvalResult r = evaluate(*model, s);
  REQUIRE(std::abs(r.term_energies[1].second) > 0.1);  // ZBL acts in this structure
  const test::EnergyFunction energy = [&](const Structure& t) { return evaluate(*model, t).energy; };
  CHECK(test::max_rel_diff(test::fd_forces(energy, s, 1e-5), r.forces) < 1e-6);
  CHECK(test::max_rel_diff(test::fd_virial(energy, s, 1e-6), r.virial) < 1e-6);
}

TEST_CASE("Δ-learning with GAP: the saved model is the GAP term plus the stored ZBL", "[fit][baseline][gap]") {
  std::mt19937_64 rng(5);
  const std::shared_ptr<const Descriptor> d = make_descriptor(R"({"type":"soap","species":["H","C"],"n_max":3,"l_max":2,"r_cut":3.5,)"
                                 R"("sigma":0.5,"cutoff_width":1.0})");
  const auto ref = make_model("lj:epsilon=0.1,sigma=1.6,cutoff=3.5+zbl:elements=H_C");
  std::vector<Structure> data = frames_of(rng, *ref, 12);
  const auto zbl = default_zbl_baseline({1, 6});
  const std::vector<Structure> original = data;
  subtract_baseline(*zbl, data);
  GapFitOptions o;
  o.sparse_points = 20;
  const GapFitResult fit = fit_gap(d, data, all_train(data.size()), {{1, 0.0}, {6, 0.0}}, o);
  std::ostringstream out(std::ios::binary);
  save_gap_model(out, *fit.model, "{}", zbl.get());
  std::istringstream in(out.str(), std::ios::binary);
  const auto model = load_model(in, "gap.mlp");
  REQUIRE(model->name() == "gap+zbl");
  for (std::size_t f = 0; f < 3; ++f) {
    const EvalResult r = evaluate(*model, original[f]), g = evaluate(*fit.model, original[f]),
                     z = evaluate(*zbl, original[f]);
    CHECK(r.energy == g.energy + z.energy);
    CHECK(r.term_energies[1].second == z.energy);
    // The learned term was fitted to the remainder: its error there is the total's error on the reference.
    CHECK(std::abs((r.energy - *reference_energy(original[f])) - (g.energy - *reference_energy(data[f]))) < 1e-9);
  }
}

TEST_CASE("data_zbl_baseline: outer radius at the data's shortest distance, zero on every training frame",
          "[fit][baseline]") {
  std::mt19937_64 rng(31);
  std::vector<Structure> frames;
  for (int f = 0; f < 4; ++f)
    frames.push_back(test::random_structure(rng, 12, {1, 6}, test::random_cell(rng, 5.0, 6.0), {true, true, true}, 0.9));
  // Shortest distance of each pair, by brute force over images (cells > 2 × 2.5 Å: one image shell is enough).
  std::map<std::pair<int, int>, double> shortest;
  for (const Structure& s : frames)
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = 0; j < s.size(); ++j)
        for (int a = -1; a <= 1; ++a)
          for (int b = -1; b <= 1; ++b)
            for (int c = -1; c <= 1; ++c) {
              if (i == j && a == 0 && b == 0 && c == 0) continue;
              const Vec3 d = s.positions.row(static_cast<Eigen::Index>(j)).transpose() +
                             s.cell.transpose() * Vec3(a, b, c) - s.positions.row(static_cast<Eigen::Index>(i)).transpose();
              const auto key = std::minmax(s.numbers[i], s.numbers[j]);
              const auto it = shortest.find(key);
              if (it == shortest.end() || d.norm() < it->second) shortest[key] = d.norm();
            }
  const auto model = data_zbl_baseline(frames, {1, 6, 8}, 5.0);
  const auto& zbl = dynamic_cast<const Zbl&>(*model);
  for (const auto& [pair, d] : shortest) {
    CHECK(zbl.radii(pair.first, pair.second).outer == Approx(d).epsilon(1e-12));
    CHECK(zbl.radii(pair.first, pair.second).inner == Approx(0.8 * d).epsilon(1e-12));
  }
  // Oxygen is never seen: covalent defaults.
  CHECK(zbl.radii(8, 8).outer == Approx(0.8 * 2 * Zbl::covalent_radius_of(8)));
  CHECK(zbl.radii(1, 8).inner == Approx(0.5 * (Zbl::covalent_radius_of(1) + Zbl::covalent_radius_of(8))));
  // Zero on every training frame, so Δ-learning leaves the labels as they are.
  for (const Structure& s : frames) {
    const EvalResult r = evaluate(*model, s);
    CHECK(r.energy == 0.0);
    CHECK(r.forces.cwiseAbs().maxCoeff() == 0.0);
  }
  // Just inside the shortest C-C distance it repels.
  Structure dimer;
  dimer.resize(2);
  dimer.numbers = {6, 6};
  dimer.positions.setZero();
  dimer.positions(1, 0) = 0.9 * shortest.at({6, 6});
  CHECK(evaluate(*model, dimer).energy > 0.0);
  CHECK_THROWS_AS(data_zbl_baseline(frames, {1, 6}, 5.0, 1.0), InputError);
}
