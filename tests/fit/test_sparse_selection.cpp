// Sparse point selection: every method is reproducible with its seed, returns distinct rows, and follows its
// documented rule (FPS starts at the row farthest from the mean; CUR never picks a row of zero leverage while one
// of positive leverage is left); exact repeats are collapsed by distinct_rows.
#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <set>

#include "mlp/fit/sparse_selection.hpp"
#include "mlp/util/error.hpp"

using namespace mlp;

namespace {

Eigen::MatrixXd random_rows(std::uint64_t seed, Eigen::Index n, Eigen::Index d) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  Eigen::MatrixXd m(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index k = 0; k < d; ++k) m(i, k) = g(rng);
  return m;
}

bool distinct(const std::vector<std::size_t>& v) { return std::set<std::size_t>(v.begin(), v.end()).size() == v.size(); }

}  // namespace

TEST_CASE("sparse selection is reproducible with a seed and picks distinct rows", "[sparse]") {
  const Eigen::MatrixXd rows = random_rows(1, 200, 6);
  for (SparseSelection method : {SparseSelection::random, SparseSelection::fps, SparseSelection::cur}) {
    INFO(to_string(method));
    const auto a = select_sparse_points(rows, 30, method, 7);
    const auto b = select_sparse_points(rows, 30, method, 7);
    CHECK(a.size() == 30);
    CHECK(a == b);
    CHECK(distinct(a));
    for (std::size_t i : a) CHECK(i < 200);
    // More than the rank (6): CUR must go on past the rows of positive leverage, still distinct.
    const auto many = select_sparse_points(rows, 150, method, 3);
    CHECK(many.size() == 150);
    CHECK(distinct(many));
    // Asking for at least every row returns every row, in order.
    const auto all = select_sparse_points(rows, 500, method, 3);
    REQUIRE(all.size() == 200);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i] == i);
  }
  // Seeded methods depend on the seed; FPS does not.
  CHECK(select_sparse_points(rows, 30, SparseSelection::random, 7) !=
        select_sparse_points(rows, 30, SparseSelection::random, 8));
  CHECK(select_sparse_points(rows, 30, SparseSelection::cur, 7) != select_sparse_points(rows, 30, SparseSelection::cur, 8));
  CHECK(select_sparse_points(rows, 30, SparseSelection::fps, 7) == select_sparse_points(rows, 30, SparseSelection::fps, 8));
}

TEST_CASE("FPS starts at the row farthest from the mean and then maximises the distance to the chosen set",
          "[sparse]") {
  Eigen::MatrixXd rows = random_rows(2, 50, 3);
  rows.row(17) *= 10.0;  // an outlier: farthest from the mean
  const auto pick = select_sparse_points(rows, 5, SparseSelection::fps, 0);
  REQUIRE(pick.size() == 5);
  CHECK(pick[0] == 17);
  // Each next point is at least as far from the earlier ones as any point not chosen yet (brute force).
  for (std::size_t k = 1; k < pick.size(); ++k) {
    const auto nearest = [&](Eigen::Index i) {
      double best = std::numeric_limits<double>::infinity();
      for (std::size_t c = 0; c < k; ++c)
        best = std::min(best, (rows.row(i) - rows.row(static_cast<Eigen::Index>(pick[c]))).squaredNorm());
      return best;
    };
    const double chosen = nearest(static_cast<Eigen::Index>(pick[k]));
    for (Eigen::Index i = 0; i < rows.rows(); ++i) CHECK(nearest(i) <= chosen);
  }
}

TEST_CASE("CUR prefers rows of high leverage", "[sparse]") {
  // Rows 1 and 2 alone span the second and third directions (leverage 1 each); the 38 rows along the first
  // direction share a leverage of 1. Drawn ∝ leverage, rows 1 and 2 are in a pick of 3 most of the time, any one
  // row of the first direction rarely (fixed seeds: the counts are reproducible).
  Eigen::MatrixXd rows = Eigen::MatrixXd::Zero(40, 3);
  rows(0, 0) = 1.0;
  rows(1, 1) = 1.0;
  rows(2, 2) = 1.0;
  for (Eigen::Index i = 3; i < 40; ++i) rows(i, 0) = 1.0 + 0.01 * static_cast<double>(i);
  std::vector<int> count(40, 0);
  for (std::uint64_t seed = 0; seed < 100; ++seed)
    for (std::size_t i : select_sparse_points(rows, 3, SparseSelection::cur, seed)) ++count[i];
  CHECK(count[1] >= 70);
  CHECK(count[2] >= 70);
  for (std::size_t i = 3; i < 40; ++i) CHECK(count[i] <= 20);
}

TEST_CASE("distinct_rows collapses repeats and keeps first occurrences", "[sparse]") {
  Eigen::MatrixXd rows = random_rows(3, 6, 4);
  rows.row(4) = rows.row(1);
  rows.row(5) = rows.row(1) + Eigen::RowVectorXd::Constant(4, 1e-14);  // round-off apart: the same environment
  const auto keep = distinct_rows(rows);
  CHECK(keep == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK_THROWS_AS(parse_sparse_selection("kmeans"), InputError);
  CHECK(parse_sparse_selection("cur") == SparseSelection::cur);
}
