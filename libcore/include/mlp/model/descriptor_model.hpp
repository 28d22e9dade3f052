#pragma once
// What the models E = Σ_i E_i(q_i) on atom-centred descriptors (linear, GAP, BPNN) share: locality (E_i depends on
// the atoms within the descriptor cutoff of i), domain decomposition without padding environments, and the
// inner cutoff (mlp/model/inner_cutoff.hpp) that fades the learned part out below the training data's range.
#include <string>

#include "mlp/model/inner_cutoff.hpp"
#include "mlp/model/model.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

class DescriptorModel : public Model {
 public:
  /// Honours EvalRequest::contributing (KIM/LAMMPS domain decomposition).
  bool supports_contributing() const override { return true; }
  /// E_i depends on the atoms within the descriptor cutoff of i only.
  int influence_hops() const override { return 1; }
  bool uses_padding_neighbors() const override { return false; }

  /// Inner cutoff of the learned part (empty: none). Stored in the model file. Throws InputError when the model
  /// cannot take a non-empty one (inner_cutoff_conflict()).
  void set_inner_cutoff(InnerCutoff inner) {
    if (!inner.empty())
      if (const std::string why = inner_cutoff_conflict(); !why.empty()) throw InputError(why, "", 0, "inner_cutoff");
    inner_ = std::move(inner);
  }
  const InnerCutoff& inner_cutoff() const { return inner_; }
  /// Energy (eV) an atom of element Z falls back to below the inner cutoff: its isolated-atom energy.
  virtual double reference_energy(int Z) const = 0;

 protected:
  /// Why this model cannot have an inner cutoff; empty when it can.
  virtual std::string inner_cutoff_conflict() const { return {}; }

 private:
  InnerCutoff inner_;
};

}  // namespace mlp
