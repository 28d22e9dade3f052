#pragma once
// Electrostatics of fixed charges (mlp/model/ewald.hpp has the formulas): bare Coulomb k_e q_i q_j / r
// (k_e = 14.399645 eV·Å/e², charges in e), optionally with Gaussian-smeared charges (sigma, Å), Debye screening
// (debye, Å; or ionic_strength in mol/L with permittivity and temperature in K) and a relative permittivity.
// Non-periodic structures: direct sum over all pairs (O(N²)). 3-D periodic cells: Ewald summation with
// parameters chosen from `accuracy` and the real-space cutoff `rc` (Å); screened interactions: real-space sum.
// Structures periodic in one or two directions are refused (InputError).
//
// Charges come either from the spec, per element (`q_Na=1,q_Cl=-1`; an element without a value is refused by
// supports()), or, when the spec gives no q_X at all, from the structure's per-atom real column
// `initial_charges` (ASE's name) or else `charges`; a structure with neither is refused with an InputError.
//
// The Coulomb interaction has no finite range: cutoff() returns 0, so callers build no list on its behalf and
// checks of finite-range behaviour (smooth cutoff, locality) treat it as long-range; the Ewald real-space part
// builds its own list when the caller's is too short.
#include <map>
#include <memory>
#include <string>

#include "mlp/model/ewald.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

struct ModelSpec;

class PointCharges final : public Model {
 public:
  struct Parameters {
    std::map<int, double> charges;  ///< e, by atomic number; empty: read per-atom charges from the structure
    ElectrostaticsOptions electrostatics;
  };
  /// Coulomb constant e²/(4πε0), eV·Å.
  static constexpr double kCoulomb = kCoulombConstant;

  explicit PointCharges(Parameters parameters);
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "charges"; }
  double cutoff() const override { return 0.0; }
  std::string spec() const override;
  bool long_range() const override { return true; }
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  const Parameters& parameters() const { return parameters_; }

 private:
  Parameters parameters_;
};

}  // namespace mlp
