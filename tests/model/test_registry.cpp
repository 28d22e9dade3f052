// Model specifications, parameters, the registry, model files and canonical specs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "mlp/model/registry.hpp"
#include "mlp/model/sum_model.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
using Catch::Matchers::Contains;

namespace {

// The InputError thrown by f, or fail the test.
template <typename F>
InputError input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError thrown");
  return InputError("");
}

std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("mlp_test_model_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << content;
  return path.string();
}

}  // namespace

TEST_CASE("ModelSpec::parse reads names and key=value lists, tolerating whitespace") {
  const ModelSpec a = ModelSpec::parse("lj");
  CHECK(a.name == "lj");
  CHECK(a.params.empty());
  CHECK(a.source == "--model");
  const ModelSpec b = ModelSpec::parse("  lj : epsilon = 0.01 ,\tsigma=3.4 ", "m.txt");
  CHECK(b.name == "lj");
  REQUIRE(b.params.size() == 2);
  CHECK(b.params[0] == std::make_pair(std::string("epsilon"), std::string("0.01")));
  CHECK(b.params[1] == std::make_pair(std::string("sigma"), std::string("3.4")));
  CHECK(b.source == "m.txt");
}

TEST_CASE("ModelSpec::parse rejects malformed text with an InputError from --model") {
  for (const char* bad : {"", "  ", ":epsilon=1", "lj:", "lj:epsilon", "lj:=1", "lj:epsilon=", "lj:a=1,,b=2",
                          "lj:a=1,", "lj:epsilon=1,epsilon=2", "1lj", "l j", "lj:ep silon=1"}) {
    INFO("spec '" << bad << "'");
    const InputError e = input_error([&] { ModelSpec::parse(bad); });
    CHECK(e.source() == "--model");
    CHECK_THAT(e.message(), Contains("malformed model specification"));
  }
  CHECK_THAT(input_error([] { ModelSpec::parse("lj:epsilon=1,epsilon=2"); }).message(), Contains("given twice"));
  CHECK_THAT(input_error([] { ModelSpec::parse("lj:sigma"); }).message(), Contains("'sigma' has no '=value'"));
}

TEST_CASE("SpecParams converts reals strictly and reports unknown keys") {
  const ModelSpec spec = ModelSpec::parse("lj:a=1.5e-3,b=abc,c=nan,d=1.5x,e=inf,f=-2,g=1e999");
  SpecParams p(spec);
  CHECK(p.real("a", 0) == 1.5e-3);
  CHECK(p.real("f", 0) == -2.0);
  CHECK(p.real("missing", 7.5) == 7.5);
  for (const char* key : {"b", "c", "d", "e", "g"}) {
    INFO("key " << key);
    const InputError e = input_error([&] { p.real(key, 0); });
    CHECK_THAT(e.message(), Contains(std::string("'") + key + "'"));
    CHECK_THAT(e.message(), Contains("must be a finite number"));
    CHECK(e.field() == key);
  }
  // Every key was asked for: nothing unknown.
  CHECK_NOTHROW(p.finish());

  const ModelSpec spec2 = ModelSpec::parse("lj:epsilon=1,epsilon_Ar=2,bogus=3");  // SpecParams keeps a reference
  SpecParams q(spec2);
  q.real("epsilon", 0);
  const auto prefixed = q.with_prefix("epsilon_");
  REQUIRE(prefixed.size() == 1);
  CHECK(prefixed[0].first == "epsilon_Ar");
  CHECK(q.has("bogus"));
  CHECK(q.text("nope", "x") == "x");
  CHECK_THAT(input_error([&] { q.finish(); }).message(), Contains("unknown parameter 'bogus'"));
}

TEST_CASE("registry lists every analytic model with its documented defaults") {
  std::vector<std::string> names;
  for (const auto& info : model_registry()) {
    names.push_back(info.name);
    CHECK(!info.summary.empty());
    CHECK(info.make);
  }
  CHECK(names == std::vector<std::string>{"lj", "morse", "zbl", "sw", "charges", "qeq", "n2p2"});
  const auto summary = [](const std::string& name) {
    for (const auto& info : model_registry())
      if (info.name == name) return info.summary;
    return std::string();
  };
  CHECK_THAT(summary("lj"), Contains("0.0104") && Contains("3.40") && Contains("2.5σ"));
  CHECK_THAT(summary("morse"), Contains("0.3429") && Contains("1.3588") && Contains("2.866"));
  CHECK_THAT(summary("zbl"), Contains("0.8854") && Contains("14.399645") && Contains("inner"));
  CHECK_THAT(summary("sw"), Contains("2.1683") && Contains("2.0951") && Contains("7.049556277"));
  CHECK_THAT(summary("charges"), Contains("Ewald"));
}

