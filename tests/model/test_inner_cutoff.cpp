// Inner cutoff of descriptor models (mlp/model/inner_cutoff.hpp): the switch and the blend against hand values
// and finite differences; forces, virial and per-atom virials of a linear model with pairs inside the switching
// ranges against central finite differences; untouched energies when every pair is at least r_out apart; an
// energy that never goes below the unswitched one; model files carry it (version 3); data_inner_cutoff.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/inner_cutoff_fit.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/gap_model.hpp"
#include "mlp/model/inner_cutoff.hpp"
#include "mlp/model/linear_model.hpp"
#include "mlp/model/model_file.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

std::shared_ptr<const Descriptor> small_acsf() {
  return make_descriptor(R"({"type":"acsf","auto":{"rcut":4.0,"radial":4,"angular_eta":[0.01,0.05],)"
                         R"("angular_zeta":[1.0,4.0]}})",
                         {6, 14});
}

std::unique_ptr<LinearModel> random_model(std::mt19937_64& rng) {
  const auto d = small_acsf();
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::map<int, Eigen::VectorXd> w;
  for (int z : d->elements()) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(d->size(z)));
    for (Eigen::Index k = 0; k < v.size(); ++k) v[k] = 0.3 * u(rng);
    w[z] = v;
  }
  return std::make_unique<LinearModel>(d, w, std::map<int, double>{{6, -1.25}, {14, -0.75}});
}

// Wide ranges so that a random structure (closest pairs 1.2 Å) has many pairs inside them.
InnerCutoff wide_ranges() {
  InnerCutoff inner;
  inner.set(6, 6, {1.0, 2.2});
  inner.set(6, 14, {1.1, 2.4});
  inner.set(14, 14, {1.3, 2.6});
  return inner;
}

}  // namespace

TEST_CASE("inner cutoff: blend values and derivatives", "[inner]") {
  // s = 1: the learned energy itself, slope 1.
  for (double b : {-3.0, -0.01, 0.0, 0.2, 5.0}) {
    const InnerCutoffBlend one = inner_cutoff_blend(b, 1.0);
    CHECK(one.energy == Approx(b).margin(1e-15));
    CHECK(one.d_learned == Approx(1.0));
    // s = 0: a smooth max(b, 0) (ε = 0.1 eV), never below b.
    const InnerCutoffBlend zero = inner_cutoff_blend(b, 0.0);
    CHECK(zero.energy == Approx(0.5 * (b + std::sqrt(b * b + 0.01))));
    CHECK(zero.energy >= b);
    CHECK(zero.d_switch <= 0.0);
    for (double s : {0.0, 0.3, 0.9}) {
      const double h = 1e-6;
      const InnerCutoffBlend x = inner_cutoff_blend(b, s);
      CHECK(x.d_learned == Approx((inner_cutoff_blend(b + h, s).energy - inner_cutoff_blend(b - h, s).energy) / (2 * h)).margin(1e-8));
      CHECK(x.d_switch == Approx((inner_cutoff_blend(b, s + h).energy - inner_cutoff_blend(b, s - h).energy) / (2 * h)).margin(1e-8));
    }
  }
}

TEST_CASE("inner cutoff: switch factor of a dimer", "[inner]") {
  InnerCutoff inner;
  inner.set(14, 6, {1.0, 2.0});
  REQUIRE(inner.find(6, 14));
  CHECK(inner.find(6, 6) == nullptr);
  Structure s;
  s.resize(2);
  s.numbers = {6, 14};
  for (double r : {0.9, 1.0, 1.25, 1.5, 1.999, 2.0, 2.5}) {
    s.positions.setZero();
    s.positions(1, 0) = r;
    const NeighborList nl(s, {3.0, 0.0, true});
    std::vector<std::pair<std::size_t, double>> d;
    const double f = inner.factor(s, nl, 0, &d);
    const double x = std::clamp(r - 1.0, 0.0, 1.0);
    CHECK(f == Approx(x * x * x * (10 - 15 * x + 6 * x * x)).margin(1e-15));
    if (r > 1.0 && r < 2.0) {
      REQUIRE(d.size() == 1);
      CHECK(d[0].second == Approx(30 * x * x * (1 - x) * (1 - x)));
    } else {
      CHECK(d.empty());
    }
  }
  CHECK_THROWS_AS(inner.set(6, 6, {2.0, 1.0}), InputError);
  CHECK_THROWS_AS(inner.set(6, 6, {-0.1, 1.0}), InputError);
}

TEST_CASE("inner cutoff: forces, virial and per-atom virials are the derivatives of the energy", "[inner]") {
  std::mt19937_64 rng(21);
  auto model = random_model(rng);
  const auto plain = random_model(rng);
  model->set_inner_cutoff(wide_ranges());
  for (int trial = 0; trial < 3; ++trial) {
    const Structure s =
        test::random_structure(rng, 12, {6, 14}, test::random_cell(rng, 5.5, 7.0), {true, true, true}, 1.2);
    EvalRequest request;
    request.atom_energies = request.atom_virials = true;
    const EvalResult r = evaluate(*model, s, request);
    const auto energy = [&](const Structure& x) { return evaluate(*model, x).energy; };
    CHECK(test::max_rel_diff(r.forces, test::fd_forces(energy, s, 1e-5), 1e-3) < 1e-6);
    CHECK(test::max_rel_diff(r.virial, test::fd_virial(energy, s, 1e-6), 1e-3) < 1e-6);
    CHECK(std::abs(r.atom_energies.sum() - r.energy) < 1e-10 * std::abs(r.energy));
    Mat3 sum = Mat3::Zero();
    for (const auto& w : r.atom_virials) sum += w;
    CHECK((sum - r.virial).cwiseAbs().maxCoeff() < 1e-10 * (1.0 + r.virial.cwiseAbs().maxCoeff()));
  }
}

