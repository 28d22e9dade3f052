#include "mlp/model/qeq.hpp"

#include <cmath>

#include <Eigen/LU>

#include "mlp/core/elements.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "spec_support.hpp"

namespace mlp {

namespace {

double total_charge_of(const Structure& s) {
  for (const char* key : {"total_charge", "charge"})
    if (const auto q = s.info.real(key)) {
      if (!std::isfinite(*q)) throw InputError("non-finite total charge", s.source, s.line, key);
      return *q;
    }
  return 0.0;
}

}  // namespace

void qeq_self_energy(double hardness, double qmax, double q, double& s, double& ds, double& d2s) {
  const double x = q / qmax, u = 1.0 - x * x;
  s = -0.5 * hardness * qmax * qmax * std::log(u);
  ds = hardness * q / u;
  d2s = hardness * (1.0 + x * x) / (u * u);
}

// With the clouds' self-energies the electrostatic energy is that of the full clouds, a positive-definite form.
double gaussian_self_energy(const ElectrostaticsOptions& o) {
  return kCoulombConstant / (2.0 * o.sigma * std::sqrt(3.14159265358979323846) * o.permittivity);
}

Vec3 applied_field(const Structure& s) {
  const auto f = s.info.reals("external_field");
  if (!f) return Vec3::Zero();
  if (f->size() != 3 || !std::isfinite((*f)[0]) || !std::isfinite((*f)[1]) || !std::isfinite((*f)[2]))
    throw InputError("external_field must be 3 finite reals (V/Å)", s.source, s.line, "external_field");
  if (s.any_periodic() && ((*f)[0] != 0.0 || (*f)[1] != 0.0 || (*f)[2] != 0.0))
    throw InputError("an applied field in a periodic cell is not supported (non-periodic structures only)", s.source,
                     s.line, "external_field");
  return Vec3((*f)[0], (*f)[1], (*f)[2]);
}

ChargeEquilibration::ChargeEquilibration(Parameters parameters) : parameters_(std::move(parameters)) {
  if (!(parameters_.electrostatics.sigma > 0.0))
    throw InputError("qeq needs smeared charges (sigma > 0), which keep the problem convex", "", 0, "sigma");
  if (parameters_.electrostatics.debye_length > 0.0)
    throw InputError("qeq with Debye screening is not supported", "", 0, "debye");
  for (const auto& [z, e] : parameters_.elements)
    if (!(std::isfinite(e.chi) && e.hardness > 0.0 && e.qmax > 0.0 && std::isfinite(e.hardness) &&
          std::isfinite(e.qmax)))
      throw InputError("qeq: " + element_symbol(z) + " needs a finite chi, hardness > 0 and qmax > 0", "", 0,
                       "elements");
}

bool ChargeEquilibration::supports(const std::vector<int>& numbers, std::string& why) const {
  for (int z : numbers)
    if (!parameters_.elements.count(z)) {
      const std::string symbol = z >= 1 && z <= kMaxAtomicNumber ? element_symbol(z) : "Z=" + std::to_string(z);
      why = "model 'qeq' has no parameters for " + symbol + " (give chi_" + symbol + "=..., J_" + symbol + "=...)";
      return false;
    }
  return true;
}

Eigen::MatrixXd qeq_interaction_matrix(const Structure& s, const NeighborList& nl,
                                       const ElectrostaticsOptions& electrostatics) {
  if (!(electrostatics.sigma > 0.0))
    throw InputError("charge equilibration needs smeared charges (sigma > 0)", s.source, s.line, "sigma");
  const std::size_t n = s.size();
  const auto N = static_cast<Eigen::Index>(n);
  // Column j is the potential of a unit charge on atom j (E_es = ½ qᵀ A q), plus the clouds' self-energies.
  Eigen::MatrixXd A(N, N);
  std::vector<double> unit(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    unit[j] = 1.0;
    const std::vector<double> phi = electrostatic_potential(s, nl, unit, electrostatics);
    for (std::size_t i = 0; i < n; ++i) A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = phi[i];
    unit[j] = 0.0;
  }
  A = 0.5 * (A + A.transpose()).eval();  // exact in theory; removes roundoff asymmetry
  A.diagonal().array() += 2.0 * gaussian_self_energy(electrostatics);
  return A;
}

QeqSolution solve_qeq(const Structure& s, const NeighborList& nl, const QeqAtoms& atoms,
                      const ElectrostaticsOptions& electrostatics, double tolerance, bool want_response) {
  return solve_qeq(s, qeq_interaction_matrix(s, nl, electrostatics), atoms, tolerance, want_response);
}

QeqSolution solve_qeq(const Structure& s, const Eigen::MatrixXd& A, const QeqAtoms& atoms, double tolerance,
                      bool want_response) {
  const std::size_t n = s.size();
  const auto N = static_cast<Eigen::Index>(n);
  if (atoms.chi.size() != n || atoms.hardness.size() != n || atoms.qmax.size() != n || A.rows() != N ||
      A.cols() != N)
    throw InputError("charge equilibration: one electronegativity, hardness and qmax per atom", s.source, s.line,
                     "charges");
  const double Q = total_charge_of(s);
  const Vec3 field = applied_field(s);
  QeqSolution out;
  if (n == 0) return out;
  double room = 0.0;  // Σ qmax: a total charge beyond it cannot be reached
  for (double m : atoms.qmax) room += m;
  if (!(std::abs(Q) < room))
    throw InputError("total charge " + std::to_string(Q) + " e cannot be shared out with |q_i| < qmax", s.source,
                     s.line, "total_charge");
  Eigen::VectorXd linear(N);  // χ_i − F·r_i
  for (std::size_t i = 0; i < n; ++i)
    linear(static_cast<Eigen::Index>(i)) = atoms.chi[i] - field.dot(s.positions.row(static_cast<Eigen::Index>(i)));

  const auto objective = [&](const Eigen::VectorXd& q, Eigen::VectorXd* g, Eigen::VectorXd* h) {
    double e = linear.dot(q) + 0.5 * q.dot(A * q);
    if (g) *g = linear + A * q;
    if (h) h->resize(N);
    for (Eigen::Index i = 0; i < N; ++i) {
      const auto k = static_cast<std::size_t>(i);
      double si, dsi, d2si;
      qeq_self_energy(atoms.hardness[k], atoms.qmax[k], q(i), si, dsi, d2si);
      e += si;
      if (g) (*g)(i) += dsi;
      if (h) (*h)(i) = d2si;
    }
    return e;
  };
  const auto kkt_matrix = [&](const Eigen::VectorXd& h) {
    Eigen::MatrixXd kkt = Eigen::MatrixXd::Zero(N + 1, N + 1);
    kkt.topLeftCorner(N, N) = A;
    kkt.topLeftCorner(N, N).diagonal() += h;
    kkt.block(0, N, N, 1).setOnes();
    kkt.block(N, 0, 1, N).setOnes();
    return kkt;
  };

  // Newton's method on the strictly convex problem with the constraint Σq = Q, from the even share. Steps are
  // shortened to stay inside the barrier and to decrease E (backtracking): E is convex, so this converges. The
  // tolerance is relative to the size of the linear terms (a strong field makes them large).
  Eigen::VectorXd q = Eigen::VectorXd::Constant(N, Q / static_cast<double>(n));
  Eigen::VectorXd g, h;
  double e = objective(q, &g, &h);
  const double scale = 1.0 + linear.cwiseAbs().maxCoeff();
  bool stalled = false;
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double lambda = g.mean();
    // Converged: stationary to the tolerance, or Newton can no longer move the charges (machine precision, e.g.
    // charges pressed against their limits by extreme electronegativities).
    if ((g.array() - lambda).abs().maxCoeff() <= tolerance * scale || stalled) {
      out.charges.assign(q.data(), q.data() + N);
      out.energy = e;
      if (want_response) {
        // Differentiating the stationarity conditions H dq + 1 dλ = −dχ, 1ᵀdq = 0 gives dq = −[K⁻¹]_qq dχ.
        const Eigen::MatrixXd inverse = kkt_matrix(h).inverse();
        out.response = -inverse.topLeftCorner(N, N);
      }
      return out;
    }
    Eigen::VectorXd rhs(N + 1);
    rhs.head(N) = -g;
    rhs(N) = Q - q.sum();
    const Eigen::VectorXd step = kkt_matrix(h).partialPivLu().solve(rhs).head(N);
    double t = 1.0;
    for (Eigen::Index i = 0; i < N; ++i) {  // stay inside (−qmax, qmax) with a margin
      const double qmax = atoms.qmax[static_cast<std::size_t>(i)], target = q(i) + step(i);
      if (std::abs(target) >= qmax) {
        const double bound = step(i) > 0 ? qmax : -qmax;
        t = std::min(t, 0.99 * (bound - q(i)) / step(i));
      }
    }
    Eigen::VectorXd trial, gt, ht;
    double et = 0.0;
    for (int k = 0; k < 60; ++k, t *= 0.5) {
      trial = q + t * step;
      et = objective(trial, &gt, &ht);
      if (et <= e + 1e-14 * std::max(1.0, std::abs(e))) break;
    }
    stalled = (t * step).cwiseAbs().maxCoeff() <= 1e-15 * (1.0 + q.cwiseAbs().maxCoeff());
    q = trial, g = gt, h = ht, e = et;
  }
  throw ComputeError("frame " + std::to_string(s.frame) + ": charge equilibration did not converge", s.source, s.line,
                     "charges");
}

