#pragma once
// Behler-Parrinello atom-centred symmetry functions (ACSF; J. Behler, J. Chem. Phys. 134, 074106 (2011)) with
// analytic gradients with respect to all atom positions and to a homogeneous strain (for the virial).
//
// Definitions (r_ij = |d_ij|, d_ij = r_j + shift·cell − r_i from the NeighborList, cos θ_ijk = d_ij·d_ik/(r_ij r_ik)):
//   G2 (n2p2 type 2)  radial:          Σ_j        exp(−η (r_ij − r_s)²) f_c(r_ij)
//   G4 (n2p2 type 3)  angular narrow:  2^(1−ζ) Σ_{j<k} (1 + λ cos θ_ijk)^ζ
//                                       · exp(−η [(r_ij − r_s)² + (r_ik − r_s)² + (r_jk − r_s)²]) f_c(r_ij) f_c(r_ik) f_c(r_jk)
//   G5 (n2p2 type 9)  angular wide:    2^(1−ζ) Σ_{j<k} (1 + λ cos θ_ijk)^ζ
//                                       · exp(−η [(r_ij − r_s)² + (r_ik − r_s)²]) f_c(r_ij) f_c(r_ik)
// Element resolution: G2 sums over neighbours of one element; G4/G5 sum over unordered neighbour pairs {j, k}
// whose elements are the unordered pair {neighbor1, neighbor2} (each pair of atoms counted once). Periodic images
// are distinct neighbours. r_s = 0 gives Behler's original G4/G5.
//
// Cutoff functions (n2p2's conventions, with the inner cutoff r_ci = α r_c, x = (r − r_ci)/(r_c − r_ci); f_c = 1
// for r < r_ci and 0 for r >= r_c):
//   hard  (n2p2 0): 1                               cos   (n2p2 1): (cos(π x) + 1)/2
//   tanhu (n2p2 2): tanh³(1 − r/r_c)               tanh  (n2p2 3): tanh³(1 − r/r_c) / tanh³(1)   (no α)
//   exp   (n2p2 4): exp(1 − 1/(1 − x²))
//   poly1 (n2p2 5): (2x − 3)x² + 1                 poly2 (n2p2 6): ((15 − 6x)x − 10)x³ + 1
//   poly3 (n2p2 7): x⁴(x(x(20x − 70) + 84) − 35) + 1
//   poly4 (n2p2 8): x⁵(x(x(x(315 − 70x) − 540) + 420) − 126) + 1
//
// Units: the descriptor never converts units. Distances (r_c, r_s) are in the units of the positions (Å in
// mlp), η in 1/length². An n2p2 potential whose input.nn is in Bohr must have its positions (or its parameters)
// converted by the caller (the n2p2 model converter), not here. Scaling/centring of symmetry functions
// (n2p2's scale_symmetry_functions, center_symmetry_functions) belongs to the model, not to the descriptor.
//
// Layout: every centre element Z has its own ordered list of functions (n2p2 style); atom i of element Z gets a
// row of size(Z) values. Rows of all atoms are stored consecutively (AcsfValues::offsets).
//
// Threads: compute() and accumulate() run OpenMP-parallel over centre atoms (omp_get_max_threads() threads; one
// inside an enclosing parallel region) and give bitwise-identical results for any number of threads.
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/core/types.hpp"
#include "mlp/geom/neighbor_list.hpp"

namespace mlp {

/// Cutoff function types; the integer values are n2p2's `cutoff_type` codes.
enum class CutoffType { hard = 0, cos = 1, tanhu = 2, tanh = 3, exp = 4, poly1 = 5, poly2 = 6, poly3 = 7, poly4 = 8 };

/// Name ("cos", "tanhu", ...) of a cutoff type, and the inverse (throws InputError for an unknown name).
std::string cutoff_type_name(CutoffType type);
CutoffType cutoff_type_from_name(const std::string& name);

/// A cutoff function f_c(r) with radius rc and inner-cutoff fraction alpha (0 <= alpha < 1; ignored by tanh, tanhu).
struct CutoffFunction {
  CutoffType type = CutoffType::cos;
  double rc = 6.0;
  double alpha = 0.0;
  /// f_c(r) and df_c/dr.
  void evaluate(double r, double& f, double& df) const;
};

/// Kinds of symmetry functions; the integer values are n2p2's symfunction type codes.
enum class SymmetryFunctionKind { radial = 2, angular_narrow = 3, angular_wide = 9 };

/// One symmetry function (see the definitions at the top of this file). Elements are atomic numbers.
struct SymmetryFunction {
  SymmetryFunctionKind kind = SymmetryFunctionKind::radial;
  int center = 0;     ///< element of the centre atom
  int neighbor1 = 0;  ///< neighbour element (radial) or first element of the pair (angular)
  int neighbor2 = 0;  ///< second element of the pair (angular; unused for radial)
  double eta = 0.0;     ///< 1/length²
  double rshift = 0.0;  ///< length
  double lambda = 1.0;  ///< ±1 (angular)
  double zeta = 1.0;    ///< >= 1 (angular)
  double rcut = 6.0;    ///< length
  CutoffType cutoff = CutoffType::cos;
  double cutoff_alpha = 0.0;
};

/// Parameters of the automatic preset: per element pair, radial functions on a grid of shifts (or of widths).
struct AcsfPresetOptions {
  std::vector<int> elements;       ///< atomic numbers (required)
  double rcut = 6.0;               ///< Å
  double rmin = 0.8;               ///< Å, smallest shift / distance of the grid
  std::size_t radial = 8;          ///< radial functions per neighbour element
  bool shifted = true;             ///< true: shifted grid (η from the spacing, r_s on a grid); false: centred (r_s = 0, η grid)
  std::vector<double> angular_eta = {0.001, 0.01, 0.05};  ///< 1/Å², for wide (G5) functions
  std::vector<double> angular_zeta = {1.0, 4.0, 16.0};
  /// Å: radial shifts r_s of the angular functions, exp(−η[(r_ij − r_s)² + (r_ik − r_s)²]); several give
  /// angular shells (as ANI's angular AEV terms), 0 the centred functions
  std::vector<double> angular_rshift = {0.0};
  double angular_rcut = 0.0;  ///< Å, cutoff of the angular functions; 0: rcut
  CutoffType cutoff = CutoffType::cos;
  double cutoff_alpha = 0.0;
};

/// ACSF rows and gradients use the layout shared by all descriptors (mlp/desc/descriptor.hpp).
using AcsfValues = DescriptorValues;
using AcsfGradients = DescriptorGradients;

namespace detail {
struct AcsfPlan;  // evaluation plan (libcore/src/desc/acsf_plan.hpp)
struct ElementPlan;
}

/// A set of symmetry functions, grouped per centre element.
class Acsf : public Descriptor {
 public:
  Acsf() = default;
  /// Throws InputError for invalid parameters (rcut <= 0, alpha out of [0,1), zeta < 1, |lambda| != 1, η < 0, ...).
  explicit Acsf(std::vector<SymmetryFunction> functions);

