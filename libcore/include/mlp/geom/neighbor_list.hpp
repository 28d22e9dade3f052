#pragma once
// Neighbour lists by linked cells, O(N): triclinic cells, periodic in any subset of directions, cutoffs
// larger than the cell (several images of the same atom), full or half lists, and a Verlet skin for MD.
#include <array>
#include <cstdint>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/core/types.hpp"

namespace mlp {

struct NeighborListOptions {
  double cutoff = 5.0;  ///< Å; pairs with distance < cutoff + skin are kept
  double skin = 0.0;    ///< Å; Verlet skin, the list stays valid until an atom moved more than skin/2
  bool full = true;     ///< full list (each pair seen from both atoms) or half list (each pair once)
};

/// Pairs (i, j, image shift) with d = |r_j + shift·cell - r_i| < cutoff + skin, stored atom by atom (CSR).
/// A half list keeps a pair once: i < j, or i == j with the first non-zero shift component positive.
/// An atom is never its own neighbour with zero shift.
class NeighborList {
 public:
  NeighborList() = default;
  NeighborList(const Structure& s, const NeighborListOptions& options) { build(s, options); }

  /// Build from scratch. Throws InputError for non-finite positions or a degenerate periodic cell.
  /// With `centres` (one flag per atom), only flagged atoms get neighbours (every atom can still be a
  /// neighbour): domain decomposition, where the environments of padding atoms are never used (see
  /// Model::uses_padding_neighbors()).
  void build(const Structure& s, const NeighborListOptions& options,
             const std::vector<std::uint8_t>* centres = nullptr);
  /// Recompute vectors and distances for new positions (same atoms, same cell) without a rebuild.
  /// Returns false (and does nothing) when some atom moved more than skin/2 since the last build,
  /// i.e. when the caller must call build() again.
  bool update(const Structure& s);
  /// update() if possible, else build(). Returns true if it rebuilt.
  bool refresh(const Structure& s);

  const NeighborListOptions& options() const { return options_; }
  std::size_t atoms() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::size_t pairs() const { return neighbors_.size(); }
  /// Index range [begin(i), end(i)) of atom i's neighbours.
  std::size_t begin(std::size_t i) const { return offsets_[i]; }
  std::size_t end(std::size_t i) const { return offsets_[i + 1]; }
  /// The k-th stored pair: neighbour index, integer image shift, vector r_j + shift·cell - r_i (Å), distance (Å).
  int neighbor(std::size_t k) const { return neighbors_[k]; }
  const std::array<int, 3>& shift(std::size_t k) const { return shifts_[k]; }
  const Vec3& vector(std::size_t k) const { return vectors_[k]; }
  double distance(std::size_t k) const { return distances_[k]; }
  /// A copy in which only the atoms with a non-zero flag keep their neighbours (the others have none), for
  /// models whose per-atom energies are needed only for some atoms (domain decomposition: descriptors of
  /// padding atoms are never used). `centres` has one flag per atom.
  NeighborList restricted_to(const std::vector<std::uint8_t>& centres) const;
  /// The centre flags of a list built or restricted with them; empty when every atom is a centre.
  const std::vector<std::uint8_t>& centres() const { return centres_; }
  /// Number of times build() ran (for tests and MD statistics).
  std::size_t builds() const { return builds_; }

 private:
  NeighborListOptions options_;
  std::vector<std::size_t> offsets_;
  std::vector<int> neighbors_;
  std::vector<std::array<int, 3>> shifts_;
  std::vector<Vec3> vectors_;
  std::vector<double> distances_;
  std::vector<std::uint8_t> centres_;  // empty: every atom has its neighbours
  Matrix3N reference_positions_;  // positions at the last build, for the skin criterion
  Mat3 cell_ = Mat3::Zero();                     // cell and pbc at the last build: update() refuses others
  std::array<bool, 3> pbc_{false, false, false};
  std::size_t builds_ = 0;
};

}  // namespace mlp
