// ZBL switching radii per element pair (covalent-radius defaults, global and per-pair overrides, restriction to
// elements) and baselines stored in model files: header JSON round trip, load_model() returning
// learned + baseline with the baseline as its own term, bit-exact save → load, old files unchanged.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/io/container.hpp"
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
using Catch::Matchers::Contains;

namespace {

const Zbl& as_zbl(const Model& m) {
  const auto* z = dynamic_cast<const Zbl*>(&m);
  REQUIRE(z != nullptr);
  return *z;
}

Structure dimer(int z1, int z2, double r) {
  Structure s;
  s.resize(2);
  s.numbers = {z1, z2};
  s.positions.setZero();
  s.positions(1, 0) = r;
  return s;
}

std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::shared_ptr<const Descriptor> small_acsf() {
  return make_descriptor(R"({"type":"acsf","auto":{"rcut":4.0,"radial":4,"angular_eta":[0.01],)"
                         R"("angular_zeta":[1.0,4.0]}})",
                         {1, 6, 8});
}

std::unique_ptr<LinearModel> random_linear(std::mt19937_64& rng) {
  auto d = small_acsf();
  std::uniform_real_distribution<double> u(-0.2, 0.2);
  std::map<int, Eigen::VectorXd> w;
  for (int z : d->elements()) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(d->size(z)));
    for (Eigen::Index k = 0; k < v.size(); ++k) v[k] = u(rng);
    w[z] = v;
  }
  return std::make_unique<LinearModel>(d, w, std::map<int, double>{{1, -13.1}, {6, -48.7}, {8, -101.9}});
}

Structure molecule(std::mt19937_64& rng) {
  // 9 atoms of C, H, O in a box, some pairs inside the ZBL switching range (min distance 0.6 Å).
  Structure s = test::random_structure(rng, 9, {1, 6, 8}, Mat3::Identity() * 4.0, {false, false, false}, 0.6);
  return s;
}

}  // namespace

TEST_CASE("zbl: switching radii default to 0.5 and 0.8 times the sum of covalent radii", "[zbl]") {
  const Zbl zbl(Zbl::Parameters{});
  for (auto [a, b] : {std::pair{1, 1}, {1, 6}, {6, 8}, {8, 1}, {14, 14}, {6, 74}}) {
    const double sum = Zbl::covalent_radius_of(a) + Zbl::covalent_radius_of(b);
    CHECK(zbl.radii(a, b).inner == 0.5 * sum);
    CHECK(zbl.radii(a, b).outer == 0.8 * sum);
    CHECK(zbl.radii(b, a).outer == zbl.radii(a, b).outer);
  }
  // Cordero radii: C–H 0.73 + 0.31 Å, so outer = 0.832 Å, well inside the C–H bond (1.09 Å).
  CHECK(Zbl::covalent_radius_of(6) == 0.73);
  CHECK(zbl.radii(6, 1).outer == Approx(0.832).epsilon(1e-15));
  CHECK(zbl.radii(1, 1).inner == Approx(0.31).epsilon(1e-15));
  CHECK(zbl.radii(14, 14).outer == Approx(1.776).epsilon(1e-15));
  // The cutoff is the largest outer radius over all element pairs (Fr–Fr, 0.8·5.2 Å).
  CHECK(zbl.cutoff() == Approx(0.8 * 2 * Zbl::covalent_radius_of(87)).epsilon(1e-15));
  // Energies follow the pair's radii: C–H at 0.6 Å is inside the switch, at 0.84 Å beyond it; H–H at 0.3 Å pure.
  const auto m = make_model("zbl");
  const auto pure = make_model("zbl:inner=5,outer=6");
  CHECK(evaluate(*m, dimer(6, 1, 0.84)).energy == 0.0);
  const double e06 = evaluate(*m, dimer(6, 1, 0.6)).energy, p06 = evaluate(*pure, dimer(6, 1, 0.6)).energy;
  CHECK(e06 > 0.0);
  CHECK(e06 < p06);
  CHECK(evaluate(*m, dimer(1, 1, 0.3)).energy == evaluate(*pure, dimer(1, 1, 0.3)).energy);
}

