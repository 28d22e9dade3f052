// SOAP: parameters (validation, JSON), the feature table and labels. The kernels are in soap_compute.cpp.
#include "mlp/desc/soap.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

constexpr double kPi = 3.14159265358979323846;

SoapParameters validated(SoapParameters p) {
  if (p.species.empty()) throw InputError("SOAP needs at least one species", "", 0, "species");
  for (int z : p.species)
    if (z < 1 || z > kMaxAtomicNumber) throw InputError("atomic number out of range", "", 0, "species");
  std::sort(p.species.begin(), p.species.end());
  if (std::adjacent_find(p.species.begin(), p.species.end()) != p.species.end())
    throw InputError("species listed twice", "", 0, "species");
  if (p.n_max < 1 || p.n_max > 15) throw InputError("n_max must be an integer between 1 and 15", "", 0, "n_max");
  if (p.l_max < 0 || p.l_max > 20) throw InputError("l_max must be an integer between 0 and 20", "", 0, "l_max");
  if (!(p.r_cut > 0.0) || !std::isfinite(p.r_cut)) throw InputError("r_cut must be a positive number (Å)", "", 0, "r_cut");
  if (!(p.sigma >= 0.01 * p.r_cut && p.sigma <= p.r_cut))
    throw InputError("sigma must be between 0.01 r_cut and r_cut (Å)", "", 0, "sigma");
  if (!(p.cutoff_width > 0.0 && p.cutoff_width <= p.r_cut))
    throw InputError("cutoff_width must be in (0, r_cut] (Å)", "", 0, "cutoff_width");
  if (p.radial_basis != "gto") throw InputError("radial_basis must be \"gto\"", "", 0, "radial_basis");
  if (!std::isfinite(p.central_weight)) throw InputError("central_weight must be a finite number", "", 0, "central_weight");
  return p;
}

}  // namespace

Soap::Soap(SoapParameters p)
    : p_(validated(std::move(p))),
      basis_(p_.n_max, p_.r_cut),
      radial_(basis_, p_.l_max, p_.sigma, p_.r_cut),
      harmonics_(p_.l_max) {
  species_index_.assign(kMaxAtomicNumber + 1, -1);
  for (std::size_t a = 0; a < p_.species.size(); ++a) species_index_[static_cast<std::size_t>(p_.species[a])] = static_cast<int>(a);
  const int S = static_cast<int>(p_.species.size());
  for (int a = 0; a < S; ++a)
    for (int b = a; b < S; ++b)
      for (int n = 0; n < p_.n_max; ++n)
        for (int np = a == b ? n : 0; np < p_.n_max; ++np)
          for (int l = 0; l <= p_.l_max; ++l) {
            const double s = (a < b || n < np) ? std::sqrt(2.0) : 1.0;
            features_.push_back({a, b, n, np, l, s * kPi * std::sqrt(8.0 / (2.0 * l + 1.0))});
          }
  std::vector<double> I(static_cast<std::size_t>(radial_.size())), dI(I.size());
  radial_.integrate(0.0, I.data(), dI.data());
  central_.resize(static_cast<std::size_t>(p_.n_max));
  for (int n = 0; n < p_.n_max; ++n)
    central_[static_cast<std::size_t>(n)] = p_.central_weight * I[static_cast<std::size_t>(n * (p_.l_max + 1))] / std::sqrt(4.0 * kPi);
}

int Soap::species_index(int Z) const {
  if (Z < 0 || Z > kMaxAtomicNumber) return -1;
  return species_index_[static_cast<std::size_t>(Z)];
}

void Soap::cutoff_function(double r, double& f, double& df) const {
  const double start = p_.r_cut - p_.cutoff_width;
  if (r <= start) {
    f = 1.0;
    df = 0.0;
  } else if (r >= p_.r_cut) {
    f = 0.0;
    df = 0.0;
  } else {
    const double x = kPi * (r - start) / p_.cutoff_width;
    f = 0.5 * (1.0 + std::cos(x));
    df = -0.5 * kPi / p_.cutoff_width * std::sin(x);
  }
}

