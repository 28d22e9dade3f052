#pragma once
// The inner cutoff of a fitted model from its training data (mlp/model/inner_cutoff.hpp).
#include <map>
#include <utility>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/model/inner_cutoff.hpp"

namespace mlp {

/// Shortest distance (Å) of every element pair among `frames` (pairs within `cutoff` Å only); key (min Z, max Z).
/// With `use`, only the frames it lists.
std::map<std::pair<int, int>, double> shortest_pair_distances(const std::vector<Structure>& frames, double cutoff,
                                                              const std::vector<std::size_t>* use = nullptr);

/// For every pair of `species`: r_out = the shortest distance of that pair in `frames` and r_in = (1 − width)·r_out,
/// so no training structure is touched; a pair never closer than `cutoff` gets ZBL's own switching range
/// (r_in = 0.5, r_out = 0.8 × (r_cov,a + r_cov,b); mlp/model/zbl.hpp). `width` in (0, 1].
InnerCutoff data_inner_cutoff(const std::vector<Structure>& frames, const std::vector<int>& species, double cutoff,
                              double width);

}  // namespace mlp
