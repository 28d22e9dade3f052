// LinearModel: forces and virial against central finite differences, per-atom energies and virials that add up,
// invariances at 1e-10; MODL model files: bit-exact round trip, make_model() loads them, damaged, newer and
// inconsistent files are refused with a message naming the problem.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "mlp/desc/descriptor.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/linear_model.hpp"
#include "mlp/model/model_file.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

// Si/C ACSF grid: radial and wide angular functions of both element pairs, cutoff 4 Å.
std::shared_ptr<const Descriptor> small_acsf() {
  return make_descriptor(R"({"type":"acsf","auto":{"rcut":4.0,"radial":4,"angular_eta":[0.01,0.05],)"
                         R"("angular_zeta":[1.0,4.0]}})",
                         {6, 14});
}

std::unique_ptr<LinearModel> random_model(std::mt19937_64& rng, std::shared_ptr<const Descriptor> d) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::map<int, Eigen::VectorXd> w;
  for (int z : d->elements()) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(d->size(z)));
    for (Eigen::Index k = 0; k < v.size(); ++k) v[k] = 0.1 * u(rng);
    w[z] = v;
  }
  return std::make_unique<LinearModel>(d, w, std::map<int, double>{{6, -1.25}, {14, -0.75}});
}

Structure periodic_sic(std::mt19937_64& rng, std::size_t n) {
  return test::random_structure(rng, n, {6, 14}, test::random_cell(rng, 5.5, 7.0), {true, true, true}, 1.5);
}

std::string saved(const LinearModel& m, const std::string& provenance = "{\"tool\":\"test\"}") {
  std::ostringstream out(std::ios::binary);
  save_model_file(out, m, provenance);
  return out.str();
}

std::unique_ptr<LinearModel> loaded(const std::string& bytes, const std::string& source = "m.mlp") {
  std::istringstream in(bytes, std::ios::binary);
  return load_model_file(in, source);
}

std::string load_error(const std::string& bytes) {
  try {
    loaded(bytes);
  } catch (const InputError& e) {
    return e.located();
  }
  return "";
}

}  // namespace

TEST_CASE("linear model: forces and virial are the derivatives of the energy", "[linear]") {
  std::mt19937_64 rng(11);
  const auto model = random_model(rng, small_acsf());
  for (int trial = 0; trial < 2; ++trial) {
    const Structure s = periodic_sic(rng, 10);
    EvalRequest request;
    request.atom_energies = true;
    request.atom_virials = true;
    const EvalResult r = evaluate(*model, s, request);
    const auto energy = [&](const Structure& x) { return evaluate(*model, x).energy; };
    CHECK(test::max_rel_diff(r.forces, test::fd_forces(energy, s, 1e-5), 1e-3) < 1e-6);
    CHECK(test::max_rel_diff(r.virial, test::fd_virial(energy, s, 1e-6), 1e-3) < 1e-6);
    CHECK(std::abs(r.atom_energies.sum() - r.energy) < 1e-10 * std::abs(r.energy));
    Mat3 sum = Mat3::Zero();
    for (const auto& w : r.atom_virials) sum += w;
    CHECK((sum - r.virial).cwiseAbs().maxCoeff() < 1e-10 * (1.0 + r.virial.cwiseAbs().maxCoeff()));
    // The energy is the weighted descriptor sum plus the isolated-atom energies.
    const DescriptorValues q = compute_descriptors(model->descriptor(), s);
    double expected = 0.0;
    for (std::size_t i = 0; i < s.size(); ++i)
      expected += Eigen::Map<const Eigen::VectorXd>(q.row(i), static_cast<Eigen::Index>(q.row_size(i)))
                      .dot(model->weights().at(s.numbers[i])) +
                  model->isolated_energies().at(s.numbers[i]);
    CHECK(std::abs(expected - r.energy) < 1e-12 * std::abs(r.energy));
  }
}

