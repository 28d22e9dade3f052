// n2p2 import: the n2p2 water potential (Bohr/Hartree, tests/fixtures/n2p2_h2o, GPL-3.0-or-later data from n2p2)
// evaluated through BpnnModel in Å/eV reproduces n2p2's own energies, forces and atomic energies
// (reference_predictions.extxyz, computed by nnp-predict), both in eV and in n2p2's native units; a hand-computed
// tiny potential checks normalize_nodes, n2p2's e^{−x} activation, ST_SCALE, the sorting of the symmetry functions
// and the unit conversion; malformed directories are refused naming file, line and keyword.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include <unistd.h>

#include "mlp/desc/acsf.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/bpnn_model_file.hpp"
#include "mlp/model/n2p2_import.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
namespace fs = std::filesystem;

namespace {

struct Agreement {
  double energy_ev_per_atom = 0.0;  // max over frames |ΔE|/N, eV/atom
  double force_ev = 0.0;            // max |ΔF| component, eV/Å
  double atom_energy_ev = 0.0;      // max |ΔE_i|, eV
  double energy_rel_native = 0.0;   // max |ΔE|/|E| in Ha
  double force_native = 0.0;        // max |ΔF| component, Ha/Bohr
  std::size_t frames = 0, atoms = 0;
};

// Our predictions for every frame of `path` against n2p2's columns.
Agreement compare(const Model& model, const std::string& path) {
  Agreement a;
  ExtxyzReader reader(path);
  Structure s;
  const double force_unit = kHartreeInEv / kBohrInAngstrom;  // eV/Å per Ha/Bohr
  EvalRequest request;
  request.atom_energies = true;
  while (reader.read(s)) {
    const EvalResult r = evaluate(model, s, request);
    const auto e = s.info.real("n2p2_energy"), e_native = s.info.real("n2p2_energy_native");
    const AtomArray* f = s.arrays.reals("n2p2_forces", 3);
    const AtomArray* f_native = s.arrays.reals("n2p2_forces_native", 3);
    const AtomArray* ea = s.arrays.reals("n2p2_atomic_energies", 1);
    REQUIRE(e);
    REQUIRE(e_native);
    REQUIRE(f);
    REQUIRE(f_native);
    REQUIRE(ea);
    const double n = static_cast<double>(s.size());
    a.energy_ev_per_atom = std::max(a.energy_ev_per_atom, std::abs(r.energy - *e) / n);
    a.energy_rel_native = std::max(a.energy_rel_native, std::abs(r.energy / kHartreeInEv - *e_native) / std::abs(*e_native));
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto I = static_cast<Eigen::Index>(i);
      a.atom_energy_ev = std::max(a.atom_energy_ev, std::abs(r.atom_energies[I] - ea->reals[i]));
      for (int c = 0; c < 3; ++c) {
        const std::size_t k = 3 * i + static_cast<std::size_t>(c);
        a.force_ev = std::max(a.force_ev, std::abs(r.forces(I, c) - f->reals[k]));
        a.force_native = std::max(a.force_native, std::abs(r.forces(I, c) / force_unit - f_native->reals[k]));
      }
    }
    ++a.frames;
    a.atoms += s.size();
  }
  return a;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A scratch copy of the fixture potential that a test may edit.
class ScratchPotential {
 public:
  explicit ScratchPotential(const std::string& name)
      : dir_(fs::temp_directory_path() / ("mlp_n2p2_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* f : {"input.nn", "scaling.data", "weights.001.data", "weights.008.data"})
      fs::copy_file(test::fixture(std::string("n2p2_h2o/") + f), dir_ / f);
    for (const auto& e : fs::directory_iterator(dir_))
      fs::permissions(e.path(), fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
  }
  ~ScratchPotential() { fs::remove_all(dir_); }
  std::string dir() const { return dir_.string(); }
  /// Edit the lines of a file; returns nothing, the file is rewritten.
  void edit(const std::string& file, const std::function<void(std::vector<std::string>&)>& change) const {
    std::istringstream in(slurp(dir_ / file));
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    change(lines);
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    spit(dir_ / file, text);
  }
  /// 1-based number of the first line of `file` that starts with `prefix`.
  std::size_t line_of(const std::string& file, const std::string& prefix) const {
    std::istringstream in(slurp(dir_ / file));
    std::size_t n = 0;
    for (std::string l; std::getline(in, l);) {
      ++n;
      if (l.rfind(prefix, 0) == 0) return n;
    }
    FAIL("no line starting with " << prefix);
    return 0;
  }

 private:
  fs::path dir_;
};

N2p2Units bohr_hartree() { return N2p2Units::named("bohr", "hartree"); }

// Expect an InputError whose source ends with `file`, at `line` (0: any), mentioning `text`.
void refused(const std::string& dir, const std::string& file, std::size_t line, const std::string& text) {
  try {
    import_n2p2(dir, bohr_hartree());
    FAIL("accepted; expected an error in " << file << ":" << line << " about " << text);
  } catch (const InputError& e) {
    INFO(e.located());
    CHECK(e.source().size() >= file.size());
    CHECK(e.source().compare(e.source().size() - file.size(), file.size(), file) == 0);
    if (line) CHECK(e.line() == line);
    CHECK_THAT(e.message(), Catch::Contains(text));
  }
}

}  // namespace

TEST_CASE("n2p2 import: the water potential reproduces n2p2 on the fixture frames", "[model][bpnn][n2p2]") {
  const auto model = import_n2p2(test::fixture("n2p2_h2o"), bohr_hartree());
  CHECK(model->descriptor().size(1) == 27);
  CHECK(model->descriptor().size(8) == 30);
  CHECK(model->cutoff() == Approx(12.0 * kBohrInAngstrom).epsilon(1e-15));
  CHECK(model->committee_size() == 1);
  CHECK(model->spec() == "n2p2:dir=" + test::fixture("n2p2_h2o") + ",length=bohr,energy=hartree");
  const BpnnElement& h = model->elements().at(1);
  CHECK(h.committee[0].parameter_count() == 1376);
  CHECK(model->elements().at(8).committee[0].parameter_count() == 1451);
  CHECK(h.energy_scale == kHartreeInEv / 2.4265748255366972E+02);
  CHECK(h.energy_shift == kHartreeInEv * -2.5521343547039809E+01);

  const Agreement a = compare(*model, test::fixture("n2p2_h2o/liquid_01_02.extxyz"));
  REQUIRE(a.frames == 2);
  INFO("worst: " << a.energy_ev_per_atom << " eV/atom, " << a.force_ev << " eV/Å, atomic " << a.atom_energy_ev
                 << " eV; native: " << a.energy_rel_native << " relative energy, " << a.force_native << " Ha/Bohr");
  // Measured: 1.5e-13 eV/atom, 8.8e-14 eV/Å, 1.1e-13 eV atomic; native 1.9e-16 relative, 1.7e-15 Ha/Bohr.
  CHECK(a.energy_ev_per_atom <= 1e-6);
  CHECK(a.force_ev <= 1e-6);
  CHECK(a.atom_energy_ev <= 1e-6);
  CHECK(a.energy_rel_native <= 1e-12);
  CHECK(a.force_native <= 1e-12);

  // The native check values of the data README (liquid_01, atom 1 = O).
  ExtxyzReader reader(test::fixture("n2p2_h2o/liquid_01_02.extxyz"));
  Structure s;
  REQUIRE(reader.read(s));
  EvalRequest request;
  request.atom_energies = true;
  const EvalResult r = evaluate(*model, s, request);
  CHECK(r.energy / kHartreeInEv == Approx(-1.2250701078052734E+03).epsilon(1e-13));
  const double fu = kHartreeInEv / kBohrInAngstrom;
  CHECK(std::abs(r.forces(0, 0) / fu - -1.1944752350810000E-02) < 1e-13);
  CHECK(std::abs(r.forces(1, 1) / fu - 2.6808619062065331E-02) < 1e-13);
  CHECK(std::abs(r.forces(2, 2) / fu - -1.1353080767022997E-02) < 1e-13);
  // Atomic NN energy without mean_energy, Ha.
  CHECK(std::abs(r.atom_energies[0] / kHartreeInEv + 2.5521343547039809E+01 - 1.2127001626327025E-02) < 1e-12);
}

TEST_CASE("n2p2 import: the imported potential converts to a bpnn model file that predicts the same bits",
          "[model][bpnn][n2p2]") {
  const auto model = import_n2p2(test::fixture("n2p2_h2o"), bohr_hartree());
  std::ostringstream out(std::ios::binary);
  save_bpnn_model(out, *model, R"({"source":"n2p2 H2O RPBE-D3"})");
  std::istringstream in(out.str(), std::ios::binary);
  ContainerReader reader(in, "water.mlp", "MODL", kBpnnModelFileVersion);
  const auto back = load_bpnn_model(reader, "water.mlp");
  const Agreement a = compare(*back, test::fixture("n2p2_h2o/liquid_01_02.extxyz"));
  CHECK(a.energy_ev_per_atom <= 1e-6);
  CHECK(a.force_native <= 1e-12);
  ExtxyzReader frames(test::fixture("n2p2_h2o/liquid_01_02.extxyz"));
  Structure s;
  REQUIRE(frames.read(s));
  const EvalResult x = evaluate(*model, s), y = evaluate(*back, s);
  CHECK(x.energy == y.energy);
  CHECK(x.forces == y.forces);
  CHECK(x.virial == y.virial);
}

TEST_CASE("n2p2 import: all 22 reference frames of the shared data (1080- and 1296-atom boxes included)",
          "[model][bpnn][n2p2]") {
  const std::string dir = test::shared_data("n2p2_h2o_rpbe_d3/potential");
  if (dir.empty()) MLP_SKIP("shared data absent");
  const auto model = import_n2p2(dir, bohr_hartree());
  const Agreement a = compare(*model, dir + "/reference_predictions.extxyz");
  CHECK(a.frames == 22);
  CHECK(a.atoms == 4440);  // 1080 + 2064 (20 liquid frames) + 1296
  INFO("worst: " << a.energy_ev_per_atom << " eV/atom, " << a.force_ev << " eV/Å, atomic " << a.atom_energy_ev
                 << " eV; native: " << a.energy_rel_native << " relative energy, " << a.force_native << " Ha/Bohr");
  // Measured: 1.7e-12 eV/atom, 3.9e-13 eV/Å, 1.1e-13 eV atomic; native
  // 2.4e-15 relative, 7.5e-15 Ha/Bohr.
  CHECK(a.energy_ev_per_atom <= 1e-6);
  CHECK(a.force_ev <= 1e-6);
  CHECK(a.atom_energy_ev <= 1e-6);
  CHECK(a.energy_rel_native <= 1e-12);
  CHECK(a.force_native <= 1e-12);
}

TEST_CASE("n2p2 import: spec factory and units", "[model][bpnn][n2p2]") {
  const std::string dir = test::fixture("n2p2_h2o");
  const auto named = n2p2_model_from_spec(ModelSpec::parse("n2p2:dir=" + dir + ",length=bohr,energy=hartree"));
  const auto numeric =
      n2p2_model_from_spec(ModelSpec::parse("n2p2:dir=" + dir + ",length=0.529177210903,energy=27.211386245988"));
  ExtxyzReader reader(dir + "/liquid_01_02.extxyz");
  Structure s;
  REQUIRE(reader.read(s));
  const EvalResult a = evaluate(*named, s), b = evaluate(*numeric, s);
  CHECK(a.energy == b.energy);
  CHECK(a.forces == b.forces);
  CHECK(N2p2Units::named("Angstrom", "eV").length == 1.0);
  CHECK(N2p2Units::named("BOHR", "Hartree").energy == 27.211386245988);
  // Wrong units give a different (wrong) answer: the units matter.
  const auto ev = import_n2p2(dir, N2p2Units::named("bohr", "ev"));
  CHECK(std::abs(evaluate(*ev, s).energy - a.energy / kHartreeInEv) < 1e-9 * std::abs(a.energy));
  CHECK_THROWS_WITH(n2p2_model_from_spec(ModelSpec::parse("n2p2:dir=" + dir)), Catch::Contains("length=bohr"));
  CHECK_THROWS_WITH(n2p2_model_from_spec(ModelSpec::parse("n2p2:dir=" + dir + ",length=furlong,energy=ev")),
                    Catch::Contains("length unit"));
  CHECK_THROWS_WITH(n2p2_model_from_spec(ModelSpec::parse("n2p2:dir=" + dir + ",length=-1,energy=ev")),
                    Catch::Contains("positive"));
  CHECK_THROWS_AS(n2p2_model_from_spec(ModelSpec::parse("n2p2:dir=" + dir + ",length=bohr,energy=ev,bogus=1")),
                  InputError);
  CHECK_THROWS_AS(n2p2_model_from_spec(ModelSpec::parse("n2p2:length=bohr,energy=ev")), InputError);
  CHECK_THROWS_AS(import_n2p2("/nonexistent/n2p2", bohr_hartree()), IoError);
}

TEST_CASE("n2p2 import: conv_length does not change the results", "[model][bpnn][n2p2]") {
  // n2p2 multiplies positions, r_s and r_c by conv_length and divides η by its square: the (dimensionless)
  // symmetry functions are unchanged, so the importer uses physical units and ignores the value.
  ScratchPotential p("convlength");
  const auto original = import_n2p2(p.dir(), bohr_hartree());
  const std::size_t line = p.line_of("input.nn", "conv_length");
  p.edit("input.nn", [&](auto& l) { l[line - 1] = "conv_length 1.0"; });
  const auto changed = import_n2p2(p.dir(), bohr_hartree());
  ExtxyzReader reader(test::fixture("n2p2_h2o/liquid_01_02.extxyz"));
  Structure s;
  REQUIRE(reader.read(s));
  const EvalResult a = evaluate(*original, s), b = evaluate(*changed, s);
  CHECK(a.energy == b.energy);
  CHECK(a.forces == b.forces);
  p.edit("input.nn", [&](auto& l) { l[line - 1] = "conv_length 0"; });
  refused(p.dir(), "input.nn", line, "must be positive");
}

TEST_CASE("n2p2 import: hand-computed tiny potential (ST_SCALE, normalize_nodes, e^-x, sorting, units)",
          "[model][bpnn][n2p2]") {
  const fs::path dir = fs::temp_directory_path() / ("mlp_n2p2_tiny_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Two radial functions listed in reverse of n2p2's order (η 0.5 before 0.1).
  const double smin = -1.0, smax = 1.0, atom_energy = -0.5;
  spit(dir / "input.nn",
       "number_of_elements 1\nelements H\natom_energy H -0.5\ncutoff_type 1 0.1\nscale_symmetry_functions\n"
       "scale_min_short -1\nscale_max_short 1\nglobal_hidden_layers_short 1\nglobal_nodes_short 2\n"
       "global_activation_short e l\nnormalize_nodes\nepochs 10   # a training keyword, ignored\n"
       "symfunction_short H 2 H 0.5 0.0 3.0\nsymfunction_short H 2 H 0.1 1.0 3.0\n");
  // Rows in n2p2 order: (η 0.1, r_s 1), then (η 0.5, r_s 0): min, max, mean, sigma.
  const double g[2][2] = {{0.1, 2.0}, {0.2, 3.0}};
  spit(dir / "scaling.data", "# comment\n1 1 0.1 2.0 0.7 0.3\n1 2 0.2 3.0 1.1 0.4\n");
  // Value-only weight rows: (0,1)->(1,1), (0,1)->(1,2), (0,2)->(1,1), (0,2)->(1,2), b(1,1), b(1,2),
  // (1,1)->(2,1), (1,2)->(2,1), b(2,1).
  const double w[9] = {0.3, -0.7, 1.1, 0.4, 0.2, -0.1, 0.9, -1.3, 0.25};
  std::string wt;
  for (double v : w) wt += std::to_string(v) + "\n";
  spit(dir / "weights.001.data", wt);

  Structure s;
  s.resize(3);
  s.numbers = {1, 1, 1};
  s.positions << 0.0, 0.0, 0.0, 0.9, 0.1, 0.0, -0.3, 1.2, 0.4;  // Å
  for (const char* length : {"angstrom", "bohr"}) {
    for (const char* energy : {"ev", "hartree"}) {
      const N2p2Units u = N2p2Units::named(length, energy);
      const auto model = import_n2p2(dir.string(), u);
      EvalRequest request;
      request.atom_energies = true;
      const EvalResult r = evaluate(*model, s, request);
      // By hand, in n2p2's units: positions / L, functions as written.
      SymmetryFunction a, b;
      a.center = b.center = a.neighbor1 = b.neighbor1 = 1;
      a.cutoff = b.cutoff = CutoffType::cos;
      a.cutoff_alpha = b.cutoff_alpha = 0.1;
      a.rcut = b.rcut = 3.0;
      a.eta = 0.1, a.rshift = 1.0;
      b.eta = 0.5, b.rshift = 0.0;
      const Acsf acsf({a, b});
      Structure native = s;
      native.positions /= u.length;
      NeighborListOptions opt;
      opt.cutoff = 3.0;
      const DescriptorValues q = acsf.compute(native, NeighborList(native, opt));
      double total = 0.0;
      for (std::size_t i = 0; i < 3; ++i) {
        double x[2];
        for (int k = 0; k < 2; ++k)
          x[k] = smin + (smax - smin) / (g[k][1] - g[k][0]) * (q.row(i)[k] - g[k][0]);  // ST_SCALE: around Gmin
        double hidden[2];
        for (int j = 0; j < 2; ++j)  // normalize_nodes: (W a + b) / 2 inputs; activation e^{−x}
          hidden[j] = std::exp(-(w[j] * x[0] + w[2 + j] * x[1] + w[4 + j]) / 2.0);
        const double y = (w[6] * hidden[0] + w[7] * hidden[1] + w[8]) / 2.0;  // linear output, / 2 hidden nodes
        const double e_i = u.energy * (y + atom_energy);
        CHECK(r.atom_energies[static_cast<Eigen::Index>(i)] == Approx(e_i).epsilon(1e-13));
        total += e_i;
      }
      INFO(length << " " << energy);
      CHECK(r.energy == Approx(total).epsilon(1e-13));
      CHECK(std::abs(r.energy - 3 * u.energy * atom_energy) > 1e-3 * u.energy);  // the network contributes
      const test::EnergyFunction e = [&](const Structure& x) { return evaluate(*model, x).energy; };
      CHECK(test::max_rel_diff(r.forces, test::fd_forces(e, s, 1e-5)) < 1e-6);
    }
  }
  // Every n2p2 activation letter is understood (and maps onto ours).
  const std::string base = slurp(dir / "input.nn");
  const std::map<char, Activation> letters{{'l', Activation::linear},   {'t', Activation::tanh},
                                           {'s', Activation::sigmoid},  {'p', Activation::softplus},
                                           {'r', Activation::relu},     {'g', Activation::gaussian},
                                           {'c', Activation::cos},      {'S', Activation::revsigmoid},
                                           {'e', Activation::exp},      {'h', Activation::harmonic}};
  for (const auto& [letter, activation] : letters) {
    std::string text = base;
    text.replace(text.find("global_activation_short e l"), 27, std::string("global_activation_short ") + letter + " l");
    spit(dir / "input.nn", text);
    const auto model = import_n2p2(dir.string(), N2p2Units{});
    CHECK(model->elements().at(1).committee[0].activations()[0] == activation);
    // 'e' (e^{−x}) is our exp with the layer negated; every other letter keeps the weights.
    CHECK(model->elements().at(1).committee[0].weight(0)(0, 0) == (letter == 'e' ? -0.3 : 0.3) / 2.0);
  }
  fs::remove_all(dir);
}

TEST_CASE("n2p2 import: bad potentials are refused naming file, line and keyword", "[model][bpnn][n2p2]") {
  SECTION("bad layer size") {
    ScratchPotential p("nodes");
    const std::size_t line = p.line_of("input.nn", "global_nodes_short");
    p.edit("input.nn", [&](auto& l) { l[line - 1] = "global_nodes_short 25 x"; });
    refused(p.dir(), "input.nn", line, "bad layer size 'x'");
    try {
      import_n2p2(p.dir(), bohr_hartree());
    } catch (const InputError& e) {
      CHECK(e.field() == "global_nodes_short");
    }
  }
  SECTION("layer count") {
    ScratchPotential p("count");
    const std::size_t line = p.line_of("input.nn", "global_nodes_short");
    p.edit("input.nn", [&](auto& l) { l[line - 1] = "global_nodes_short 25"; });
    refused(p.dir(), "input.nn", line, "1 layer sizes for 2 hidden layers");
  }
  SECTION("unknown activation") {
    ScratchPotential p("act");
    const std::size_t line = p.line_of("input.nn", "global_activation_short");
    p.edit("input.nn", [&](auto& l) { l[line - 1] = "global_activation_short t q l"; });
    refused(p.dir(), "input.nn", line, "unknown activation 'q'");
  }
  SECTION("missing keyword") {
    ScratchPotential p("missing");
    const std::size_t line = p.line_of("input.nn", "global_activation_short");
    p.edit("input.nn", [&](auto& l) { l.erase(l.begin() + static_cast<long>(line) - 1); });
    refused(p.dir(), "input.nn", 0, "missing keyword global_activation_short");
  }
  SECTION("duplicate keyword") {
    ScratchPotential p("dup");
    p.edit("input.nn", [&](auto& l) { l.push_back("global_hidden_layers_short 3"); });
    std::size_t last = 0;
    p.edit("input.nn", [&](auto& l) { last = l.size(); });
    refused(p.dir(), "input.nn", last, "given twice");
  }
  SECTION("4G potential") {
    ScratchPotential p("4g");
    std::size_t last = 0;
    p.edit("input.nn", [&](auto& l) {
      l.push_back("nnp_type 4G-HDNNP");
      last = l.size();
    });
    refused(p.dir(), "input.nn", last, "4G (electrostatics");
    p.edit("input.nn", [&](auto& l) { l.back() = "ewald_prec 1e-5"; });
    refused(p.dir(), "input.nn", last, "electrostatics (4G-HDNNP) are not supported");
  }
  SECTION("partial normalisation") {
    ScratchPotential p("norm");
    const std::size_t line = p.line_of("input.nn", "conv_energy");
    p.edit("input.nn", [&](auto& l) { l.erase(l.begin() + static_cast<long>(line) - 1); });
    refused(p.dir(), "input.nn", p.line_of("input.nn", "mean_energy"), "all or none");
  }
  SECTION("element count") {
    ScratchPotential p("elements");
    const std::size_t line = p.line_of("input.nn", "elements");
    p.edit("input.nn", [&](auto& l) { l[line - 1] = "elements H O C"; });
    refused(p.dir(), "input.nn", line, "3 elements listed but number_of_elements is 2");
  }
  SECTION("unsupported symmetry function type") {
    ScratchPotential p("sf");
    const std::size_t line = p.line_of("input.nn", "symfunction_short O 3");
    p.edit("input.nn", [&](auto& l) { l[line - 1] = "symfunction_short O 12 0.1 0.0 12.0"; });
    refused(p.dir(), "input.nn", line, "type 12 is not supported");
  }
  SECTION("symmetry function of an element that is not in 'elements'") {
    ScratchPotential p("sfel");
    const std::size_t line = p.line_of("input.nn", "symfunction_short O 3");
    p.edit("input.nn", [&](auto& l) { l[line - 1] = "symfunction_short O 3 H C 0.001 -1.0 4.0 12.00"; });
    refused(p.dir(), "input.nn", line, "element C is not in 'elements'");
  }
  SECTION("element without symmetry functions") {
    ScratchPotential p("nosf");
    const std::size_t line = p.line_of("input.nn", "elements");
    p.edit("input.nn", [&](auto& l) {
      l[line - 1] = "elements H O C";
      l[p.line_of("input.nn", "number_of_elements") - 1] = "number_of_elements 3";
    });
    refused(p.dir(), "input.nn", line, "no symfunction_short lines for element C");
  }
  SECTION("bad number in scaling.data") {
    ScratchPotential p("scaling");
    const std::size_t line = p.line_of("scaling.data", "         1          5");
    p.edit("scaling.data", [&](auto& l) { l[line - 1] = "         1          5   4.0E-01 abc 9.0E-01 2.9E-01"; });
    refused(p.dir(), "scaling.data", line, "bad sf_max 'abc'");
  }
  SECTION("missing scaling row") {
    ScratchPotential p("rows");
    p.edit("scaling.data", [&](auto& l) { l.pop_back(); });
    refused(p.dir(), "scaling.data", 0, "29 rows for O but input.nn defines 30");
  }
  SECTION("scaling rows out of order") {
    ScratchPotential p("order");
    const std::size_t line = p.line_of("scaling.data", "         1          5");
    p.edit("scaling.data", [&](auto& l) { std::swap(l[line - 1], l[line]); });
    refused(p.dir(), "scaling.data", line, "expected symmetry function index 5");
  }
  SECTION("truncated weights") {
    ScratchPotential p("weights");
    p.edit("weights.008.data", [&](auto& l) { l.pop_back(); });
    refused(p.dir(), "weights.008.data", 0, "1450 connections but the architecture in input.nn needs 1451");
  }
  SECTION("bad weight") {
    ScratchPotential p("weight");
    const std::size_t line = p.line_of("weights.001.data", "  1.2539155865352127E+00");
    p.edit("weights.001.data", [&](auto& l) { l[line - 1] = "  1.25x a 1 0 1 1 1"; });
    refused(p.dir(), "weights.001.data", line, "bad connection value '1.25x'");
  }
  SECTION("weights of another architecture") {
    ScratchPotential p("arch");
    const std::size_t line = p.line_of("input.nn", "global_nodes_short");
    p.edit("input.nn", [&](auto& l) { l[line - 1] = "global_nodes_short 25 24"; });
    // The file's index columns (start and end neurons) no longer match the expected connection order.
    refused(p.dir(), "weights.001.data", 0, "architecture in input.nn differs");
  }
  SECTION("missing weights file") {
    ScratchPotential p("nofile");
    fs::remove(fs::path(p.dir()) / "weights.008.data");
    CHECK_THROWS_AS(import_n2p2(p.dir(), bohr_hartree()), IoError);
  }
}