QeqAtoms ChargeEquilibration::atom_parameters(const Structure& s) const {
  QeqAtoms atoms;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto it = parameters_.elements.find(s.numbers[i]);
    if (it == parameters_.elements.end())
      throw InputError("model 'qeq' has no parameters for atom " + std::to_string(i), s.source, s.line, "species");
    atoms.chi.push_back(it->second.chi);
    atoms.hardness.push_back(it->second.hardness);
    atoms.qmax.push_back(it->second.qmax);
  }
  return atoms;
}

std::vector<double> ChargeEquilibration::equilibrate(const Structure& s, const NeighborList& nl,
                                                     double* energy) const {
  QeqSolution solution = solve_qeq(s, nl, atom_parameters(s), parameters_.electrostatics, parameters_.tolerance);
  if (energy) *energy = solution.energy;
  return std::move(solution.charges);
}

double add_qeq_result(const Structure& s, const NeighborList& nl, const QeqAtoms& atoms,
                      const std::vector<double>& q, const ElectrostaticsOptions& electrostatics,
                      const EvalRequest& request, EvalResult& result) {
  const std::size_t n = s.size();
  const Vec3 field = applied_field(s);
  // Electrostatics of the equilibrated charges at fixed q (Hellmann-Feynman, see the header).
  double energy = add_electrostatics(s, nl, q, electrostatics, request, result);
  const double gauss = gaussian_self_energy(electrostatics);
  for (std::size_t i = 0; i < n; ++i) {
    const auto I = static_cast<Eigen::Index>(i);
    double si, dsi, d2si;
    qeq_self_energy(atoms.hardness[i], atoms.qmax[i], q[i], si, dsi, d2si);
    const double ei = atoms.chi[i] * q[i] + si + gauss * q[i] * q[i] - q[i] * field.dot(s.positions.row(I));
    energy += ei;
    if (request.atom_energies) result.atom_energies[I] += ei;
    if (request.forces) result.forces.row(I) += q[i] * field.transpose();
    // W = −dE/dε of −q F·r under r → (I + ε) r: q F ⊗ r (not symmetric: a field breaks rotational symmetry).
    const Mat3 w = q[i] * field * s.positions.row(I);
    if (request.virial) result.virial += w;
    if (request.atom_virials) result.atom_virials[i] += w;
  }
  result.energy += energy;
  const auto N = static_cast<Eigen::Index>(n);
  if (result.charges.size() != N) result.charges = Eigen::VectorXd::Zero(N);
  result.charges += Eigen::Map<const Eigen::VectorXd>(q.data(), N);
  result.has_charges = true;
  return energy;
}

