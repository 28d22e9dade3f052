#include "mlp/core/structure.hpp"

#include <Eigen/LU>
#include <cmath>

#include "mlp/util/error.hpp"

namespace mlp {

double Structure::volume() const { return std::abs(cell.determinant()); }

void Structure::resize(std::size_t n) {
  numbers.resize(n, 0);
  positions.conservativeResize(static_cast<Eigen::Index>(n), 3);
}

std::optional<double> reference_energy(const Structure& s, const LabelKeys& keys) {
  return s.info.real(keys.energy);
}

std::optional<Matrix3N> reference_forces(const Structure& s, const LabelKeys& keys) {
  const AtomArray* a = s.arrays.reals(keys.forces, 3);
  if (!a || a->reals.size() != 3 * s.size()) return std::nullopt;
  return Eigen::Map<const Matrix3N>(a->reals.data(), static_cast<Eigen::Index>(s.size()), 3);
}

namespace {
std::optional<Mat3> as_matrix(const std::vector<double>& v) {
  Mat3 m;
  if (v.size() == 9) {
    for (int i = 0; i < 9; ++i) m(i / 3, i % 3) = v[static_cast<std::size_t>(i)];
  } else if (v.size() == 6) {  // Voigt order xx yy zz yz xz xy
    m << v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2];
  } else {
    return std::nullopt;
  }
  return m;
}
}  // namespace

std::optional<Mat3> reference_stress(const Structure& s, const LabelKeys& keys) {
  if (auto v = s.info.reals(keys.stress)) return as_matrix(*v);
  if (auto w = s.info.reals(keys.virial)) {
    const double vol = s.volume();
    if (vol <= 0) return std::nullopt;
    if (auto m = as_matrix(*w)) return Mat3(-*m / vol);
  }
  return std::nullopt;
}

void validate_geometry(const Structure& s) {
  const std::string where = "frame " + std::to_string(s.frame);
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i)
    for (int k = 0; k < 3; ++k)
      if (!std::isfinite(s.positions(i, k)))
        throw InputError(where + ": atom " + std::to_string(i) + " has a non-finite position", s.source, s.line,
                         "pos");
  if (!s.cell.allFinite()) throw InputError(where + ": non-finite lattice vector", s.source, s.line, "Lattice");
  for (int k = 0; k < 3; ++k)
    if (s.pbc[k] && s.cell.row(k).norm() == 0.0)
      throw InputError(where + ": periodic along lattice vector " + std::to_string(k + 1) +
                           " but that vector is zero (missing Lattice?)",
                       s.source, s.line, "Lattice");
  // The periodic lattice vectors must span their space (Gram determinant of those rows).
  Eigen::Matrix3d gram = Eigen::Matrix3d::Identity();
  double scale = 1.0;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      if (s.pbc[a] && s.pbc[b]) {
        gram(a, b) = s.cell.row(a).dot(s.cell.row(b));
        if (a == b) scale *= gram(a, a);
      }
  if (s.any_periodic() && gram.determinant() < 1e-20 * scale)
    throw InputError(where + ": lattice vectors are linearly dependent", s.source, s.line, "Lattice");
}

}  // namespace mlp
