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

void PointCharges::compute(const Structure& s, const NeighborList&, const EvalRequest& request,
                           EvalResult& result) const {
  const std::string where = "frame " + std::to_string(s.frame) + ": model 'charges': ";
  if (s.any_periodic())
    throw InputError(where + "a periodic structure needs Ewald, not available yet (the bare Coulomb sum over "
                             "periodic images does not converge)",
                     s.source, s.line, "pbc");
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

  // Direct O(N²) sum over pairs i < j; each pair's energy and virial are split half/half between its atoms.
  double energy = 0.0;
  Mat3 virial = Mat3::Zero();
  for (std::size_t i = 0; i < n; ++i) {
    if (q[i] == 0.0) continue;
    const Vec3 ri = s.positions.row(static_cast<Eigen::Index>(i)).transpose();
    for (std::size_t j = i + 1; j < n; ++j) {
      if (q[j] == 0.0) continue;
      const Vec3 d = s.positions.row(static_cast<Eigen::Index>(j)).transpose() - ri;
      const double r = d.norm();
      const double e = kCoulomb * q[i] * q[j] / r;
      const Vec3 g = (-e / (r * r)) * d;  // dE/d(r_j − r_i)
      energy += e;
      const Mat3 w = -g * d.transpose();  // F_j ⊗ d
      virial += w;
      if (request.forces) {
        result.forces.row(static_cast<Eigen::Index>(i)) += g.transpose();
        result.forces.row(static_cast<Eigen::Index>(j)) -= g.transpose();
      }
      if (request.atom_energies) {
        result.atom_energies[static_cast<Eigen::Index>(i)] += 0.5 * e;
        result.atom_energies[static_cast<Eigen::Index>(j)] += 0.5 * e;
      }
      if (request.atom_virials) {
        result.atom_virials[i] += 0.5 * w;
        result.atom_virials[j] += 0.5 * w;
      }
    }
  }
  result.energy += energy;
  if (request.virial) result.virial += virial;
  result.term_energies.emplace_back(name(), energy);
}

std::string PointCharges::spec() const {
  std::string s = "charges";
  char sep = ':';
  for (const auto& [z, q] : parameters_.charges) {
    s += sep + ("q_" + element_symbol(z)) + "=" + spec_support::format_real(q);
    sep = ',';
  }
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
  spec_support::finish(params, spec, "q_X (charge of element X, e)");
  return std::make_unique<PointCharges>(std::move(P));
}

}  // namespace mlp
