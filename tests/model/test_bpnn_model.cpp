// BpnnModel on a small random model (ACSF on C/Si, two hidden layers): forces and virial against central finite
// differences on a periodic cell, per-atom energies and virials that add up, rotation and permutation invariance
// at 1e-10, committees (identical members: no spread and the single network's prediction; different members:
// the variance equals the spread computed member by member), contributing flags (a partition of the atoms adds up
// to the whole), and BPNN model files (bit-exact round trip, baseline kept, newer/damaged/misshapen refused).
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include "mlp/desc/acsf.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/bpnn_model.hpp"
#include "mlp/model/bpnn_model_file.hpp"
#include "mlp/model/model_baseline.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

std::shared_ptr<const Descriptor> small_acsf() {
  AcsfPresetOptions o;
  o.elements = {6, 14};
  o.rcut = 4.0;
  o.rmin = 1.0;
  o.radial = 4;
  o.angular_eta = {0.05};
  o.angular_zeta = {1.0, 2.0};
  return std::make_shared<const Acsf>(Acsf::preset(o));
}

DenseNetwork random_network(std::mt19937_64& rng, int inputs) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  DenseNetwork net({inputs, 7, 5, 1}, {Activation::tanh, Activation::silu, Activation::linear});
  net.initialise([&] { return u(rng); });
  for (std::size_t l = 0; l < net.layers(); ++l)
    for (Eigen::Index k = 0; k < net.bias(l).size(); ++k) net.bias(l)[k] = 0.4 * (2.0 * u(rng) - 1.0);
  return net;
}

// A committee of `members` random networks per element (or copies of one network when `identical`).
std::unique_ptr<BpnnModel> random_model(std::mt19937_64& rng, std::size_t members = 1, bool identical = false) {
  auto d = small_acsf();
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::map<int, BpnnElement> elements;
  for (int z : d->elements()) {
    const auto n = static_cast<Eigen::Index>(d->size(z));
    BpnnElement e;
    e.input_shift = Eigen::VectorXd::NullaryExpr(n, [&] { return u(rng); });
    e.input_scale = Eigen::VectorXd::NullaryExpr(n, [&] { return 0.5 + u(rng); });
    e.input_offset = -0.3;
    e.energy_scale = 0.8 + 0.1 * z;
    e.energy_shift = -1.5 * z;
    const DenseNetwork first = random_network(rng, static_cast<int>(n));
    for (std::size_t m = 0; m < members; ++m)
      e.committee.push_back(identical || m == 0 ? first : random_network(rng, static_cast<int>(n)));
    elements[z] = std::move(e);
  }
  return std::make_unique<BpnnModel>(d, std::move(elements));
}

// The model with only committee member m.
std::unique_ptr<BpnnModel> member(const BpnnModel& model, std::size_t m) {
  std::map<int, BpnnElement> elements = model.elements();
  for (auto& kv : elements) kv.second.committee = {kv.second.committee[m]};
  return std::make_unique<BpnnModel>(model.descriptor_ptr(), std::move(elements));
}

Structure periodic_sic(std::mt19937_64& rng, std::size_t n) {
  return test::random_structure(rng, n, {6, 14}, test::random_cell(rng, 5.0, 6.5), {true, true, true}, 1.4);
}

std::string saved(const BpnnModel& model, const Model* baseline = nullptr) {
  std::ostringstream out(std::ios::binary);
  save_bpnn_model(out, model, R"({"tool":"test"})", baseline);
  return out.str();
}

std::unique_ptr<Model> loaded(const std::string& bytes, std::uint32_t max_version = kBpnnModelFileVersion) {
  std::istringstream in(bytes, std::ios::binary);
  ContainerReader reader(in, "b.mlp", "MODL", max_version);
  return load_bpnn_model(reader, "b.mlp");
}