std::string Soap::label(int Z, std::size_t k) const {
  if (species_index(Z) < 0) throw InputError("element " + std::to_string(Z) + " is not a SOAP centre species");
  if (k >= features_.size()) throw InputError("SOAP value index " + std::to_string(k) + " out of range");
  const Feature& f = features_[k];
  std::ostringstream o;
  o << "p " << element_symbol(p_.species[static_cast<std::size_t>(f.a)]) << '-'
    << element_symbol(p_.species[static_cast<std::size_t>(f.b)]) << " n=" << f.n << " n'=" << f.np << " l=" << f.l;
  return o.str();
}

void Soap::check_list(const Structure& s, const NeighborList& nl) const {
  if (nl.atoms() != s.size())
    throw InputError("neighbour list has " + std::to_string(nl.atoms()) + " atoms, the structure " +
                     std::to_string(s.size()));
  if (nl.options().cutoff + nl.options().skin < p_.r_cut)
    throw InputError("neighbour list cutoff " + std::to_string(nl.options().cutoff) +
                     " is smaller than the descriptor cutoff " + std::to_string(p_.r_cut));
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

std::string Soap::to_json() const {
  nlohmann::json doc;
  doc["type"] = "soap";
  nlohmann::json sp = nlohmann::json::array();
  for (int z : p_.species) sp.push_back(element_symbol(z));
  doc["species"] = sp;
  doc["n_max"] = p_.n_max;
  doc["l_max"] = p_.l_max;
  doc["r_cut"] = p_.r_cut;
  doc["sigma"] = p_.sigma;
  doc["cutoff_width"] = p_.cutoff_width;
  doc["radial_basis"] = p_.radial_basis;
  doc["normalize"] = p_.normalize;
  doc["central_weight"] = p_.central_weight;
  return doc.dump(1);
}

Soap Soap::from_json(const std::string& text, const std::vector<int>& species) {
  using nlohmann::json;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(std::string("SOAP parameters are not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw InputError("SOAP parameters must be a JSON object");
  static const char* const known[] = {"type",   "species",      "n_max",        "l_max",     "r_cut",
                                      "sigma",  "cutoff_width", "radial_basis", "normalize", "central_weight"};
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return it.key() == k; }) == std::end(known))
      throw InputError("unknown SOAP parameter \"" + it.key() + "\"", "", 0, it.key());
  if (doc.contains("type") && doc["type"] != "soap") throw InputError("must be \"soap\"", "", 0, "type");
  SoapParameters p;
  if (doc.contains("species")) {
    const json& sp = doc["species"];
    if (!sp.is_array()) throw InputError("must be an array of elements", "", 0, "species");
    for (const json& e : sp) {
      int z = 0;
      if (e.is_number_integer()) z = e.get<int>();
      else if (e.is_string()) z = atomic_number(e.get<std::string>());
      else throw InputError("elements must be symbols or atomic numbers", "", 0, "species");
      if (z < 1 || z > kMaxAtomicNumber) throw InputError("unknown element " + e.dump(), "", 0, "species");
      p.species.push_back(z);
    }
  } else {
    p.species = species;
  }
  auto integer = [&](const char* key, int& out) {
    if (!doc.contains(key)) return;
    const json& v = doc[key];
    if (!v.is_number_integer()) throw InputError("must be an integer", "", 0, key);
    const auto x = v.get<long long>();
    if (x < -1000000 || x > 1000000) throw InputError("out of range", "", 0, key);
    out = static_cast<int>(x);
  };
  auto number = [&](const char* key, double& out) {
    if (!doc.contains(key)) return;
    if (!doc[key].is_number()) throw InputError("must be a number", "", 0, key);
    out = doc[key].get<double>();
  };
  integer("n_max", p.n_max);
  integer("l_max", p.l_max);
  number("r_cut", p.r_cut);
  number("sigma", p.sigma);
  number("cutoff_width", p.cutoff_width);
  number("central_weight", p.central_weight);
  if (doc.contains("radial_basis")) {
    if (!doc["radial_basis"].is_string()) throw InputError("must be a string", "", 0, "radial_basis");
    p.radial_basis = doc["radial_basis"].get<std::string>();
  }
  if (doc.contains("normalize")) {
    if (!doc["normalize"].is_boolean()) throw InputError("must be true or false", "", 0, "normalize");
    p.normalize = doc["normalize"].get<bool>();
  }
  return Soap(std::move(p));
}

}  // namespace mlp
