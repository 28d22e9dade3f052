#include "test_support.hpp"

#include <Eigen/Geometry>
#include <cmath>
#include <fstream>

namespace mlp::test {

std::string shared_data(const std::string& relative) {
  const std::string path = std::string(MLP_SHARED_DATA) + "/" + relative;
  return std::ifstream(path).good() ? path : std::string();
}

std::string fixture(const std::string& relative) { return std::string(MLP_FIXTURES) + "/" + relative; }

Mat3 random_cell(std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> len(lo, hi), ang(60.0, 120.0);
  const double pi = std::acos(-1.0);
  for (;;) {
    const double a = len(rng), b = len(rng), c = len(rng);
    const double alpha = ang(rng) * pi / 180, beta = ang(rng) * pi / 180, gamma = ang(rng) * pi / 180;
    Mat3 cell = Mat3::Zero();
    cell.row(0) << a, 0, 0;
    cell.row(1) << b * std::cos(gamma), b * std::sin(gamma), 0;
    const double cx = c * std::cos(beta);
    const double cy = c * (std::cos(alpha) - std::cos(beta) * std::cos(gamma)) / std::sin(gamma);
    const double cz2 = c * c - cx * cx - cy * cy;
    if (cz2 < 0.05 * c * c) continue;  // angles that do not close: try again
    cell.row(2) << cx, cy, std::sqrt(cz2);
    return cell;
  }
}

Mat3 random_rotation(std::mt19937_64& rng) {
  std::normal_distribution<double> g;
  Eigen::Quaterniond q(g(rng), g(rng), g(rng), g(rng));
  q.normalize();
  return q.toRotationMatrix();
}

Structure random_structure(std::mt19937_64& rng, std::size_t n, const std::vector<int>& elements, const Mat3& cell,
                           std::array<bool, 3> pbc, double min_distance) {
  Structure s;
  s.cell = cell;
  s.pbc = pbc;
  s.resize(n);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<std::size_t> pick(0, elements.size() - 1);
  const Mat3 inv = cell.inverse();
  for (std::size_t i = 0; i < n; ++i) {
    for (int attempt = 0;; ++attempt) {
      const Vec3 frac(u(rng), u(rng), u(rng));
      const Vec3 r = cell.transpose() * frac;
      bool ok = true;
      for (std::size_t j = 0; j < i && ok; ++j) {
        Vec3 d = r - s.positions.row(static_cast<Eigen::Index>(j)).transpose();
        Vec3 f = inv.transpose() * d;  // fractional difference
        for (int k = 0; k < 3; ++k)
          if (pbc[k]) f[k] -= std::round(f[k]);
        d = cell.transpose() * f;
        ok = d.norm() >= min_distance;
      }
      if (ok) {
        s.positions.row(static_cast<Eigen::Index>(i)) = r.transpose();
        s.numbers[i] = elements[pick(rng)];
        break;
      }
      if (attempt > 100000) throw std::runtime_error("random_structure: cannot place atoms that far apart");
    }
  }
  return s;
}

Structure strained(const Structure& s, const Mat3& eps) {
  Structure out = s;
  const Mat3 deform = Mat3::Identity() + eps;
  // Rows are vectors: r' = (I + ε) r becomes row' = row · (I + ε)^T.
  out.positions = s.positions * deform.transpose();
  out.cell = s.cell * deform.transpose();
  return out;
}

Matrix3N fd_forces(const EnergyFunction& energy, const Structure& s, double h) {
  Matrix3N f(s.positions.rows(), 3);
  Structure moved = s;
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i)
    for (int k = 0; k < 3; ++k) {
      moved.positions(i, k) = s.positions(i, k) + h;
      const double ep = energy(moved);
      moved.positions(i, k) = s.positions(i, k) - h;
      const double em = energy(moved);
      moved.positions(i, k) = s.positions(i, k);
      f(i, k) = -(ep - em) / (2 * h);
    }
  return f;
}

Mat3 fd_virial(const EnergyFunction& energy, const Structure& s, double h) {
  Mat3 w;
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      // A symmetric strain with ε_ab = ε_ba = h/2 (ε_aa = h on the diagonal) changes E by h·∂E/∂ε_ab to first
      // order, for the symmetric derivative that the virial is.
      Mat3 eps = Mat3::Zero();
      eps(a, b) += 0.5 * h;
      eps(b, a) += 0.5 * h;
      const double ep = energy(strained(s, eps));
      const double em = energy(strained(s, -eps));
      w(a, b) = w(b, a) = -(ep - em) / (2 * h);
    }
  return w;
}

}  // namespace mlp::test
