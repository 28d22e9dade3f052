#pragma once
// The Descriptor interface shared by ACSF and SOAP: per-atom rows that are invariant to translation, rotation,
// inversion and permutation of like atoms, with analytic gradients with respect to positions and strain.
// mlp-describe, mlp-fit and the learned models use descriptors only through this interface.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/core/types.hpp"
#include "mlp/geom/neighbor_list.hpp"

namespace mlp {

/// Per-atom descriptor rows: atom i's row is data[offsets[i] .. offsets[i+1]). Row lengths may depend on the
/// element of the centre atom (ACSF, n2p2 style) or be the same for all (SOAP).
struct DescriptorValues {
  std::vector<std::size_t> offsets;
  std::vector<double> data;
  std::size_t atoms() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  const double* row(std::size_t i) const { return data.data() + offsets[i]; }
  double* row(std::size_t i) { return data.data() + offsets[i]; }
  std::size_t row_size(std::size_t i) const { return offsets[i + 1] - offsets[i]; }
};

/// Sparse gradients. For centre atom i with n_i = row_size(i) values:
///  - entries [entry_offsets[i], entry_offsets[i+1]) list the atoms j (including i itself, always first) on which
///    q_i depends, each atom once (periodic images folded onto the atom); entry e has atom `atom[e]` and the
///    n_i×3 block dq_i/dr_j (1/Å times the unit of q) at position[data_offsets[e] ...], row-major
///    (value k, Cartesian a) → [3k + a];
///  - strain[values.offsets[i]*9 ...] holds, for each value k, the 3×3 matrix dq_ik/dε_ab row-major → [9k + 3a + b],
///    ε the homogeneous deformation r → (I + ε) r applied to positions and cell.
struct DescriptorGradients {
  std::vector<std::size_t> entry_offsets;
  std::vector<int> atom;
  std::vector<std::size_t> data_offsets;
  std::vector<double> position;
  std::vector<double> strain;
};

class Descriptor {
 public:
  virtual ~Descriptor() = default;
  /// "acsf" or "soap".
  virtual std::string type() const = 0;
  /// Canonical JSON of the complete parameters (every field explicit, elements as symbols, stable key order):
  /// make_descriptor(to_json()) recreates an identical descriptor, and descriptor_hash() hashes this text.
  virtual std::string to_json() const = 0;
  /// Largest cutoff, Å: the NeighborList must be built with at least this cutoff.
  virtual double cutoff() const = 0;
  /// Centre elements (atomic numbers, ascending) that have a row. An atom of any other element gets an empty row
  /// (size 0) and no gradient entries of its own; callers that need every atom described (mlp-describe, the
  /// models) check the elements first.
  virtual std::vector<int> elements() const = 0;
  /// Row length for centre element Z (0 if Z is not a centre element).
  virtual std::size_t size(int Z) const = 0;
  /// Human-readable label of value k of a row of centre element Z (e.g. "G2 H eta=0.5 rs=0" or "p O-H n=1 n'=2
  /// l=3"), for index files and plots.
  virtual std::string label(int Z, std::size_t k) const = 0;

  /// Rows of every atom. Throws InputError if the list's cutoff is smaller than cutoff() or the list does not
  /// belong to the structure. With a list built for some centres only (NeighborList::centres()), rows of the
  /// other atoms may be left zero (their environments are unknown; models never read them).
  virtual DescriptorValues compute(const Structure& s, const NeighborList& nl) const = 0;
  /// Rows and their explicit sparse gradients (positions and strain).
  virtual DescriptorValues compute(const Structure& s, const NeighborList& nl,
                                   DescriptorGradients& gradients) const = 0;
  /// For a model E = Σ_i E_i(q_i): given dE/dq in the layout of the rows (same offsets as compute()), add the
  /// forces −dE/dr (eV/Å) to `forces` (N×3) and the virial −dE/dε (eV) to `virial`, without materialising the
  /// gradients.
  virtual void accumulate(const Structure& s, const NeighborList& nl, const DescriptorValues& dE_dq,
                          Matrix3N& forces, Mat3& virial) const = 0;
};

/// Create a descriptor from its JSON parameters, dispatching on "type" ("acsf" or "soap"). Parameter sets that
/// need the element list (ACSF "auto" grids, SOAP without "species") take it from `species` (atomic numbers);
/// an empty `species` there is an InputError. `source` names the JSON's origin in error messages.
std::unique_ptr<Descriptor> make_descriptor(const std::string& json, const std::vector<int>& species = {},
                                            const std::string& source = "");

/// 16 hex digits: FNV-1a 64-bit hash of the canonical JSON (to_json()), identifying a parameter set.
std::string descriptor_hash(const Descriptor& d);

/// Convenience: build the neighbour list (cutoff() and no skin) and compute rows (and gradients if non-null).
DescriptorValues compute_descriptors(const Descriptor& d, const Structure& s,
                                     DescriptorGradients* gradients = nullptr);

}  // namespace mlp