// Rewrite a saved model, letting `edit` change each record (return false to drop it).
std::string rewritten(const std::string& bytes, const std::function<bool(NamedArray&)>& edit,
                      std::uint32_t version = 1) {
  std::istringstream in(bytes, std::ios::binary);
  ContainerReader reader(in, "b.mlp", "MODL", kBpnnModelFileVersion);
  std::ostringstream out(std::ios::binary);
  ContainerWriter writer(out, "MODL", version, reader.header().json);
  std::uint32_t type = 0;
  std::string payload;
  while (reader.next(type, payload)) {
    NamedArray a = decode_array(payload, "b.mlp");
    if (edit(a)) writer.write_record(type, encode_array(a));
  }
  writer.finish();
  return out.str();
}

}  // namespace

TEST_CASE("BPNN forces and virial match central finite differences", "[model][bpnn]") {
  std::mt19937_64 rng(21);
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
    CHECK(fd.cwiseAbs().maxCoeff() > 1e-2);  // not trivially flat
    CHECK(test::max_rel_diff(r.forces, fd) < 1e-6);
    CHECK(test::max_rel_diff(r.virial, fd_w) < 1e-6);
    CHECK(std::abs(r.atom_energies.sum() - r.energy) < 1e-12 * std::abs(r.energy));
    Mat3 w_sum = Mat3::Zero();
    for (const Mat3& w : r.atom_virials) w_sum += w;
    CHECK(test::max_rel_diff(w_sum, r.virial, 1e-3) < 1e-10);
    CHECK(r.forces.colwise().sum().cwiseAbs().maxCoeff() < 1e-10 * r.forces.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("BPNN energy, forces and virial are invariant under rotation and permutation", "[model][bpnn]") {
  std::mt19937_64 rng(22);
  const auto model = random_model(rng);
  const Structure s = periodic_sic(rng, 10);
  const EvalResult a = evaluate(*model, s);
  SECTION("rotation") {
    const Mat3 rot = test::random_rotation(rng);
    Structure t = s;
    t.positions = s.positions * rot.transpose();
    t.cell = s.cell * rot.transpose();
    const EvalResult b = evaluate(*model, t);
    CHECK(std::abs(a.energy - b.energy) < 1e-10 * std::abs(a.energy));
    CHECK(test::max_rel_diff(Matrix3N(a.forces * rot.transpose()), b.forces) < 1e-10);
    CHECK(test::max_rel_diff(Mat3(rot * a.virial * rot.transpose()), b.virial) < 1e-10);
  }
  SECTION("permutation") {
    std::vector<std::size_t> order(s.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    Structure t = s;
    for (std::size_t i = 0; i < order.size(); ++i) {
      t.numbers[i] = s.numbers[order[i]];
      t.positions.row(static_cast<Eigen::Index>(i)) = s.positions.row(static_cast<Eigen::Index>(order[i]));
    }
    const EvalResult b = evaluate(*model, t);
    CHECK(std::abs(a.energy - b.energy) < 1e-10 * std::abs(a.energy));
    for (std::size_t i = 0; i < order.size(); ++i)
      CHECK((b.forces.row(static_cast<Eigen::Index>(i)) - a.forces.row(static_cast<Eigen::Index>(order[i])))
                .cwiseAbs()
                .maxCoeff() < 1e-10 * a.forces.cwiseAbs().maxCoeff());
    CHECK(test::max_rel_diff(b.virial, a.virial) < 1e-10);
  }
}

TEST_CASE("BPNN committee of identical networks has no spread and equals the single network", "[model][bpnn]") {
  std::mt19937_64 rng(23);
  const auto committee = random_model(rng, 3, true);
  REQUIRE(committee->committee_size() == 3);
  REQUIRE(committee->supports_uncertainty());
  const auto single = member(*committee, 0);
  CHECK_FALSE(single->supports_uncertainty());
  const Structure s = periodic_sic(rng, 9);
  EvalRequest request;
  request.atom_energies = true;
  request.uncertainty = true;
  const EvalResult c = evaluate(*committee, s, request), one = evaluate(*single, s, request);
  REQUIRE(c.has_uncertainty);
  CHECK_FALSE(one.has_uncertainty);
  const double fmax = one.forces.cwiseAbs().maxCoeff();
  // The mean of three equal numbers is that number up to one rounding.
  CHECK(std::abs(c.energy - one.energy) < 1e-13 * std::abs(one.energy));
  CHECK(test::max_rel_diff(c.forces, one.forces) < 1e-13);
  CHECK(test::max_rel_diff(c.virial, one.virial) < 1e-13);
  CHECK(c.energy_variance < 1e-24 * one.energy * one.energy);
  CHECK(c.atom_energy_variance.maxCoeff() < 1e-24 * one.atom_energies.cwiseAbs2().maxCoeff());
  REQUIRE(c.forces_variance.rows() == static_cast<Eigen::Index>(s.size()));
  INFO("largest force variance " << c.forces_variance.maxCoeff() << " (eV/Å)², largest force " << fmax << " eV/Å");
  // BpnnModel forms the force variance as E[F²] − E[F]², which cancels only to round-off of F²: measured
  // 1.1e-16 (eV/Å)² with |F| <= 0.78 eV/Å, i.e. a spurious spread of 1e-8 eV/Å. (A two-pass formula over the
  // member forces would give exactly 0.)
  CHECK(c.forces_variance.maxCoeff() <= 1e-14 * fmax * fmax);
}

TEST_CASE("BPNN committee mean and variance equal the member-by-member spread", "[model][bpnn]") {
  std::mt19937_64 rng(24);
  const std::size_t m = 4;
  const auto committee = random_model(rng, m);
  const Structure s = periodic_sic(rng, 8);
  EvalRequest request;
  request.atom_energies = true;
  request.uncertainty = true;
  const EvalResult c = evaluate(*committee, s, request);
  std::vector<EvalResult> members;
  for (std::size_t k = 0; k < m; ++k) members.push_back(evaluate(*member(*committee, k), s, request));
  const auto N = static_cast<Eigen::Index>(s.size());
  double e_mean = 0.0;
  Eigen::VectorXd ea_mean = Eigen::VectorXd::Zero(N);
  Matrix3N f_mean = Matrix3N::Zero(N, 3);
  Mat3 w_mean = Mat3::Zero();
  for (const EvalResult& r : members) {
    e_mean += r.energy / m;
    ea_mean += r.atom_energies / m;
    f_mean += r.forces / m;
    w_mean += r.virial / m;
  }
  double e_var = 0.0;
  Eigen::VectorXd ea_var = Eigen::VectorXd::Zero(N);
  Matrix3N f_var = Matrix3N::Zero(N, 3);
  for (const EvalResult& r : members) {
    e_var += (r.energy - e_mean) * (r.energy - e_mean) / m;
    ea_var += (r.atom_energies - ea_mean).cwiseAbs2() / m;
    f_var += Matrix3N((r.forces - f_mean).cwiseAbs2()) / m;
  }
  INFO("energy std " << std::sqrt(e_var) << " eV, largest force std " << std::sqrt(f_var.maxCoeff()) << " eV/Å");
  REQUIRE(e_var > 1e-4);  // the members do differ
  CHECK(std::abs(c.energy - e_mean) < 1e-12 * std::abs(e_mean));
  CHECK(test::max_rel_diff(c.atom_energies, ea_mean) < 1e-12);
  CHECK(test::max_rel_diff(c.forces, f_mean) < 1e-12);
  CHECK(test::max_rel_diff(c.virial, w_mean) < 1e-12);
  CHECK(std::abs(c.energy_variance - e_var) < 1e-9 * e_var);
  CHECK(test::max_rel_diff(c.atom_energy_variance, ea_var) < 1e-9);
  CHECK(test::max_rel_diff(c.forces_variance, f_var) < 1e-9);
}

TEST_CASE("BPNN contributing flags: a partition of the atoms adds up to the whole", "[model][bpnn]") {
  std::mt19937_64 rng(25);
  const auto model = random_model(rng, 2);
  REQUIRE(model->supports_contributing());
  const Structure s = periodic_sic(rng, 9);
  EvalRequest request;
  request.atom_energies = true;
  const EvalResult full = evaluate(*model, s, request);
  std::vector<std::uint8_t> a(s.size()), b(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) a[i] = (i % 3 == 0), b[i] = !a[i];
  EvalRequest ra = request, rb = request;
  ra.contributing = &a;
  rb.contributing = &b;
  const EvalResult pa = evaluate(*model, s, ra), pb = evaluate(*model, s, rb);
  double ea = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (a[i]) ea += full.atom_energies[static_cast<Eigen::Index>(i)];
  CHECK(std::abs(pa.energy - ea) < 1e-12 * std::abs(full.energy));
  CHECK(std::abs(pa.energy + pb.energy - full.energy) < 1e-12 * std::abs(full.energy));
  CHECK(test::max_rel_diff(Matrix3N(pa.forces + pb.forces), full.forces) < 1e-12);
  CHECK(test::max_rel_diff(Mat3(pa.virial + pb.virial), full.virial) < 1e-12);
  CHECK(pa.forces.cwiseAbs().maxCoeff() > 1e-3);  // each part really has forces
  CHECK(pb.forces.cwiseAbs().maxCoeff() > 1e-3);
  // Per-atom energies of the flagged atoms are those of the whole structure; padding atoms are not evaluated.
  for (std::size_t i = 0; i < s.size(); ++i)
    CHECK(pa.atom_energies[static_cast<Eigen::Index>(i)] ==
          (a[i] ? full.atom_energies[static_cast<Eigen::Index>(i)] : 0.0));
}

TEST_CASE("BPNN model file round trip is bit-exact", "[model][bpnn]") {
  std::mt19937_64 rng(26);
  const auto model = random_model(rng, 2);
  const std::string bytes = saved(*model);
  const auto back = loaded(bytes);
  CHECK(back->spec() == "b.mlp");
  const auto* bp = dynamic_cast<const BpnnModel*>(back.get());
  REQUIRE(bp);
  CHECK(saved(*bp) == bytes);
  for (int z : {6, 14}) {
    const BpnnElement &x = model->elements().at(z), &y = bp->elements().at(z);
    CHECK(x.input_shift == y.input_shift);
    CHECK(x.input_scale == y.input_scale);
    CHECK(x.input_offset == y.input_offset);
    CHECK(x.energy_scale == y.energy_scale);
    CHECK(x.energy_shift == y.energy_shift);
    for (std::size_t m = 0; m < 2; ++m) {
      CHECK(x.committee[m].parameters() == y.committee[m].parameters());
      CHECK(x.committee[m].activations() == y.committee[m].activations());
    }
  }
  EvalRequest request;
  request.atom_energies = true;
  request.uncertainty = true;
  const Structure s = periodic_sic(rng, 8);
  const EvalResult a = evaluate(*model, s, request), b = evaluate(*back, s, request);
  CHECK(a.energy == b.energy);
  CHECK(a.forces == b.forces);
  CHECK(a.virial == b.virial);
  CHECK(a.atom_energies == b.atom_energies);
  CHECK(a.energy_variance == b.energy_variance);
  CHECK(a.forces_variance == b.forces_variance);

  // With a baseline: version 2, the header keeps it; load_bpnn_model returns the learned term alone.
  const auto zbl = default_zbl_baseline({6, 14});
  const std::string with = saved(*model, zbl.get());
  {
    std::istringstream in(with, std::ios::binary);
    ContainerReader reader(in, "b.mlp", "MODL", kBpnnModelFileVersion);
    CHECK(reader.header().version == kBaselineFileVersion);
    CHECK(reader.header().json.find("\"baseline\"") != std::string::npos);
  }
  CHECK(evaluate(*loaded(with), s).energy == a.energy);
}

TEST_CASE("BPNN model files: newer, damaged and inconsistent files are refused", "[model][bpnn]") {
  std::mt19937_64 rng(27);
  const auto model = random_model(rng, 2);
  const std::string bytes = saved(*model);
  SECTION("newer version") {
    const std::string newer = rewritten(bytes, [](NamedArray&) { return true; }, kBpnnModelFileVersion + 1);
    CHECK_THROWS_WITH(loaded(newer), Catch::Contains("newer"));
    CHECK_THROWS_WITH(loaded(newer, 99), Catch::Contains("newer"));
  }
  SECTION("a flipped bit") {
    std::string bad = bytes;
    bad[bad.size() - 200] ^= 0x10;
    CHECK_THROWS_AS(loaded(bad), InputError);
  }
  SECTION("truncated") { CHECK_THROWS_AS(loaded(bytes.substr(0, bytes.size() - 100)), InputError); }
  SECTION("wrong shape") {
    const std::string bad = rewritten(bytes, [](NamedArray& a) {
      if (a.name == "weights/Si/1") a.data.pop_back(), a.shape[0] -= 1;
      return true;
    });
    CHECK_THROWS_WITH(loaded(bad), Catch::Contains("weights/Si/1") && Catch::Contains("values"));
    const std::string bad2 = rewritten(bytes, [](NamedArray& a) {
      if (a.name == "input_scale/C") a.data.push_back(1.0), a.shape[0] += 1;
      return true;
    });
    CHECK_THROWS_WITH(loaded(bad2), Catch::Contains("input_scale/C"));
  }
  SECTION("missing member") {
    const std::string bad = rewritten(bytes, [](NamedArray& a) { return a.name != "weights/C/1"; });
    CHECK_THROWS_WITH(loaded(bad), Catch::Contains("member 1 of C"));
  }
  SECTION("member index out of range and unknown arrays") {
    const std::string bad = rewritten(bytes, [](NamedArray& a) {
      if (a.name == "weights/C/1") a.name = "weights/C/2";
      return true;
    });
    CHECK_THROWS_WITH(loaded(bad), Catch::Contains("member index"));
    const std::string bad2 = rewritten(bytes, [](NamedArray& a) {
      if (a.name == "input_shift/C") a.name = "bias/C";
      return true;
    });
    CHECK_THROWS_WITH(loaded(bad2), Catch::Contains("unknown"));
  }
  SECTION("non-finite weight") {
    const std::string bad = rewritten(bytes, [](NamedArray& a) {
      if (a.name == "weights/C/0") a.data[3] = std::numeric_limits<double>::quiet_NaN();
      return true;
    });
    CHECK_THROWS_WITH(loaded(bad), Catch::Contains("non-finite"));
  }
  SECTION("committee members of one element with different architectures cannot be saved") {
    std::map<int, BpnnElement> elements = model->elements();
    BpnnElement& c = elements.at(6);
    c.committee[1] = DenseNetwork({c.committee[0].inputs(), 3, 1}, {Activation::tanh, Activation::linear});
    const BpnnModel mixed(model->descriptor_ptr(), elements);
    std::ostringstream out(std::ios::binary);
    CHECK_THROWS_WITH(save_bpnn_model(out, mixed), Catch::Contains("different architectures"));
  }
  SECTION("another model type") {
    std::istringstream in(bytes, std::ios::binary);
    ContainerReader reader(in, "b.mlp", "MODL", kBpnnModelFileVersion);
    std::string header = reader.header().json;
    header.replace(header.find("\"bpnn\""), 6, "\"gap\"");
    std::ostringstream out(std::ios::binary);
    ContainerWriter writer(out, "MODL", 1, header);
    writer.finish();
    CHECK_THROWS_WITH(loaded(out.str()), Catch::Contains("not a bpnn model"));
  }
}
