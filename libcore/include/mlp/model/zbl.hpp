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
// Spec keys: inner (Å, default 1.0), outer (Å, default 2.0, also the cutoff); inner < outer required.
#include <memory>
#include <string>

#include "mlp/model/pair_potentials.hpp"

namespace mlp {

class Zbl final : public PairPotential {
 public:
  struct Parameters {
    double inner = 1.0;  ///< Å, switching starts (pure ZBL below)
    double outer = 2.0;  ///< Å, energy is zero from here on (the cutoff)
  };
  /// Coulomb constant e²/(4πε0) in eV·Å (the value LAMMPS metal units use).
  static constexpr double kCoulomb = 14.399645;
  /// Bohr radius, Å.
  static constexpr double kBohr = 0.529177;

  explicit Zbl(Parameters parameters);
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "zbl"; }
  double cutoff() const override { return parameters_.outer; }
  std::string spec() const override;
  PairParams pair_params(int z1, int z2) const override;  // p = {k_e Z1 Z2 (eV·Å), 1/a_u (1/Å)}
  void phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const override;
  PairShift shift() const override { return PairShift::None; }
  const Parameters& parameters() const { return parameters_; }

 private:
  Parameters parameters_;
};

}  // namespace mlp
