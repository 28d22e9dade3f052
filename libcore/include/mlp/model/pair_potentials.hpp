#pragma once
// Radial pair potentials E = Σ_{i<j} φ_ij(r_ij): Lennard-Jones and Morse (ZBL, in zbl.hpp, shares the machinery).
//
// Both are brought to zero at their cutoff rc. The default is a *force-shifted* potential
//   φ_s(r) = φ(r) − φ(rc) − (r − rc)·φ'(rc)      for r < rc, 0 beyond
// (LAMMPS pair_style lj/smooth/linear for LJ), because then energy AND force go to zero continuously at rc: MD
// conserves energy and finite differences across the cutoff are well defined. `shift=energy` gives the plain
// energy-shifted form φ(r) − φ(rc) (LAMMPS lj/cut with pair_modify shift yes; the force jumps by φ'(rc) at rc),
// `shift=none` the truncated raw φ.
//
// Per-atom energies and virials split every pair half/half between its two atoms, as LAMMPS pair styles do.
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlp/model/model.hpp"

namespace mlp {

struct ModelSpec;

/// How a pair potential is brought to zero at its cutoff (see the file comment).
enum class PairShift { None, Energy, Force };

/// Shared evaluation loop of radial pair potentials with parameters per element pair.
class PairPotential : public Model {
 public:
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports_contributing() const override { return true; }
  /// Pair energies are split half/half: E_i depends on the atoms within the cutoff of i only.
  int influence_hops() const override { return 1; }
  bool uses_padding_neighbors() const override { return false; }

  /// Parameters of one element pair: up to four numbers whose meaning the derived class defines, and the
  /// cutoff rc (Å) of that pair.
  struct PairParams {
    std::array<double, 4> p{};
    double cutoff = 0.0;
  };
  /// Parameters for atomic numbers z1, z2 (order does not matter).
  virtual PairParams pair_params(int z1, int z2) const = 0;
  /// Raw (unshifted) pair energy φ(r) in eV and dφ/dr in eV/Å at distance r (Å).
  virtual void phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const = 0;
  virtual PairShift shift() const = 0;
  /// Shifted pair energy (eV) and its derivative (eV/Å) as the model uses it, 0 at and beyond the cutoff.
  void shifted_phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const;
};

/// Lennard-Jones φ(r) = 4ε[(σ/r)^12 − (σ/r)^6], force-shifted by default (file comment).
///
/// Spec keys: epsilon (eV, default 0.0104, argon-like), sigma (Å, default 3.40), cutoff (Å, default 2.5·σ of
/// each pair), shift (force|energy|none, default force); per element epsilon_X, sigma_X; per pair
/// epsilon_X_Y, sigma_X_Y, cutoff_X_Y (order of X, Y irrelevant). A pair without its own values mixes the
/// element values by Lorentz-Berthelot: σ_XY = (σ_X + σ_Y)/2, ε_XY = sqrt(ε_X·ε_Y); elements without values use
/// epsilon and sigma. Any element is accepted.
class LennardJones final : public PairPotential {
 public:
  struct ElementValues {
    std::optional<double> epsilon;  ///< eV
    std::optional<double> sigma;    ///< Å
  };
  struct PairValues {
    std::optional<double> epsilon;  ///< eV
    std::optional<double> sigma;    ///< Å
    std::optional<double> cutoff;   ///< Å
  };
  struct Parameters {
    double epsilon = 0.0104;        ///< eV, well depth of elements without their own value
    double sigma = 3.40;            ///< Å, zero crossing of φ for elements without their own value
    std::optional<double> cutoff;   ///< Å, for pairs without their own cutoff; unset: 2.5·σ of the pair
    PairShift shift = PairShift::Force;
    std::map<int, ElementValues> elements;             ///< by atomic number
    std::map<std::pair<int, int>, PairValues> pairs;   ///< by (smaller, larger) atomic number
  };

  explicit LennardJones(Parameters parameters);
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "lj"; }
  double cutoff() const override { return max_cutoff_; }
  std::string spec() const override;
  PairParams pair_params(int z1, int z2) const override;  // p = {ε (eV), σ (Å)}
  void phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const override;
  PairShift shift() const override { return parameters_.shift; }
  const Parameters& parameters() const { return parameters_; }

 private:
  Parameters parameters_;
  double max_cutoff_ = 0.0;
};

/// Morse φ(r) = D[e^{−2a(r−r0)} − 2e^{−a(r−r0)}], force-shifted by default (file comment).
///
/// Defaults are Girifalco & Weizer's copper (Phys. Rev. 114, 687 (1959)): D = 0.3429 eV, a = 1.3588 1/Å,
/// r0 = 2.866 Å; cutoff 6.0 Å (between the 5th and 6th neighbour shells of fcc Cu, where |φ| < 0.01 eV).
/// Spec keys: D (eV), a (1/Å), r0 (Å), cutoff (Å), shift (force|energy|none); per pair D_X_Y, a_X_Y, r0_X_Y,
/// cutoff_X_Y. Pairs without their own values use the global ones (there is no mixing rule for Morse).
/// Any element is accepted.
class Morse final : public PairPotential {
 public:
  struct PairValues {
    std::optional<double> D;       ///< eV
    std::optional<double> a;       ///< 1/Å
    std::optional<double> r0;      ///< Å
    std::optional<double> cutoff;  ///< Å
  };
  struct Parameters {
    double D = 0.3429;    ///< eV, well depth
    double a = 1.3588;    ///< 1/Å, inverse width
    double r0 = 2.866;    ///< Å, position of the minimum
    double cutoff = 6.0;  ///< Å
    PairShift shift = PairShift::Force;
    std::map<std::pair<int, int>, PairValues> pairs;  ///< by (smaller, larger) atomic number
  };

  explicit Morse(Parameters parameters);
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "morse"; }
  double cutoff() const override { return max_cutoff_; }
  std::string spec() const override;
  PairParams pair_params(int z1, int z2) const override;  // p = {D (eV), a (1/Å), r0 (Å)}
  void phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const override;
  PairShift shift() const override { return parameters_.shift; }
  const Parameters& parameters() const { return parameters_; }

 private:
  Parameters parameters_;
  double max_cutoff_ = 0.0;
};

}  // namespace mlp
