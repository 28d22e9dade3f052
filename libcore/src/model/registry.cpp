#include "mlp/model/registry.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/model_file.hpp"
#include "mlp/model/n2p2_import.hpp"
#include "mlp/model/pair_potentials.hpp"
#include "mlp/model/point_charges.hpp"
#include "mlp/model/qeq.hpp"
#include "mlp/model/stillinger_weber.hpp"
#include "mlp/model/sum_model.hpp"
#include "mlp/model/zbl.hpp"
#include "mlp/util/error.hpp"
#include "spec_support.hpp"

namespace mlp {

namespace {

std::string trim(const std::string& text) {
  std::size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

// Model names and keys are identifiers: a letter, then letters, digits, '_' or '-' (names only).
bool is_identifier(const std::string& s, bool allow_dash) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (allow_dash && c == '-'))) return false;
  return true;
}

// Split "zbl+lj:epsilon=1e+3" into terms. A '+' separates terms only when the next non-blank character is a
// letter (model names and most file names start with one) or begins a path ("/", "./", "../"); that keeps
// exponents ("1e+3") and signs ("q_Na=+1", "+.5") inside their value.
std::vector<std::string> split_terms(const std::string& text) {
  std::vector<std::string> terms;
  std::string current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      std::size_t k = i + 1;
      while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) ++k;
      const bool path = k < text.size() && (text[k] == '/' || (text[k] == '.' && k + 1 < text.size() &&
                                                               (text[k + 1] == '/' || text[k + 1] == '.')));
      if (k < text.size() && (std::isalpha(static_cast<unsigned char>(text[k])) || path)) {
        terms.push_back(current);
        current.clear();
        continue;
      }
    }
    current += text[i];
  }
  terms.push_back(current);
  return terms;
}

std::string known_names() {
  std::string out;
  for (const auto& info : model_registry()) out += (out.empty() ? "" : ", ") + info.name;
  return out;
}

const ModelInfo* find_model(const std::string& name) {
  for (const auto& info : model_registry())
    if (info.name == name) return &info;
  return nullptr;
}

std::unique_ptr<Model> make_from_file(const std::string& path, int depth);

// A term is a registered model spec, or the path of a model file (binary MODL or a text file of specs), so that
// fitted models compose with analytic ones: "zbl+si.mlp", or lines "short.mlp" and "charges.mlp" in a text file.
// Relative paths inside a text model file are relative to that file's directory.
std::unique_ptr<Model> make_term(const std::string& text, const std::string& source, const std::string& directory = "",
                                 int depth = 0) {
  const std::string name = trim(text.substr(0, text.find(':')));
  if (!find_model(name)) {
    std::error_code ec;
    const std::filesystem::path path = std::filesystem::path(text).is_relative() && !directory.empty()
                                           ? std::filesystem::path(directory) / text
                                           : std::filesystem::path(text);
    if (std::filesystem::is_regular_file(path, ec)) {
      if (container_kind_of_file(path.string()) == "MODL") return load_model(path.string());
      if (depth >= 8) throw InputError("model files include each other too deeply", source, 0, "model");
      return make_from_file(path.string(), depth + 1);
    }
  }
  const ModelSpec spec = ModelSpec::parse(text, source);
  const ModelInfo* info = find_model(spec.name);
  if (!info)
    throw InputError("unknown model '" + spec.name + "' (known: " + known_names() + ")", source, 0, "model");
  return info->make(spec);
}

std::unique_ptr<Model> make_from_terms(const std::vector<std::string>& terms, const std::string& source) {
  std::vector<std::unique_ptr<Model>> models;
  for (const auto& t : terms) models.push_back(make_term(t, source));
  if (models.size() == 1) return std::move(models.front());
  return std::make_unique<SumModel>(std::move(models));
}

