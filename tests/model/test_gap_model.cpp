// GapModel: forces and virial against central finite differences, per-atom energies and virials that add up,
// invariance under rotation at 1e-10; the DTC variance without data equals the prior exactly; GAP model files:
// bit-exact round trip, newer versions and damaged contents refused.
#include <catch2/catch.hpp>

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

// SOAP small (n_max 4, l_max 3) on Si and C, cutoff 4 Å.
std::shared_ptr<const Descriptor> small_soap() {
  return make_descriptor(R"({"type":"soap","species":["C","Si"],"n_max":4,"l_max":3,"r_cut":4.0,"sigma":0.5,)"
                         R"("cutoff_width":1.0})");
}

// Sparse points: environments of another random structure (so kernels are of realistic size), random weights.
std::map<int, GapSparseSet> random_sparse(std::mt19937_64& rng, const Descriptor& d) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const Structure s = periodic_sic(rng, 12);
  const DescriptorValues q = compute_descriptors(d, s);
  std::map<int, GapSparseSet> out;
  for (int z : d.elements()) {
    std::vector<std::size_t> atoms;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s.numbers[i] == z) atoms.push_back(i);
    REQUIRE(!atoms.empty());
    const auto dim = static_cast<Eigen::Index>(d.size(z));
    GapSparseSet set;
    set.points.resize(static_cast<Eigen::Index>(atoms.size()), dim);
    set.alpha.resize(static_cast<Eigen::Index>(atoms.size()));
    for (std::size_t r = 0; r < atoms.size(); ++r) {
      set.points.row(static_cast<Eigen::Index>(r)) = Eigen::Map<const Eigen::RowVectorXd>(q.row(atoms[r]), dim);
      set.alpha[static_cast<Eigen::Index>(r)] = u(rng);
    }
    out[z] = set;
  }
  return out;
}

GapKernel kernel(double delta, int zeta) {
  GapKernel k;
  k.delta = delta;
  k.zeta = zeta;
  return k;
}

std::unique_ptr<GapModel> random_model(std::mt19937_64& rng, bool with_prior_variance = false) {
  auto d = small_soap();
  auto sparse = random_sparse(rng, *d);
  Eigen::MatrixXd r;
  const double jitter = 1e-8;
  const GapKernel k = kernel(0.7, 4);
  if (with_prior_variance) {
    // No observation: R = U (block-diagonal over elements), the posterior is the prior.
    Eigen::Index m = 0;
    for (const auto& kv : sparse) m += kv.second.points.rows();
    r = Eigen::MatrixXd::Zero(m, m);
    Eigen::Index off = 0;
    for (auto& kv : sparse) {
      const Eigen::MatrixXd unit = kv.second.points.rowwise().normalized();
      const Eigen::Index mz = unit.rows();
      r.block(off, off, mz, mz) = gap_kmm_factor(k, unit, jitter);
      off += mz;
    }
  }
  return std::make_unique<GapModel>(d, k, sparse, std::map<int, double>{{6, -1.25}, {14, -0.75}}, r, jitter);
}

}  // namespace

TEST_CASE("GAP forces and virial match central finite differences", "[gap]") {
  std::mt19937_64 rng(11);
  const auto model = random_model(rng);
  for (int trial = 0; trial < 2; ++trial) {
    const Structure s = periodic_sic(rng, 8);
    EvalRequest request;
    request.atom_energies = true;
    request.atom_virials = true;
    const EvalResult r = evaluate(*model, s, request);
    const test::EnergyFunction energy = [&](const Structure& x) { return evaluate(*model, x).energy; };
    const Matrix3N fd = test::fd_forces(energy, s, 1e-5);
    const Mat3 fd_w = test::fd_virial(energy, s, 1e-5);
    INFO("trial " << trial << " max |F| " << fd.cwiseAbs().maxCoeff() << " max |W| " << fd_w.cwiseAbs().maxCoeff());
    CHECK(fd.cwiseAbs().maxCoeff() > 1e-3);  // the model is not trivially flat
    CHECK(test::max_rel_diff(r.forces, fd) < 1e-6);
    CHECK(test::max_rel_diff(r.virial, fd_w) < 1e-6);
    CHECK(std::abs(r.atom_energies.sum() - r.energy) < 1e-10 * std::abs(r.energy));
    Mat3 w_sum = Mat3::Zero();
    for (const Mat3& w : r.atom_virials) w_sum += w;
    CHECK(test::max_rel_diff(w_sum, r.virial, 1e-3) < 1e-10);
  }
}

