// Electrostatics of fixed charges: Ewald sums, direct sums, smearing and screening (see mlp/model/ewald.hpp).
#include "mlp/model/ewald.hpp"

#include <cmath>
#include <complex>
#include <Eigen/LU>
#include <functional>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrtPi = 1.77245385090551602730;

/// A radial pair function φ(r) and its derivative; the pair energy is k_e q_i q_j φ(r) / ε_r.
using PairFunction = std::function<void(double r, double& phi, double& dphi)>;

PairFunction bare() {
  return [](double r, double& phi, double& dphi) {
    phi = 1.0 / r;
    dphi = -phi / r;
  };
}

PairFunction smeared(double sigma) {  // erf(r/2σ)/r
  const double c = 1.0 / (2.0 * sigma);
  return [c](double r, double& phi, double& dphi) {
    const double e = std::erf(c * r);
    phi = e / r;
    dphi = (2.0 / kSqrtPi) * c * std::exp(-c * c * r * r) / r - e / (r * r);
  };
}

PairFunction screened(double lambda) {  // exp(−r/λ)/r
  return [lambda](double r, double& phi, double& dphi) {
    phi = std::exp(-r / lambda) / r;
    dphi = -phi * (1.0 / lambda + 1.0 / r);
  };
}

PairFunction ewald_real(double alpha, double sigma) {  // erfc(αr)/r, minus erfc(r/2σ)/r when smeared
  const double c = sigma > 0.0 ? 1.0 / (2.0 * sigma) : 0.0;
  return [alpha, c](double r, double& phi, double& dphi) {
    double g = std::erfc(alpha * r);
    double dg = -(2.0 / kSqrtPi) * alpha * std::exp(-alpha * alpha * r * r);
    if (c > 0.0) {
      g -= std::erfc(c * r);
      dg += (2.0 / kSqrtPi) * c * std::exp(-c * c * r * r);
    }
    phi = g / r;
    dphi = dg / r - g / (r * r);
  };
}

/// Add a pair term of energy e (eV) between atoms i and j, with g = dE/d(r_j − r_i) and d = r_j − r_i: forces,
/// virial, and the energy and virial split half/half between the two atoms.
void add_pair(std::size_t i, std::size_t j, double e, const Vec3& g, const Vec3& d, const EvalRequest& request,
              EvalResult& result) {
  const Mat3 w = -g * d.transpose();
  if (request.virial) result.virial += w;
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

/// Direct sum over all pairs i < j (non-periodic).
/// With `potential` non-null, also add φ_i = ∂E/∂q_i (eV/e) of every atom, charged or not.
double direct_sum(const Structure& s, const std::vector<double>& q, const PairFunction& f, double ke,
                  const EvalRequest& request, EvalResult& result, std::vector<double>* potential = nullptr) {
  double energy = 0.0;
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (q[i] == 0.0 && !potential) continue;
    const Vec3 ri = s.positions.row(static_cast<Eigen::Index>(i)).transpose();
    for (std::size_t j = i + 1; j < n; ++j) {
      if (q[j] == 0.0 && !potential) continue;
      const Vec3 d = s.positions.row(static_cast<Eigen::Index>(j)).transpose() - ri;
      const double r = d.norm();
      double phi, dphi;
      f(r, phi, dphi);
      if (potential) {
        (*potential)[i] += ke * q[j] * phi;
        (*potential)[j] += ke * q[i] * phi;
      }
      const double e = ke * q[i] * q[j] * phi;
      energy += e;
      add_pair(i, j, e, (ke * q[i] * q[j] * dphi / r) * d, d, request, result);
    }
  }
  return energy;
}

/// Real-space sum over a full neighbour list (each pair seen from both atoms, half the energy each time).
double real_space_sum(const NeighborList& nl, const std::vector<double>& q, double rcut,
                      const PairFunction& f, double ke, const EvalRequest& request, EvalResult& result,
                      std::vector<double>* potential = nullptr) {
  double energy = 0.0;
  for (std::size_t i = 0; i < nl.atoms(); ++i) {
    if (q[i] == 0.0 && !potential) continue;
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.distance(k);
      const auto j = static_cast<std::size_t>(nl.neighbor(k));
      if (r >= rcut || (q[j] == 0.0 && !potential)) continue;
      double phi, dphi;
      f(r, phi, dphi);
      if (potential) (*potential)[i] += ke * q[j] * phi;  // the full list holds the pair from both sides
      const double e = 0.5 * ke * q[i] * q[j] * phi;
      const Vec3& d = nl.vector(k);
      energy += e;
      add_pair(i, j, e, (0.5 * ke * q[i] * q[j] * dphi / r) * d, d, request, result);
    }
  }
  return energy;
}

