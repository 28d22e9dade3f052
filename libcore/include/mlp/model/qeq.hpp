#pragma once
// Charge equilibration (QEq; Rappé & Goddard 1991, as used for the charges of 4G-HDNNPs) with a bounded charge
// response. The charges q (e) minimise
//   E(q) = Σ_i [ χ_i q_i + s_i(q_i) + k_e q_i²/(2σ√π ε_r) ] + E_es(q) − Σ_i q_i F·r_i      subject to Σ_i q_i = Q,
// χ_i the electronegativity (eV/e) of atom i's element, E_es the electrostatic energy between Gaussian-smeared
// charges of width σ (mlp/model/ewald.hpp: Ewald for 3-D periodic cells, direct sum otherwise) and k_e q²/(2σ√π ε_r)
// the self-energy of each Gaussian cloud (as in 4G-HDNNP), F an applied uniform field (V/Å, from
// the frame's info key `external_field`; non-periodic structures only) and Q the total charge (info key
// `total_charge`, else `charge`, else 0).
//
// Why the response is bounded (the polarisation catastrophe of plain QEq cannot happen):
//  - The self-energy is a barrier, not a parabola:  s(q) = −½ J q_max² ln(1 − q²/q_max²)  (J the hardness, eV/e²,
//    q_max > 0 the largest charge magnitude, e). For small q it is the usual ½ J q², its curvature only grows with
//    |q| and it diverges at ±q_max, so every charge stays strictly inside (−q_max, q_max) for any field, probe or
//    geometry, and any induced dipole is at most Σ_i q_max |r_i − r_centre|.
//  - Smeared charges (σ > 0) with their self-energies make the electrostatic energy a positive-definite quadratic
//    form at every geometry (a Gaussian kernel), so E(q) is strictly convex: the minimum is unique and Newton's
//    method finds it; atoms that approach each other cannot drive the charges to diverge (point-charge QEq can,
//    at short range, where 1/r outgrows the hardness).
// Forces and virial: the charges are variational (∂E/∂q = λ, Σq fixed), so dE/dr = ∂E/∂r at fixed q
// (Hellmann-Feynman): the forces of fixed charges plus q_i F. No derivative of the charges is needed.
//
// Per-atom energies: χ_i q_i + s_i(q_i) − q_i F·r_i plus atom i's share of E_es (ewald.hpp). The charges are
// returned in EvalResult::charges. Cost: the interaction matrix is built from N potential evaluations (O(N²) pairs
// for a molecule, N Ewald sums for a cell), then Newton iterations with dense (N+1)² solves: meant for molecules
// and cells of up to a few hundred atoms.
#include <map>
#include <memory>
#include <string>

#include "mlp/model/ewald.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

struct ModelSpec;

/// Per-atom QEq parameters (see above): electronegativity χ (eV/e), hardness J (eV/e²), charge limit q_max (e).
struct QeqAtoms {
  std::vector<double> chi, hardness, qmax;
};

/// The result of one charge equilibration.
struct QeqSolution {
  std::vector<double> charges;  ///< e
  double energy = 0.0;          ///< eV, E(q) at the minimum (all terms above)
  /// ∂q/∂χ (N×N, e²/eV) at the solution, if asked for: −(P H⁻¹ P-type projection), symmetric, each column sums
  /// to 0 (total charge is fixed). Used to fit learned electronegativities to reference charges.
  Eigen::MatrixXd response;
};

/// Minimise E(q) of the header for per-atom parameters at the frame's total charge and applied field. Throws
/// ComputeError if Newton's method does not converge, InputError for a total charge the limits cannot hold, a
/// bad field or non-smeared electrostatics.
QeqSolution solve_qeq(const Structure& s, const NeighborList& nl, const QeqAtoms& atoms,
                      const ElectrostaticsOptions& electrostatics, double tolerance = 1e-12,
                      bool want_response = false);

/// The matrix A of E_es(q) + Σ_i k_e q_i²/(2σ√π ε_r) = ½ qᵀ A q (eV/e²): it depends only on the geometry, so
/// callers that solve for many χ on one geometry (fitting) build it once. Cost: N potential evaluations.
Eigen::MatrixXd qeq_interaction_matrix(const Structure& s, const NeighborList& nl,
                                       const ElectrostaticsOptions& electrostatics);
/// The same solve with a prebuilt interaction matrix.
QeqSolution solve_qeq(const Structure& s, const Eigen::MatrixXd& interaction, const QeqAtoms& atoms,
                      double tolerance = 1e-12, bool want_response = false);

/// Add the energy of equilibrated charges `q` (all terms of E(q)), their forces and virial at fixed charges
/// (Hellmann-Feynman: exact when χ does not depend on positions; a model with position-dependent χ adds
/// Σ_i q_i ∂χ_i/∂r itself), per-atom energies and the charges to `result`. Returns the energy added (eV).
double add_qeq_result(const Structure& s, const NeighborList& nl, const QeqAtoms& atoms, const std::vector<double>& q,
                      const ElectrostaticsOptions& electrostatics, const EvalRequest& request, EvalResult& result);

/// Self-energy of one Gaussian charge cloud of width σ per e², k_e/(2σ√π ε_r) (eV/e²).
double gaussian_self_energy(const ElectrostaticsOptions& electrostatics);
/// The barrier self-energy s(q) = −½ J qmax² ln(1 − q²/qmax²) (eV) and its first two derivatives.
void qeq_self_energy(double hardness, double qmax, double q, double& s, double& ds, double& d2s);
/// The applied field of a frame (info key external_field, V/Å; zero if absent). InputError if malformed or the
/// frame is periodic.
Vec3 applied_field(const Structure& s);

class ChargeEquilibration final : public Model {
 public:
  struct Element {
    double chi = 0.0;        ///< electronegativity, eV/e
    double hardness = 10.0;  ///< J, eV/e² (curvature of the self-energy at q = 0)
    double qmax = 2.0;       ///< e, charges stay inside (−qmax, qmax)
  };
  struct Parameters {
    std::map<int, Element> elements;  ///< by atomic number
    ElectrostaticsOptions electrostatics;  ///< sigma must be > 0 (see above)
    double tolerance = 1e-12;  ///< convergence of the Newton iterations: max |∂E/∂q_i − λ|, eV/e
  };

  explicit ChargeEquilibration(Parameters parameters);
  /// "qeq:chi_O=8.5,J_O=12,qmax_O=2,chi_H=4.5,J_H=14,sigma=1.0,rc=10,accuracy=1e-8,permittivity=1": chi_X and
  /// J_X for every element (required), qmax_X optional (default 2 e), sigma (Å, default 1).
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "qeq"; }
  /// The interaction has no finite range (as for the `charges` model): 0.
  double cutoff() const override { return 0.0; }
  std::string spec() const override;
  bool long_range() const override { return true; }
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  const Parameters& parameters() const { return parameters_; }

  /// The equilibrated charges alone (e), and the minimised energy (eV) in `energy` if non-null. Throws
  /// ComputeError if Newton's method does not converge, InputError for a bad total charge or field.
  std::vector<double> equilibrate(const Structure& s, const NeighborList& nl, double* energy = nullptr) const;
  /// Per-atom parameters of a structure's atoms (InputError for an element without parameters).
  QeqAtoms atom_parameters(const Structure& s) const;

 private:
  Parameters parameters_;
};

}  // namespace mlp