TEST_CASE("GAP energy, forces and virial are invariant under rotation", "[gap]") {
  std::mt19937_64 rng(12);
  const auto model = random_model(rng);
  const Structure s = periodic_sic(rng, 9);
  const Mat3 rot = test::random_rotation(rng);
  Structure t = s;
  t.positions = s.positions * rot.transpose();
  t.cell = s.cell * rot.transpose();
  const EvalResult a = evaluate(*model, s), b = evaluate(*model, t);
  CHECK(std::abs(a.energy - b.energy) < 1e-10 * std::abs(a.energy));
  CHECK(test::max_rel_diff(Matrix3N(a.forces * rot.transpose()), b.forces) < 1e-10);
  CHECK(test::max_rel_diff(Mat3(rot * a.virial * rot.transpose()), b.virial) < 1e-10);
}

TEST_CASE("GAP variance without observations is the prior: delta^2 per atom, sum of kernels in total", "[gap]") {
  std::mt19937_64 rng(13);
  const auto model = random_model(rng, true);
  REQUIRE(model->supports_uncertainty());
  const Structure s = periodic_sic(rng, 7);
  EvalRequest request;
  request.uncertainty = true;
  const EvalResult r = evaluate(*model, s, request);
  REQUIRE(r.has_uncertainty);
  const double d2 = model->kernel().delta * model->kernel().delta;
  for (Eigen::Index i = 0; i < r.atom_energy_variance.size(); ++i) CHECK(std::abs(r.atom_energy_variance[i] - d2) < 1e-10);
  // var E = Σ_{i,j same element} k(q_i, q_j), computed here pair by pair.
  const DescriptorValues q = compute_descriptors(model->descriptor(), s);
  double total = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (s.numbers[i] != s.numbers[j]) continue;
      const auto dim = static_cast<Eigen::Index>(q.row_size(i));
      const Eigen::Map<const Eigen::VectorXd> a(q.row(i), dim), b(q.row(j), dim);
      total += d2 * std::pow(a.dot(b) / (a.norm() * b.norm()), 4);
    }
  CHECK(std::abs(r.energy_variance - total) < 1e-10 * total);
  // A model without a posterior factor has no variance.
  const auto plain = random_model(rng, false);
  CHECK_FALSE(plain->supports_uncertainty());
  CHECK_FALSE(evaluate(*plain, s, request).has_uncertainty);
}

TEST_CASE("GAP model file round trip is bit-exact and newer versions are refused", "[gap]") {
  std::mt19937_64 rng(14);
  const auto model = random_model(rng, true);
  const std::string bytes = saved(*model);
  const auto back = loaded(bytes);
  CHECK(back->spec() == "g.mlp");
  CHECK(saved(*back) == bytes);
  EvalRequest request;
  request.atom_energies = true;
  request.uncertainty = true;
  for (int trial = 0; trial < 2; ++trial) {
    const Structure s = periodic_sic(rng, 8);
    const EvalResult a = evaluate(*model, s, request), b = evaluate(*back, s, request);
    CHECK(a.energy == b.energy);
    CHECK(a.forces == b.forces);
    CHECK(a.virial == b.virial);
    CHECK(a.atom_energies == b.atom_energies);
    CHECK(a.energy_variance == b.energy_variance);
    CHECK(a.atom_energy_variance == b.atom_energy_variance);
  }
  // The same contents under format version 2: refused by the container reader and by load_gap_model itself.
  const std::string newer = rewritten(bytes, [](std::string&) {}, kGapModelFileVersion + 1);
  CHECK_THROWS_WITH(loaded(newer), Catch::Contains("newer"));
  CHECK_THROWS_WITH(loaded(newer, 99), Catch::Contains("newer"));
}

TEST_CASE("GAP model refuses inconsistent contents", "[gap]") {
  std::mt19937_64 rng(15);
  auto d = small_soap();
  auto sparse = random_sparse(rng, *d);
  const std::map<int, double> e0{{6, -1.25}, {14, -0.75}};
  CHECK_THROWS_AS(GapModel(d, kernel(0.0, 4), sparse, e0), InputError);
  CHECK_THROWS_AS(GapModel(d, kernel(1.0, 0), sparse, e0), InputError);
  auto missing = sparse;
  missing.erase(6);
  CHECK_THROWS_WITH(GapModel(d, kernel(1.0, 4), missing, e0), Catch::Contains("no sparse points for C"));
  auto narrow = sparse;
  narrow[14].points.conservativeResize(Eigen::NoChange, 3);
  CHECK_THROWS_AS(GapModel(d, kernel(1.0, 4), narrow, e0), InputError);
  CHECK_THROWS_AS(GapModel(d, kernel(1.0, 4), sparse, e0, Eigen::MatrixXd::Identity(2, 2)), InputError);
  const GapModel ok(d, kernel(1.0, 4), sparse, e0);
  Structure h = periodic_sic(rng, 4);
  h.numbers[0] = 1;
  CHECK_THROWS_WITH(evaluate(ok, h), Catch::Contains("no sparse points for element H"));
}
