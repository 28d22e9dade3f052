#include "mlp/fit/sparse_selection.hpp"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {

// Unbiased integer in [0, bound): rejection sampling on the raw 64-bit draws (std::uniform_int_distribution is
// implementation-defined, so it would give different points on different standard libraries).
std::uint64_t draw_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - max % bound;
  std::uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % bound;
}

// Uniform in [0, 1) with 53 random bits.
double draw_unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::vector<std::size_t> select_random(std::size_t n, std::size_t count, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t j = k + static_cast<std::size_t>(draw_below(rng, n - k));
    std::swap(order[k], order[j]);
  }
  order.resize(count);
  return order;
}

std::vector<std::size_t> select_fps(const Eigen::MatrixXd& rows, std::size_t count) {
  const auto n = static_cast<std::size_t>(rows.rows());
  const Eigen::RowVectorXd mean = rows.colwise().mean();
  std::vector<std::size_t> chosen;
  Eigen::VectorXd nearest = (rows.rowwise() - mean).rowwise().squaredNorm();
  std::vector<bool> taken(n, false);
  while (chosen.size() < count) {
    std::size_t best = n;
    for (std::size_t i = 0; i < n; ++i)
      if (!taken[i] && (best == n || nearest[static_cast<Eigen::Index>(i)] > nearest[static_cast<Eigen::Index>(best)]))
        best = i;
    chosen.push_back(best);
    taken[best] = true;
    // After the first point, `nearest` is the squared distance to the closest chosen point.
    const Eigen::VectorXd d = (rows.rowwise() - rows.row(static_cast<Eigen::Index>(best))).rowwise().squaredNorm();
    nearest = chosen.size() == 1 ? d : nearest.cwiseMin(d);
  }
  return chosen;
}

std::vector<std::size_t> select_cur(const Eigen::MatrixXd& rows, std::size_t count, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(rows.rows());
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(rows, Eigen::ComputeThinU);
  const Eigen::VectorXd& sv = svd.singularValues();
  const double tol = sv.size() > 0 ? sv[0] * 1e-12 * static_cast<double>(std::max<Eigen::Index>(rows.rows(), rows.cols())) : 0.0;
  Eigen::Index k = 0;
  while (k < sv.size() && k < static_cast<Eigen::Index>(count) && sv[k] > tol) ++k;
  Eigen::VectorXd leverage = svd.matrixU().leftCols(k).rowwise().squaredNorm();
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> chosen;
  std::vector<bool> taken(n, false);
  while (chosen.size() < count) {
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      if (!taken[i]) total += leverage[static_cast<Eigen::Index>(i)];
    std::size_t pick = n;
    if (total > 0.0) {
      // Walk the cumulative sum in index order: the same draw gives the same row everywhere.
      const double target = draw_unit(rng) * total;
      double acc = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        if (taken[i] || leverage[static_cast<Eigen::Index>(i)] <= 0.0) continue;
        acc += leverage[static_cast<Eigen::Index>(i)];
        pick = i;
        if (acc > target) break;
      }
    } else {
      std::size_t left = static_cast<std::size_t>(draw_below(rng, n - chosen.size()));
      for (std::size_t i = 0; i < n; ++i)
        if (!taken[i] && left-- == 0) {
          pick = i;
          break;
        }
    }
    chosen.push_back(pick);
    taken[pick] = true;
  }
  return chosen;
}

}  // namespace

SparseSelection parse_sparse_selection(const std::string& text) {
  if (text == "random") return SparseSelection::random;
  if (text == "fps") return SparseSelection::fps;
  if (text == "cur") return SparseSelection::cur;
  throw InputError("unknown sparse point selection '" + text + "' (cur, fps, random)", "", 0, "sparse-method");
}

std::string to_string(SparseSelection method) {
  switch (method) {
    case SparseSelection::random: return "random";
    case SparseSelection::fps: return "fps";
    case SparseSelection::cur: return "cur";
  }
  return "?";
}

std::vector<std::size_t> select_sparse_points(const Eigen::MatrixXd& rows, std::size_t count, SparseSelection method,
                                              std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(rows.rows());
  if (!rows.allFinite()) throw InputError("sparse point candidates contain non-finite values", "", 0, "sparse");
  count = std::min(count, n);
  if (count == n) {
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i) all[i] = i;
    return all;
  }
  switch (method) {
    case SparseSelection::random: return select_random(n, count, seed);
    case SparseSelection::fps: return select_fps(rows, count);
    case SparseSelection::cur: return select_cur(rows, count, seed);
  }
  return {};
}

std::vector<std::size_t> distinct_rows(const Eigen::MatrixXd& rows, double resolution) {
  std::map<std::vector<long long>, std::size_t> seen;
  std::vector<std::size_t> out;
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    std::vector<long long> key(static_cast<std::size_t>(rows.cols()));
    for (Eigen::Index c = 0; c < rows.cols(); ++c) key[static_cast<std::size_t>(c)] = std::llround(rows(r, c) / resolution);
    if (seen.emplace(std::move(key), static_cast<std::size_t>(r)).second) out.push_back(static_cast<std::size_t>(r));
  }
  return out;
}

}  // namespace mlp
