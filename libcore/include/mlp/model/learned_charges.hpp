#pragma once
// Environment-dependent charges with exact total charge: charge equilibration with learned electronegativities
// and fixed hardness, as in the fourth-generation HDNNP (Ko, Finkler, Goedecker, Behler, Nat. Commun. 12, 398
// (2021)), here with electronegativities linear in the per-atom descriptor rows q_i:
//   χ_i = w_Z · q_i + b_Z   (eV/e),
// and the charges, energy and bounded response of mlp/model/qeq.hpp (barrier self-energy with hardness J_Z and
// limit qmax_Z, Gaussian charges of width σ, the frame's total_charge and external_field). Because the charges come
// from a global equilibration, charge moves between distant atoms (non-local charge transfer) while the total
// charge is exact by construction, and no charge can exceed qmax whatever the descriptors extrapolate to.
//
// Forces: the charges are variational, so dE/dr = ∂E/∂r at fixed q plus Σ_i q_i ∂χ_i/∂r; the second term goes
// through Descriptor::accumulate() with dE/dq_i = q_i w_Z. The model is long-range (long_range() is true) and is
// meant to be summed with a short-range model fitted to the remainder (mlp-fit --baseline).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "mlp/desc/descriptor.hpp"
#include "mlp/model/ewald.hpp"
#include "mlp/model/model.hpp"
#include "mlp/model/qeq.hpp"

namespace mlp {

struct LearnedChargeElement {
  Eigen::VectorXd weights;  ///< eV/e per unit of the descriptor, one per descriptor value of the element
  double bias = 0.0;        ///< eV/e
  double hardness = 10.0;   ///< J, eV/e²
  double qmax = 2.0;        ///< e
};

class LearnedCharges final : public Model {
 public:
  /// Throws InputError for a missing element, wrong sizes, non-finite numbers, hardness <= 0, qmax <= 0 or
  /// sigma <= 0.
  LearnedCharges(std::shared_ptr<const Descriptor> descriptor, std::map<int, LearnedChargeElement> elements,
                 ElectrostaticsOptions electrostatics);

  std::string name() const override { return "learned_charges"; }
  /// The descriptor's cutoff (Å): the list the caller builds serves the descriptor; electrostatics is long-range.
  double cutoff() const override { return descriptor_->cutoff(); }
  bool long_range() const override { return true; }
  std::string spec() const override;
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;

  void set_spec(std::string spec) { spec_ = std::move(spec); }
  const Descriptor& descriptor() const { return *descriptor_; }
  std::shared_ptr<const Descriptor> descriptor_ptr() const { return descriptor_; }
  const std::map<int, LearnedChargeElement>& elements() const { return elements_; }
  const ElectrostaticsOptions& electrostatics() const { return electrostatics_; }

  /// Per-atom QEq parameters from descriptor rows (χ from the weights).
  QeqAtoms atom_parameters(const DescriptorValues& q, const std::vector<int>& numbers) const;

 private:
  std::shared_ptr<const Descriptor> descriptor_;
  std::map<int, LearnedChargeElement> elements_;
  ElectrostaticsOptions electrostatics_;
  std::string spec_;
};

}  // namespace mlp
