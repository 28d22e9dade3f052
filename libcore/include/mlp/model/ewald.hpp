#pragma once
// Electrostatics of fixed charges: Ewald summation for 3-D periodic cells (any triclinic cell), direct summation
// for non-periodic structures, optional Gaussian smearing (erf damping) and Debye (Yukawa) screening. Used by
// the `charges` model (mlp/model/point_charges.hpp); units: Å, eV, e; k_e = 14.399645 eV·Å/e².
//
// Pair interaction of charges q_i, q_j at distance r, divided by the relative permittivity ε_r:
//   bare             k_e q_i q_j / r
//   smeared (σ > 0)  k_e q_i q_j erf(r / (2σ)) / r      (two Gaussian clouds of width σ: finite at r = 0; the
//                                                       clouds' constant self-energies are not included)
//   screened (λ > 0) k_e q_i q_j exp(−r/λ) / r          (Debye-Hückel; sums converge absolutely, so periodic cells
//                                                       use a plain real-space sum with the cutoff below)
// Smearing and screening together are not supported (InputError).
//
// Ewald (3-D periodic, bare or smeared), with splitting parameter α, real-space cutoff r_c and reciprocal cutoff
// k_c, reciprocal vectors k = 2π (n·A⁻ᵀ) of the cell A (rows = lattice vectors), V the volume:
//   E = ½ Σ_i Σ'_{j,images} q_i q_j erfc(α r)/r + (2π/V) Σ_{0<|k|<k_c} exp(−k²/4α²)/k² |S(k)|²
//       − (α/√π) Σ_i q_i² − π Q²/(2 V α²),    S(k) = Σ_j q_j exp(i k·r_j),  Q = Σ_j q_j,
// all times k_e/ε_r: "tin-foil" boundary conditions; the last term is the neutralising background of a charged
// cell. Smearing subtracts Σ_pairs q_i q_j erfc(r/(2σ))/r over pairs within r_c (r_c must be ≥ 12σ).
// Parameters from the requested accuracy ε (relative truncation error of each part, Kolafa-Perram estimates):
// α = √(−ln ε)/r_c, k_c = 2α√(−ln ε); r_c is given (default 10 Å, any size relative to the cell).
// Screened periodic sums use r_c = λ (ln(1/ε) + 1) unless a larger r_c is given.
//
// Per-atom energies: the real-space (and smearing, screening) pair energy is split half/half; the reciprocal and
// self energy of atom i is (q_i/2)·φ_i with φ_i its share of the potential, so they sum to the total. Per-atom
// virials exist for non-periodic and screened sums only (InputError for Ewald).
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

struct ElectrostaticsOptions {
  double accuracy = 1e-8;     ///< relative accuracy of the Ewald/screened sums
  double rcut = 10.0;         ///< Å, real-space cutoff (Ewald; screened: lower bound)
  double sigma = 0.0;         ///< Å, Gaussian width of each charge (0: point charges)
  double debye_length = 0.0;  ///< Å, Debye screening length λ (0: no screening)
  double permittivity = 1.0;  ///< relative permittivity ε_r dividing every interaction
};

/// Coulomb constant e²/(4πε0), eV·Å.
constexpr double kCoulombConstant = 14.399645;

/// Debye length (Å) of a 1:1 electrolyte: λ = √(ε_r ε0 k_B T / (2 N_A e² I)), I ionic strength in mol/L,
/// T in K (e.g. 0.15 M in water, ε_r = 78.5, 298.15 K → 7.85 Å).
double debye_length(double ionic_strength, double permittivity, double temperature);

/// Ewald parameters actually used for a cell: α (1/Å), r_c (Å), k_c (1/Å).
struct EwaldParameters {
  double alpha = 0.0, rcut = 0.0, kcut = 0.0;
};
EwaldParameters ewald_parameters(const ElectrostaticsOptions& options);

/// The real-space cutoff the neighbour list must cover (Å).
double electrostatics_cutoff(const ElectrostaticsOptions& options);

/// Add the electrostatic energy of charges `q` (e, one per atom) to `result` (energy, forces, virial, per-atom
/// energies as requested). Periodic in all three directions: Ewald (or the screened real-space sum); in none:
/// direct sum over all pairs (nl unused); partly periodic: InputError (a slab needs a 2-D Ewald correction).
/// `nl` must be a full list with at least electrostatics_cutoff(). Returns the energy added (eV).
double add_electrostatics(const Structure& s, const NeighborList& nl, const std::vector<double>& q,
                          const ElectrostaticsOptions& options, const EvalRequest& request, EvalResult& result);

/// The electrostatic potential of every atom, φ_i = ∂E/∂q_i (eV/e), for the energy E of add_electrostatics()
/// (same conventions, same refusals). E is quadratic in q, so E = ½ Σ_i q_i φ_i and φ is linear in q: charge
/// equilibration (mlp/model/qeq.hpp) builds its interaction matrix from it.
std::vector<double> electrostatic_potential(const Structure& s, const NeighborList& nl, const std::vector<double>& q,
                                            const ElectrostaticsOptions& options);

}  // namespace mlp
