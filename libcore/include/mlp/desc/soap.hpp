#pragma once
// SOAP power spectrum (A. P. Bartók, R. Kondor, G. Csányi, Phys. Rev. B 87, 184115 (2013); the conventions of
// librascal / featomic) with analytic gradients with respect to all positions and to strain.
//
// Lengths in Å. For centre atom i and each species a of `species`:
//   neighbour density  ρ_a(r) = Σ_{j∈a, r_ij<r_cut} f_cut(r_ij) exp(−|r − r_ij|²/(2σ²))
//                               + [a = species of i] · central_weight · exp(−|r|²/(2σ²)),
//   (r_ij = r_j + shift·cell − r_i, every periodic image a separate neighbour; neighbours whose element is not in
//   `species` are ignored; the centre's own Gaussian has no position or strain dependence)
//   cutoff             f_cut(r) = 1 for r <= r_cut − w,  (1 + cos(π (r − r_cut + w)/w))/2 up to r_cut, 0 beyond
//                      (w = cutoff_width, 0 < w <= r_cut: continuous with a continuous first derivative);
//   expansion          c^a_{nlm} = ∫ ρ_a(r) g_n(|r|) Y_lm(r̂) d³r
//                               = Σ_j f_cut(r_ij) I_nl(r_ij) Y_lm(r̂_ij) + [a = a_i] central_weight I_n0(0) Y_00,
//   with the orthonormal GTO radial basis g_n (n = 0..n_max−1; ∫_0^∞ g_n g_n' r² dr = δ_nn', Löwdin-orthogonalised
//   r^n exp(−r²/(2σ_n²)), σ_n = r_cut max(√n, 1)/n_max, see mlp/desc/soap_radial.hpp), the real orthonormal Y_lm
//   of mlp/desc/spherical_harmonics.hpp (no Condon-Shortley phase), and the radial integral
//   I_nl(r_ij) = 4π ∫_0^∞ g_n(r) r² exp(−(r² + r_ij²)/(2σ²)) i_l(r r_ij/σ²) dr (i_l: modified spherical Bessel
//   function of the first kind), computed by quadrature at construction and splined (cubic Hermite, spline
//   error < 1e-9 of each (n, l)'s largest value).
//   power spectrum     p^{ab}_{nn'l} = s · π sqrt(8/(2l+1)) Σ_m c^a_{nlm} c^b_{n'lm}
//   for species pairs a <= b (order of `species`, ascending Z); for a = b only n <= n'. The weight s is √2 for the
//   entries that stand for two entries of the full, uncompressed spectrum (a < b: p^{ab}_{nn'l} = p^{ba}_{n'nl};
//   a = b, n < n') and 1 otherwise (a = b, n = n'), so that the dot product of two compressed rows equals the
//   dot product of the full spectra Σ_{a,b,n,n',l}.
//   normalisation      q = p/|p| if `normalize` (the default), else q = p; gradients differentiate the division.
//
// Row layout (identical for every centre element in `species`): for a <= b, for n, for n' (>= n if a = b), for l.
// Row length = S(S−1)/2 · n_max² (l_max+1) + S · n_max(n_max+1)/2 (l_max+1), S = number of species. Atoms of other
// elements get an empty row. Labels: "p Si-O n=0 n'=3 l=2" (n, n' from 0).
//
// Gradients follow DescriptorGradients; dq/dr_j = Σ over the images of j of dq/dr_ij (folded), the centre atom gets
// −Σ_j dq/dr_ij, and dq/dε_ab = Σ_j (dq/dr_ij)_a (r_ij)_b. Per neighbour, dc_{nlm}/dr_ij = (f' I_nl + f I'_nl)
// Y_lm û + f I_nl ∇Y_lm, and dp = Σ_m dc·c' + c·dc' is formed from the per-neighbour contractions
// y^b_{n'l} = Σ_m Y_lm c^b_{n'lm} and g^b_{n'l} = Σ_m ∇Y_lm c^b_{n'lm}. accumulate() back-propagates dE/dq to
// dE/dc once per atom and contracts with dc/dr_ij per neighbour, without forming dq/dr.
//
// Threads: compute() and accumulate() run OpenMP over centre atoms; every atom's row and gradient block depends on
// that atom only, and accumulate() stores one vector per neighbour pair and sums them serially in list order, so
// results are bitwise identical for any number of threads.
#include <cstddef>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/desc/soap_radial.hpp"
#include "mlp/desc/spherical_harmonics.hpp"
#include "mlp/geom/neighbor_list.hpp"

