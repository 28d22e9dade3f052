// n2p2 potential import (conventions and mapping in mlp/model/n2p2_import.hpp). The conventions were taken
// from n2p2's documentation and behaviour (github.com/CompPhysVienna/n2p2): keyword meanings, the scaling
// formulas of its SymFnc::scale, the weight order of NeuralNetwork::setConnections and the activation
// definitions; no n2p2 code is used.
#include "mlp/model/n2p2_import.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/desc/acsf.hpp"
#include "mlp/util/error.hpp"
#include "spec_support.hpp"

namespace mlp {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open n2p2 file", path);
  std::stringstream b;
  b << in.rdbuf();
  if (in.bad()) throw IoError("cannot read n2p2 file", path);
  return b.str();
}

std::vector<std::string> words_of(std::string line) {
  const auto hash = line.find('#');
  if (hash != std::string::npos) line.erase(hash);
  std::istringstream ls(line);
  std::vector<std::string> w;
  for (std::string t; ls >> t;) w.push_back(t);
  return w;
}

// A full-text decimal number (what n2p2's atof would read, but refusing trailing garbage, NaN and Inf).
bool parse_real(const std::string& s, double& value) {
  try {
    std::size_t used = 0;
    value = std::stod(s, &used);
    return used == s.size() && std::isfinite(value);
  } catch (const std::exception&) {
    return false;
  }
}

bool parse_count(const std::string& s, long& value) {
  double v = 0.0;
  if (!parse_real(s, v) || v != std::floor(v) || std::abs(v) > 1e9) return false;
  value = static_cast<long>(v);
  return true;
}

struct Line {
  std::size_t number = 0;
  std::vector<std::string> words;  // words[0] is the keyword
};

// The keywords of input.nn with their line numbers.
class InputNn {
 public:
  InputNn(std::string path, const std::string& text) : path_(std::move(path)) {
    std::istringstream in(text);
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      std::vector<std::string> w = words_of(line);
      if (!w.empty()) lines_[w[0]].push_back(Line{number, std::move(w)});
    }
  }
  const std::string& path() const { return path_; }
  const std::map<std::string, std::vector<Line>>& all() const { return lines_; }
  bool has(const std::string& key) const { return lines_.count(key) > 0; }
  const std::vector<Line>& every(const std::string& key) const {
    static const std::vector<Line> none;
    const auto it = lines_.find(key);
    return it == lines_.end() ? none : it->second;
  }
  /// The one line of a keyword that may appear once (null if absent); a second occurrence is an error.
  const Line* single(const std::string& key) const {
    const std::vector<Line>& l = every(key);
    if (l.size() > 1) throw error(l[1], "keyword given twice (first on line " + std::to_string(l[0].number) + ")");
    return l.empty() ? nullptr : &l[0];
  }
  const Line& required(const std::string& key) const {
    const Line* l = single(key);
    if (!l) throw InputError("missing keyword " + key, path_, 0, key);
    return *l;
  }
  InputError error(const Line& l, const std::string& message) const {
    return InputError(l.words[0] + ": " + message, path_, l.number, l.words[0]);
  }
  /// Argument k (1-based after the keyword) of a line.
  const std::string& arg(const Line& l, std::size_t k, const char* what) const {
    if (l.words.size() <= k) throw error(l, std::string("missing ") + what);
    return l.words[k];
  }
  double real(const Line& l, std::size_t k, const char* what) const {
    double v = 0.0;
    if (!parse_real(arg(l, k, what), v)) throw error(l, std::string("bad ") + what + " '" + l.words[k] + "'");
    return v;
  }
  long count(const Line& l, std::size_t k, const char* what) const {
    long v = 0;
    if (!parse_count(arg(l, k, what), v)) throw error(l, std::string("bad ") + what + " '" + l.words[k] + "'");
    return v;
  }
  void no_more_than(const Line& l, std::size_t args) const {
    if (l.words.size() > args + 1)
      throw error(l, "unexpected '" + l.words[args + 1] + "' (takes " + std::to_string(args) + " value" +
                         (args == 1 ? "" : "s") + ")");
  }

 private:
  std::string path_;
  std::map<std::string, std::vector<Line>> lines_;
};

