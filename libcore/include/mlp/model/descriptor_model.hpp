#pragma once
// What the models E = Σ_i E_i(q_i) on atom-centred descriptors (linear, GAP, BPNN) share: locality (E_i depends on
// the atoms within the descriptor cutoff of i), domain decomposition without padding environments, and the
// inner cutoff (mlp/model/inner_cutoff.hpp) that fades the learned part out below the training data's range.
#include "mlp/model/inner_cutoff.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

class DescriptorModel : public Model {
 public:
  /// Honours EvalRequest::contributing (KIM/LAMMPS domain decomposition).
  bool supports_contributing() const override { return true; }
  /// E_i depends on the atoms within the descriptor cutoff of i only.
  int influence_hops() const override { return 1; }
  bool uses_padding_neighbors() const override { return false; }

  /// Inner cutoff of the learned part (empty: none). Stored in the model file.
  void set_inner_cutoff(InnerCutoff inner) { inner_ = std::move(inner); }
  const InnerCutoff& inner_cutoff() const { return inner_; }
  /// Energy (eV) an atom of element Z falls back to below the inner cutoff: its isolated-atom energy.
  virtual double reference_energy(int Z) const = 0;

 private:
  InnerCutoff inner_;
};

}  // namespace mlp