// A model file: one spec (possibly with '+') per line, '#' starts a comment, blank lines are skipped; all terms
// of all lines are summed. Errors carry file:line.
std::unique_ptr<Model> make_from_file(const std::string& path, int depth) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open model file", path);
  std::vector<std::unique_ptr<Model>> models;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    for (char c : line)
      if (c == '\0' || (static_cast<unsigned char>(c) < 32 && c != '\t' && c != '\r'))
        throw InputError("binary data in a text model file (binary model containers are not supported here)", path,
                         number);
    const std::string text = trim(line.substr(0, line.find('#')));
    if (text.empty()) continue;
    try {
      const std::string directory = std::filesystem::path(path).parent_path().string();
      for (const auto& term : split_terms(text)) models.push_back(make_term(term, path, directory, depth));
    } catch (const InputError& e) {
      throw InputError(e.message(), path, number, e.field());
    }
  }
  if (in.bad()) throw IoError("read error", path, number);
  if (models.empty()) throw InputError("model file holds no model specification", path);
  if (models.size() == 1) return std::move(models.front());
  return std::make_unique<SumModel>(std::move(models));
}

}  // namespace

// ---- ModelSpec ---------------------------------------------------------------------------------------------

ModelSpec ModelSpec::parse(const std::string& text, const std::string& source) {
  const auto bad = [&](const std::string& why) -> InputError {
    return InputError("malformed model specification '" + trim(text) + "': " + why, source, 0, "model");
  };
  ModelSpec spec;
  spec.source = source;
  const std::size_t colon = text.find(':');
  spec.name = trim(text.substr(0, colon));
  if (spec.name.empty()) throw bad("no model name");
  if (!is_identifier(spec.name, true))
    throw bad("model name '" + spec.name + "' must start with a letter and hold only letters, digits, '_', '-'");
  if (colon == std::string::npos) return spec;
  const std::string rest = text.substr(colon + 1);
  if (trim(rest).empty()) throw bad("nothing after ':' (expected key=value,...)");
  std::set<std::string> seen;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = rest.find(',', start);
    const std::string item = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t eq = item.find('=');
    if (trim(item).empty()) throw bad("empty parameter (two commas, or a trailing comma)");
    if (eq == std::string::npos) throw bad("parameter '" + trim(item) + "' has no '=value'");
    const std::string key = trim(item.substr(0, eq));
    const std::string value = trim(item.substr(eq + 1));
    if (!is_identifier(key, false)) throw bad("bad parameter name '" + key + "'");
    if (value.empty()) throw bad("parameter '" + key + "' has an empty value");
    if (!seen.insert(key).second) throw bad("parameter '" + key + "' given twice");
    spec.params.emplace_back(key, value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return spec;
}

// ---- SpecParams --------------------------------------------------------------------------------------------

SpecParams::SpecParams(const ModelSpec& spec) : spec_(spec), used_(spec.params.size(), false) {}

bool SpecParams::has(const std::string& key) const {
  for (const auto& kv : spec_.params)
    if (kv.first == key) return true;
  return false;
}

std::string SpecParams::text(const std::string& key, const std::string& fallback) {
  for (std::size_t i = 0; i < spec_.params.size(); ++i)
    if (spec_.params[i].first == key) {
      used_[i] = true;
      return spec_.params[i].second;
    }
  return fallback;
}

double SpecParams::real(const std::string& key, double fallback) {
  if (!has(key)) return fallback;
  const std::string value = text(key, "");
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(value.c_str(), &end);
  // strtod accepts "nan", "inf" and hex floats; a model parameter must be an ordinary finite decimal number.
  const bool complete = end && *end == '\0' && end != value.c_str();
  if (!complete || !std::isfinite(x) || errno == ERANGE)
    throw InputError("model '" + spec_.name + "': parameter '" + key + "' must be a finite number, got '" + value +
                         "'",
                     spec_.source, 0, key);
  return x;
}

std::vector<std::pair<std::string, std::string>> SpecParams::with_prefix(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < spec_.params.size(); ++i)
    if (spec_.params[i].first.compare(0, prefix.size(), prefix) == 0 && spec_.params[i].first.size() > prefix.size()) {
      used_[i] = true;
      out.push_back(spec_.params[i]);
    }
  return out;
}

void SpecParams::finish() const {
  for (std::size_t i = 0; i < spec_.params.size(); ++i)
    if (!used_[i])
      throw InputError("model '" + spec_.name + "': unknown parameter '" + spec_.params[i].first + "'", spec_.source,
                       0, spec_.params[i].first);
}

