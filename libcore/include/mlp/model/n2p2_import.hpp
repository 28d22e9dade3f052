#pragma once
// Import of an n2p2 (RuNNer-style) high-dimensional neural network potential, 2nd generation (short range only):
// a directory with input.nn, scaling.data and weights.<ZZZ>.data (ZZZ the atomic number, 3 digits), as written
// by n2p2's nnp-train and read by nnp-predict / the LAMMPS pair style hdnnp. The result is a BpnnModel in Å and eV
// that gives n2p2's energies and forces to round-off.
//
// Units. n2p2 has no units of its own: its files are in whatever units the training data had. The caller says
// what they were (N2p2Units: Å per n2p2 length unit, eV per n2p2 energy unit); the importer converts everything
// to Å and eV once: η /= L², r_s *= L, r_c *= L for the symmetry functions (their values are dimensionless, so
// the statistics of scaling.data stay valid), and the network output is mapped to eV by the BpnnModel's
// energy_scale and energy_shift (below). Named units use CODATA 2018, exactly the constants below.
//
// input.nn keywords understood (everything else is a training keyword and ignored, except the refused ones):
//   number_of_elements, elements, atom_energy <El> <E>, cutoff_type <code> [alpha],
//   symfunction_short (types 2, 3, 9; sorted per element into n2p2's order, Acsf::n2p2_order),
//   scale_symmetry_functions, center_symmetry_functions, scale_symmetry_functions_sigma, scale_min_short,
//   scale_max_short (n2p2's scaling modes none / scale / center / scale+center / sigma, with its defaults
//   Smin = 0, Smax = 1), global_hidden_layers_short, global_nodes_short, global_activation_short (l t s p r g c
//   S e h), normalize_nodes, mean_energy + conv_energy + conv_length (all three or none), nnp_type (only 2G).
//   Refused with an InputError naming file, line and keyword: nnp_type 4G / Q (electrostatics and charge
//   networks are not supported by the importer) and their keywords, element-specific architectures
//   (element_nodes_short and friends), symmetry-function types other than 2, 3, 9, duplicated single keywords.
//
// Mapping (E_unit = units.energy, L = units.length):
//   x = Smin + (q − G_ref)·f   → BpnnElement input_offset = Smin, input_shift = G_ref, input_scale = f, with
//                                 scale: G_ref = Gmin, f = (Smax − Smin)/(Gmax − Gmin); center: G_ref = Gmean,
//                                 f = 1, Smin = 0; scale+center: G_ref = Gmean, f = (Smax − Smin)/(Gmax − Gmin);
//                                 sigma: G_ref = Gmean, f = (Smax − Smin)/σ; none: 0, 1, 0.
//   E_i = E_unit·(y/conv_energy + mean_energy + atom_energy_Z)   (normalisation active)
//       = E_unit·(y + atom_energy_Z)                              (no normalisation)
//   → energy_scale = E_unit/conv_energy (or E_unit), energy_shift = E_unit·(mean_energy + atom_energy_Z).
// Activation 'e' is n2p2's e^{−x}: imported as our exp (e^{x}) with that layer's weights and bias negated
// (exact). normalize_nodes (n2p2 divides each node's W·a + b by the size of the previous layer) is imported by
// dividing that layer's weights and biases by that size (equal up to one rounding per weight).
#include <memory>
#include <string>

#include "mlp/model/bpnn_model.hpp"
#include "mlp/model/registry.hpp"

namespace mlp {

/// CODATA 2018: Bohr radius in Å and Hartree energy in eV (exact decimal values of the recommended constants).
constexpr double kBohrInAngstrom = 0.529177210903;
constexpr double kHartreeInEv = 27.211386245988;

/// What one n2p2 length and energy unit are.
struct N2p2Units {
  double length = 1.0;  ///< Å per n2p2 length unit (Bohr: kBohrInAngstrom)
  double energy = 1.0;  ///< eV per n2p2 energy unit (Hartree: kHartreeInEv)
  /// "bohr" | "angstrom" | a positive number (Å per unit); "hartree" | "ev" | a positive number (eV per unit).
  /// Names are case-insensitive. Throws InputError (field "length" / "energy").
  static N2p2Units named(const std::string& length, const std::string& energy);
};

/// Read an n2p2 potential directory (input.nn, scaling.data, weights.ZZZ.data). Throws InputError naming file,
/// line and keyword for anything malformed, missing or unsupported, IoError for a file that cannot be read. The
/// model's spec() is "n2p2:dir=<directory>,length=<Å per unit>,energy=<eV per unit>".
std::unique_ptr<BpnnModel> import_n2p2(const std::string& directory, const N2p2Units& units);

/// Registry factory for "n2p2:dir=PATH,length=bohr|angstrom|<Å>,energy=hartree|ev|<eV>" (length and energy
/// are required: an n2p2 potential does not say its units).
std::unique_ptr<Model> n2p2_model_from_spec(const ModelSpec& spec);

}  // namespace mlp
