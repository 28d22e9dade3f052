#pragma once
// Behler-Parrinello high-dimensional neural network potential (J. Behler, M. Parrinello, PRL 98, 146401 (2007)):
//   E = Σ_i E_i,   E_i = energy_scale_Z · y_Z(x_i) + energy_shift_Z,   x_ik = input_offset_Z + (q_ik − input_shift_Zk)·input_scale_Zk,
// q_i the descriptor row of atom i (ACSF, or any Descriptor), y_Z one DenseNetwork per element Z. The affine input
// map expresses n2p2's scaling modes (scale, centre, scale+centre, sigma) and our own standardisation; the
// output map expresses n2p2's data-set normalisation (conv_energy, mean_energy) and our per-element shift.
// Forces and virial go through Descriptor::accumulate() with dE/dq_i = energy_scale · ∇_x y · input_scale.
//
// Committee (ensemble): each element may have M > 1 networks (the same M for every element). The prediction is the
// committee mean (energy, forces, virial); with EvalRequest::uncertainty the model also reports the committee
// variance of the total energy, of each atomic energy and of each force component (1/M normalisation, i.e. the
// spread of the members, not an estimate of the population variance).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "mlp/desc/descriptor.hpp"
#include "mlp/model/dense_network.hpp"
#include "mlp/model/descriptor_model.hpp"

namespace mlp {

/// Everything that is per element.
struct BpnnElement {
  Eigen::VectorXd input_shift;  ///< per descriptor value, units of q (e.g. the training mean)
  Eigen::VectorXd input_scale;  ///< per descriptor value, 1/units of q
  double input_offset = 0.0;    ///< added after scaling (n2p2's Smin)
  double energy_scale = 1.0;    ///< eV per network output unit
  double energy_shift = 0.0;    ///< eV per atom (isolated-atom energy, or n2p2's mean_energy + atom_energy)
  std::vector<DenseNetwork> committee;  ///< at least one network; inputs() == descriptor size of the element
};

class BpnnModel final : public DescriptorModel {
 public:
  /// Throws InputError when an element of the descriptor has no entry, sizes disagree, committees differ in size
  /// between elements or are empty, or a number is not finite.
  BpnnModel(std::shared_ptr<const Descriptor> descriptor, std::map<int, BpnnElement> elements);

  std::string name() const override { return "bpnn"; }
  /// The descriptor's cutoff, Å.
  double cutoff() const override { return descriptor_->cutoff(); }
  /// The file it was loaded from (set_spec), else "bpnn:descriptor=<hash>" (informative only).
  std::string spec() const override;
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  /// The per-element energy shift (the isolated-atom energy of mlp-fit's networks).
  double reference_energy(int Z) const override { return elements_.at(Z).energy_shift; }
  /// True for a committee of two or more networks.
  bool supports_uncertainty() const override { return committee_size() > 1; }

  void set_spec(std::string spec) { spec_ = std::move(spec); }
  const Descriptor& descriptor() const { return *descriptor_; }
  std::shared_ptr<const Descriptor> descriptor_ptr() const { return descriptor_; }
  std::vector<int> species() const { return descriptor_->elements(); }
  const std::map<int, BpnnElement>& elements() const { return elements_; }
  std::size_t committee_size() const;

  /// Atomic energies of every atom for every committee member (rows: atoms, columns: members; eV) and, if
  /// dE_dq is non-null, dE_i/dq_i per member (one DescriptorValues per member, eV per unit of q). With `only`
  /// (one flag per atom), atoms without a flag are not evaluated: their energies and derivatives are 0
  /// (domain decomposition: padding atoms have no energy of their own).
  Eigen::MatrixXd atomic_energies(const DescriptorValues& q, const std::vector<int>& numbers,
                                  std::vector<DescriptorValues>* dE_dq,
                                  const std::vector<std::uint8_t>* only = nullptr) const;

 private:
  std::shared_ptr<const Descriptor> descriptor_;
  std::map<int, BpnnElement> elements_;
  std::string spec_;
};

}  // namespace mlp
