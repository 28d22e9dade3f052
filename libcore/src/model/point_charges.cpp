#include "mlp/model/point_charges.hpp"

#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "spec_support.hpp"

namespace mlp {

PointCharges::PointCharges(Parameters parameters) : parameters_(std::move(parameters)) {}

bool PointCharges::supports(const std::vector<int>& numbers, std::string& why) const {
  if (parameters_.charges.empty()) return true;  // per-atom charges from the structure
  for (int z : numbers)
    if (!parameters_.charges.count(z)) {
      why = "model 'charges' has no charge for " +
            (z >= 1 && z <= kMaxAtomicNumber ? element_symbol(z) : "Z=" + std::to_string(z)) +
            " (give q_" + (z >= 1 && z <= kMaxAtomicNumber ? element_symbol(z) : std::string("X")) + "=...)";
      return false;
    }
  return true;
}

void PointCharges::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                           EvalResult& result) const {
  const std::string where = "frame " + std::to_string(s.frame) + ": model 'charges': ";
  const std::size_t n = s.size();
  std::vector<double> q(n);
  if (!parameters_.charges.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto it = parameters_.charges.find(s.numbers[i]);
      if (it == parameters_.charges.end())
        throw InputError(where + "no charge for atom " + std::to_string(i), s.source, s.line, "species");
      q[i] = it->second;
    }
  } else {
    const char* key = s.arrays.reals("initial_charges", 1) ? "initial_charges" : "charges";
    const AtomArray* a = s.arrays.reals(key, 1);
    if (!a || a->reals.size() != n)
      throw InputError(where + "no charges: give q_X=... per element, or a per-atom real column initial_charges or "
                               "charges",
                       s.source, s.line, "charges");
    for (std::size_t i = 0; i < n; ++i) {
      q[i] = a->reals[i];
      if (!std::isfinite(q[i]))
        throw InputError(where + "non-finite charge of atom " + std::to_string(i), s.source, s.line, key);
    }
  }
  double energy = 0.0;
  try {
    energy = add_electrostatics(s, nl, q, parameters_.electrostatics, request, result);
  } catch (const InputError& e) {
    if (!e.source().empty()) throw;
    throw InputError(where + e.message(), s.source, s.line, e.field());
  }
  result.energy += energy;
  result.term_energies.emplace_back(name(), energy);
}

std::string PointCharges::spec() const {
  std::string s = "charges";
  char sep = ':';
  for (const auto& [z, q] : parameters_.charges) {
    s += sep + ("q_" + element_symbol(z)) + "=" + spec_support::format_real(q);
    sep = ',';
  }
  const ElectrostaticsOptions& o = parameters_.electrostatics;
  const ElectrostaticsOptions defaults;
  const auto add = [&](const char* key, double value, double fallback) {
    if (value == fallback) return;
    s += sep + std::string(key) + "=" + spec_support::format_real(value);
    sep = ',';
  };
  add("accuracy", o.accuracy, defaults.accuracy);
  add("rc", o.rcut, defaults.rcut);
  add("sigma", o.sigma, defaults.sigma);
  add("debye", o.debye_length, defaults.debye_length);
  add("permittivity", o.permittivity, defaults.permittivity);
  return s;
}

std::unique_ptr<Model> PointCharges::from_spec(const ModelSpec& spec) {
  SpecParams params(spec);
  Parameters P;
  for (const auto& kv : params.with_prefix("q_")) {
    const int z = spec_support::elements_in_key(spec, kv.first, kv.first.substr(2), 1)[0];
    SpecParams one(spec);
    P.charges[z] = one.real(kv.first, 0.0);
  }
  ElectrostaticsOptions& o = P.electrostatics;
  o.accuracy = params.real("accuracy", o.accuracy);
  spec_support::require(o.accuracy > 0.0 && o.accuracy < 1e-2, spec, "accuracy", o.accuracy, "must be in (0, 0.01)");
  o.rcut = params.real("rc", o.rcut);
  spec_support::require(o.rcut > 0.0, spec, "rc", o.rcut, "must be > 0 (Å)");
  o.sigma = params.real("sigma", o.sigma);
  spec_support::require(o.sigma >= 0.0, spec, "sigma", o.sigma, "must be >= 0 (Å)");
  o.permittivity = params.real("permittivity", o.permittivity);
  spec_support::require(o.permittivity >= 1.0, spec, "permittivity", o.permittivity, "must be >= 1");
  o.debye_length = params.real("debye", 0.0);
  spec_support::require(o.debye_length >= 0.0, spec, "debye", o.debye_length, "must be >= 0 (Å)");
  const double ionic_strength = params.real("ionic_strength", 0.0);
  const double temperature = params.real("temperature", 298.15);
  spec_support::require(ionic_strength >= 0.0, spec, "ionic_strength", ionic_strength, "must be >= 0 (mol/L)");
  spec_support::require(temperature > 0.0, spec, "temperature", temperature, "must be > 0 (K)");
  if (ionic_strength > 0.0) {
    spec_support::require(o.debye_length == 0.0, spec, "debye", o.debye_length,
                          "cannot be given together with ionic_strength");
    o.debye_length = debye_length(ionic_strength, o.permittivity, temperature);
  }
  spec_support::require(o.sigma == 0.0 || o.debye_length == 0.0, spec, "sigma", o.sigma,
                        "cannot be combined with Debye screening");
  spec_support::finish(params, spec,
                       "q_X (charge of element X, e), accuracy, rc (Å), sigma (Å), debye (Å), ionic_strength "
                       "(mol/L), permittivity, temperature (K)");
  return std::make_unique<PointCharges>(std::move(P));
}

}  // namespace mlp