// n2p2's one-letter activation codes. 'e' is e^{−x} in n2p2 (handled by negating the layer's parameters).
bool activation_of_letter(const std::string& s, Activation& a, bool& negate) {
  negate = false;
  if (s.size() != 1) return false;
  switch (s[0]) {
    case 'l': a = Activation::linear; return true;
    case 't': a = Activation::tanh; return true;
    case 's': a = Activation::sigmoid; return true;     // 1/(1+e^−x); n2p2 clamps to 0/1 beyond |x| > 35, where
    case 'S': a = Activation::revsigmoid; return true;  // the exact value differs by < 1e-15 (likewise S, p)
    case 'p': a = Activation::softplus; return true;    // ln(1+e^x), not shifted
    case 'r': a = Activation::relu; return true;
    case 'g': a = Activation::gaussian; return true;    // e^{−x²/2}
    case 'c': a = Activation::cos; return true;
    case 'e': a = Activation::exp, negate = true; return true;
    case 'h': a = Activation::harmonic; return true;    // x²
    default: return false;
  }
}

enum class Scaling { none, scale, center, scale_center, sigma };

struct ScalingRow {
  double min = 0.0, max = 0.0, mean = 0.0, sigma = 0.0;
  bool has_sigma = false;
  std::size_t line = 0;
};

// scaling.data: rows "element_index sf_index min max mean [sigma]" ('#' comments), elements in n2p2's element
// order (ascending atomic number), functions in n2p2's order.
std::vector<std::vector<ScalingRow>> read_scaling(const std::string& path, const std::vector<int>& elements,
                                                  const std::vector<std::size_t>& sizes) {
  const std::string text = slurp(path);
  std::istringstream in(text);
  std::vector<std::vector<ScalingRow>> rows(elements.size());
  std::size_t number = 0, element = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::vector<std::string> w = words_of(line);
    if (w.empty()) continue;
    const auto bad = [&](const std::string& why, const char* field) { return InputError(why, path, number, field); };
    if (w.size() < 5) throw bad("scaling row needs: element_index sf_index min max mean [sigma]", "row");
    long e = 0, k = 0;
    if (!parse_count(w[0], e)) throw bad("bad element index '" + w[0] + "'", "e_index");
    if (!parse_count(w[1], k)) throw bad("bad symmetry function index '" + w[1] + "'", "sf_index");
    while (element < elements.size() && rows[element].size() == sizes[element]) ++element;
    if (element == elements.size()) throw bad("more scaling rows than symmetry functions", "row");
    if (e != static_cast<long>(element) + 1)
      throw bad("expected element index " + std::to_string(element + 1) + " (" + element_symbol(elements[element]) +
                    "), got " + w[0],
                "e_index");
    if (k != static_cast<long>(rows[element].size()) + 1)
      throw bad("expected symmetry function index " + std::to_string(rows[element].size() + 1) + ", got " + w[1],
                "sf_index");
    ScalingRow r;
    r.line = number;
    const char* names[] = {"sf_min", "sf_max", "sf_mean", "sf_sigma"};
    double* targets[] = {&r.min, &r.max, &r.mean, &r.sigma};
    for (std::size_t c = 2; c < std::min<std::size_t>(w.size(), 6); ++c)
      if (!parse_real(w[c], *targets[c - 2])) throw bad("bad " + std::string(names[c - 2]) + " '" + w[c] + "'", names[c - 2]);
    if (w.size() > 6) throw bad("unexpected '" + w[6] + "' after the sigma column", "row");
    r.has_sigma = w.size() == 6;
    rows[element].push_back(r);
  }
  for (std::size_t e = 0; e < elements.size(); ++e)
    if (rows[e].size() != sizes[e])
      throw InputError("scaling.data has " + std::to_string(rows[e].size()) + " rows for " +
                           element_symbol(elements[e]) + " but input.nn defines " + std::to_string(sizes[e]) +
                           " symmetry functions",
                       path, 0, "row");
  return rows;
}

