#pragma once
// Bare Coulomb interaction of fixed point charges, E = Σ_{i<j} k_e q_i q_j / r_ij with k_e = 14.399645 eV·Å/e²
// (charges in units of the elementary charge e), summed directly over all pairs (O(N²)).
//
// Charges come either from the spec, per element (`q_Na=1,q_Cl=-1`; an element without a value is refused by
// supports()), or, when the spec gives no q_X at all, from the structure's per-atom real column
// `initial_charges` (ASE's name) or else `charges`; a structure with neither is refused with an InputError.
//
// Only non-periodic structures: a periodic sum of bare 1/r does not converge and needs Ewald summation, which
// is not available yet, so a structure periodic in any direction is refused with an InputError.
//
// The Coulomb interaction has no finite range. The model sums all pairs itself and ignores the neighbour list,
// so cutoff() returns 0: callers then build (and pay for) no list on its behalf, and in a sum model the list is
// sized by the other terms.
#include <map>
#include <memory>
#include <string>

#include "mlp/model/model.hpp"

namespace mlp {

struct ModelSpec;

class PointCharges final : public Model {
 public:
  struct Parameters {
    std::map<int, double> charges;  ///< e, by atomic number; empty: read per-atom charges from the structure
  };
  /// Coulomb constant e²/(4πε0), eV·Å.
  static constexpr double kCoulomb = 14.399645;

  explicit PointCharges(Parameters parameters);
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "charges"; }
  double cutoff() const override { return 0.0; }
  std::string spec() const override;
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  const Parameters& parameters() const { return parameters_; }

 private:
  Parameters parameters_;
};

}  // namespace mlp