void ChargeEquilibration::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                                  EvalResult& result) const {
  const QeqAtoms atoms = atom_parameters(s);
  const QeqSolution solution = solve_qeq(s, nl, atoms, parameters_.electrostatics, parameters_.tolerance);
  const double energy = add_qeq_result(s, nl, atoms, solution.charges, parameters_.electrostatics, request, result);
  result.term_energies.emplace_back(name(), energy);
}

std::string ChargeEquilibration::spec() const {
  std::string s = "qeq";
  char sep = ':';
  const auto add = [&](const std::string& key, double value) {
    s += sep + key + "=" + spec_support::format_real(value);
    sep = ',';
  };
  for (const auto& [z, e] : parameters_.elements) {
    add("chi_" + element_symbol(z), e.chi);
    add("J_" + element_symbol(z), e.hardness);
    add("qmax_" + element_symbol(z), e.qmax);
  }
  const ElectrostaticsOptions& o = parameters_.electrostatics;
  add("sigma", o.sigma);
  add("rc", o.rcut);
  add("accuracy", o.accuracy);
  add("permittivity", o.permittivity);
  return s;
}

std::unique_ptr<Model> ChargeEquilibration::from_spec(const ModelSpec& spec) {
  SpecParams params(spec);
  Parameters P;
  const auto per_element = [&](const std::string& prefix, auto set) {
    for (const auto& kv : params.with_prefix(prefix)) {
      const int z = spec_support::elements_in_key(spec, kv.first, kv.first.substr(prefix.size()), 1)[0];
      SpecParams one(spec);
      set(P.elements[z], one.real(kv.first, 0.0));
    }
  };
  per_element("chi_", [](Element& e, double v) { e.chi = v; });
  std::map<int, bool> has_hardness;
  for (const auto& kv : params.with_prefix("J_")) {
    const int z = spec_support::elements_in_key(spec, kv.first, kv.first.substr(2), 1)[0];
    SpecParams one(spec);
    P.elements[z].hardness = one.real(kv.first, 0.0);
    has_hardness[z] = true;
    spec_support::require(P.elements[z].hardness > 0.0, spec, kv.first, P.elements[z].hardness, "must be > 0 (eV/e²)");
  }
  per_element("qmax_", [](Element& e, double v) { e.qmax = v; });
  for (const auto& [z, e] : P.elements) {
    spec_support::require(has_hardness.count(z) > 0, spec, "J_" + element_symbol(z), 0.0,
                          "is required for every element with chi_ (eV/e²)");
    spec_support::require(e.qmax > 0.0, spec, "qmax_" + element_symbol(z), e.qmax, "must be > 0 (e)");
  }
  ElectrostaticsOptions& o = P.electrostatics;
  o.sigma = params.real("sigma", 1.0);
  spec_support::require(o.sigma > 0.0, spec, "sigma", o.sigma, "must be > 0 (Å): QEq needs smeared charges");
  o.rcut = params.real("rc", std::max(o.rcut, 12.0 * o.sigma));
  spec_support::require(o.rcut > 0.0, spec, "rc", o.rcut, "must be > 0 (Å)");
  o.accuracy = params.real("accuracy", o.accuracy);
  spec_support::require(o.accuracy > 0.0 && o.accuracy < 1e-2, spec, "accuracy", o.accuracy, "must be in (0, 0.01)");
  o.permittivity = params.real("permittivity", o.permittivity);
  spec_support::require(o.permittivity >= 1.0, spec, "permittivity", o.permittivity, "must be >= 1");
  spec_support::finish(params, spec,
                       "chi_X (eV/e), J_X (eV/e²), qmax_X (e), sigma (Å), rc (Å), accuracy, permittivity");
  return std::make_unique<ChargeEquilibration>(std::move(P));
}

}  // namespace mlp