TEST_CASE("zbl: global and per-pair radii override the covalent defaults", "[zbl]") {
  // Both global radii: the old meaning, every pair the same.
  const auto g = make_model("zbl:inner=1,outer=2");
  CHECK(as_zbl(*g).radii(1, 1).inner == 1.0);
  CHECK(as_zbl(*g).radii(74, 6).outer == 2.0);
  CHECK(g->cutoff() == 2.0);
  // One global radius alone keeps the factor ratio for the other.
  const auto o = make_model("zbl:outer=2.5");
  CHECK(as_zbl(*o).radii(14, 14).outer == 2.5);
  CHECK(as_zbl(*o).radii(14, 14).inner == 2.5 * (0.5 / 0.8));
  const auto i = make_model("zbl:inner=0.5,inner_factor=0.25,outer_factor=0.75");
  CHECK(as_zbl(*i).radii(6, 6).outer == 0.5 * 3.0);
  // Factors.
  const auto f = make_model("zbl:inner_factor=0.4,outer_factor=0.6");
  CHECK(as_zbl(*f).radii(6, 8).outer == 0.6 * (Zbl::covalent_radius_of(6) + Zbl::covalent_radius_of(8)));
  // Per pair beats global, in either order of the symbols; other pairs keep theirs.
  const auto p = make_model("zbl:inner=0.5,outer=1.5,outer_H_C=0.9,inner_O_O=0.2");
  CHECK(as_zbl(*p).radii(6, 1).outer == 0.9);
  CHECK(as_zbl(*p).radii(6, 1).inner == 0.5);
  CHECK(as_zbl(*p).radii(8, 8).inner == 0.2);
  CHECK(as_zbl(*p).radii(8, 8).outer == 1.5);
  CHECK(as_zbl(*p).radii(6, 6).outer == 1.5);
  // A per-pair value alone (no globals): the other radius of that pair keeps the factor ratio.
  const auto q = make_model("zbl:outer_Si_Si=2");
  CHECK(as_zbl(*q).radii(14, 14).inner == 2.0 * (0.5 / 0.8));
  CHECK(as_zbl(*q).radii(14, 6).outer == 0.8 * (Zbl::covalent_radius_of(14) + Zbl::covalent_radius_of(6)));
  // Errors name the key.
  CHECK_THAT(input_error([] { make_model("zbl:inner=2,outer=1"); }), Contains("outer"));
  CHECK_THAT(input_error([] { make_model("zbl:inner_factor=0.9,outer_factor=0.8"); }), Contains("outer_factor"));
  CHECK_THAT(input_error([] { make_model("zbl:inner=1,outer_H_H=0.5"); }), Contains("outer_H_H"));
  CHECK_THAT(input_error([] { make_model("zbl:inner_Si_Xx=1"); }), Contains("Xx"));
  CHECK_THAT(input_error([] { make_model("zbl:outer_C_O=1,outer_O_C=1.2"); }), Contains("twice"));
  CHECK_THAT(input_error([] { make_model("zbl:inner_C_C=1.5,outer_C_C=1.2"); }), Contains("C_C"));
  CHECK_NOTHROW(make_model("zbl:inner_C_C=1.5"));  // outer 1.5·0.8/0.5 = 2.4
  CHECK_THAT(input_error([] { make_model("zbl:outer_C=1"); }), Contains("two elements"));
  CHECK_THAT(input_error([] { make_model("zbl:elements=C_Qq"); }), Contains("Qq"));
  CHECK_THAT(input_error([] { make_model("zbl:cutoff=3"); }), Contains("inner_X_Y"));
}

TEST_CASE("zbl: elements restricts the model and its cutoff, resolved() writes every pair out", "[zbl]") {
  const auto m = make_model("zbl:elements=O_C_H");
  CHECK(m->spec() == "zbl:inner_factor=0.5,outer_factor=0.8,elements=H_C_O");
  CHECK(m->cutoff() == 0.8 * (Zbl::covalent_radius_of(6) + Zbl::covalent_radius_of(6)));
  std::string why;
  CHECK(m->supports({1, 6, 8}, why));
  CHECK_FALSE(m->supports({1, 14}, why));
  CHECK_THAT(why, Contains("Si"));
  CHECK_THROWS_AS(evaluate(*m, dimer(14, 1, 1.0)), InputError);

  const Zbl general(Zbl::Parameters{});
  const Zbl r = general.resolved({1, 6, 8});
  CHECK(r.parameters().pairs.size() == 6);
  CHECK(r.cutoff() == m->cutoff());
  for (int a : {1, 6, 8})
    for (int b : {1, 6, 8}) {
      CHECK(r.radii(a, b).inner == general.radii(a, b).inner);
      CHECK(r.radii(a, b).outer == general.radii(a, b).outer);
    }
  // Its spec recreates it exactly (shortest round-trip decimals), and predictions are bit-identical.
  const auto again = make_model(r.spec());
  CHECK(again->spec() == r.spec());
  std::mt19937_64 rng(3);
  for (int k = 0; k < 3; ++k) {
    const Structure s = molecule(rng);
    const EvalResult a = evaluate(general, s), b = evaluate(*again, s);
    CHECK(a.energy == b.energy);
    CHECK(a.forces == b.forces);
    CHECK(a.virial == b.virial);
  }
}

