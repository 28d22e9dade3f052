// SOAP timing on bulk Si diamond: 4×4×4 conventional cells (512 atoms, a = 5.431 Å, atoms displaced by up to
// 0.05 Å with a fixed seed so that no symmetry shortcut applies), n_max = 8, l_max = 6, r_cut = 5 Å, σ = 0.5 Å,
// cutoff_width 0.5 Å, normalised, central_weight 1 — the parameters of the published featomic/librascal figures.
//
// Usage: bench_soap [--repeat R] [--threads T]
//   --repeat R   evaluations per measurement (default 3); the best of 3 measurements is reported
//   --threads T  OpenMP threads (default: the OpenMP default, i.e. OMP_NUM_THREADS)
// Output: key=value lines; times in ms per atom per evaluation:
//   list_ms            neighbour-list build
//   values_ms          rows only
//   gradients_ms       rows + explicit sparse gradients (positions and strain)
//   accumulate_ms      forces and virial from a given dE/dq, excluding rows
//   values_accumulate_ms  rows + accumulate: the descriptor part of an energy+force evaluation
//
// Not a Google Benchmark program: one fixed protocol printed as plain numbers for bench/soap.sh.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "mlp/desc/soap.hpp"
#include "mlp/geom/neighbor_list.hpp"

namespace {

template <class F>
double best_ms_per_atom(F&& f, int repeat, std::size_t atoms) {
  double best = 1e300;
  for (int m = 0; m < 3; ++m) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < repeat; ++r) f();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count() / repeat / static_cast<double>(atoms));
  }
  return best;
}

mlp::Structure silicon(int cells) {
  const double a = 5.431;
  const double basis[8][3] = {{0, 0, 0},       {0, 0.5, 0.5},    {0.5, 0, 0.5},    {0.5, 0.5, 0},
                              {0.25, 0.25, 0.25}, {0.25, 0.75, 0.75}, {0.75, 0.25, 0.75}, {0.75, 0.75, 0.25}};
  mlp::Structure s;
  s.resize(static_cast<std::size_t>(8 * cells * cells * cells));
  s.cell = mlp::Mat3::Identity() * (a * cells);
  s.pbc = {true, true, true};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-0.05, 0.05);
  Eigen::Index i = 0;
  for (int x = 0; x < cells; ++x)
    for (int y = 0; y < cells; ++y)
      for (int z = 0; z < cells; ++z)
        for (const auto& b : basis) {
          s.numbers[static_cast<std::size_t>(i)] = 14;
          s.positions.row(i) << a * (x + b[0]) + u(rng), a * (y + b[1]) + u(rng), a * (z + b[2]) + u(rng);
          ++i;
        }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--repeat")) repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "bench_soap: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (threads > 0) omp_set_num_threads(threads);
  try {
    mlp::SoapParameters p;
    p.species = {14};
    p.n_max = 8;
    p.l_max = 6;
    p.r_cut = 5.0;
    p.sigma = 0.5;
    p.cutoff_width = 0.5;
    const auto t0 = std::chrono::steady_clock::now();
    const mlp::Soap soap(p);
    const double setup_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const mlp::Structure s = silicon(4);
    const std::size_t n = s.size();
    mlp::NeighborListOptions opt;
    opt.cutoff = soap.cutoff();
    mlp::NeighborList nl(s, opt);
    const mlp::DescriptorValues q = soap.compute(s, nl);
    mlp::DescriptorValues w = q;
    for (std::size_t k = 0; k < w.data.size(); ++k) w.data[k] = 1e-3 * static_cast<double>(k % 7);
    mlp::Matrix3N forces = mlp::Matrix3N::Zero(static_cast<Eigen::Index>(n), 3);
    mlp::Mat3 virial = mlp::Mat3::Zero();
    mlp::DescriptorGradients g;

    const double list_ms = best_ms_per_atom([&] { nl.build(s, opt); }, repeat, n);
    const double values_ms = best_ms_per_atom([&] { (void)soap.compute(s, nl); }, repeat, n);
    const double gradients_ms = best_ms_per_atom([&] { (void)soap.compute(s, nl, g); }, repeat, n);
    const double accumulate_ms = best_ms_per_atom([&] { soap.accumulate(s, nl, w, forces, virial); }, repeat, n);
    const double both_ms = best_ms_per_atom(
        [&] {
          (void)soap.compute(s, nl);
          soap.accumulate(s, nl, w, forces, virial);
        },
        repeat, n);
    std::size_t within = 0;
    for (std::size_t k = 0; k < nl.pairs(); ++k) within += nl.distance(k) < p.r_cut;
    std::printf("atoms=%zu\nthreads=%d\nneighbours_per_atom=%.1f\nfeatures=%zu\nsetup_ms=%.1f\nspline_intervals=%zu\n", n,
                omp_get_max_threads(), static_cast<double>(within) / static_cast<double>(n), soap.size(14), setup_ms,
                soap.radial_integral().intervals());
    std::printf("gradient_entries_per_atom=%.1f\n", static_cast<double>(g.atom.size()) / static_cast<double>(n));
    std::printf("list_ms=%.4f\nvalues_ms=%.4f\ngradients_ms=%.4f\naccumulate_ms=%.4f\nvalues_accumulate_ms=%.4f\n",
                list_ms, values_ms, gradients_ms, accumulate_ms, both_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_soap: %s\n", e.what());
    return 1;
  }
  return 0;
}
