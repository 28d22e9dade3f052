#include "mlp/model/pair_potentials.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "mlp/core/elements.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "pair_sum.hpp"
#include "spec_support.hpp"

namespace mlp {

using spec_support::format_real;

// ---- shared evaluation loop --------------------------------------------------------------------------------

void PairPotential::shifted_phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const {
  energy = denergy_dr = 0.0;
  if (r >= pp.cutoff) return;
  phi(pp, r, energy, denergy_dr);
  if (shift() == PairShift::None) return;
  double erc = 0.0, derc = 0.0;
  phi(pp, pp.cutoff, erc, derc);
  energy -= erc;
  if (shift() == PairShift::Force) {
    energy -= (r - pp.cutoff) * derc;
    denergy_dr -= derc;
  }
}

void PairPotential::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                            EvalResult& result) const {
  // Parameters (and the shift constants) per pair of the species present, looked up by a small type index so
  // that the loop over pairs does no map lookups and no repeated evaluation at the cutoff.
  std::vector<int> type_of(kMaxAtomicNumber + 1, -1), species;
  std::vector<int> type(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int z = s.numbers[i];
    if (z < 1 || z > kMaxAtomicNumber)
      throw InputError("frame " + std::to_string(s.frame) + ": atom " + std::to_string(i) + " has atomic number " +
                           std::to_string(z) + ", not an element",
                       s.source, s.line, "species");
    if (type_of[static_cast<std::size_t>(z)] < 0) {
      type_of[static_cast<std::size_t>(z)] = static_cast<int>(species.size());
      species.push_back(z);
    }
    type[i] = type_of[static_cast<std::size_t>(z)];
  }
  struct Entry {
    PairParams pp;
    double erc = 0.0, derc = 0.0;  // φ(rc) (eV) and φ'(rc) (eV/Å), subtracted according to shift()
  };
  const std::size_t nt = species.size();
  std::vector<Entry> table(nt * nt);
  for (std::size_t a = 0; a < nt; ++a)
    for (std::size_t b = 0; b < nt; ++b) {
      Entry& e = table[a * nt + b];
      e.pp = pair_params(species[a], species[b]);
      if (shift() != PairShift::None) phi(e.pp, e.pp.cutoff, e.erc, e.derc);
      if (shift() == PairShift::Energy) e.derc = 0.0;
    }
  const bool force_shift = shift() == PairShift::Force;

  // The half/half bookkeeping and contributing flags: pair_sum.hpp.
  const double energy = detail::add_pair_sum(s, nl, request, result,
                                             [&](std::size_t i, std::size_t j, double r, double& phi_r, double& dphi) {
    const Entry& e = table[static_cast<std::size_t>(type[i]) * nt + static_cast<std::size_t>(type[j])];
    if (r >= e.pp.cutoff) return false;  // beyond this pair's cutoff (or in the list's skin)
    phi(e.pp, r, phi_r, dphi);
    phi_r -= e.erc;
    if (force_shift) phi_r -= (r - e.pp.cutoff) * e.derc;
    dphi -= e.derc;
    return true;
  });
  result.term_energies.emplace_back(name(), energy);
}

namespace {

PairShift parse_shift(SpecParams& params, const ModelSpec& spec) {
  const std::string v = params.text("shift", "force");
  if (v == "force") return PairShift::Force;
  if (v == "energy") return PairShift::Energy;
  if (v == "none") return PairShift::None;
  throw InputError("model '" + spec.name + "': parameter 'shift' must be force, energy or none, got '" + v + "'",
                   spec.source, 0, "shift");
}

const char* shift_name(PairShift s) {
  return s == PairShift::Force ? "force" : s == PairShift::Energy ? "energy" : "none";
}

std::pair<int, int> ordered(int a, int b) { return {std::min(a, b), std::max(a, b)}; }

std::string pair_suffix(const std::pair<int, int>& p) {
  return element_symbol(p.first) + "_" + element_symbol(p.second);
}

void check_positive(const ModelSpec& spec, const std::string& key, double v) {
  spec_support::require(v > 0.0, spec, key, v, "must be positive");
}

}  // namespace

// ---- Lennard-Jones -----------------------------------------------------------------------------------------

LennardJones::LennardJones(Parameters parameters) : parameters_(std::move(parameters)) {
  // The largest cutoff over all pairs that can occur: pairs among the elements with their own values and
  // "any other element" (atomic number 0 here, meaning: global values).
  std::set<int> zs{0};
  for (const auto& e : parameters_.elements) zs.insert(e.first);
  for (const auto& p : parameters_.pairs) zs.insert({p.first.first, p.first.second});
  for (int a : zs)
    for (int b : zs) max_cutoff_ = std::max(max_cutoff_, pair_params(a, b).cutoff);
}