TEST_CASE("baseline header JSON: round trip, and only registered analytic models", "[zbl][baseline]") {
  const auto zbl = default_zbl_baseline({1, 6, 8});
  const std::string text = baseline_header_json(*zbl);
  CHECK_THAT(text, Contains("\"zbl\"") && Contains("\"outer_H_C\":0.83") && Contains("\"elements\":\"H_C_O\""));
  const auto back = baseline_from_header_json(text, "m.mlp");
  CHECK(back->spec() == zbl->spec());
  // A sum of analytic terms is stored term by term.
  const auto sum = make_model("zbl:inner=0.5,outer=1+lj:epsilon=0.01,sigma=2");
  const auto sum_back = baseline_from_header_json(baseline_header_json(*sum), "m.mlp");
  CHECK(sum_back->name() == "lj+zbl");
  const Structure s = dimer(6, 8, 1.3);
  CHECK(evaluate(*sum_back, s).energy == Approx(evaluate(*sum, s).energy).epsilon(1e-15));
  // Refused: learned models, unknown names, malformed values; errors name the file and the field.
  std::mt19937_64 rng(5);
  const auto linear = random_linear(rng);
  CHECK_THROWS_AS(baseline_header_json(*linear), InputError);
  CHECK_THROWS_AS(baseline_header_json(*make_model("zbl+zbl")), InputError);
  CHECK_THAT(input_error([] { baseline_from_header_json(R"({"nosuch":{}})", "m.mlp"); }),
             Contains("m.mlp") && Contains("nosuch"));
  CHECK_THAT(input_error([] { baseline_from_header_json(R"({"zbl":{"inner":[1]}})", "m.mlp"); }),
             Contains("inner"));
  CHECK_THAT(input_error([] { baseline_from_header_json(R"({"zbl":{"inner":2,"outer":1}})", "m.mlp"); }),
             Contains("outer"));
  CHECK_THROWS_AS(baseline_from_header_json("[]", "m.mlp"), InputError);
  CHECK_THROWS_AS(baseline_from_header_json("{}", "m.mlp"), InputError);
}

TEST_CASE("model file with a baseline: load_model gives learned + ZBL, bit-exact, ZBL as its own term",
          "[zbl][baseline][modl]") {
  std::mt19937_64 rng(8);
  const auto learned = random_linear(rng);
  const auto zbl = default_zbl_baseline({1, 6, 8});
  std::ostringstream with(std::ios::binary), without(std::ios::binary);
  save_model_file(with, *learned, "{}", zbl.get());
  save_model_file(without, *learned, "{}");
  const std::string a = with.str(), b = without.str();
  // Version 2 only with a baseline (little-endian u32 after the 8-byte signature and 4-byte kind).
  CHECK(static_cast<int>(a[12]) == 2);
  CHECK(static_cast<int>(b[12]) == 1);
  CHECK(a.find("\"baseline\"") != std::string::npos);
  CHECK(b.find("\"baseline\"") == std::string::npos);

  std::istringstream in_a(a, std::ios::binary), in_b(b, std::ios::binary);
  const auto sum = load_model(in_a, "with.mlp");
  const auto plain = load_model(in_b, "without.mlp");
  REQUIRE(dynamic_cast<const SumModel*>(sum.get()) != nullptr);
  CHECK(dynamic_cast<const LinearModel*>(plain.get()) != nullptr);
  CHECK(sum->spec() == "with.mlp");
  CHECK(sum->name() == "linear+zbl");
  CHECK(sum->cutoff() == std::max(learned->cutoff(), zbl->cutoff()));
  const auto& terms = dynamic_cast<const SumModel&>(*sum).terms();
  REQUIRE(terms.size() == 2);
  CHECK(terms[1]->spec() == zbl->spec());

  EvalRequest all;
  all.atom_energies = true;
  for (int k = 0; k < 4; ++k) {
    const Structure s = molecule(rng);
    const EvalResult r = evaluate(*sum, s, all), l = evaluate(*learned, s, all), z = evaluate(*zbl, s, all),
                     p = evaluate(*plain, s, all);
    // The learned term is bit-identical to the saved one; the sum adds exactly the ZBL term.
    CHECK(p.energy == l.energy);
    CHECK(p.forces == l.forces);
    REQUIRE(r.term_energies.size() == 2);
    CHECK(r.term_energies[0].first == "linear");
    CHECK(r.term_energies[1].first == "zbl");
    CHECK(r.term_energies[0].second == l.energy);
    CHECK(r.term_energies[1].second == z.energy);
    CHECK(r.energy == l.energy + z.energy);
    CHECK(r.forces == l.forces + z.forces);
    CHECK(r.virial == l.virial + z.virial);
    if (k == 0) CHECK(z.energy > 0.0);  // min distance 0.6 Å: ZBL acts somewhere
  }
  // A free atom gets the stored isolated-atom energy: ZBL adds nothing.
  Structure atom;
  atom.resize(1);
  atom.numbers = {8};
  atom.positions.setZero();
  CHECK(evaluate(*sum, atom).energy == -101.9);

  // make_model() on a file takes the same route, and the path recreates the whole model (not file+zbl).
  const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/mlp_zbl_" +
                           std::to_string(::getpid()) + ".mlp";
  {
    std::ofstream f(path, std::ios::binary);
    f << a;
  }
  const auto from_file = make_model(path);
  CHECK(from_file->name() == "linear+zbl");
  CHECK(make_model(from_file->spec())->name() == "linear+zbl");
  std::remove(path.c_str());

  // An unknown baseline model (a newer writer) is refused with the file's name: the same container with only
  // the header's baseline changed.
  std::istringstream in_copy(a, std::ios::binary);
  ContainerReader reader(in_copy, "with.mlp", "MODL", kModelFileVersion);
  nlohmann::json header = nlohmann::json::parse(reader.header().json);
  header["baseline"] = {{"zbk", nlohmann::json::object()}};
  std::ostringstream edited(std::ios::binary);
  {
    ContainerWriter writer(edited, "MODL", 2, header.dump());
    std::uint32_t type = 0;
    std::string payload;
    while (reader.next(type, payload)) writer.write_record(type, payload);
    writer.finish();
  }
  std::istringstream in_bad(edited.str(), std::ios::binary);
  CHECK_THAT(input_error([&] { load_model(in_bad, "bad.mlp"); }), Contains("bad.mlp") && Contains("zbk"));
}