  /// Parameters as JSON: {"type": "acsf", "functions": [{"kind": "radial"|"angular_narrow"|"angular_wide"
  /// (or n2p2 code 2|3|9), "center": "O", "neighbors": ["H"] | ["H","O"], "eta": .., "rshift": .., "lambda": ..,
  /// "zeta": .., "rcut": .., "cutoff": "cos"|.., "cutoff_alpha": ..}, ...]}; top-level "cutoff" and "cutoff_alpha"
  /// are defaults for the functions. Elements are symbols or atomic numbers. Throws InputError.
  /// Instead of "functions", {"type": "acsf", "auto": {AcsfPresetOptions fields: "elements", "rcut", "rmin",
  /// "radial", "shifted", "angular_eta", "angular_zeta", "angular_rshift", "angular_rcut", "cutoff",
  /// "cutoff_alpha"}} builds the automatic grid;
  /// without "elements" it uses `species`.
  static Acsf from_json(const std::string& text, const std::vector<int>& species = {});
  /// The symmetry functions of an n2p2 input.nn (symfunction_short lines, cutoff_type with optional alpha), in
  /// the file's units and order (n2p2 sorts its functions per element; this keeps the file order). Throws InputError.
  static Acsf from_n2p2(const std::string& input_nn_text);
  /// The functions in n2p2's order (its symmetry-function comparison, which n2p2 applies per centre element and
  /// which fixes the order of scaling.data rows and of the network inputs): kind (radial before narrow before
  /// wide angular), cutoff type, cutoff alpha, r_c, η, r_s, then ζ and λ (angular), then the neighbour element
  /// (radial) or the sorted neighbour pair (angular). Stable: equal keys keep their input order. Pass the
  /// functions of one centre element (the key ignores the centre).
  static std::vector<SymmetryFunction> n2p2_order(std::vector<SymmetryFunction> functions);
  /// Automatic preset (see AcsfPresetOptions): per centre element, for each neighbour element `radial` G2
  /// functions, then for each unordered element pair G5 (n2p2 type 9) functions for every (r_s, η, ζ, λ = ±1).
  static Acsf preset(const AcsfPresetOptions& options);
  /// Canonical JSON of the parameters (elements as symbols, every field explicit; from_json reads it back).
  std::string to_json() const override;
  std::string type() const override { return "acsf"; }
  std::vector<int> elements() const override;
  /// "G2 H eta=0.5 rs=0 rc=6", "G4 H-O eta=.. zeta=.. lambda=.. rc=..", "G5 ..." (units of the parameters).
  std::string label(int Z, std::size_t k) const override;

  const std::vector<SymmetryFunction>& functions() const { return all_; }
  /// Functions of centre element Z in row order (empty if Z has none).
  const std::vector<SymmetryFunction>& functions(int Z) const;
  std::size_t size(int Z) const override { return functions(Z).size(); }
  /// Largest cutoff of all functions: the NeighborList must be built with at least this cutoff.
  double cutoff() const override { return cutoff_; }

  /// Descriptor rows of every atom. Throws InputError if the list's cutoff is smaller than cutoff() or it does
  /// not belong to the structure.
  AcsfValues compute(const Structure& s, const NeighborList& nl) const override;
  /// Rows and their explicit sparse gradients (positions and strain).
  AcsfValues compute(const Structure& s, const NeighborList& nl, AcsfGradients& gradients) const override;
  /// For a model E = Σ_i E_i(q_i): given dE/dq in the layout of AcsfValues (same offsets as compute()'s rows),
  /// add the forces −dE/dr to `forces` (N×3) and the virial −dE/dε to `virial`, without materialising gradients.
  void accumulate(const Structure& s, const NeighborList& nl, const AcsfValues& dE_dq, Matrix3N& forces,
                  Mat3& virial) const override;

 private:
  std::vector<SymmetryFunction> all_;
  std::vector<std::vector<SymmetryFunction>> per_element_;  // index Z
  std::shared_ptr<const detail::AcsfPlan> plan_;           // immutable, shared by copies
  double cutoff_ = 0.0;
  void check_list(const Structure& s, const NeighborList& nl) const;
  const detail::ElementPlan* element_plan(int z) const;  // null if z has no functions
};

}  // namespace mlp