LennardJones::PairParams LennardJones::pair_params(int z1, int z2) const {
  const Parameters& P = parameters_;
  const auto eps_of = [&](int z) {
    const auto it = P.elements.find(z);
    return it != P.elements.end() && it->second.epsilon ? *it->second.epsilon : P.epsilon;
  };
  const auto sig_of = [&](int z) {
    const auto it = P.elements.find(z);
    return it != P.elements.end() && it->second.sigma ? *it->second.sigma : P.sigma;
  };
  // Lorentz-Berthelot; for equal values sqrt(e·e) == e and (s+s)/2 == s exactly, so unmixed pairs keep their
  // parameters bit for bit.
  double eps = std::sqrt(eps_of(z1) * eps_of(z2));
  double sig = 0.5 * (sig_of(z1) + sig_of(z2));
  std::optional<double> rc = P.cutoff;
  const auto it = P.pairs.find(ordered(z1, z2));
  if (it != P.pairs.end()) {
    if (it->second.epsilon) eps = *it->second.epsilon;
    if (it->second.sigma) sig = *it->second.sigma;
    if (it->second.cutoff) rc = it->second.cutoff;
  }
  PairParams pp;
  pp.p = {eps, sig, 0.0, 0.0};
  pp.cutoff = rc ? *rc : 2.5 * sig;
  return pp;
}

void LennardJones::phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const {
  const double eps = pp.p[0], sig = pp.p[1];
  const double sr2 = (sig / r) * (sig / r);
  const double sr6 = sr2 * sr2 * sr2;
  energy = 4.0 * eps * (sr6 * sr6 - sr6);
  denergy_dr = -24.0 * eps * (2.0 * sr6 * sr6 - sr6) / r;
}

std::string LennardJones::spec() const {
  const Parameters& P = parameters_;
  std::string s = "lj:epsilon=" + format_real(P.epsilon) + ",sigma=" + format_real(P.sigma);
  if (P.cutoff) s += ",cutoff=" + format_real(*P.cutoff);
  s += std::string(",shift=") + shift_name(P.shift);
  for (const auto& [z, v] : P.elements) {
    if (v.epsilon) s += ",epsilon_" + element_symbol(z) + "=" + format_real(*v.epsilon);
    if (v.sigma) s += ",sigma_" + element_symbol(z) + "=" + format_real(*v.sigma);
  }
  for (const auto& [zz, v] : P.pairs) {
    if (v.epsilon) s += ",epsilon_" + pair_suffix(zz) + "=" + format_real(*v.epsilon);
    if (v.sigma) s += ",sigma_" + pair_suffix(zz) + "=" + format_real(*v.sigma);
    if (v.cutoff) s += ",cutoff_" + pair_suffix(zz) + "=" + format_real(*v.cutoff);
  }
  return s;
}

std::unique_ptr<Model> LennardJones::from_spec(const ModelSpec& spec) {
  SpecParams params(spec);
  Parameters P;
  P.epsilon = params.real("epsilon", P.epsilon);
  P.sigma = params.real("sigma", P.sigma);
  check_positive(spec, "epsilon", P.epsilon);
  check_positive(spec, "sigma", P.sigma);
  if (params.has("cutoff")) {
    P.cutoff = params.real("cutoff", 0.0);
    check_positive(spec, "cutoff", *P.cutoff);
  }
  P.shift = parse_shift(params, spec);
  for (const char* name : {"epsilon", "sigma", "cutoff"}) {
    const std::string prefix = std::string(name) + "_";
    for (const auto& kv : params.with_prefix(prefix)) {
      const std::string suffix = kv.first.substr(prefix.size());
      const bool is_pair = suffix.find('_') != std::string::npos;
      SpecParams one(spec);
      const double v = one.real(kv.first, 0.0);
      check_positive(spec, kv.first, v);
      if (!is_pair) {
        if (prefix == "cutoff_")
          throw InputError("model 'lj': parameter '" + kv.first + "': cutoffs are per pair (cutoff_X_Y)",
                           spec.source, 0, kv.first);
        const int z = spec_support::elements_in_key(spec, kv.first, suffix, 1)[0];
        (prefix == "epsilon_" ? P.elements[z].epsilon : P.elements[z].sigma) = v;
      } else {
        const auto zs = spec_support::elements_in_key(spec, kv.first, suffix, 2);
        PairValues& pv = P.pairs[ordered(zs[0], zs[1])];
        std::optional<double>& slot = prefix == "epsilon_" ? pv.epsilon : prefix == "sigma_" ? pv.sigma : pv.cutoff;
        if (slot)
          throw InputError("model 'lj': parameter '" + kv.first + "' given twice (as X_Y and Y_X)", spec.source, 0,
                           kv.first);
        slot = v;
      }
    }
  }
  spec_support::finish(params, spec,
                       "epsilon, sigma, cutoff, shift, epsilon_X, sigma_X, epsilon_X_Y, sigma_X_Y, cutoff_X_Y");
  return std::make_unique<LennardJones>(std::move(P));
}