// weights.ZZZ.data: one connection per row, value in column 1, in n2p2's order (per layer: weights by start
// neuron then end neuron, then the biases of the end layer). Columns 2..7, when present, are checked.
void read_weights(const std::string& path, DenseNetwork& net) {
  const std::string text = slurp(path);
  std::istringstream in(text);
  const std::vector<int>& sizes = net.sizes();
  // Expected (kind, layer, neuron...) of each connection in order.
  std::size_t layer = 0, i = 0, j = 0, index = 0;  // layer l: i = start neuron, j = end neuron
  bool bias = false;
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::vector<std::string> w = words_of(line);
    if (w.empty()) continue;
    const auto bad = [&](const std::string& why, const char* field) { return InputError(why, path, number, field); };
    if (layer + 1 >= sizes.size()) throw bad("more connections than the architecture in input.nn has", "connection");
    double v = 0.0;
    if (!parse_real(w[0], v)) throw bad("bad connection value '" + w[0] + "'", "connection");
    ++index;
    if (w.size() > 1) {  // t index l_s n_s l_e n_e (weights) or t index l_e n_e (biases)
      const std::vector<long> expect = bias ? std::vector<long>{long(index), long(layer + 1), long(j + 1)}
                                            : std::vector<long>{long(index), long(layer), long(i + 1), long(layer + 1),
                                                                long(j + 1)};
      if (w[1] != (bias ? "b" : "a"))
        throw bad(std::string("expected a ") + (bias ? "bias (b)" : "weight (a)") + " here, got '" + w[1] +
                      "' (architecture in input.nn differs from this file?)",
                  "t");
      if (w.size() != expect.size() + 2) throw bad("wrong number of columns", "connection");
      for (std::size_t c = 0; c < expect.size(); ++c) {
        long got = 0;
        if (!parse_count(w[c + 2], got) || got != expect[c])
          throw bad("column " + std::to_string(c + 3) + " is '" + w[c + 2] + "', expected " +
                        std::to_string(expect[c]) + " (architecture in input.nn differs from this file?)",
                    "index");
      }
    }
    if (!bias) {
      net.weight(layer)(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) = v;
      if (++j == static_cast<std::size_t>(sizes[layer + 1])) {
        j = 0;
        if (++i == static_cast<std::size_t>(sizes[layer])) i = 0, bias = true;
      }
    } else {
      net.bias(layer)(static_cast<Eigen::Index>(j)) = v;
      if (++j == static_cast<std::size_t>(sizes[layer + 1])) j = 0, bias = false, ++layer;
    }
  }
  if (layer + 1 < sizes.size())
    throw InputError("has " + std::to_string(index) + " connections but the architecture in input.nn needs " +
                         std::to_string(net.parameter_count()),
                     path, 0, "connection");
}

std::string unit_text(double value, double named, const char* name) {
  return value == named ? std::string(name) : spec_support::format_real(value);
}

double unit_value(const std::string& text, const char* field, const std::string& a, double va, const std::string& b,
                  double vb) {
  const std::string l = lower(text);
  if (l == a) return va;
  if (l == b) return vb;
  double v = 0.0;
  if (!parse_real(text, v) || !(v > 0.0))
    throw InputError(std::string("n2p2 ") + field + " unit must be " + a + ", " + b + " or a positive number, got '" +
                         text + "'",
                     "", 0, field);
  return v;
}

}  // namespace

N2p2Units N2p2Units::named(const std::string& length, const std::string& energy) {
  N2p2Units u;
  u.length = unit_value(length, "length", "bohr", kBohrInAngstrom, "angstrom", 1.0);
  u.energy = unit_value(energy, "energy", "hartree", kHartreeInEv, "ev", 1.0);
  return u;
}