TEST_CASE("make_model errors name the problem") {
  auto e = input_error([] { make_model("nosuch"); });
  CHECK_THAT(e.message(), Contains("unknown model 'nosuch'") && Contains("lj") && Contains("sw"));
  e = input_error([] { make_model("lj:foo=1"); });
  CHECK_THAT(e.message(), Contains("unknown parameter 'foo'") && Contains("valid:") && Contains("epsilon"));
  CHECK(e.source() == "--model");
  e = input_error([] { make_model("sw:epsilon=two"); });
  CHECK_THAT(e.message(), Contains("'epsilon'") && Contains("'two'"));
  e = input_error([] { make_model("morse:D=NaN"); });
  CHECK_THAT(e.message(), Contains("'D'") && Contains("finite"));
  e = input_error([] { make_model("lj:sigma=-1"); });
  CHECK_THAT(e.message(), Contains("'sigma'") && Contains("positive"));
  e = input_error([] { make_model("lj:epsilon_Xx_Ar=1"); });
  CHECK_THAT(e.message(), Contains("'Xx' is not an element symbol"));
  e = input_error([] { make_model("lj:epsilon_Ar_Kr_Ne=1"); });
  CHECK_THAT(e.message(), Contains("two elements"));
  e = input_error([] { make_model("lj:epsilon_Ar_Kr=1,epsilon_Kr_Ar=2"); });
  CHECK_THAT(e.message(), Contains("given twice"));
  e = input_error([] { make_model("lj:shift=maybe"); });
  CHECK_THAT(e.message(), Contains("force, energy or none"));
  e = input_error([] { make_model("zbl:inner=2,outer=1"); });
  CHECK_THAT(e.message(), Contains("'outer'") && Contains("larger than inner"));
  e = input_error([] { make_model("sw:element=Ge"); });
  CHECK_THAT(e.message(), Contains("Ge") && Contains("epsilon and sigma"));
  e = input_error([] { make_model("sw:element=Qq"); });
  CHECK_THAT(e.message(), Contains("'Qq'"));
  e = input_error([] { make_model("charges:q_Na=one"); });
  CHECK_THAT(e.message(), Contains("'q_Na'"));
  e = input_error([] { make_model("zbl+nosuch"); });
  CHECK_THAT(e.message(), Contains("unknown model 'nosuch'"));
  e = input_error([] { make_model("/no/such/dir/si.model"); });
  CHECK_THAT(e.message(), Contains("no such model file"));
  CHECK(e.source() == "/no/such/dir/si.model");
  e = input_error([] { make_model(""); });
  CHECK_THAT(e.message(), Contains("empty"));
}

TEST_CASE("unsupported elements and slab-periodic charges are refused by evaluate with an InputError") {
  Structure s;
  s.resize(2);
  s.numbers = {6, 6};
  s.positions.setZero();
  s.positions(1, 0) = 2.0;
  auto e = input_error([&] { evaluate(*make_model("sw"), s); });
  CHECK_THAT(e.message(), Contains("Si only") && Contains("C"));
  e = input_error([&] { evaluate(*make_model("charges:q_Na=1"), s); });
  CHECK_THAT(e.message(), Contains("no charge for C") && Contains("q_C"));
  Structure odd = s;
  odd.numbers[1] = 0;
  e = input_error([&] { evaluate(*make_model("lj"), odd); });
  CHECK_THAT(e.message(), Contains("atom 1") && Contains("atomic number 0"));
  e = input_error([&] { evaluate(*make_model("charges"), s); });
  CHECK_THAT(e.message(), Contains("initial_charges"));
  Structure p = s;
  p.cell = Mat3::Identity() * 10.0;
  p.pbc = {true, true, false};
  e = input_error([&] { evaluate(*make_model("charges:q_C=1"), p); });
  CHECK_THAT(e.message(), Contains("2-D Ewald correction"));  // slabs: only 3-D Ewald exists
  CHECK(e.field() == "pbc");
}

