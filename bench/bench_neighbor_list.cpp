// Neighbour-list build cost on Si diamond supercells (a = 5.431 Å, rc = 5 Å) from 10^3 to 10^6 atoms.
// The linked-cell build is O(N): time per atom should stay flat as N grows. Reported counters:
// atoms/s and pairs/s (rates over the build), and pairs per atom. bench/neighbor_list.sh turns them into a table.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include "mlp/geom/neighbor_list.hpp"

namespace {

// Cubic diamond supercell of n×n×n conventional cells (8 atoms each), slightly rattled by a fixed pattern so
// that no distance sits exactly on a bin face or the cutoff (as in an MD snapshot).
mlp::Structure silicon(int n) {
  const double a = 5.431;
  static const double basis[8][3] = {{0, 0, 0},       {0, 0.5, 0.5},   {0.5, 0, 0.5},   {0.5, 0.5, 0},
                                     {0.25, 0.25, 0.25}, {0.25, 0.75, 0.75}, {0.75, 0.25, 0.75}, {0.75, 0.75, 0.25}};
  mlp::Structure s;
  s.resize(static_cast<std::size_t>(8) * n * n * n);
  s.cell = mlp::Mat3::Identity() * (a * n);
  s.pbc = {true, true, true};
  Eigen::Index k = 0;
  unsigned state = 12345;
  auto jitter = [&state] {  // small deterministic LCG: no dependence on <random> implementation details
    state = state * 1664525u + 1013904223u;
    return (static_cast<double>(state >> 8) / 16777216.0 - 0.5) * 0.05;
  };
  for (int x = 0; x < n; ++x)
    for (int y = 0; y < n; ++y)
      for (int z = 0; z < n; ++z)
        for (const auto& b : basis) {
          s.numbers[static_cast<std::size_t>(k)] = 14;
          s.positions.row(k) << a * (x + b[0]) + jitter(), a * (y + b[1]) + jitter(), a * (z + b[2]) + jitter();
          ++k;
        }
  return s;
}

// Supercell sizes: 8·n³ ≈ 10^3, 10^4, 10^5, 10^6 atoms.
const mlp::Structure& cached(int n) {
  static std::map<int, std::unique_ptr<mlp::Structure>> cache;
  auto& p = cache[n];
  if (!p) p = std::make_unique<mlp::Structure>(silicon(n));
  return *p;
}

void report(benchmark::State& state, const mlp::Structure& s, const mlp::NeighborList& nl) {
  const auto iters = static_cast<double>(state.iterations());
  state.counters["atoms"] = static_cast<double>(s.size());
  state.counters["pairs_per_atom"] = static_cast<double>(nl.pairs()) / static_cast<double>(s.size());
  state.counters["atoms/s"] = benchmark::Counter(iters * static_cast<double>(s.size()), benchmark::Counter::kIsRate);
  state.counters["pairs/s"] = benchmark::Counter(iters * static_cast<double>(nl.pairs()), benchmark::Counter::kIsRate);
}

// Build from scratch (the list object is reused, as in MD, so its storage is not reallocated each time).
void BM_BuildFull(benchmark::State& state) {
  const mlp::Structure& s = cached(static_cast<int>(state.range(0)));
  mlp::NeighborList nl;
  nl.build(s, {5.0, 0.0, true});
  for (auto _ : state) {
    nl.build(s, {5.0, 0.0, true});
    benchmark::DoNotOptimize(nl.distance(0));
  }
  report(state, s, nl);
}

void BM_BuildHalf(benchmark::State& state) {
  const mlp::Structure& s = cached(static_cast<int>(state.range(0)));
  mlp::NeighborList nl;
  nl.build(s, {5.0, 0.0, false});
  for (auto _ : state) {
    nl.build(s, {5.0, 0.0, false});
    benchmark::DoNotOptimize(nl.distance(0));
  }
  report(state, s, nl);
}

// The Verlet-skin path of MD: positions unchanged within skin/2, so only vectors and distances are recomputed.
void BM_UpdateFull(benchmark::State& state) {
  const mlp::Structure& s = cached(static_cast<int>(state.range(0)));
  mlp::NeighborList nl(s, {5.0, 0.5, true});
  for (auto _ : state) {
    if (!nl.update(s)) state.SkipWithError("update refused an unchanged structure");
    benchmark::DoNotOptimize(nl.distance(0));
  }
  report(state, s, nl);
}

}  // namespace

BENCHMARK(BM_BuildFull)->Arg(5)->Arg(11)->Arg(23)->Arg(50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildHalf)->Arg(5)->Arg(11)->Arg(23)->Arg(50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UpdateFull)->Arg(5)->Arg(11)->Arg(23)->Arg(50)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