// ---- Morse -------------------------------------------------------------------------------------------------

Morse::Morse(Parameters parameters) : parameters_(std::move(parameters)) {
  max_cutoff_ = parameters_.cutoff;
  for (const auto& p : parameters_.pairs)
    if (p.second.cutoff) max_cutoff_ = std::max(max_cutoff_, *p.second.cutoff);
}

Morse::PairParams Morse::pair_params(int z1, int z2) const {
  const Parameters& P = parameters_;
  PairParams pp;
  pp.p = {P.D, P.a, P.r0, 0.0};
  pp.cutoff = P.cutoff;
  const auto it = P.pairs.find(ordered(z1, z2));
  if (it != P.pairs.end()) {
    if (it->second.D) pp.p[0] = *it->second.D;
    if (it->second.a) pp.p[1] = *it->second.a;
    if (it->second.r0) pp.p[2] = *it->second.r0;
    if (it->second.cutoff) pp.cutoff = *it->second.cutoff;
  }
  return pp;
}

void Morse::phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const {
  const double D = pp.p[0], a = pp.p[1], r0 = pp.p[2];
  const double x = std::exp(-a * (r - r0));
  energy = D * (x * x - 2.0 * x);
  denergy_dr = 2.0 * a * D * (x - x * x);
}

std::string Morse::spec() const {
  const Parameters& P = parameters_;
  std::string s = "morse:D=" + format_real(P.D) + ",a=" + format_real(P.a) + ",r0=" + format_real(P.r0) +
                  ",cutoff=" + format_real(P.cutoff) + ",shift=" + shift_name(P.shift);
  for (const auto& [zz, v] : P.pairs) {
    if (v.D) s += ",D_" + pair_suffix(zz) + "=" + format_real(*v.D);
    if (v.a) s += ",a_" + pair_suffix(zz) + "=" + format_real(*v.a);
    if (v.r0) s += ",r0_" + pair_suffix(zz) + "=" + format_real(*v.r0);
    if (v.cutoff) s += ",cutoff_" + pair_suffix(zz) + "=" + format_real(*v.cutoff);
  }
  return s;
}

std::unique_ptr<Model> Morse::from_spec(const ModelSpec& spec) {
  SpecParams params(spec);
  Parameters P;
  P.D = params.real("D", P.D);
  P.a = params.real("a", P.a);
  P.r0 = params.real("r0", P.r0);
  P.cutoff = params.real("cutoff", P.cutoff);
  for (const auto& [key, v] : {std::pair<const char*, double>{"D", P.D}, {"a", P.a}, {"r0", P.r0}, {"cutoff", P.cutoff}})
    check_positive(spec, key, v);
  P.shift = parse_shift(params, spec);
  for (const char* name : {"D", "a", "r0", "cutoff"}) {
    const std::string prefix = std::string(name) + "_";
    for (const auto& kv : params.with_prefix(prefix)) {
      const auto zs = spec_support::elements_in_key(spec, kv.first, kv.first.substr(prefix.size()), 2);
      SpecParams one(spec);
      const double v = one.real(kv.first, 0.0);
      check_positive(spec, kv.first, v);
      PairValues& pv = P.pairs[ordered(zs[0], zs[1])];
      std::optional<double>& slot =
          prefix == "D_" ? pv.D : prefix == "a_" ? pv.a : prefix == "r0_" ? pv.r0 : pv.cutoff;
      if (slot)
        throw InputError("model 'morse': parameter '" + kv.first + "' given twice (as X_Y and Y_X)", spec.source, 0,
                         kv.first);
      slot = v;
    }
  }
  spec_support::finish(params, spec, "D, a, r0, cutoff, shift, D_X_Y, a_X_Y, r0_X_Y, cutoff_X_Y");
  return std::make_unique<Morse>(std::move(P));
}

}  // namespace mlp
