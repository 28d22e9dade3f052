#include "mlp/model/zbl.hpp"

#include <algorithm>
#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/smooth_step.hpp"
#include "spec_support.hpp"

namespace mlp {

using spec_support::format_real;

namespace {
// Universal screening function Φ(x) = Σ c_k exp(−d_k x) (ZBL 1985).
constexpr double kC[4] = {0.18175, 0.50986, 0.28022, 0.02817};
constexpr double kD[4] = {3.19980, 0.94229, 0.40290, 0.20162};

std::pair<int, int> ordered(int a, int b) { return {std::min(a, b), std::max(a, b)}; }

std::string pair_suffix(int a, int b) { return element_symbol(a) + "_" + element_symbol(b); }

std::string elements_text(const std::set<int>& elements) {
  std::string out;
  for (int z : elements) out += (out.empty() ? "" : "_") + element_symbol(z);
  return out;
}
}  // namespace

Zbl::Zbl(Parameters parameters) : parameters_(std::move(parameters)) {
  const Parameters& P = parameters_;
  const auto fail = [](const std::string& key, const std::string& why) {
    return InputError("model 'zbl': " + why, "", 0, key);
  };
  if (!(P.inner_factor >= 0.0) || !(P.outer_factor > P.inner_factor))
    throw fail("outer_factor", "need 0 <= inner_factor < outer_factor, got " + format_real(P.inner_factor) + " and " +
                                   format_real(P.outer_factor));
  for (int z : P.elements)
    if (z < 1 || z > kMaxAtomicNumber) throw fail("elements", "atomic number " + std::to_string(z) + " is not an element");
  // Check every pair the model accepts (all 7021 pairs of elements 1..118 when unrestricted: cheap, once) and
  // find the cutoff.
  std::vector<int> zs(P.elements.begin(), P.elements.end());
  if (zs.empty())
    for (int z = 1; z <= kMaxAtomicNumber; ++z) zs.push_back(z);
  for (std::size_t a = 0; a < zs.size(); ++a)
    for (std::size_t b = a; b < zs.size(); ++b) {
      const Radii r = radii(zs[a], zs[b]);
      const std::string pair = pair_suffix(zs[a], zs[b]);
      if (!(r.inner >= 0.0)) throw fail("inner_" + pair, "inner radius of " + pair + " is negative");
      if (!(r.outer > r.inner))
        throw fail("outer_" + pair, "outer radius of " + pair + " (" + format_real(r.outer) +
                                        " Å) must be larger than its inner radius (" + format_real(r.inner) +
                                        " Å); give both radii, or both per pair");
      max_outer_ = std::max(max_outer_, r.outer);
    }
}

double Zbl::covalent_radius_of(int z) {
  // gemmi stores Cordero's radii (tabulated to 0.01 Å) as floats: 0.73f is 0.7300000190734863. Round back to the
  // published value so that defaults and stored baselines read 0.73, 0.52, ... rather than float noise.
  return std::round(covalent_radius(z) * 100.0) / 100.0;
}

Zbl::Radii Zbl::radii(int z1, int z2) const {
  const Parameters& P = parameters_;
  std::optional<double> inner = P.inner, outer = P.outer;
  const auto it = P.pairs.find(ordered(z1, z2));
  if (it != P.pairs.end()) {
    if (it->second.inner) inner = it->second.inner;
    if (it->second.outer) outer = it->second.outer;
  }
  Radii r;
  if (inner && outer) {
    r = {*inner, *outer};
  } else if (outer) {
    r = {*outer * (P.inner_factor / P.outer_factor), *outer};
  } else if (inner) {
    r = {*inner, *inner * (P.outer_factor / P.inner_factor)};  // inner_factor > 0 here unless inner is 0
    if (P.inner_factor == 0.0) r.outer = 0.0;                    // rejected by the constructor
  } else {
    const double sum = Zbl::covalent_radius_of(z1) + Zbl::covalent_radius_of(z2);  // Å
    r = {P.inner_factor * sum, P.outer_factor * sum};
  }
  return r;
}

bool Zbl::supports(const std::vector<int>& numbers, std::string& why) const {
  if (parameters_.elements.empty()) return true;
  for (int z : numbers)
    if (!parameters_.elements.count(z)) {
      why = "zbl (elements=" + elements_text(parameters_.elements) + ") has no parameters for element " +
            (z >= 1 && z <= kMaxAtomicNumber ? element_symbol(z) : std::to_string(z));
      return false;
    }
  return true;
}

Zbl::PairParams Zbl::pair_params(int z1, int z2) const {
  PairParams pp;
  const double a_u = 0.8854 * kBohr / (std::pow(z1, 0.23) + std::pow(z2, 0.23));
  const Radii r = radii(z1, z2);
  pp.p = {kCoulomb * z1 * z2, 1.0 / a_u, r.inner, r.outer};
  pp.cutoff = r.outer;
  return pp;
}

void Zbl::phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const {
  const double k = pp.p[0], inv_a = pp.p[1], inner = pp.p[2], outer = pp.p[3];
  const double x = r * inv_a;
  double screen = 0.0, dscreen_dx = 0.0;
  for (int m = 0; m < 4; ++m) {
    const double term = kC[m] * std::exp(-kD[m] * x);
    screen += term;
    dscreen_dx -= kD[m] * term;
  }
  const double e = k / r * screen;
  const double de = -e / r + k / r * dscreen_dx * inv_a;
  // Smootherstep switch S(t): S(0)=1, S(1)=0, S' and S'' vanish at both ends.
  const double width = outer - inner;
  double t = (r - inner) / width;
  if (t <= 0.0) {
    energy = e;
    denergy_dr = de;
    return;
  }
  if (t >= 1.0) {
    energy = denergy_dr = 0.0;
    return;
  }
  const double S = 1.0 - smootherstep(t);
  const double dS = -smootherstep_derivative(t) / width;
  energy = e * S;
  denergy_dr = de * S + e * dS;
}

std::string Zbl::spec() const {
  const Parameters& P = parameters_;
  const Parameters defaults;
  std::string s;
  const auto add = [&](const std::string& key, double v) { s += (s.empty() ? "" : ",") + key + "=" + format_real(v); };
  // The factors matter unless both global radii are given; write them then, or when they differ from the defaults.
  if (!(P.inner && P.outer) || P.inner_factor != defaults.inner_factor || P.outer_factor != defaults.outer_factor) {
    add("inner_factor", P.inner_factor);
    add("outer_factor", P.outer_factor);
  }
  if (P.inner) add("inner", *P.inner);
  if (P.outer) add("outer", *P.outer);
  for (const auto& [zz, v] : P.pairs) {
    if (v.inner) add("inner_" + pair_suffix(zz.first, zz.second), *v.inner);
    if (v.outer) add("outer_" + pair_suffix(zz.first, zz.second), *v.outer);
  }
  if (!P.elements.empty()) s += ",elements=" + elements_text(P.elements);
  return "zbl:" + s;
}

Zbl Zbl::resolved(const std::vector<int>& species) const {
  Parameters P = parameters_;
  P.elements = std::set<int>(species.begin(), species.end());
  P.pairs.clear();
  for (int a : P.elements)
    for (int b : P.elements)
      if (a <= b) {
        const Radii r = radii(a, b);
        P.pairs[{a, b}] = {r.inner, r.outer};
      }
  return Zbl(std::move(P));
}

std::unique_ptr<Model> Zbl::from_spec(const ModelSpec& spec) {
  SpecParams params(spec);
  Parameters P;
  P.inner_factor = params.real("inner_factor", P.inner_factor);
  P.outer_factor = params.real("outer_factor", P.outer_factor);
  spec_support::require(P.inner_factor >= 0.0, spec, "inner_factor", P.inner_factor, "must not be negative");
  spec_support::require(P.outer_factor > P.inner_factor, spec, "outer_factor", P.outer_factor,
                        "must be larger than inner_factor (" + format_real(P.inner_factor) + ")");
  if (params.has("inner")) {
    P.inner = params.real("inner", 0.0);
    spec_support::require(*P.inner >= 0.0, spec, "inner", *P.inner, "must not be negative");
  }
  if (params.has("outer")) {
    P.outer = params.real("outer", 0.0);
    spec_support::require(*P.outer > 0.0, spec, "outer", *P.outer, "must be positive");
  }
  if (P.inner && P.outer)
    spec_support::require(*P.outer > *P.inner, spec, "outer", *P.outer,
                          "must be larger than inner (" + format_real(*P.inner) + " Å)");
  if (params.has("elements")) {
    const std::string list = params.text("elements", "");
    for (int z : spec_support::elements_in_key(spec, "elements", list,
                                                   static_cast<std::size_t>(std::count(list.begin(), list.end(), '_')) + 1))
      P.elements.insert(z);
  }
  for (const char* name : {"inner", "outer"}) {
    const std::string prefix = std::string(name) + "_";
    for (const auto& kv : params.with_prefix(prefix)) {
      if (kv.first == "inner_factor" || kv.first == "outer_factor") continue;
      const auto zs = spec_support::elements_in_key(spec, kv.first, kv.first.substr(prefix.size()), 2);
      SpecParams one(spec);
      const double v = one.real(kv.first, 0.0);
      spec_support::require(v >= 0.0, spec, kv.first, v, "must not be negative");
      PairValues& pv = P.pairs[ordered(zs[0], zs[1])];
      std::optional<double>& slot = prefix == "inner_" ? pv.inner : pv.outer;
      if (slot)
        throw InputError("model 'zbl': parameter '" + kv.first + "' given twice (as X_Y and Y_X)", spec.source, 0,
                         kv.first);
      slot = v;
    }
  }
  spec_support::finish(params, spec,
                       "inner_factor, outer_factor, inner, outer, inner_X_Y, outer_X_Y, elements");
  try {
    return std::make_unique<Zbl>(std::move(P));
  } catch (const InputError& e) {
    throw InputError(e.message(), spec.source, 0, e.field());
  }
}

}  // namespace mlp