TEST_CASE("inner cutoff: no effect beyond r_out, never lowers an atomic energy", "[inner]") {
  std::mt19937_64 rng(22);
  auto switched = random_model(rng);
  std::mt19937_64 same(22);
  const auto plain = random_model(same);
  for (int trial = 0; trial < 3; ++trial) {
    const Structure s =
        test::random_structure(rng, 12, {6, 14}, test::random_cell(rng, 5.5, 7.0), {true, true, true}, 1.2);
    const NeighborList nl(s, {4.0, 0.0, false});
    double shortest = 1e9;
    for (std::size_t k = 0; k < nl.pairs(); ++k) shortest = std::min(shortest, nl.distance(k));
    EvalRequest request;
    request.atom_energies = true;
    const EvalResult reference = evaluate(*plain, s, request);
    // Every pair at or beyond r_out: bit-identical.
    InnerCutoff far;
    far.set(6, 6, {0.5 * shortest, shortest});
    far.set(6, 14, {0.5 * shortest, shortest});
    far.set(14, 14, {0.5 * shortest, shortest});
    switched->set_inner_cutoff(far);
    const EvalResult same_result = evaluate(*switched, s, request);
    CHECK(same_result.energy == reference.energy);
    CHECK(same_result.forces == reference.forces);
    CHECK(same_result.virial == reference.virial);
    // Pairs inside the ranges: each atomic energy is at least the unswitched one.
    switched->set_inner_cutoff(wide_ranges());
    const EvalResult inside = evaluate(*switched, s, request);
    CHECK(inside.energy != reference.energy);
    for (Eigen::Index i = 0; i < inside.atom_energies.size(); ++i)
      CHECK(inside.atom_energies[i] >= reference.atom_energies[i] - 1e-12);
  }
}

TEST_CASE("inner cutoff: model files store it (version 3) and give the same predictions", "[inner][modl]") {
  std::mt19937_64 rng(23);
  auto model = random_model(rng);
  {
    std::ostringstream plain(std::ios::binary);
    save_model_file(plain, *model, "{}");
    std::istringstream in(plain.str(), std::ios::binary);
    ContainerReader reader(in, "m.mlp", "MODL", kModelFileVersion);
    CHECK(reader.header().version == 1);  // no inner cutoff: still readable by version-1 readers
  }
  model->set_inner_cutoff(wide_ranges());
  std::ostringstream out(std::ios::binary);
  save_model_file(out, *model, "{}");
  {
    std::istringstream in(out.str(), std::ios::binary);
    ContainerReader reader(in, "m.mlp", "MODL", kModelFileVersion);
    CHECK(reader.header().version == kInnerCutoffFileVersion);
    CHECK(reader.header().json.find("\"inner_cutoff\"") != std::string::npos);
    // A reader of the previous version refuses it instead of silently dropping the inner cutoff.
    std::istringstream again(out.str(), std::ios::binary);
    CHECK_THROWS_AS(ContainerReader(again, "m.mlp", "MODL", kInnerCutoffFileVersion - 1), InputError);
  }
  std::istringstream in(out.str(), std::ios::binary);
  const auto back = load_model(in, "m.mlp");
  const Structure s =
      test::random_structure(rng, 10, {6, 14}, test::random_cell(rng, 5.5, 7.0), {true, true, true}, 1.2);
  const EvalResult a = evaluate(*model, s), b = evaluate(*back, s);
  CHECK(a.energy == b.energy);
  CHECK(a.forces == b.forces);
  CHECK(a.virial == b.virial);
  // Round trip of the ranges as JSON, and malformed entries named.
  const InnerCutoff parsed = InnerCutoff::from_json(wide_ranges().to_json());
  CHECK(parsed.to_json() == wide_ranges().to_json());
  CHECK_THROWS_WITH(InnerCutoff::from_json(R"([{"pair":["C","Xx"],"r_in":1,"r_out":2}])", "m.mlp"),
                    Catch::Contains("unknown element"));
  CHECK_THROWS_WITH(InnerCutoff::from_json(R"([{"pair":["C","C"],"r_in":2,"r_out":1}])", "m.mlp"),
                    Catch::Contains("r_in < r_out"));
}

TEST_CASE("data_inner_cutoff: shortest distances of the data, ZBL's range for unseen pairs", "[inner][fit]") {
  Structure a;
  a.resize(3);
  a.numbers = {6, 6, 1};
  a.positions << 0, 0, 0, 1.4, 0, 0, -1.1, 0, 0;
  Structure b = a;
  b.positions(1, 0) = 1.3;
  const InnerCutoff inner = data_inner_cutoff({a, b}, {1, 6, 8}, 5.0, 0.1);
  REQUIRE(inner.find(6, 6));
  CHECK(inner.find(6, 6)->r_out == Approx(1.3));
  CHECK(inner.find(6, 6)->r_in == Approx(1.17));
  CHECK(inner.find(1, 6)->r_out == Approx(1.1));
  // O never appears, nor a second H: ZBL's own switching range, 0.5 and 0.8 × (r_cov a + r_cov b).
  CHECK(inner.find(1, 1)->r_out == Approx(1.6 * covalent_radius(1)));
  const double sum = 2 * covalent_radius(8);
  CHECK(inner.find(8, 8)->r_in == Approx(0.5 * sum));
  CHECK(inner.find(8, 8)->r_out == Approx(0.8 * sum));
  CHECK(inner.find(1, 8)->r_out == Approx(0.8 * (covalent_radius(1) + covalent_radius(8))));
  CHECK_THROWS_AS(data_inner_cutoff({a}, {6}, 5.0, 0.0), InputError);
}