namespace mlp {

class SoapKernel;  // the per-atom kernels (soap_compute.cpp)

/// SOAP parameters; the JSON form is {"type":"soap", "species":["O","H"], "n_max":8, "l_max":6, "r_cut":5.0,
/// "sigma":0.5, "cutoff_width":0.5, "radial_basis":"gto", "normalize":true, "central_weight":1.0}.
struct SoapParameters {
  std::vector<int> species;        ///< atomic numbers; sorted ascending and validated (unique, 1..118) by Soap
  int n_max = 8;                   ///< radial functions, 1..15 (the GTO overlap is ill-conditioned beyond)
  int l_max = 6;                   ///< largest angular momentum, 0..20
  double r_cut = 5.0;              ///< Å, > 0
  double sigma = 0.5;              ///< Å, Gaussian width of the atomic densities, > 0
  double cutoff_width = 0.5;       ///< Å, width of the cosine step of f_cut, in (0, r_cut]
  std::string radial_basis = "gto";  ///< only "gto"
  bool normalize = true;           ///< q = p/|p|
  double central_weight = 1.0;     ///< weight of the centre atom's own Gaussian (0 excludes it); finite
};

class Soap : public Descriptor {
 public:
  /// Validates every parameter (InputError naming the field) and builds the radial spline.
  explicit Soap(SoapParameters p);
  /// From JSON (keys above; "type" optional but must be "soap"; every key except "species" optional with the
  /// defaults of SoapParameters; unknown keys are an error). Without "species" the `species` argument is used.
  static Soap from_json(const std::string& text, const std::vector<int>& species = {});

  std::string type() const override { return "soap"; }
  /// Canonical JSON: every field, species as symbols in ascending Z, keys sorted.
  std::string to_json() const override;
  double cutoff() const override { return p_.r_cut; }
  std::vector<int> elements() const override { return p_.species; }
  std::size_t size(int Z) const override { return species_index(Z) < 0 ? 0 : features_.size(); }
  std::string label(int Z, std::size_t k) const override;

  DescriptorValues compute(const Structure& s, const NeighborList& nl) const override;
  DescriptorValues compute(const Structure& s, const NeighborList& nl, DescriptorGradients& gradients) const override;
  void accumulate(const Structure& s, const NeighborList& nl, const DescriptorValues& dE_dq, Matrix3N& forces,
                  Mat3& virial) const override;

  /// Raw expansion coefficients c^a_{nlm} of centre atom i (whatever its element), layout
  /// [a][n][lm] → (a·n_max + n)(l_max+1)² + l² + l + m, a in the order of `species` (Å^{3/2}, like I_nl).
  std::vector<double> coefficients(const Structure& s, const NeighborList& nl, std::size_t i) const;

  const SoapParameters& parameters() const { return p_; }
  const GtoRadialBasis& radial_basis() const { return basis_; }
  const SoapRadialIntegral& radial_integral() const { return radial_; }
  /// f_cut(r) and df_cut/dr (1/Å).
  void cutoff_function(double r, double& f, double& df) const;
  /// Index of element Z in `species`, or −1.
  int species_index(int Z) const;

  /// One value of the row: species indices a <= b, radial n, n', angular l, and its weight s·π sqrt(8/(2l+1)).
  struct Feature {
    int a, b, n, np, l;
    double factor;
  };
  const std::vector<Feature>& features() const { return features_; }

 private:
  SoapParameters p_;
  GtoRadialBasis basis_;
  SoapRadialIntegral radial_;
  RealSphericalHarmonics harmonics_;
  std::vector<Feature> features_;
  std::vector<int> species_index_;  // index Z → position in species, −1 if absent
  std::vector<double> central_;     // central_weight I_n0(0) Y_00 per n
  void check_list(const Structure& s, const NeighborList& nl) const;
  friend class SoapKernel;
};

}  // namespace mlp
