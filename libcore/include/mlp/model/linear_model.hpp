#pragma once
// A linear (ridge) model on per-atom descriptors, as SNAP and linear ACE are:
//   E = Σ_i [ w_{Z_i} · q_i + b_{Z_i} ],
// q_i the descriptor row of atom i (mlp/desc/descriptor.hpp), w_Z one weight vector per element (eV per unit of
// q) and b_Z the isolated-atom energy of element Z (eV), so the weights learn only the binding part.
// Forces and virial go through Descriptor::accumulate() with dE/dq_i = w_{Z_i}; no gradient is materialised
// unless per-atom virials are requested. A ZBL or other baseline is added by composition (SumModel).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "mlp/desc/descriptor.hpp"
#include "mlp/model/descriptor_model.hpp"

namespace mlp {

class LinearModel final : public DescriptorModel {
 public:
  /// `weights[Z]` must have descriptor->size(Z) entries for every centre element of the descriptor, and
  /// `isolated_energies` (eV) an entry for each of them. Throws InputError otherwise, or for non-finite numbers.
  LinearModel(std::shared_ptr<const Descriptor> descriptor, std::map<int, Eigen::VectorXd> weights,
              std::map<int, double> isolated_energies);

  std::string name() const override { return "linear"; }
  /// The descriptor's cutoff, Å.
  double cutoff() const override { return descriptor_->cutoff(); }
  /// The model file it was loaded from (set_spec), else "linear:descriptor=<hash>" (informative only: a linear
  /// model is recreated from its file, not from a spec string).
  std::string spec() const override;
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  /// True if every element is a centre element of the descriptor.
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  double reference_energy(int Z) const override { return isolated_.at(Z); }

  void set_spec(std::string spec) { spec_ = std::move(spec); }
  const Descriptor& descriptor() const { return *descriptor_; }
  std::shared_ptr<const Descriptor> descriptor_ptr() const { return descriptor_; }
  /// Elements (atomic numbers, ascending) the model describes: the descriptor's centre elements.
  std::vector<int> species() const { return descriptor_->elements(); }
  const std::map<int, Eigen::VectorXd>& weights() const { return weights_; }
  /// Isolated-atom energies b_Z, eV.
  const std::map<int, double>& isolated_energies() const { return isolated_; }

 private:
  std::shared_ptr<const Descriptor> descriptor_;
  std::map<int, Eigen::VectorXd> weights_;
  std::map<int, double> isolated_;
  std::string spec_;
};

}  // namespace mlp