// ---- helpers of the factories ------------------------------------------------------------------------------

namespace spec_support {

std::string format_real(double value) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  return buf;
}

std::vector<int> elements_in_key(const ModelSpec& spec, const std::string& key, const std::string& suffix,
                                 std::size_t count) {
  std::vector<int> zs;
  std::size_t start = 0;
  for (;;) {
    const std::size_t us = suffix.find('_', start);
    const std::string symbol = suffix.substr(start, us == std::string::npos ? std::string::npos : us - start);
    const int z = atomic_number(symbol);
    if (z == 0)
      throw InputError("model '" + spec.name + "': parameter '" + key + "': '" + symbol +
                           "' is not an element symbol (exact capitalisation, e.g. Si)",
                       spec.source, 0, key);
    zs.push_back(z);
    if (us == std::string::npos) break;
    start = us + 1;
  }
  if (zs.size() != count)
    throw InputError("model '" + spec.name + "': parameter '" + key + "' must name " +
                         (count == 1 ? std::string("one element (e.g. _Si)") : std::string("two elements (e.g. _Si_C)")),
                     spec.source, 0, key);
  return zs;
}

void finish(const SpecParams& params, const ModelSpec& spec, const std::string& valid) {
  try {
    params.finish();
  } catch (const InputError& e) {
    throw InputError(e.message() + " (valid: " + valid + ")", spec.source, e.line(), e.field());
  }
}

void require(bool ok, const ModelSpec& spec, const std::string& key, double value, const std::string& requirement) {
  if (!ok)
    throw InputError("model '" + spec.name + "': parameter '" + key + "' " + requirement + ", got " +
                         format_real(value),
                     spec.source, 0, key);
}

}  // namespace spec_support

// ---- registry ----------------------------------------------------------------------------------------------

