// The two-body term of GAP models (mlp/model/gap_two_body.hpp): E_2b against a brute-force sum over pairs written
// out here, forces and virial against central finite differences (with a two-body cutoff beyond the SOAP cutoff),
// per-atom shares that add up, rotation invariance at 1e-10, a smooth cutoff, the prior variance without data, and
// the model file (version 4) round trip, old readers and damaged files.
#include <catch2/catch.hpp>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "mlp/desc/descriptor.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/gap_model.hpp"
#include "mlp/util/error.hpp"
#include "gap_test_support.hpp"

using namespace mlp;
using mlp::test::loaded;
using mlp::test::periodic_sic;
using mlp::test::rewritten;
using mlp::test::saved;

namespace {

std::shared_ptr<const Descriptor> small_soap() {
  return make_descriptor(R"({"type":"soap","species":["C","Si"],"n_max":3,"l_max":2,"r_cut":3.5,"sigma":0.5,)"
                         R"("cutoff_width":1.0})");
}

GapTwoBodyKernel two_body_kernel() {
  GapTwoBodyKernel k;
  k.delta = 0.8;
  k.theta = 0.6;
  k.cutoff = 4.2;  // beyond the SOAP cutoff: the model's cutoff is this one
  k.cutoff_width = 1.1;
  return k;
}

// Three pairs with 6 sparse distances each and pseudo-random weights; C-C deliberately absent (contributes 0).
std::shared_ptr<const GapTwoBody> random_two_body(std::mt19937_64& rng, double jitter = 0.0) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::map<ElementPair, GapPairSparseSet> pairs;
  for (const ElementPair& p : {ElementPair{6, 14}, ElementPair{14, 14}}) {
    GapPairSparseSet set;
    set.points = uniform_sparse_distances(1.4, 4.2, 6);
    set.alpha.resize(6);
    for (Eigen::Index t = 0; t < 6; ++t) set.alpha[t] = u(rng);
    pairs[p] = set;
  }
  return std::make_shared<const GapTwoBody>(two_body_kernel(), pairs, jitter);
}

std::map<int, GapSparseSet> random_sparse(std::mt19937_64& rng, const Descriptor& d) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const Structure s = periodic_sic(rng, 10);
  const DescriptorValues q = compute_descriptors(d, s);
  std::map<int, GapSparseSet> out;
  for (int z : d.elements()) {
    GapSparseSet set;
    const auto dim = static_cast<Eigen::Index>(d.size(z));
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.numbers[i] != z) continue;
      const Eigen::Index r = set.points.rows();
      set.points.conservativeResize(r + 1, dim);
      set.alpha.conservativeResize(r + 1);
      set.points.row(r) = Eigen::Map<const Eigen::RowVectorXd>(q.row(i), dim);
      set.alpha[r] = 0.3 * u(rng);
    }
    REQUIRE(set.points.rows() > 0);
    out[z] = set;
  }
  return out;
}

// A GAP model with SOAP and two-body terms; with `prior`, the posterior factor of a fit without observations
// (R = the block-diagonal U of every SOAP element and two-body pair).
std::unique_ptr<GapModel> random_model(std::mt19937_64& rng, bool prior = false) {
  auto d = small_soap();
  auto sparse = random_sparse(rng, *d);
  GapKernel k;
  k.delta = 0.7;
  const double jitter = 1e-8;
  auto tb = random_two_body(rng, prior ? 1e-8 : 0.0);
  Eigen::MatrixXd r;
  if (prior) {
    Eigen::Index m = tb->sparse_count(), off = 0;
    for (const auto& kv : sparse) m += kv.second.points.rows();
    r = Eigen::MatrixXd::Zero(m, m);
    for (const auto& kv : sparse) {
      const Eigen::Index mz = kv.second.points.rows();
      r.block(off, off, mz, mz) = gap_kmm_factor(k, kv.second.points.rowwise().normalized(), jitter);
      off += mz;
    }
    for (const auto& kv : tb->pairs()) {
      const Eigen::Index mp = kv.second.points.size();
      r.block(off + tb->offset(kv.first), off + tb->offset(kv.first), mp, mp) = tb->kmm_factor(kv.first);
    }
  }
  return std::make_unique<GapModel>(d, k, sparse, std::map<int, double>{{6, -1.25}, {14, -0.75}}, r, jitter, tb);
}