TEST_CASE("linear model: invariant under rotation, translation and permutation", "[linear]") {
  std::mt19937_64 rng(12);
  const auto model = random_model(rng, small_acsf());
  const Structure s = periodic_sic(rng, 12);
  const EvalResult r = evaluate(*model, s);
  const double scale = std::abs(r.energy);

  Structure t = s;
  const Mat3 rot = test::random_rotation(rng);
  t.positions = (s.positions * rot.transpose()).eval();
  t.cell = (s.cell * rot.transpose()).eval();
  t.positions.rowwise() += Eigen::RowVector3d(0.3, -1.7, 2.2);
  const EvalResult rt = evaluate(*model, t);
  CHECK(std::abs(rt.energy - r.energy) < 1e-10 * scale);
  CHECK((rt.forces - r.forces * rot.transpose()).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((rt.virial - rot * r.virial * rot.transpose()).cwiseAbs().maxCoeff() < 1e-10 * (1 + scale));

  Structure p = s;
  std::vector<std::size_t> order(s.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = order.size() - 1 - i;
  for (std::size_t i = 0; i < order.size(); ++i) {
    p.numbers[i] = s.numbers[order[i]];
    p.positions.row(static_cast<Eigen::Index>(i)) = s.positions.row(static_cast<Eigen::Index>(order[i]));
  }
  const EvalResult rp = evaluate(*model, p);
  CHECK(std::abs(rp.energy - r.energy) < 1e-10 * scale);
  for (std::size_t i = 0; i < order.size(); ++i)
    CHECK((rp.forces.row(static_cast<Eigen::Index>(i)) - r.forces.row(static_cast<Eigen::Index>(order[i])))
              .cwiseAbs()
              .maxCoeff() < 1e-10);
}

TEST_CASE("linear model: refuses elements it does not describe and inconsistent weights", "[linear]") {
  std::mt19937_64 rng(13);
  const auto d = small_acsf();
  const auto model = random_model(rng, d);
  Structure s = periodic_sic(rng, 6);
  s.numbers[2] = 8;
  CHECK_THROWS_AS(evaluate(*model, s), InputError);
  std::string why;
  CHECK_FALSE(model->supports({6, 8}, why));
  CHECK(why.find("O") != std::string::npos);
  std::map<int, Eigen::VectorXd> w = model->weights();
  w[14] = Eigen::VectorXd::Zero(3);
  CHECK_THROWS_AS(LinearModel(d, w, model->isolated_energies()), InputError);
  CHECK_THROWS_AS(LinearModel(d, model->weights(), {{6, 0.0}}), InputError);
}

TEST_CASE("model file: save/load round trip is bit-exact", "[linear][modl]") {
  std::mt19937_64 rng(14);
  const auto model = random_model(rng, small_acsf());
  const std::string bytes = saved(*model, R"({"tool":"test","metrics":{"x":0.1}})");
  std::string header;
  std::istringstream in(bytes, std::ios::binary);
  const auto back = load_model_file(in, "round.mlp", &header);
  CHECK(header.find("\"model_type\":\"linear\"") != std::string::npos);
  CHECK(header.find("\"metrics\":{\"x\":0.1}") != std::string::npos);
  CHECK(back->spec() == "round.mlp");
  CHECK(back->descriptor().to_json() == model->descriptor().to_json());
  for (const auto& kv : model->weights()) {
    const Eigen::VectorXd& w = back->weights().at(kv.first);
    REQUIRE(w.size() == kv.second.size());
    CHECK(std::memcmp(w.data(), kv.second.data(), sizeof(double) * static_cast<std::size_t>(w.size())) == 0);
    CHECK(back->isolated_energies().at(kv.first) == model->isolated_energies().at(kv.first));
  }
  const Structure s = periodic_sic(rng, 9);
  const EvalResult a = evaluate(*model, s), b = evaluate(*back, s);
  CHECK(a.energy == b.energy);
  CHECK(a.forces == b.forces);
  CHECK(a.virial == b.virial);
  // Saving what was loaded gives the same bytes.
  CHECK(saved(*back, R"({"tool":"test","metrics":{"x":0.1}})") == bytes);
}

TEST_CASE("model file: make_model() loads a MODL file", "[linear][modl]") {
  std::mt19937_64 rng(15);
  const auto model = random_model(rng, small_acsf());
  const std::string path = "test_linear_model_tmp.mlp";
  {
    std::ofstream out(path, std::ios::binary);
    save_model_file(out, *model);
  }
  const auto made = make_model(path);
  CHECK(made->name() == "linear");
  CHECK(made->cutoff() == model->cutoff());
  const Structure s = periodic_sic(rng, 7);
  CHECK(evaluate(*made, s).energy == evaluate(*model, s).energy);
  std::remove(path.c_str());
}

TEST_CASE("model file: damaged, newer and inconsistent files are refused", "[linear][modl]") {
  std::mt19937_64 rng(16);
  const auto model = random_model(rng, small_acsf());
  const std::string good = saved(*model);
  REQUIRE(load_error(good).empty());

  std::string newer = good;
  newer[12] = static_cast<char>(kModelFileVersion + 1);  // the version, u32 little-endian after signature and kind
  const std::string why_newer = load_error(newer);
  CHECK(why_newer.find("newer") != std::string::npos);
  CHECK(why_newer.find("m.mlp") != std::string::npos);

  std::string flipped = good;
  flipped[flipped.size() - 40] ^= 0x10;  // inside the last weights record
  CHECK_FALSE(load_error(flipped).empty());
  CHECK_FALSE(load_error(good.substr(0, good.size() - 7)).empty());

  // Another container kind is not a model.
  std::string kind = good;
  std::memcpy(&kind[8], "DESC", 4);
  CHECK_FALSE(load_error(kind).empty());
  CHECK_THROWS_AS(loaded("not a model file at all"), InputError);
}

TEST_CASE("model file: a consistent container with inconsistent content is refused", "[linear][modl]") {
  std::mt19937_64 rng(17);
  const auto model = random_model(rng, small_acsf());
  std::string header;
  {
    std::istringstream in(saved(*model), std::ios::binary);
    load_model_file(in, "x", &header);
  }
  const auto weights_record = [&](int z, Eigen::Index size) {
    const Eigen::VectorXd& w = model->weights().at(z);
    NamedArray a{z == 6 ? "weights/C" : "weights/Si", {static_cast<std::uint64_t>(size)},
                 std::vector<double>(w.data(), w.data() + std::min(size, w.size()))};
    a.data.resize(static_cast<std::size_t>(size), 0.0);
    return encode_array(a);
  };
  // Writes a container with a valid CRC around the given header and records.
  const auto container = [&](const std::string& head, const std::vector<std::pair<std::uint32_t, std::string>>& recs) {
    std::ostringstream out(std::ios::binary);
    ContainerWriter w(out, "MODL", kModelFileVersion, head);
    for (const auto& r : recs) w.write_record(r.first, r.second);
    w.finish();
    return out.str();
  };
  const Eigen::Index nc = model->weights().at(6).size(), nsi = model->weights().at(14).size();
  const std::vector<std::pair<std::uint32_t, std::string>> good = {{kModelArrayRecord, weights_record(6, nc)},
                                                                    {kModelArrayRecord, weights_record(14, nsi)}};
  CHECK(load_error(container(header, good)).empty());

  // An ancillary record is skipped; an unknown critical one is refused.
  auto with_extra = good;
  with_extra.push_back({0x80000001u, "note"});
  CHECK(load_error(container(header, with_extra)).empty());
  with_extra.back().first = 7;
  CHECK(load_error(container(header, with_extra)).find("unknown record type 7") != std::string::npos);

  // A descriptor that does not match its hash.
  const std::string hash = descriptor_hash(model->descriptor());
  std::string wrong_hash = header;
  wrong_hash.replace(wrong_hash.find(hash), hash.size(), "0123456789abcdef");
  CHECK(load_error(container(wrong_hash, good)).find("hash") != std::string::npos);

  // An unknown model type.
  std::string other = header;
  other.replace(other.find("\"linear\""), 8, "\"mace\"");
  CHECK(load_error(container(other, good)).find("unknown model type 'mace'") != std::string::npos);
  // load_model() dispatches on the type: a GAP header over linear weights is refused by the GAP reader.
  std::string gap = header;
  gap.replace(gap.find("\"linear\""), 8, "\"gap\"");
  std::istringstream gap_in(container(gap, good), std::ios::binary);
  CHECK_THROWS_AS(load_model(gap_in, "g.mlp"), InputError);
  std::istringstream linear_in(container(header, good), std::ios::binary);
  CHECK(load_model(linear_in, "l.mlp")->name() == "linear");

  // Missing, duplicate and misshapen weights.
  CHECK(load_error(container(header, {good[0]})).find("no weights for Si") != std::string::npos);
  CHECK(load_error(container(header, {good[0], good[0], good[1]})).find("twice") != std::string::npos);
  CHECK(load_error(container(header, {good[0], {kModelArrayRecord, weights_record(14, nsi - 1)}}))
            .find("weights for Si") != std::string::npos);
}
