#pragma once
// The one Model interface that mlp-eval, mlp-md, mlp-check and the LAMMPS route share.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/core/types.hpp"
#include "mlp/geom/neighbor_list.hpp"

namespace mlp {

/// What the caller wants computed (energy is always computed).
struct EvalRequest {
  bool forces = true;
  bool virial = true;
  bool atom_energies = false;
  bool atom_virials = false;  ///< per-atom virial (eV), needed by LAMMPS
  /// Optional per-atom flags (null: every atom contributes), for domain decomposition (KIM/LAMMPS): with flags,
  /// energy, forces and virial are those of E_C = sum of the per-atom energies of the flagged atoms (the model's
  /// own per-atom split), with forces on every atom, flagged or not; atom_energies and atom_virials are exact for
  /// flagged atoms (descriptor models do not compute the environments of the others). Honoured only by models whose supports_contributing() is true (see
  /// mlp/model/partial_evaluation.hpp).
  const std::vector<std::uint8_t>* contributing = nullptr;
  /// Predictive uncertainty (GAP variance, committee spread), for models whose supports_uncertainty() is true;
  /// others ignore it and leave EvalResult::has_uncertainty false.
  bool uncertainty = false;
};

/// What a model returns. Sign conventions: forces = -dE/dr; virial W = -dE/dε (ε: symmetric strain applied
/// to positions and cell), so the ASE stress is -W/V and a compressed crystal has a positive virial.
struct EvalResult {
  double energy = 0.0;               ///< eV
  Eigen::VectorXd atom_energies;     ///< eV per atom, sums to energy (if requested)
  Matrix3N forces;                   ///< eV/Å (if requested)
  Mat3 virial = Mat3::Zero();        ///< eV (if requested)
  std::vector<Mat3> atom_virials;    ///< eV per atom, sums to virial (if requested)
  /// Energy of each term of a composite model, in order (eV); a single-term model reports itself.
  std::vector<std::pair<std::string, double>> term_energies;
  /// Uncertainty (if requested and supported). Kept as variances so that independent terms of a sum model add
  /// up (exact baselines such as ZBL add nothing); the standard deviation is the square root.
  bool has_uncertainty = false;
  double energy_variance = 0.0;          ///< eV², of the total energy
  Eigen::VectorXd atom_energy_variance;  ///< eV² per atom (sized when uncertainty is requested)
  Matrix3N forces_variance;              ///< (eV/Å)² per component; empty unless a model provides it (committees)
  /// Atomic charges (e) of models that compute them (charge equilibration); empty otherwise. Terms of a sum
  /// model that have charges add up.
  bool has_charges = false;
  Eigen::VectorXd charges;

  /// Zero everything, sized for n atoms according to the request.
  void reset(std::size_t n, const EvalRequest& request);
};

class Model {
 public:
  virtual ~Model() = default;
  /// Registry name ("lj", "sw", ...) or a descriptive name for composite models.
  virtual std::string name() const = 0;
  /// Interaction range, Å: atoms further apart than this do not interact directly.
  virtual double cutoff() const = 0;
  /// Canonical specification that recreates this model through make_model() (e.g. "lj:epsilon=0.0103,...").
  virtual std::string spec() const = 0;
  /// Accumulate into `result` (already reset by the caller) from a neighbour list built with at least
  /// cutoff() (full list; the list may hold pairs beyond the cutoff because of a skin: skip them).
  virtual void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                       EvalResult& result) const = 0;
  /// True if the model accepts every element of `numbers`; otherwise `why` names the problem.
  virtual bool supports(const std::vector<int>& numbers, std::string& why) const;
  /// How many cutoffs away an atom can be and still change another atom's per-atom energy: 1 when E_i depends
  /// only on the atoms within cutoff() of i (descriptor models, pair potentials split half/half), 2 when
  /// many-body terms are shared among neighbours (Stillinger-Weber). Domain decomposition (the KIM driver) keeps
  /// padding atoms up to influence_hops() × cutoff() from its own atoms. Default 2.
  virtual int influence_hops() const { return 2; }
  /// True if compute() honours EvalRequest::contributing (default false).
  virtual bool supports_contributing() const { return false; }
  /// With contributing flags: true if compute() needs the neighbours of padding atoms too (many-body terms
  /// centred on padding atoms, Stillinger-Weber); false if a list in which only contributing atoms have
  /// neighbours (NeighborList::build with centres) is enough, which saves building the environments of the
  /// padding shell (descriptor models, pair potentials). Default true.
  virtual bool uses_padding_neighbors() const { return true; }
  /// True if the model has a long-range term (electrostatics) besides whatever cutoff() says: atoms interact at
  /// any distance, so locality and smooth-cutoff checks do not apply (default false).
  virtual bool long_range() const { return false; }
  /// True if compute() honours EvalRequest::uncertainty (default false).
  virtual bool supports_uncertainty() const { return false; }
};

/// Evaluate a model on a structure: builds the neighbour list, computes, checks that every number is finite.
/// Throws ComputeError naming frame and atoms when the result would contain NaN/Inf (e.g. atoms on top of each
/// other), InputError for an unsupported element.
EvalResult evaluate(const Model& model, const Structure& s, const EvalRequest& request = {});
/// Same, with a caller-owned neighbour list that is refreshed (Verlet skin) rather than rebuilt.
EvalResult evaluate(const Model& model, const Structure& s, NeighborList& nl, const EvalRequest& request = {});

/// Stress (eV/Å^3, ASE sign, positive = tensile) from a virial (eV) and a volume (Å^3).
Mat3 stress_from_virial(const Mat3& virial, double volume);

}  // namespace mlp