// E_2b written out independently: every pair (i < j, or i == j with a non-zero image) once, the cutoff switch
// 1 − S(t), S(t) = t³(10 − 15t + 6t²), the kernel δ² exp(−(r − x)²/(2θ²)).
double brute_two_body(const GapTwoBody& tb, const Structure& s) {
  const GapTwoBodyKernel& k = tb.kernel();
  NeighborListOptions options;
  options.cutoff = k.cutoff;
  options.full = false;
  const NeighborList nl(s, options);
  double e = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t n = nl.begin(i); n < nl.end(i); ++n) {
      const double r = nl.distance(n);
      if (r >= k.cutoff) continue;
      const int zi = s.numbers[i], zj = s.numbers[static_cast<std::size_t>(nl.neighbor(n))];
      const auto it = tb.pairs().find({std::min(zi, zj), std::max(zi, zj)});
      if (it == tb.pairs().end()) continue;
      const double t = std::clamp((r - (k.cutoff - k.cutoff_width)) / k.cutoff_width, 0.0, 1.0);
      const double fc = 1.0 - t * t * t * (10.0 - 15.0 * t + 6.0 * t * t);
      for (Eigen::Index m = 0; m < it->second.points.size(); ++m) {
        const double u = (r - it->second.points[m]) / k.theta;
        e += fc * it->second.alpha[m] * k.delta * k.delta * std::exp(-0.5 * u * u);
      }
    }
  return e;
}

}  // namespace

TEST_CASE("GAP two-body: energy equals a brute-force pair sum, forces and virial match finite differences",
          "[gap][two_body]") {
  std::mt19937_64 rng(31);
  const auto model = random_model(rng);
  CHECK(model->cutoff() == 4.2);
  const GapModel soap_only(model->descriptor_ptr(), model->kernel(), model->sparse(), model->isolated_energies());
  for (int trial = 0; trial < 2; ++trial) {
    const Structure s = periodic_sic(rng, 8);
    EvalRequest request;
    request.atom_energies = request.atom_virials = true;
    const EvalResult r = evaluate(*model, s, request);
    const double e2b = r.energy - evaluate(soap_only, s).energy;
    INFO("trial " << trial << " E_2b " << e2b);
    CHECK(std::abs(e2b) > 1e-3);
    CHECK(std::abs(e2b - brute_two_body(*model->two_body(), s)) < 1e-12 * (1.0 + std::abs(e2b)));
    REQUIRE(r.term_energies.size() == 2);
    CHECK(r.term_energies[1].first == "gap-2b");
    CHECK(std::abs(r.term_energies[1].second - e2b) < 1e-10 * (1.0 + std::abs(e2b)));
    const test::EnergyFunction energy = [&](const Structure& x) { return evaluate(*model, x).energy; };
    const Matrix3N fd = test::fd_forces(energy, s, 1e-5);
    const Mat3 fd_w = test::fd_virial(energy, s, 1e-5);
    CHECK(test::max_rel_diff(r.forces, fd) < 1e-6);
    CHECK(test::max_rel_diff(r.virial, fd_w) < 1e-6);
    CHECK(std::abs(r.atom_energies.sum() - r.energy) < 1e-10 * std::abs(r.energy));
    Mat3 w_sum = Mat3::Zero();
    for (const Mat3& w : r.atom_virials) w_sum += w;
    CHECK(test::max_rel_diff(w_sum, r.virial, 1e-3) < 1e-10);
  }
}