TEST_CASE("spec() is canonical and recreates the model exactly") {
  CHECK(make_model("sw")->spec() ==
        "sw:element=Si,epsilon=2.1683,sigma=2.0951,a=1.8,lambda=21,gamma=1.2,costheta0=-0.333333333333,"
        "A=7.049556277,B=0.6022245584,p=4,q=0");
  CHECK(make_model("lj")->spec() == "lj:epsilon=0.0104,sigma=3.4,shift=force");
  CHECK(make_model("zbl")->spec() == "zbl:inner_factor=0.5,outer_factor=0.8");
  CHECK(make_model("zbl:inner=1,outer=2")->spec() == "zbl:inner=1,outer=2");
  CHECK(make_model("morse")->spec() == "morse:D=0.3429,a=1.3588,r0=2.866,cutoff=6,shift=force");
  CHECK(make_model("charges:q_Cl=-1,q_Na=1")->spec() == "charges:q_Na=1,q_Cl=-1");
  CHECK(make_model("charges")->spec() == "charges");

  std::mt19937_64 rng(42);
  const Structure s = test::random_structure(rng, 10, {14, 8}, test::random_cell(rng, 6, 8), {false, false, false}, 1.2);
  for (const char* spec :
       {"lj:epsilon=0.1,sigma=1.7,epsilon_O=0.3,sigma_Si_O=1.9,cutoff_O_Si=4.123456789012345", "morse:D_O_Si=0.7",
        "zbl:inner=0.123456789,outer=1.87654321", "zbl:outer_factor=0.7,inner_O_Si=0.3,elements=O_Si", "sw:sigma=0.73", "charges:q_Si=0.1,q_O=-0.05",
        "zbl + lj:sigma=1.1 + charges:q_Si=1e-1,q_O=-2e+0"}) {
    INFO("spec " << spec);
    const auto m = make_model(spec);
    const std::string canonical = m->spec();
    const auto again = make_model(canonical);
    CHECK(again->spec() == canonical);
    CHECK(again->name() == m->name());
    CHECK(again->cutoff() == m->cutoff());
    if (m->name() != "sw") {
      const EvalResult a = evaluate(*m, s), b = evaluate(*again, s);
      CHECK(a.energy == b.energy);
      CHECK(a.forces == b.forces);
    }
  }
  // '+' inside a number is not a term separator.
  const auto sum = make_model("lj:epsilon=1e+0,sigma=3.4e+0+zbl");
  CHECK(sum->name() == "lj+zbl");
  CHECK(sum->spec() == "lj:epsilon=1,sigma=3.4,shift=force+zbl:inner_factor=0.5,outer_factor=0.8");
}

TEST_CASE("a model file sums its lines and errors name file and line") {
  const std::string good = temp_file("good.txt",
                                     "# Si–O baseline\n"
                                     "zbl:inner=0.8,outer=1.6   # short range\n"
                                     "\n"
                                     "   lj : epsilon=0.01, sigma=2.5\n"
                                     "charges:q_Si=1,q_O=-0.5+morse:D=0.1\n");
  const auto m = make_model(good);
  const auto* sum = dynamic_cast<const SumModel*>(m.get());
  REQUIRE(sum);
  CHECK(sum->terms().size() == 4);
  CHECK(m->name() == "zbl+lj+charges+morse");
  CHECK(make_model(m->spec())->spec() == m->spec());

  const std::string one = temp_file("one.txt", "# just SW\nsw\n");
  CHECK(make_model(one)->name() == "sw");

  const std::string bad = temp_file("bad.txt", "zbl\n# comment\nlj:foo=1\n");
  auto e = input_error([&] { make_model(bad); });
  CHECK(e.source() == bad);
  CHECK(e.line() == 3);
  CHECK_THAT(e.message(), Contains("unknown parameter 'foo'"));
  CHECK_THAT(std::string(e.what()), Contains(bad + ":3:"));

  const std::string unknown = temp_file("unknown.txt", "\n\nzbl+gap\n");
  e = input_error([&] { make_model(unknown); });
  CHECK(e.line() == 3);
  CHECK_THAT(e.message(), Contains("unknown model 'gap'"));

  const std::string empty = temp_file("empty.txt", "# nothing\n\n");
  e = input_error([&] { make_model(empty); });
  CHECK(e.source() == empty);
  CHECK_THAT(e.message(), Contains("no model"));

  const std::string binary = temp_file("binary.mlp", std::string("MODL\0\x01\x02", 7));
  e = input_error([&] { make_model(binary); });
  CHECK_THAT(e.message(), Contains("binary"));

  for (const auto& f : {good, one, bad, unknown, empty, binary}) std::filesystem::remove(f);
}

TEST_CASE("model files compose: a term may be another model file, relative to the including file") {
  // A text model file as a term of a spec, and a text file that includes another by a relative path.
  const std::string inner = temp_file("inner.txt", "lj:epsilon=0.01,sigma=2.5\n");
  const std::string name = std::filesystem::path(inner).filename().string();
  const std::string outer = temp_file("outer.txt", "zbl\n" + name + "\n");
  const auto m = make_model(outer);
  CHECK(m->name() == "zbl+lj");
  CHECK(make_model("zbl+" + inner)->name() == "zbl+lj");
  CHECK(make_model(inner + "+zbl")->name() == "lj+zbl");
  const std::string loop = temp_file("loop.txt", "");
  std::ofstream(loop) << std::filesystem::path(loop).filename().string() << "\n";
  CHECK_THROWS_AS(make_model(loop), InputError);  // includes itself: refused, no endless recursion
  CHECK_THROWS_AS(make_model("zbl+no_such_file.mlp"), InputError);
  // A path holding '+' that names an existing file is that file, not a sum ("runs/rc5.5+esig/m.mlp").
  const std::string plus = temp_file("rc5.5+lj.txt", "morse:D=0.1\n");
  CHECK(make_model(plus)->name() == "morse");
  CHECK(make_model("zbl+" + inner)->name() == "zbl+lj");  // a sum still, when no file has the whole name
  for (const auto& f : {inner, outer, loop, plus}) std::filesystem::remove(f);
}
