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

namespace {
// Where a frame's info labels sit, for error messages: the comment line (0 when the frame has no line).
std::size_t comment_line(const Structure& s) { return s.line ? s.line + 1 : 0; }
// The line of atom i (0-based) of an extxyz frame (0 when the frame has no line).
std::size_t atom_line(const Structure& s, std::size_t i) { return s.line ? s.line + 2 + i : 0; }
std::string frame_name(const Structure& s) { return "frame " + std::to_string(s.frame); }

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

// A stress or virial label: absent (nullopt), or 9 / 6 finite reals; anything else is bad input.
std::optional<Mat3> info_matrix(const Structure& s, const std::string& key) {
  if (!s.info.has(key)) return std::nullopt;
  const auto v = s.info.reals(key);
  const auto m = v ? as_matrix(*v) : std::nullopt;
  if (!m) throw InputError(frame_name(s) + ": the label must be 9 (3x3) or 6 (Voigt) numbers", s.source,
                           comment_line(s), key);
  if (!m->allFinite()) throw InputError(frame_name(s) + ": non-finite label", s.source, comment_line(s), key);
  return m;
}
}  // namespace

// Labels are the reference a fit learns and an error table compares with, so a label that is present but is not
// a finite number of the right shape is an error here (the reader keeps any info value and any R column: it does
// not know which keys the user chose as labels).
std::optional<double> reference_energy(const Structure& s, const LabelKeys& keys) {
  if (!s.info.has(keys.energy)) return std::nullopt;
  const std::optional<double> e = s.info.real(keys.energy);
  if (!e)
    throw InputError(frame_name(s) + ": the energy label is not a number", s.source, comment_line(s), keys.energy);
  if (!std::isfinite(*e))
    throw InputError(frame_name(s) + ": non-finite energy label", s.source, comment_line(s), keys.energy);
  return e;
}

std::optional<Matrix3N> reference_forces(const Structure& s, const LabelKeys& keys) {
  const AtomArray* a = s.arrays.find(keys.forces);
  if (!a) return std::nullopt;
  if (!s.arrays.reals(keys.forces, 3) || a->reals.size() != 3 * s.size())
    throw InputError(frame_name(s) + ": the force label must be a real column of width 3 (" + keys.forces + ":R:3)",
                     s.source, comment_line(s), keys.forces);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t d = 0; d < 3; ++d)
      if (!std::isfinite(a->reals[3 * i + d]))
        throw InputError(frame_name(s) + ", atom " + std::to_string(i + 1) + ": non-finite force label", s.source,
                         atom_line(s, i), keys.forces + "[" + std::to_string(d) + "]");
  return Eigen::Map<const Matrix3N>(a->reals.data(), static_cast<Eigen::Index>(s.size()), 3);
}

std::optional<Mat3> reference_stress(const Structure& s, const LabelKeys& keys) {
  if (auto m = info_matrix(s, keys.stress)) return m;
  const auto w = info_matrix(s, keys.virial);
  const double vol = s.volume();
  if (!w || vol <= 0) return std::nullopt;  // a virial without a cell (a molecule's) gives no stress
  return Mat3(-*w / vol);
}

void validate_geometry(const Structure& s) {
  const std::string where = frame_name(s);
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