const std::vector<ModelInfo>& model_registry() {
  static const std::vector<ModelInfo> registry = {
      {"lj",
       "Lennard-Jones 4ε[(σ/r)^12−(σ/r)^6], force-shifted so energy and force are 0 at the cutoff (shift=energy: "
       "energy-shifted only, as LAMMPS lj/cut with pair_modify shift yes; shift=none: truncated). Keys: epsilon "
       "(eV, default 0.0104, argon-like), sigma (Å, default 3.40), cutoff (Å, default 2.5σ of each pair), "
       "shift (force|energy|none, default force); per element epsilon_X, sigma_X; per pair epsilon_X_Y, sigma_X_Y, "
       "cutoff_X_Y. Pairs without values use Lorentz-Berthelot mixing. Any element.",
       LennardJones::from_spec},
      {"morse",
       "Morse D[e^{−2a(r−r0)}−2e^{−a(r−r0)}], force-shifted to 0 at the cutoff (shift=energy|none as for lj). "
       "Defaults: Girifalco-Weizer copper (Phys. Rev. 114, 687 (1959)) D=0.3429 eV, a=1.3588 1/Å, r0=2.866 Å, "
       "cutoff=6.0 Å. Per pair D_X_Y, a_X_Y, r0_X_Y, cutoff_X_Y; other pairs use the global values. Any element.",
       Morse::from_spec},
      {"zbl",
       "Universal ZBL screened nuclear repulsion k_e Z1 Z2/r·Φ(r/a_u), a_u=0.8854·0.529177 Å/(Z1^0.23+Z2^0.23), "
       "k_e=14.399645 eV·Å, 4-exponential Φ; multiplied by the C²-smooth switch 1−10t³+15t⁴−6t⁵, "
       "t=(r−inner)/(outer−inner): pure ZBL below inner, zero beyond outer. Radii per pair from covalent radii: "
       "inner=inner_factor·(r_cov,i+r_cov,j), outer=outer_factor·(r_cov,i+r_cov,j) (defaults 0.5, 0.8; e.g. C–H "
       "0.52/0.832 Å). Keys: inner_factor, outer_factor; inner, outer (Å, global, override the covalent radii; one "
       "alone keeps the factor ratio); inner_X_Y, outer_X_Y (Å, per pair, override all); elements=X_Y_.. (accept "
       "only these). Any pair of elements. The default baseline of mlp-fit (Δ-learning).",
       Zbl::from_spec},
      {"sw",
       "Stillinger-Weber three-body potential as LAMMPS pair_style sw, default the original Si parameters of "
       "LAMMPS's Si.sw: epsilon=2.1683 eV, sigma=2.0951 Å, a=1.80, lambda=21.0, gamma=1.20, "
       "costheta0=−0.333333333333, A=7.049556277, B=0.6022245584, p=4, q=0 (cutoff aσ=3.77118 Å). Keys: element "
       "(default Si; another element needs at least epsilon and sigma) and each parameter by the names above. "
       "One element only.",
       StillingerWeber::from_spec},
      {"charges",
       "Coulomb interaction of fixed charges k_e q_i q_j/r (k_e=14.399645 eV·Å/e²): direct sum for non-periodic "
       "structures, Ewald summation for 3-D periodic cells (accuracy=1e-8, real-space rc=10 Å). Charges (e) per "
       "element q_X (e.g. q_Na=1,q_Cl=-1), or, with no q_X given, from the per-atom column initial_charges or "
       "else charges. Options: sigma (Å, Gaussian-smeared charges, erf damping), debye (Å, Yukawa screening) or "
       "ionic_strength (mol/L) with temperature (K, default 298.15), permittivity (relative, default 1). "
       "Reports cutoff 0 (long range).",
       PointCharges::from_spec},
      {"qeq",
       "Charge equilibration with a bounded response: charges minimise sum chi_X q + s(q) + Coulomb of Gaussian "
       "charges (width sigma, default 1 Å) - q F.r, with the barrier self-energy s(q) = -J qmax^2/2 ln(1-q^2/qmax^2) "
       "(hardness J_X in eV/e^2 at q=0, |q| < qmax_X, default 2 e), at the frame's total_charge (info; default 0) "
       "and applied field external_field (info, V/Å, molecules only). chi_X (eV/e) and J_X required per element; "
       "options rc (Å), accuracy, permittivity. Writes the charges. Reports cutoff 0 (long range).",
       ChargeEquilibration::from_spec},
      {"n2p2",
       "n2p2/RuNNer 2nd-generation neural network potential directory (input.nn, scaling.data, weights.ZZZ.data), "
       "converted to Å/eV at load. Keys: dir (required), length=bohr|angstrom|<Å per unit>, "
       "energy=hartree|ev|<eV per unit> (both required: n2p2 files do not record their units; CODATA 2018).",
       n2p2_model_from_spec},
  };
  return registry;
}

std::unique_ptr<Model> make_model(const std::string& spec_or_file) {
  const std::string text = trim(spec_or_file);
  if (text.empty()) throw InputError("empty model specification", "--model", 0, "model");
  // A text whose first term names a registered model is a spec; otherwise an existing file is a model file, even
  // when its path holds a '+' ("runs/rc5.5+esig/m.mlp"), and only then a sum of terms. This order keeps
  // "--model sw" meaning the model even if a file called "sw" happens to exist.
  const std::vector<std::string> terms = split_terms(text);
  const std::string first = trim(terms.front().substr(0, terms.front().find(':')));
  std::error_code ec;
  const bool is_file = std::filesystem::is_regular_file(spec_or_file, ec);
  if (find_model(first) || (terms.size() > 1 && !is_file)) return make_from_terms(terms, "--model");
  if (is_file) {
    // A binary model file written by mlp-fit (container kind MODL); otherwise a text file of specs.
    if (container_kind_of_file(spec_or_file) == "MODL") return load_model(spec_or_file);
    return make_from_file(spec_or_file, 0);
  }
  // A name with '/' or '.' cannot be a model name: it was meant as a file, so say that rather than "malformed".
  if (first.find_first_of("/.") != std::string::npos)
    throw InputError("no such model file (nor is it a model specification)", spec_or_file, 0, "model");
  if (is_identifier(first, true))
    throw InputError("unknown model '" + first + "' (known: " + known_names() + "), and no file of that name",
                     "--model", 0, "model");
  return make_from_terms(terms, "--model");  // reports the malformed text
}

}  // namespace mlp
