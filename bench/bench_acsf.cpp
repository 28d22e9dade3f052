// ACSF timing on the n2p2 water symmetry-function set (input.nn of ../shared/data/n2p2_h2o_rpbe_d3, 27 H / 30 O
// functions, tanhu cutoff at 12 Bohr) and the 1080-atom water box of that directory's reference_predictions
// (frame 0, native Bohr coordinates, as n2p2 evaluates it). Threads: OMP_NUM_THREADS.
//
// Usage: bench_acsf [--data DIR] [--repeat R]
//   --data DIR   the n2p2_h2o_rpbe_d3/potential directory (default ../shared/data/n2p2_h2o_rpbe_d3/potential)
//   --repeat R   evaluations per measurement (default 3)
//   --measurements K   measurements, the best is reported (default 3)
//   --only KEY   time only KEY (list, values, gradients, accumulate, values_accumulate; for profiling)
// Output: key=value lines; times in µs per atom per evaluation (wall clock; *_cpu_us: process CPU time, all
// threads):
//   list_us            neighbour-list build (full list, rc = 12 Bohr)
//   values_us          descriptor rows only
//   gradients_us       rows + explicit sparse gradients (positions and strain)
//   accumulate_us      forces and virial from a given dE/dq (what a model's force evaluation needs), excluding rows
//   values_accumulate_us  rows + accumulate: the descriptor part of an energy+force evaluation
//
// Not a Google Benchmark program: one fixed protocol printed as plain numbers for bench/acsf.sh.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include <omp.h>

#include "mlp/desc/acsf.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/io/extxyz.hpp"

namespace {

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Best of `measurements` wall-clock times (µs per atom per evaluation), and the best process CPU time (all
// threads), which other processes on a loaded machine inflate less than the wall clock.
struct Timing {
  double wall = 1e300, cpu = 1e300;
};

int measurements = 3;

template <class F>
Timing best_us_per_atom(F&& f, int repeat, std::size_t atoms) {
  Timing best;
  for (int m = 0; m < measurements; ++m) {
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < repeat; ++r) f();
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = cpu_seconds();
    const double scale = 1.0 / repeat / static_cast<double>(atoms);
    best.wall = std::min(best.wall, std::chrono::duration<double, std::micro>(t1 - t0).count() * scale);
    best.cpu = std::min(best.cpu, (c1 - c0) * 1e6 * scale);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "../shared/data/n2p2_h2o_rpbe_d3/potential";
  int repeat = 3;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--repeat")) repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--measurements")) measurements = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    else {
      std::fprintf(stderr, "bench_acsf: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  try {
    std::ifstream in(dir + "/input.nn");
    if (!in) {
      std::fprintf(stderr, "bench_acsf: cannot open %s/input.nn\n", dir.c_str());
      return 77;
    }
    std::stringstream text;
    text << in.rdbuf();
    const mlp::Acsf acsf = mlp::Acsf::from_n2p2(text.str());
    mlp::ExtxyzReader reader(dir + "/reference_predictions.extxyz");
    mlp::Structure s;
    reader.read(s);  // frame 0: 1080 atoms
    const mlp::AtomArray* pb = s.arrays.reals("pos_bohr", 3);
    const auto lb = s.info.reals("lattice_bohr");
    if (!pb || !lb) {
      std::fprintf(stderr, "bench_acsf: frame 0 lacks pos_bohr/lattice_bohr\n");
      return 1;
    }
    for (std::size_t i = 0; i < s.size(); ++i)
      for (int c = 0; c < 3; ++c) s.positions(static_cast<Eigen::Index>(i), c) = pb->reals[3 * i + static_cast<std::size_t>(c)];
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) s.cell(r, c) = (*lb)[static_cast<std::size_t>(3 * r + c)];
    const std::size_t n = s.size();
    mlp::NeighborListOptions opt;
    opt.cutoff = acsf.cutoff();
    mlp::NeighborList nl(s, opt);
    const mlp::AcsfValues q = acsf.compute(s, nl);
    mlp::AcsfValues w = q;
    for (std::size_t k = 0; k < w.data.size(); ++k) w.data[k] = 1e-3 * static_cast<double>(k % 7);
    mlp::Matrix3N forces = mlp::Matrix3N::Zero(static_cast<Eigen::Index>(n), 3);
    mlp::Mat3 virial = mlp::Mat3::Zero();
    mlp::AcsfGradients g;

    auto timed = [&](const char* key, auto&& f) {
      return only.empty() || only == key ? best_us_per_atom(f, repeat, n) : Timing{};
    };
    const Timing list_us = timed("list", [&] { nl.build(s, opt); });
    const Timing values_us = timed("values", [&] { (void)acsf.compute(s, nl); });
    const Timing gradients_us = timed("gradients", [&] { (void)acsf.compute(s, nl, g); });
    const Timing accumulate_us = timed("accumulate", [&] { acsf.accumulate(s, nl, w, forces, virial); });
    const Timing both_us = timed("values_accumulate",
        [&] {
          (void)acsf.compute(s, nl);
          acsf.accumulate(s, nl, w, forces, virial);
        });
    std::printf("atoms=%zu\npairs_per_atom=%.1f\nfunctions_H=%zu\nfunctions_O=%zu\n", n,
                static_cast<double>(nl.pairs()) / static_cast<double>(n), acsf.size(1), acsf.size(8));
    std::printf("gradient_entries_per_atom=%.1f\n", static_cast<double>(g.atom.size()) / static_cast<double>(n));
    std::printf("threads=%d\n", omp_get_max_threads());
    const std::pair<const char*, Timing> rows[] = {{"list", list_us},
                                                   {"values", values_us},
                                                   {"gradients", gradients_us},
                                                   {"accumulate", accumulate_us},
                                                   {"values_accumulate", both_us}};
    for (const auto& [name, t] : rows) std::printf("%s_us=%.2f\n%s_cpu_us=%.2f\n", name, t.wall, name, t.cpu);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_acsf: %s\n", e.what());
    return 1;
  }
  return 0;
}