/// Reciprocal-space, self and background terms of the Ewald sum.
double reciprocal_sum(const Structure& s, const std::vector<double>& q, const EwaldParameters& p, double ke,
                      const EvalRequest& request, EvalResult& result, std::vector<double>* potential = nullptr) {
  using cd = std::complex<double>;
  const Mat3& A = s.cell;  // rows: lattice vectors
  const double volume = std::abs(A.determinant());
  const Mat3 B = 2.0 * kPi * A.inverse().transpose();  // rows: reciprocal vectors, a_i·b_j = 2π δ_ij
  const std::size_t n = s.size();
  int nmax[3];
  for (int a = 0; a < 3; ++a) nmax[a] = static_cast<int>(std::floor(p.kcut * A.row(a).norm() / (2.0 * kPi)));

  // Phase factors exp(i n b_a·r_j) for n in [−nmax_a, nmax_a], by repeated multiplication.
  std::vector<std::vector<cd>> phase[3];
  for (int a = 0; a < 3; ++a) {
    const int m = nmax[a];
    phase[a].assign(n, std::vector<cd>(static_cast<std::size_t>(2 * m + 1)));
    for (std::size_t j = 0; j < n; ++j) {
      const double x = B.row(a).dot(s.positions.row(static_cast<Eigen::Index>(j)));
      const cd e1(std::cos(x), std::sin(x));
      auto& row = phase[a][j];
      row[static_cast<std::size_t>(m)] = 1.0;
      for (int k = 1; k <= m; ++k) {
        row[static_cast<std::size_t>(m + k)] = row[static_cast<std::size_t>(m + k - 1)] * e1;
        row[static_cast<std::size_t>(m - k)] = std::conj(row[static_cast<std::size_t>(m + k)]);
      }
    }
  }

  double energy = 0.0;
  std::vector<cd> c(n);
  const double four_alpha2 = 4.0 * p.alpha * p.alpha;
  for (int n1 = 0; n1 <= nmax[0]; ++n1)
    for (int n2 = (n1 == 0 ? 0 : -nmax[1]); n2 <= nmax[1]; ++n2)
      for (int n3 = (n1 == 0 && n2 == 0 ? 1 : -nmax[2]); n3 <= nmax[2]; ++n3) {
        const Vec3 k = n1 * B.row(0).transpose() + n2 * B.row(1).transpose() + n3 * B.row(2).transpose();
        const double k2 = k.squaredNorm();
        if (k2 >= p.kcut * p.kcut) continue;
        // Half of k-space: the +k and −k terms are equal, hence the factor 2.
        const double pref = 2.0 * (2.0 * kPi / volume) * std::exp(-k2 / four_alpha2) / k2 * ke;
        cd S = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
          c[j] = phase[0][j][static_cast<std::size_t>(n1 + nmax[0])] *
                 phase[1][j][static_cast<std::size_t>(n2 + nmax[1])] *
                 phase[2][j][static_cast<std::size_t>(n3 + nmax[2])];
          S += q[j] * c[j];
        }
        const double ek = pref * std::norm(S);
        energy += ek;
        if (request.virial)
          result.virial += ek * (Mat3::Identity() - 2.0 * (1.0 / k2 + 1.0 / four_alpha2) * (k * k.transpose()));
        if (potential)  // ∂(pref |S|²)/∂q_j = 2 pref Re(S* c_j)
          for (std::size_t j = 0; j < n; ++j) (*potential)[j] += 2.0 * pref * (std::conj(S) * c[j]).real();
        if (request.forces || request.atom_energies)
          for (std::size_t j = 0; j < n; ++j) {
            if (q[j] == 0.0) continue;
            const cd t = std::conj(S) * c[j];
            if (request.forces) result.forces.row(static_cast<Eigen::Index>(j)) += (2.0 * pref * q[j] * t.imag()) * k;
            if (request.atom_energies) result.atom_energies[static_cast<Eigen::Index>(j)] += pref * q[j] * t.real();
          }
      }

  // Self energy of the screening Gaussians and the neutralising background of a charged cell.
  double total_charge = 0.0;
  for (double qi : q) total_charge += qi;
  const double background = -kPi * total_charge * total_charge / (2.0 * volume * p.alpha * p.alpha) * ke;
  for (std::size_t j = 0; j < n; ++j) {
    const double self = -p.alpha / kSqrtPi * q[j] * q[j] * ke;
    energy += self;
    if (potential) (*potential)[j] += -2.0 * p.alpha / kSqrtPi * q[j] * ke - kPi * total_charge / (volume * p.alpha * p.alpha) * ke;
    if (request.atom_energies) {
      result.atom_energies[static_cast<Eigen::Index>(j)] += self;
      if (total_charge != 0.0)
        result.atom_energies[static_cast<Eigen::Index>(j)] += background * q[j] / total_charge;
    }
  }
  energy += background;
  if (request.virial) result.virial += background * Mat3::Identity();
  return energy;
}

}  // namespace

