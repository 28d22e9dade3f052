#pragma once
// Stillinger-Weber potential (Phys. Rev. B 31, 5262 (1985)) for one element, in the form of LAMMPS pair_style sw:
//   E = Σ_{i<j} φ2(r_ij) + Σ_i Σ_{j<k} φ3(r_ij, r_ik, θ_jik)
//   φ2(r) = A ε [B (σ/r)^p − (σ/r)^q] exp(σ/(r − aσ))
//   φ3 = λ ε (cos θ_jik − cos θ0)² exp(γσ/(r_ij − aσ)) exp(γσ/(r_ik − aσ))
// for distances below the cutoff aσ (both terms and all their derivatives vanish there).
//
// Defaults are the original silicon parameters exactly as /usr/share/lammps/potentials/Si.sw writes them:
// epsilon = 2.1683 eV, sigma = 2.0951 Å, a = 1.80, lambda = 21.0, gamma = 1.20, costheta0 = −0.333333333333
// (the file's 12-digit −1/3), A = 7.049556277, B = 0.6022245584, p = 4, q = 0; cutoff aσ = 3.77118 Å.
// Spec keys (case matters: `a` and `A` differ): element (default Si), epsilon (eV), sigma (Å), a, lambda, gamma,
// costheta0, A, B, p, q (dimensionless). The model accepts only its one element; for an element other than Si
// at least epsilon and sigma must be given (Si's numbers are meaningless for it).
//
// Per-atom energies and virials: a pair term is split half/half between its atoms, a three-body term in thirds
// between i, j, k, exactly as LAMMPS (ev_tally / ev_tally3) does, so per-atom values match compute pe/atom and
// stress/atom.
#include <memory>
#include <string>

#include "mlp/model/model.hpp"

namespace mlp {

struct ModelSpec;

class StillingerWeber final : public Model {
 public:
  struct Parameters {
    int element = 14;                 ///< atomic number of the one element it describes
    double epsilon = 2.1683;          ///< eV, energy unit
    double sigma = 2.0951;            ///< Å, length unit
    double a = 1.80;                  ///< cutoff in units of sigma
    double lambda = 21.0;             ///< three-body strength
    double gamma = 1.20;              ///< three-body decay length in units of sigma
    double costheta0 = -0.333333333333;  ///< preferred cos θ (tetrahedral, as Si.sw writes it)
    double A = 7.049556277;           ///< two-body strength
    double B = 0.6022245584;          ///< two-body repulsion coefficient
    double p = 4.0;                   ///< exponent of the repulsive term
    double q = 0.0;                   ///< exponent of the attractive term
  };

  explicit StillingerWeber(Parameters parameters);
  static std::unique_ptr<Model> from_spec(const ModelSpec& spec);

  std::string name() const override { return "sw"; }
  double cutoff() const override { return parameters_.a * parameters_.sigma; }
  std::string spec() const override;
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;
  bool supports(const std::vector<int>& numbers, std::string& why) const override;
  bool supports_contributing() const override { return true; }
  const Parameters& parameters() const { return parameters_; }

 private:
  Parameters parameters_;
};

}  // namespace mlp
