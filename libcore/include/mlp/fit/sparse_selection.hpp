#pragma once
// Choosing the sparse points of a sparse Gaussian process (mlp/model/gap_model.hpp) among candidate rows (one row
// per atomic environment, n × d). Every method returns distinct row indices in the order chosen, is reproducible
// (the same bits for the same rows, method, count and seed on every platform: own RNG draws, no std::
// distributions) and returns every row when `count` >= n.
//
//  - random: uniform sampling without replacement (partial Fisher-Yates, std::mt19937_64(seed), unbiased
//    rejection draws).
//  - fps (farthest-point sampling): the first point is the row farthest (Euclidean) from the mean of all rows
//    (ties: lowest index), independent of the seed, so that an outlier environment is always represented; each next
//    point is the row whose distance to its nearest chosen point is largest (ties: lowest index). Rows identical to
//    a chosen row have distance 0 and are chosen only once everything else is.
//  - cur: leverage-score sampling of the CUR decomposition (M. W. Mahoney, P. Drineas, PNAS 106, 697 (2009); as in
//    GAP's sparse_method=CUR_POINTS): the statistical leverage of row i is π_i = Σ_{j<k} U_ij² with U the left
//    singular vectors of the rows for the k = min(count, rank) largest singular values; rows are drawn without
//    replacement with probability ∝ π (seeded), and once every row of positive leverage is taken the rest are
//    drawn uniformly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mlp {

enum class SparseSelection { random, fps, cur };

/// "random" | "fps" | "cur" (InputError naming field "sparse-method" otherwise).
SparseSelection parse_sparse_selection(const std::string& text);
std::string to_string(SparseSelection method);

/// Indices of min(count, rows.rows()) distinct rows of `rows`, chosen by `method` (see above).
std::vector<std::size_t> select_sparse_points(const Eigen::MatrixXd& rows, std::size_t count, SparseSelection method,
                                              std::uint64_t seed);

/// Indices of the first occurrence of each distinct row (rows equal after rounding every value to a grid of
/// `resolution`, in the rows' unit), ascending. Crystals repeat environments exactly; sparse points must not.
std::vector<std::size_t> distinct_rows(const Eigen::MatrixXd& rows, double resolution = 1e-10);

}  // namespace mlp
