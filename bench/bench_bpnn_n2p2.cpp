// Energy + forces of the n2p2 water potential imported into BpnnModel (mlp/model/n2p2_import.hpp) on the large
// frames of ../shared/data/n2p2_h2o_rpbe_d3/potential/reference_predictions.extxyz: frame 0 (1080 atoms, n2p2's
// nnp-predict example) and frame 21 (sc333_f01, 1296 atoms), and for comparison the small boxes frame 1
// (liquid_00, 192 atoms) and frame 2 (liquid_01, 48 atoms). Each evaluation is what mlp-eval does per frame:
// neighbour list, symmetry functions, networks, forces and virial (mlp::evaluate). Threads: OMP_NUM_THREADS.
//
// Usage: bench_bpnn_n2p2 [--data DIR] [--repeat R] [--measurements K]
// Output: key=value lines, per frame F (0, 1, 2, 21): atoms_F, cpu_us_F (process CPU time per atom per evaluation, best
// of K measurements of R evaluations), wall_us_F, list_cpu_us_F (neighbour list alone), max_force_error_F (eV/Å
// against n2p2's forces, a sanity check that the timed evaluation is the right one).
//
// Not a Google Benchmark program: one fixed protocol printed as plain numbers for bench/bpnn_n2p2.sh.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "mlp/geom/neighbor_list.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/model/n2p2_import.hpp"

namespace {

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Timing {
  double wall = 1e300, cpu = 1e300;
};

template <class F>
Timing best_us_per_atom(F&& f, int repeat, int measurements, std::size_t atoms) {
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
  int repeat = 3, measurements = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--repeat")) repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--measurements")) measurements = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "bench_bpnn_n2p2: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  try {
    const auto model = mlp::import_n2p2(dir, mlp::N2p2Units::named("bohr", "hartree"));
    mlp::ExtxyzReader reader(dir + "/reference_predictions.extxyz");
    mlp::Structure s;
    while (reader.read(s)) {
      const std::size_t frame = reader.frames_read() - 1;
      if (frame != 0 && frame != 1 && frame != 2 && frame != 21) continue;
      const int reps = frame == 0 || frame == 21 ? repeat : 10 * repeat;
      const std::size_t n = s.size();
      mlp::EvalRequest request;  // energy, forces, virial
      const mlp::EvalResult r = mlp::evaluate(*model, s, request);
      double err = 0.0;
      if (const mlp::AtomArray* f = s.arrays.reals("n2p2_forces", 3))
        for (std::size_t i = 0; i < n; ++i)
          for (int c = 0; c < 3; ++c)
            err = std::max(err, std::abs(r.forces(static_cast<Eigen::Index>(i), c) - f->reals[3 * i + static_cast<std::size_t>(c)]));
      const Timing t = best_us_per_atom([&] { (void)mlp::evaluate(*model, s, request); }, reps, measurements, n);
      mlp::NeighborListOptions opt;
      opt.cutoff = model->cutoff();
      const Timing list = best_us_per_atom([&] { mlp::NeighborList nl(s, opt); }, reps, measurements, n);
      std::printf("atoms_%zu=%zu\ncpu_us_%zu=%.2f\nwall_us_%zu=%.2f\nlist_cpu_us_%zu=%.2f\nmax_force_error_%zu=%.3g\n",
                  frame, n, frame, t.cpu, frame, t.wall, frame, list.cpu, frame, err);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_bpnn_n2p2: %s\n", e.what());
    return 1;
  }
  return 0;
}
