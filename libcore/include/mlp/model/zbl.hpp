#pragma once
// Universal ZBL screened nuclear repulsion (Ziegler, Biersack, Littmark, "The Stopping and Range of Ions in
// Solids", 1985), for any pair of elements:
//   φ(r) = k_e Z1 Z2 / r · Φ(r/a_u),   k_e = e²/(4πε0) = 14.399645 eV·Å,
//   a_u = 0.8854·a0 / (Z1^0.23 + Z2^0.23),   a0 = 0.529177 Å (Bohr radius),
//   Φ(x) = 0.18175 e^{−3.19980x} + 0.50986 e^{−0.94229x} + 0.28022 e^{−0.40290x} + 0.02817 e^{−0.20162x}.
// (LAMMPS pair_style zbl uses 0.46850 Å for 0.8854·a0 = 0.468533 Å; we keep the published product.)
//
// Switching: the energy is multiplied by a C²-smooth polynomial ("smootherstep")
//   S(t) = 1 − 10t³ + 15t⁴ − 6t⁵,  t = (r − inner)/(outer − inner) clamped to [0, 1],
// so φ is the pure ZBL value below `inner` (useful as a short-range baseline under a learned model) and energy,
// force and force derivative all go to zero at `outer`. This is NOT LAMMPS's zbl switching (which adds a
// polynomial and shifts the whole curve by a constant).
//
// Switching radii per element pair (Å). By default they follow the covalent radii r_cov (Cordero et al., Dalton
// Trans. 2008, 2832, through gemmi's table, mlp/core/elements.hpp) of the two elements:
//   inner = 0.5·(r_cov,i + r_cov,j),   outer = 0.8·(r_cov,i + r_cov,j)
// e.g. H–H 0.31/0.496, C–H 0.52/0.832, O–H 0.485/0.776, C–C 0.73/1.168, C–O 0.695/1.112, Si–Si 1.11/1.776 Å.
// Why these factors: the sum of covalent radii is the typical single-bond length (C–H 1.04 vs 1.09 Å, C–C 1.46
// vs 1.54 Å); double and triple bonds are at ≈0.85 and ≈0.78 of it. Molecular dynamics data at 500 K (GFN2-xTB
// ethanol, malonaldehyde, water hexamer in ../shared/data/xtb-molecules) never come closer than 0.83·Σr_cov
// (malonaldehyde C=O), mostly > 0.9·Σr_cov. With outer = 0.8·Σr_cov the baseline is (almost) zero wherever
// training data live, so Δ-learning does not have to cancel a steep function there, while every distance a
// learned model has never seen at short range is under the full, diverging Z1Z2/r repulsion below 0.5·Σr_cov.
// For comparison: NEP/GPUMD (use_typewise_cutoff_zbl) uses outer = 0.6–0.65·Σr_cov, inner = outer/2; MACE's
// ZBL term and metatrain's ZBL use Σr_cov as the outer radius (with a polynomial envelope, or inner = 0);
// pacemaker (ACE) switches its core repulsion on below the smallest distance found in the training data;
// GAP fits usually add a pair potential or a 2-body GAP fitted to dimers. Our choice sits between NEP and MACE.
// mlp-fit does not use these defaults for pairs its data contain: it writes per-pair radii from the shortest
// distances of the training frames (data_zbl_baseline(), mlp/fit/baseline.hpp), as pacemaker does.
//
// Spec keys (all lengths Å):
//   inner_factor, outer_factor   the factors above (defaults 0.5, 0.8; 0 <= inner_factor < outer_factor)
//   inner, outer                 global radii for every pair (override the covalent defaults)
//   inner_X_Y, outer_X_Y         radii of one pair (override everything else; X_Y and Y_X are the same pair)
//   elements                     optional list X_Y_Z: the model then only accepts these elements (supports()),
//                                and cutoff() is the largest outer radius among them (a stored baseline uses it)
// For each pair each radius is taken from its pair key, else the global key. If only one of the two is given
// that way, the other keeps the ratio inner_factor : outer_factor to it (so "zbl:outer=2.5" has inner 1.5625 =
// 2.5·0.5/0.8); if neither, both come from the covalent radii. inner < outer is required for every pair.
// cutoff() is the largest outer radius over the pairs the model accepts (all elements: 4.16 Å for Fr–Fr).
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mlp/model/pair_potentials.hpp"

namespace mlp {

class Zbl final : public PairPotential {
 public:
  struct PairValues {
    std::optional<double> inner;  ///< Å
    std::optional<double> outer;  ///< Å
  };
  struct Parameters {
    double inner_factor = 0.5;    ///< inner = inner_factor·(r_cov,i + r_cov,j) by default
    double outer_factor = 0.8;    ///< outer = outer_factor·(r_cov,i + r_cov,j) by default
    std::optional<double> inner;  ///< Å, for every pair without its own value
    std::optional<double> outer;  ///< Å, for every pair without its own value
    std::map<std::pair<int, int>, PairValues> pairs;  ///< by (smaller, larger) atomic number
    std::set<int> elements;       ///< empty: any element; else only these (atomic numbers)
  };
  /// Switching radii of one pair, Å.
  struct Radii {
    double inner = 0.0;
    double outer = 0.0;
  };
  /// Coulomb constant e²/(4πε0) in eV·Å (the value LAMMPS metal units use).
  static constexpr double kCoulomb = 14.399645;
  /// Bohr radius, Å.
  static constexpr double kBohr = 0.529177;

  /// Throws InputError (field: the offending key) if some accepted pair ends up with inner >= outer or a
  /// negative radius.
  explicit Zbl(Parameters parameters);
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "zbl"; }
  double cutoff() const override { return max_outer_; }
  std::string spec() const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  PairParams pair_params(int z1, int z2) const override;  // p = {k_e Z1 Z2 (eV·Å), 1/a_u (1/Å), inner, outer (Å)}
  void phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const override;
  PairShift shift() const override { return PairShift::None; }
  const Parameters& parameters() const { return parameters_; }

  /// Covalent radius (Å) used for the default radii: Cordero et al. 2008 as tabulated (to 0.01 Å).
  static double covalent_radius_of(int z);
  /// The switching radii of a pair (order of z1, z2 irrelevant), resolved as the file comment says.
  Radii radii(int z1, int z2) const;
  /// The same model restricted to `species`, with the resolved radii of every pair among them written out
  /// explicitly (inner_X_Y, outer_X_Y): what a model file stores as its baseline, so that the file does not
  /// depend on this build's covalent-radius table or defaults. Predictions for these species are bit-identical.
  Zbl resolved(const std::vector<int>& species) const;

 private:
  Parameters parameters_;
  double max_outer_ = 0.0;
};

}  // namespace mlp