TEST_CASE("GAP two-body: invariant under rotation, smooth at its cutoff", "[gap][two_body]") {
  std::mt19937_64 rng(32);
  const auto model = random_model(rng);
  const Structure s = periodic_sic(rng, 9);
  const EvalResult a = evaluate(*model, s);
  Structure t = s;
  const Mat3 q = test::random_rotation(rng);
  t.positions = s.positions * q.transpose();
  t.cell = s.cell * q.transpose();
  const EvalResult b = evaluate(*model, t);
  CHECK(std::abs(a.energy - b.energy) < 1e-10 * std::abs(a.energy));
  CHECK(test::max_rel_diff(Matrix3N(a.forces * q.transpose()), b.forces, 1e-3) < 1e-10);

  // A Si dimer pulled through the switch [3.1, 4.2] Å: the pair energy goes to exactly 0 at the cutoff with a
  // continuous force, and a dimer beyond it has none.
  const GapTwoBody& tb = *model->two_body();
  Structure dimer;
  dimer.resize(2);
  dimer.numbers = {14, 14};
  dimer.positions.setZero();
  const auto pair_energy = [&](double r) {
    dimer.positions(1, 0) = r;
    EvalResult out;
    EvalRequest request;
    request.forces = true;
    out.reset(2, request);
    NeighborListOptions options;
    options.cutoff = tb.kernel().cutoff;
    tb.add_to(dimer, NeighborList(dimer, options), request, out);
    return std::make_pair(out.energy, out.forces(1, 0));
  };
  CHECK(pair_energy(4.2).first == 0.0);
  CHECK(pair_energy(4.5).first == 0.0);
  const auto near = pair_energy(4.2 - 1e-4);
  CHECK(std::abs(near.first) < 1e-9);
  CHECK(std::abs(near.second) < 1e-6);
  const auto inside = pair_energy(2.5);
  const double h = 1e-5;
  CHECK(std::abs(inside.second + (pair_energy(2.5 + h).first - pair_energy(2.5 - h).first) / (2 * h)) < 1e-8);
}

TEST_CASE("GAP two-body variance without observations is the prior", "[gap][two_body]") {
  std::mt19937_64 rng(33);
  const auto model = random_model(rng, true);
  const GapTwoBody& tb = *model->two_body();
  const Structure s = periodic_sic(rng, 6);
  EvalRequest request;
  request.uncertainty = true;
  request.atom_energies = true;
  const EvalResult r = evaluate(*model, s, request);
  REQUIRE(r.has_uncertainty);
  // Prior of E: the SOAP part Σ_{i,j same element} δ²(q̂_i·q̂_j)^ζ plus the pair part Σ_{p,p' same pair type}
  // f_c f_c' k(r_p, r_p') over the pairs (each once) — the posterior with R = U leaves exactly that.
  const DescriptorValues q = compute_descriptors(model->descriptor(), s);
  double prior = 0.0;
  const double d2 = model->kernel().delta * model->kernel().delta;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (s.numbers[i] != s.numbers[j]) continue;
      const auto dim = static_cast<Eigen::Index>(q.row_size(i));
      const Eigen::Map<const Eigen::VectorXd> a(q.row(i), dim), b(q.row(j), dim);
      prior += d2 * std::pow(a.normalized().dot(b.normalized()), 4);
    }
  NeighborListOptions options;
  options.cutoff = tb.kernel().cutoff;
  options.full = false;
  const NeighborList nl(s, options);
  struct P {
    ElementPair type;
    double r, fc;
  };
  std::vector<P> pairs;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t n = nl.begin(i); n < nl.end(i); ++n) {
      const ElementPair type = element_pair(s.numbers[i], s.numbers[static_cast<std::size_t>(nl.neighbor(n))]);
      if (nl.distance(n) < tb.kernel().cutoff && tb.pairs().count(type))
        pairs.push_back({type, nl.distance(n), tb.kernel().cutoff_function(nl.distance(n))});
    }
  for (const P& a : pairs)
    for (const P& b : pairs)
      if (a.type == b.type) prior += a.fc * b.fc * tb.kernel().covariance(a.r, b.r);
  INFO("variance " << r.energy_variance << " prior " << prior);
  CHECK(std::abs(r.energy_variance - prior) < 1e-6 * prior);
  CHECK(r.atom_energy_variance.minCoeff() > 0.0);
}