double debye_length(double ionic_strength, double permittivity, double temperature) {
  if (!(ionic_strength > 0.0 && permittivity > 0.0 && temperature > 0.0))
    throw InputError("the Debye length needs a positive ionic strength, permittivity and temperature");
  constexpr double kEpsilon0 = 8.8541878128e-12;  // F/m
  constexpr double kBoltzmannSI = 1.380649e-23;   // J/K
  constexpr double kAvogadro = 6.02214076e23;     // 1/mol
  constexpr double kElementary = 1.602176634e-19; // C
  const double per_m3 = ionic_strength * 1000.0;  // mol/L → mol/m^3
  const double metres = std::sqrt(permittivity * kEpsilon0 * kBoltzmannSI * temperature /
                                  (2.0 * kAvogadro * kElementary * kElementary * per_m3));
  return metres * 1e10;
}

EwaldParameters ewald_parameters(const ElectrostaticsOptions& o) {
  const double l = std::sqrt(-std::log(o.accuracy));
  EwaldParameters p;
  p.rcut = o.rcut;
  p.alpha = l / o.rcut;
  p.kcut = 2.0 * p.alpha * l;
  return p;
}

double electrostatics_cutoff(const ElectrostaticsOptions& o) {
  if (o.debye_length > 0.0) return std::max(o.rcut, o.debye_length * (std::log(1.0 / o.accuracy) + 1.0));
  return o.rcut;
}

namespace {

double electrostatics(const Structure& s, const NeighborList& nl, const std::vector<double>& q,
                      const ElectrostaticsOptions& o, const EvalRequest& request, EvalResult& result,
                      std::vector<double>* potential) {
  if (!(o.accuracy > 0.0 && o.accuracy < 1.0) || !(o.rcut > 0.0) || o.sigma < 0.0 || o.debye_length < 0.0 ||
      !(o.permittivity > 0.0))
    throw InputError("electrostatics: need 0 < accuracy < 1, rc > 0, sigma >= 0, debye >= 0, permittivity > 0");
  if (o.sigma > 0.0 && o.debye_length > 0.0)
    throw InputError("electrostatics: smearing (sigma) and Debye screening together are not supported");
  const double ke = kCoulombConstant / o.permittivity;
  const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2];
  if (!periodic && s.any_periodic())
    throw InputError("electrostatics of a structure periodic in one or two directions (slab, wire) needs a 2-D "
                         "Ewald correction, which is not available",
                     s.source, s.line, "pbc");
  if (!periodic) {
    const PairFunction f = o.debye_length > 0.0 ? screened(o.debye_length) : o.sigma > 0.0 ? smeared(o.sigma) : bare();
    return direct_sum(s, q, f, ke, request, result, potential);
  }

  // Periodic: the real-space part needs pairs within its cutoff; the caller's list may be shorter (the model's
  // cutoff() is 0 because the interaction has no finite range), then a list is built here.
  const double rcut = electrostatics_cutoff(o);
  NeighborList own;
  const NeighborList* list = &nl;
  if (nl.atoms() != s.size() || !nl.options().full || nl.options().cutoff < rcut) {
    NeighborListOptions lo;
    lo.cutoff = rcut;
    own.build(s, lo);
    list = &own;
  }
  if (o.debye_length > 0.0)
    return real_space_sum(*list, q, rcut, screened(o.debye_length), ke, request, result, potential);
  if (request.atom_virials)
    throw InputError("per-atom virials of an Ewald sum are not available", s.source, s.line, "atom_virials");
  const EwaldParameters p = ewald_parameters(o);
  if (o.sigma > 0.0 && p.rcut < 12.0 * o.sigma)
    throw InputError("electrostatics: rc must be at least 12 sigma for smeared charges in a periodic cell");
  const double real = real_space_sum(*list, q, p.rcut, ewald_real(p.alpha, o.sigma), ke, request, result, potential);
  return real + reciprocal_sum(s, q, p, ke, request, result, potential);
}

}  // namespace

double add_electrostatics(const Structure& s, const NeighborList& nl, const std::vector<double>& q,
                          const ElectrostaticsOptions& options, const EvalRequest& request, EvalResult& result) {
  return electrostatics(s, nl, q, options, request, result, nullptr);
}

std::vector<double> electrostatic_potential(const Structure& s, const NeighborList& nl, const std::vector<double>& q,
                                            const ElectrostaticsOptions& options) {
  EvalRequest none;
  none.forces = none.virial = false;
  EvalResult unused;
  unused.reset(s.size(), none);
  std::vector<double> potential(s.size(), 0.0);
  electrostatics(s, nl, q, options, none, unused, &potential);
  return potential;
}

}  // namespace mlp
