#include "mlp/fit/inner_cutoff_fit.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "mlp/geom/neighbor_list.hpp"
#include "mlp/model/zbl.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

std::map<std::pair<int, int>, double> shortest_pair_distances(const std::vector<Structure>& frames, double cutoff,
                                                              const std::vector<std::size_t>* use) {
  std::map<std::pair<int, int>, double> shortest;
  NeighborListOptions options;
  options.cutoff = cutoff;
  options.full = false;
  const std::size_t count = use ? use->size() : frames.size();
  for (std::size_t f = 0; f < count; ++f) {
    const Structure& s = frames.at(use ? (*use)[f] : f);
    if (s.size() < 2) continue;
    const NeighborList nl(s, options);
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
        const int a = s.numbers[i], b = s.numbers[static_cast<std::size_t>(nl.neighbor(k))];
        const auto key = a < b ? std::make_pair(a, b) : std::make_pair(b, a);
        const auto it = shortest.find(key);
        if (it == shortest.end())
          shortest.emplace(key, nl.distance(k));
        else
          it->second = std::min(it->second, nl.distance(k));
      }
  }
  return shortest;
}

InnerCutoff data_inner_cutoff(const std::vector<Structure>& frames, const std::vector<int>& species, double cutoff,
                              double width) {
  if (!(width > 0.0 && width <= 1.0))
    throw InputError("inner cutoff width must be in (0, 1], got " + std::to_string(width), "", 0, "inner_width");
  const auto shortest = shortest_pair_distances(frames, cutoff);
  const Zbl default_zbl{Zbl::Parameters{}};
  InnerCutoff inner;
  for (std::size_t p = 0; p < species.size(); ++p)
    for (std::size_t q = p; q < species.size(); ++q) {
      const int a = std::min(species[p], species[q]), b = std::max(species[p], species[q]);
      const auto it = shortest.find({a, b});
      if (it != shortest.end() && it->second > 0.0) {
        inner.set(a, b, {(1.0 - width) * it->second, it->second});
      } else {
        const Zbl::Radii zbl = default_zbl.radii(a, b);  // ZBL's own default range, so the two cannot drift apart
        inner.set(a, b, {zbl.inner, zbl.outer});
      }
    }
  return inner;
}

}  // namespace mlp
