#pragma once
// Helpers shared by the Catch2 tests: where data lives, and random structures.
#include <algorithm>
#include <functional>
#include <random>
#include <string>

#include "mlp/core/structure.hpp"

namespace mlp::test {

/// Absolute path of a file under ../shared/data, or "" when the shared datasets are absent
/// (a user's clone): callers then skip with a message.
std::string shared_data(const std::string& relative);
/// Absolute path of a file under tests/fixtures.
std::string fixture(const std::string& relative);

/// Random structure of n atoms of the given elements with all pairwise distances >= min_distance (Å).
/// cell: rows are lattice vectors; pbc per direction. For non-periodic directions the atoms are placed in
/// the parallelepiped spanned by the cell anyway.
Structure random_structure(std::mt19937_64& rng, std::size_t n, const std::vector<int>& elements, const Mat3& cell,
                           std::array<bool, 3> pbc, double min_distance);
/// Random triclinic cell with lattice vector lengths in [lo, hi] Å and angles in [60°, 120°].
Mat3 random_cell(std::mt19937_64& rng, double lo, double hi);
/// Random rotation matrix (uniform on SO(3)).
Mat3 random_rotation(std::mt19937_64& rng);

/// Energy (eV) of a structure, as a finite-difference helper sees a model.
using EnergyFunction = std::function<double(const Structure&)>;
/// The structure with the homogeneous deformation (I + eps) applied to every position and lattice vector (Å).
Structure strained(const Structure& s, const Mat3& eps);
/// Central finite-difference forces −dE/dr (eV/Å), displacing each coordinate by ±h (Å).
Matrix3N fd_forces(const EnergyFunction& energy, const Structure& s, double h);
/// Central finite-difference virial W = −dE/dε (eV) under symmetric strains ±h (dimensionless) of positions
/// and cell; the structure's sign convention of mlp::EvalResult::virial.
Mat3 fd_virial(const EnergyFunction& energy, const Structure& s, double h);
/// Largest absolute entry of a − b divided by the largest absolute entry of b (or by `floor` if that is larger):
/// the "relative" agreement used by the derivative tests, insensitive to components that happen to be ~0.
template <typename A, typename B>
double max_rel_diff(const A& a, const B& b, double floor = 0.0) {
  const double scale = std::max(b.cwiseAbs().maxCoeff(), floor);
  return (a - b).cwiseAbs().maxCoeff() / scale;
}

}  // namespace mlp::test

/// Skip the rest of a Catch2 test case with a visible message (Catch2 v2 has no SKIP).
#define MLP_SKIP(msg)        \
  do {                       \
    WARN("SKIPPED: " << msg); \
    return;                  \
  } while (0)