TEST_CASE("GAP two-body model file: bit-exact round trip, version 4, refused by old readers and when damaged",
          "[gap][two_body]") {
  std::mt19937_64 rng(34);
  const auto model = random_model(rng, true);
  const std::string bytes = saved(*model);
  const auto back = loaded(bytes);
  REQUIRE(back->two_body());
  CHECK(saved(*back) == bytes);
  CHECK(back->two_body()->kernel().theta == model->two_body()->kernel().theta);
  CHECK(back->two_body()->jitter() == model->two_body()->jitter());
  for (int trial = 0; trial < 2; ++trial) {
    const Structure s = periodic_sic(rng, 7);
    EvalRequest request;
    request.uncertainty = true;
    const EvalResult a = evaluate(*model, s, request), b = evaluate(*back, s, request);
    CHECK(a.energy == b.energy);
    CHECK(a.forces == b.forces);
    CHECK(a.energy_variance == b.energy_variance);
  }
  {
    std::istringstream in(bytes, std::ios::binary);
    ContainerReader reader(in, "g.mlp", "MODL", kGapModelFileVersion);
    CHECK(reader.header().version == kGapTwoBodyFileVersion);
  }
  CHECK_THROWS_AS(loaded(bytes, kGapTwoBodyFileVersion - 1), InputError);
  // A file without the two-body term stays at an older version.
  const GapModel soap_only(model->descriptor_ptr(), model->kernel(), model->sparse(), model->isolated_energies());
  {
    std::istringstream in(saved(soap_only), std::ios::binary);
    ContainerReader reader(in, "g.mlp", "MODL", kGapModelFileVersion);
    CHECK(reader.header().version < kGapTwoBodyFileVersion);
  }
  // Damaged (re-written with a valid checksum): a header count that does not match the arrays, a pair whose
  // arrays are missing.
  const auto replaced = [&](const std::string& from, const std::string& to) {
    return rewritten(bytes, [&](std::string& header) {
      const std::size_t at = header.find(from);
      REQUIRE(at != std::string::npos);
      header.replace(at, from.size(), to);
    });
  };
  CHECK_THROWS_WITH(loaded(replaced("\"Si-Si\":6", "\"Si-Si\":7")), Catch::Contains("does not match the header"));
  CHECK_THROWS_WITH(loaded(replaced("\"Si-Si\":6", "\"C-C\":6,\"Si-Si\":6")), Catch::Contains("no two-body"));
  CHECK_THROWS_WITH(loaded(replaced("\"theta\":0.6", "\"theta\":-0.6")), Catch::Contains("theta"));
}

TEST_CASE("GAP with a two-body term refuses an inner cutoff, also from a model file", "[gap][two_body]") {
  std::mt19937_64 rng(35);
  auto model = random_model(rng);
  InnerCutoff inner;
  inner.set(14, 14, {1.8, 2.2});
  CHECK_THROWS_WITH(model->set_inner_cutoff(inner), Catch::Contains("two-body term cannot have an inner cutoff"));
  CHECK_NOTHROW(model->set_inner_cutoff(InnerCutoff()));
  CHECK(model->inner_cutoff().empty());
  // A file that holds both (written by hand: the writer cannot produce it) is refused naming the file.
  const std::string both = rewritten(saved(*model), [](std::string& header) {
    header.insert(header.rfind('}'), R"(,"inner_cutoff":[{"pair":["Si","Si"],"r_in":1.8,"r_out":2.2}])");
  });
  try {
    loaded(both);
    FAIL("a GAP file with a two-body term and an inner cutoff was accepted");
  } catch (const InputError& e) {
    CHECK(e.source() == "g.mlp");
    CHECK_THAT(e.message(), Catch::Contains("cannot have an inner cutoff"));
  }
}

TEST_CASE("GAP two-body term refuses bad parameters", "[gap][two_body]") {
  std::map<ElementPair, GapPairSparseSet> pairs;
  pairs[{14, 14}].points = uniform_sparse_distances(2.0, 4.0, 3);
  pairs[{14, 14}].alpha = Eigen::VectorXd::Zero(3);
  GapTwoBodyKernel k;
  k.cutoff = 4.0;
  CHECK_NOTHROW(GapTwoBody(k, pairs));
  GapTwoBodyKernel bad = k;
  bad.theta = 0.0;
  CHECK_THROWS_WITH(GapTwoBody(bad, pairs), Catch::Contains("theta"));
  bad = k;
  bad.cutoff_width = 5.0;
  CHECK_THROWS_WITH(GapTwoBody(bad, pairs), Catch::Contains("width"));
  bad = k;
  bad.cutoff = 3.0;  // the sparse distances reach 4 Å
  CHECK_THROWS_WITH(GapTwoBody(bad, pairs), Catch::Contains("outside"));
  auto short_alpha = pairs;
  short_alpha[{14, 14}].alpha = Eigen::VectorXd::Zero(2);
  CHECK_THROWS_AS(GapTwoBody(k, short_alpha), InputError);
  CHECK_THROWS_AS(GapTwoBody(k, {}), InputError);
  CHECK_THROWS_AS(uniform_sparse_distances(0.0, 4.0, 3), InputError);
  CHECK_THROWS_AS(uniform_sparse_distances(2.0, 4.0, 0), InputError);
  CHECK(uniform_sparse_distances(2.0, 4.0, 1)[0] == 2.0);
}