TEST_CASE("GAP model file with a baseline round-trips bit-exactly", "[zbl][baseline][gap][modl]") {
  std::mt19937_64 rng(9);
  std::shared_ptr<const Descriptor> d = make_descriptor(
      R"({"type":"soap","species":["H","C"],"n_max":3,"l_max":2,"r_cut":3.5,"sigma":0.5,)"
                           R"("cutoff_width":1.0})");
  const Structure env = test::random_structure(rng, 10, {1, 6}, Mat3::Identity() * 3.5, {true, true, true}, 0.9);
  const DescriptorValues q = compute_descriptors(*d, env);
  std::map<int, GapSparseSet> sparse;
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int z : {1, 6}) {
    std::vector<std::size_t> atoms;
    for (std::size_t i = 0; i < env.size(); ++i)
      if (env.numbers[i] == z) atoms.push_back(i);
    REQUIRE(!atoms.empty());
    const auto dim = static_cast<Eigen::Index>(d->size(z));
    GapSparseSet set;
    set.points.resize(static_cast<Eigen::Index>(atoms.size()), dim);
    set.alpha.resize(static_cast<Eigen::Index>(atoms.size()));
    for (std::size_t r = 0; r < atoms.size(); ++r) {
      set.points.row(static_cast<Eigen::Index>(r)) = Eigen::Map<const Eigen::RowVectorXd>(q.row(atoms[r]), dim);
      set.alpha[static_cast<Eigen::Index>(r)] = u(rng);
    }
    sparse[z] = set;
  }
  GapKernel k;
  k.delta = 0.5;
  const GapModel gap(d, k, sparse, {{1, -13.0}, {6, -48.0}}, Eigen::MatrixXd(), 1e-8);
  const auto zbl = default_zbl_baseline({1, 6});
  std::ostringstream out(std::ios::binary);
  save_gap_model(out, gap, "{}", zbl.get());
  std::istringstream in(out.str(), std::ios::binary);
  const auto sum = load_model(in, "g.mlp");
  CHECK(sum->name() == "gap+zbl");
  Structure s = test::random_structure(rng, 8, {1, 6}, Mat3::Identity() * 3.0, {false, false, false}, 0.5);
  s.numbers[0] = 6;
  s.numbers[1] = 1;
  s.positions.row(1) = s.positions.row(0) + Eigen::RowVector3d(0.6, 0.0, 0.0);  // inside C–H's switch
  const EvalResult r = evaluate(*sum, s), g = evaluate(gap, s), z = evaluate(*zbl, s);
  CHECK(r.energy == g.energy + z.energy);
  CHECK(r.forces == g.forces + z.forces);
  CHECK(z.energy > 0.0);
}
