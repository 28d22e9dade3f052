#pragma once
// An atomic structure: what one extxyz frame holds.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "mlp/core/info.hpp"
#include "mlp/core/types.hpp"

namespace mlp {

struct Structure {
  std::vector<int> numbers;        ///< atomic numbers Z (1..118)
  Matrix3N positions;              ///< Cartesian positions, Å (N×3)
  Mat3 cell = Mat3::Zero();        ///< rows are lattice vectors a, b, c, Å; zero if no Lattice was given
  std::array<bool, 3> pbc{false, false, false};  ///< periodic along a, b, c
  Info info;                       ///< frame metadata (energy in eV, stress in eV/Å^3, config_type, ...)
  AtomArrays arrays;               ///< per-atom columns other than species and pos (forces in eV/Å, ...)

  /// Where this frame came from, for error messages: file name ("-" for stdin), 1-based first line and
  /// 0-based frame index in that file.
  std::string source;
  std::size_t line = 0;
  std::size_t frame = 0;

  std::size_t size() const { return numbers.size(); }
  bool any_periodic() const { return pbc[0] || pbc[1] || pbc[2]; }
  /// |det(cell)|, Å^3.
  double volume() const;
  /// Resize to n atoms (numbers and positions; arrays are left alone).
  void resize(std::size_t n);
};

/// Reference labels in a frame under configurable keys (defaults are ASE's).
struct LabelKeys {
  std::string energy = "energy";  ///< info, eV
  std::string forces = "forces";  ///< per-atom R:3, eV/Å
  std::string stress = "stress";  ///< info, 9 (row-major 3×3) or 6 (Voigt xx yy zz yz xz xy) reals, eV/Å^3
  std::string virial = "virial";  ///< info, 9 or 6 reals, eV; used when stress is absent (stress = -virial/V)
};

/// Total energy label (eV), if present.
std::optional<double> reference_energy(const Structure& s, const LabelKeys& keys = {});
/// Force label (eV/Å), if present with the right shape.
std::optional<Matrix3N> reference_forces(const Structure& s, const LabelKeys& keys = {});
/// Stress label (eV/Å^3, ASE sign), from `stress` or else `virial` and the volume, if present.
std::optional<Mat3> reference_stress(const Structure& s, const LabelKeys& keys = {});

/// Throws InputError naming the frame and atom if any position or cell entry is NaN/Inf,
/// or if a periodic direction has a degenerate (zero-length or linearly dependent) lattice vector.
void validate_geometry(const Structure& s);

}  // namespace mlp