std::unique_ptr<BpnnModel> import_n2p2(const std::string& directory, const N2p2Units& units) {
  if (!(units.length > 0.0) || !(units.energy > 0.0) || !std::isfinite(units.length) || !std::isfinite(units.energy))
    throw InputError("n2p2 units must be positive numbers", directory, 0, "units");
  const std::string dir = directory.empty() ? "." : directory;
  const std::string input_path = dir + "/input.nn";
  const std::string text = slurp(input_path);
  const InputNn nn(input_path, text);

  // ---- what the importer does not do ----
  if (const Line* t = nn.single("nnp_type")) {
    const std::string v = lower(nn.arg(*t, 1, "type"));
    if (v != "2" && v != "0" && v != "2g-hdnnp" && v != "2g" && v != "hdnnp_2g")
      throw nn.error(*t, "nnp_type " + t->words[1] +
                             " is not supported: the importer reads 2nd-generation (short-range) potentials only; "
                             "4G (electrostatics, charge equilibration) and charge networks are not supported");
  }
  for (const auto& [key, lines] : nn.all()) {
    const bool electrostatic = key.find("electrostatic") != std::string::npos || key.find("ewald") != std::string::npos ||
                               key.find("screening") != std::string::npos || key.find("gausswidth") != std::string::npos ||
                               key.find("kspace") != std::string::npos;
    if (electrostatic)
      throw nn.error(lines[0], "electrostatics (4G-HDNNP) are not supported by the n2p2 importer");
    if (key.rfind("element_", 0) == 0 && key.size() > 6 && key.compare(key.size() - 6, 6, "_short") == 0)
      throw nn.error(lines[0], "element-specific network architectures are not supported (use global_*_short)");
  }

  // ---- elements ----
  const Line& ne = nn.required("number_of_elements");
  const long n_elements = nn.count(ne, 1, "number of elements");
  nn.no_more_than(ne, 1);
  const Line& el = nn.required("elements");
  std::vector<int> elements;
  for (std::size_t k = 1; k < el.words.size(); ++k) {
    const int z = atomic_number(el.words[k]);
    if (z == 0) throw nn.error(el, "unknown element '" + el.words[k] + "'");
    if (std::find(elements.begin(), elements.end(), z) != elements.end())
      throw nn.error(el, "element " + el.words[k] + " given twice");
    elements.push_back(z);
  }
  if (static_cast<long>(elements.size()) != n_elements || elements.empty())
    throw nn.error(el, std::to_string(elements.size()) + " elements listed but number_of_elements is " +
                           std::to_string(n_elements));
  std::sort(elements.begin(), elements.end());  // n2p2's element order (scaling.data indices)
  const auto known = [&](int z) { return std::find(elements.begin(), elements.end(), z) != elements.end(); };

  std::map<int, double> atom_energy;  // n2p2 energy unit
  for (const Line& l : nn.every("atom_energy")) {
    const int z = atomic_number(nn.arg(l, 1, "element"));
    if (z == 0 || !known(z)) throw nn.error(l, "'" + l.words[1] + "' is not one of the elements");
    if (atom_energy.count(z)) throw nn.error(l, "second atom_energy for " + l.words[1]);
    atom_energy[z] = nn.real(l, 2, "energy");
    nn.no_more_than(l, 2);
  }

  // ---- normalisation (n2p2's nnp-norm): all three keywords or none ----
  const Line* mean_l = nn.single("mean_energy");
  const Line* conv_e_l = nn.single("conv_energy");
  const Line* conv_l_l = nn.single("conv_length");
  const int given = (mean_l != nullptr) + (conv_e_l != nullptr) + (conv_l_l != nullptr);
  if (given != 0 && given != 3) {
    const Line& any = mean_l ? *mean_l : conv_e_l ? *conv_e_l : *conv_l_l;
    throw nn.error(any, "use all or none of mean_energy, conv_energy and conv_length");
  }
  const bool normalised = given == 3;
  double mean_energy = 0.0, conv_energy = 1.0;
  if (normalised) {
    mean_energy = nn.real(*mean_l, 1, "mean energy");
    conv_energy = nn.real(*conv_e_l, 1, "energy conversion factor");
    // conv_length only matters inside n2p2: it multiplies positions and r_s, r_c and divides η by its square, so
    // the symmetry functions (dimensionless) and everything after them are unchanged. We evaluate in physical
    // units and only check the value.
    const double conv_length = nn.real(*conv_l_l, 1, "length conversion factor");
    if (!(conv_energy > 0.0)) throw nn.error(*conv_e_l, "must be positive");
    if (!(conv_length > 0.0)) throw nn.error(*conv_l_l, "must be positive");
    nn.no_more_than(*mean_l, 1);
    nn.no_more_than(*conv_e_l, 1);
    nn.no_more_than(*conv_l_l, 1);
  }

  // ---- symmetry functions: n2p2 order per element, converted to Å ----
  for (const char* key : {"symfunction_short", "symfunction"})
    for (const Line& l : nn.every(key)) {
      // Element words: centre, neighbour, and for the angular types the second neighbour.
      const std::size_t last = l.words.size() > 2 && l.words[2] != "2" ? 4 : 3;
      for (std::size_t k = 1; k <= std::min(last, l.words.size() - 1); ++k) {
        if (k == 2) continue;  // the type
        const int z = atomic_number(l.words[k]);
        if (z != 0 && !known(z)) throw nn.error(l, "element " + l.words[k] + " is not in 'elements'");
      }
    }
  Acsf file_order;
  try {
    file_order = Acsf::from_n2p2(text);
  } catch (const InputError& e) {
    throw InputError(e.message(), input_path, e.line(), e.field().empty() ? "symfunction_short" : e.field());
  }
  const double L = units.length;
  std::vector<SymmetryFunction> functions;
  std::vector<std::size_t> sizes;
  for (int z : elements) {
    std::vector<SymmetryFunction> fs = Acsf::n2p2_order(file_order.functions(z));
    if (fs.empty()) throw nn.error(el, "no symfunction_short lines for element " + element_symbol(z));
    for (SymmetryFunction& f : fs) {
      f.eta /= L * L;  // 1/length² → 1/Å²
      f.rshift *= L;   // length → Å
      f.rcut *= L;
      functions.push_back(f);
    }
    sizes.push_back(fs.size());
  }
  auto descriptor = std::make_shared<const Acsf>(std::move(functions));

  // ---- scaling mode ----
  const bool scale = nn.single("scale_symmetry_functions") != nullptr;
  const bool center = nn.single("center_symmetry_functions") != nullptr;
  const bool sigma = nn.single("scale_symmetry_functions_sigma") != nullptr;
  const Scaling mode = scale && !center   ? Scaling::scale
                       : !scale && center ? Scaling::center
                       : scale && center  ? Scaling::scale_center
                       : sigma            ? Scaling::sigma
                                          : Scaling::none;
  double smin = 0.0, smax = 1.0;  // n2p2's defaults
  if (const Line* l = nn.single("scale_min_short")) smin = nn.real(*l, 1, "Smin");
  if (const Line* l = nn.single("scale_max_short")) smax = nn.real(*l, 1, "Smax");

  // ---- architecture ----
  const Line& hl = nn.required("global_hidden_layers_short");
  const long hidden = nn.count(hl, 1, "number of hidden layers");
  nn.no_more_than(hl, 1);
  if (hidden < 0 || hidden > 100) throw nn.error(hl, "number of hidden layers must be 0..100");
  const Line& nl = nn.required("global_nodes_short");
  if (static_cast<long>(nl.words.size()) - 1 != hidden)
    throw nn.error(nl, std::to_string(nl.words.size() - 1) + " layer sizes for " + std::to_string(hidden) +
                           " hidden layers");
  std::vector<int> nodes;
  for (std::size_t k = 1; k < nl.words.size(); ++k) {
    const long n = nn.count(nl, k, "layer size");
    if (n < 1 || n > 100000) throw nn.error(nl, "bad layer size '" + nl.words[k] + "'");
    nodes.push_back(static_cast<int>(n));
  }
  const Line& al = nn.required("global_activation_short");
  if (static_cast<long>(al.words.size()) - 1 != hidden + 1)
    throw nn.error(al, std::to_string(al.words.size() - 1) + " activations for " + std::to_string(hidden) +
                           " hidden layers and the output layer (need " + std::to_string(hidden + 1) + ")");
  std::vector<Activation> activations;
  std::vector<bool> negate;
  for (std::size_t k = 1; k < al.words.size(); ++k) {
    Activation a;
    bool neg = false;
    if (!activation_of_letter(al.words[k], a, neg))
      throw nn.error(al, "unknown activation '" + al.words[k] + "' (n2p2 codes: l t s p r g c S e h)");
    activations.push_back(a);
    negate.push_back(neg);
  }
  bool normalize_nodes = false;
  if (const Line* l = nn.single("normalize_nodes")) {
    nn.no_more_than(*l, 0);
    normalize_nodes = true;
  }

  // ---- scaling.data and weights ----
  const std::string scaling_path = dir + "/scaling.data";
  const auto rows = read_scaling(scaling_path, elements, sizes);
  std::map<int, BpnnElement> networks;
  for (std::size_t e = 0; e < elements.size(); ++e) {
    const int z = elements[e];
    BpnnElement b;
    const auto n = static_cast<Eigen::Index>(sizes[e]);
    b.input_shift = Eigen::VectorXd::Zero(n);
    b.input_scale = Eigen::VectorXd::Ones(n);
    b.input_offset = (mode == Scaling::none || mode == Scaling::center) ? 0.0 : smin;
    for (Eigen::Index k = 0; k < n; ++k) {
      const ScalingRow& r = rows[e][static_cast<std::size_t>(k)];
      const auto bad = [&](const std::string& why) { return InputError(why, scaling_path, r.line, "scaling"); };
      switch (mode) {
        case Scaling::none: break;
        case Scaling::scale:
        case Scaling::scale_center:
          if (!(r.max > r.min))
            throw bad("sf_max must exceed sf_min for scale_symmetry_functions (constant symmetry function)");
          b.input_shift[k] = mode == Scaling::scale ? r.min : r.mean;
          b.input_scale[k] = (smax - smin) / (r.max - r.min);
          break;
        case Scaling::center: b.input_shift[k] = r.mean; break;
        case Scaling::sigma:
          if (!r.has_sigma) throw bad("scale_symmetry_functions_sigma needs the sigma column");
          if (!(r.sigma > 0.0)) throw bad("sf_sigma must be positive for scale_symmetry_functions_sigma");
          b.input_shift[k] = r.mean;
          b.input_scale[k] = (smax - smin) / r.sigma;
          break;
      }
    }
    b.energy_scale = normalised ? units.energy / conv_energy : units.energy;
    const auto ae = atom_energy.find(z);
    b.energy_shift = units.energy * (mean_energy + (ae == atom_energy.end() ? 0.0 : ae->second));

    std::vector<int> layer_sizes{static_cast<int>(sizes[e])};
    layer_sizes.insert(layer_sizes.end(), nodes.begin(), nodes.end());
    layer_sizes.push_back(1);
    DenseNetwork net(layer_sizes, activations);
    char name[32];
    std::snprintf(name, sizeof name, "/weights.%03d.data", z);
    read_weights(dir + name, net);
    for (std::size_t l = 0; l < net.layers(); ++l) {
      if (normalize_nodes) {
        const double fan_in = static_cast<double>(layer_sizes[l]);
        net.weight(l) /= fan_in;
        net.bias(l) /= fan_in;
      }
      if (negate[l]) {  // n2p2's 'e' is e^{−x}: e^{−(Wa+b)} = exp((−W)a + (−b))
        net.weight(l) = -net.weight(l);
        net.bias(l) = -net.bias(l);
      }
    }
    b.committee.push_back(std::move(net));
    networks.emplace(z, std::move(b));
  }
  std::unique_ptr<BpnnModel> model;
  try {
    model = std::make_unique<BpnnModel>(descriptor, std::move(networks));
  } catch (const InputError& e) {
    throw InputError(e.message(), dir, 0, e.field());
  }
  model->set_spec("n2p2:dir=" + directory + ",length=" + unit_text(units.length, kBohrInAngstrom, "bohr") +
                  ",energy=" + unit_text(units.energy, kHartreeInEv, "hartree"));
  return model;
}

std::unique_ptr<Model> n2p2_model_from_spec(const ModelSpec& spec) {
  SpecParams p(spec);
  const std::string dir = p.text("dir", "");
  const std::string length = p.text("length", "");
  const std::string energy = p.text("energy", "");
  spec_support::finish(p, spec, "dir, length, energy");
  if (dir.empty()) throw InputError("model 'n2p2' needs dir=<potential directory>", spec.source, 0, "dir");
  if (length.empty() || energy.empty())
    throw InputError("model 'n2p2' needs length=bohr|angstrom|<Å per unit> and energy=hartree|ev|<eV per unit> "
                     "(an n2p2 potential does not record its units)",
                     spec.source, 0, length.empty() ? "length" : "energy");
  N2p2Units units;
  try {
    units = N2p2Units::named(length, energy);
  } catch (const InputError& e) {
    throw InputError(e.message(), spec.source, 0, e.field());
  }
  return import_n2p2(dir, units);
}

}  // namespace mlp
