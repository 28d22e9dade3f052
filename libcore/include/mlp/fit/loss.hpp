#pragma once
// The weights of the fitting loss. Each observation's residual is divided by its own σ (GAP's default_sigma
// idea), so the loss is dimensionless and energies, forces and stresses weigh in by how well we want them fitted:
//   L = Σ_frames [ ((E_pred − E_ref)/N / σ_E)²                              energy per atom
//                + Σ_{i,a} ((F_pred,ia − F_ref,ia) / σ_F)²                   force components
//                + Σ_{ab ∈ xx,yy,zz,yz,xz,xy} ((W_pred,ab − W_ref,ab)/N / σ_W)² ]   virial per atom
//     + λ |w|²,
// W = −σ_stress·V the virial (eV). A frame without a label contributes no term for it; stress terms come only
// from frames periodic in all three directions.
#include <map>
#include <optional>
#include <string>

#include "mlp/core/structure.hpp"

namespace mlp {

/// σ of each loss term. Infinity switches a term off.
struct Sigmas {
  double energy = 0.001;  ///< eV/atom (GAP's usual default_sigma for energies)
  double force = 0.1;     ///< eV/Å
  double virial = 0.05;   ///< eV/atom, the virial per atom (stress × volume per atom)
};

class LossWeights {
 public:
  Sigmas defaults;

  /// Parse "CONFIG_TYPE:key=value,..." (keys energy, force, virial; value a positive σ in the units of Sigmas,
  /// or "off" for no term) and add it as an override for frames with that config_type. Later overrides of the
  /// same config_type and key replace earlier ones. Throws InputError (source "--sigma") on malformed text.
  void add_override(const std::string& text);
  /// σ for a frame: the defaults overridden by its config_type's entries.
  Sigmas sigmas(const Structure& s) const;
  /// The effective σ of each config_type that has overrides (for logs and provenance).
  std::map<std::string, Sigmas> resolved() const;

 private:
  struct Override {
    std::optional<double> energy, force, virial;
  };
  std::map<std::string, Override> by_config_type_;
};

/// A σ option's value: a positive finite number or "off" (infinity). Throws InputError naming `field`.
double parse_sigma(const std::string& text, const std::string& field);

}  // namespace mlp
