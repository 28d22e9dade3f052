// Stillinger-Weber Si energy+forces on 8000 atoms, timed the way bench/sw_vs_lammps.sh times LAMMPS: every
// evaluation builds its neighbour list from scratch (as LAMMPS does when it reneighbours every step) and then
// computes. Also times the two parts separately, so a slow total can be attributed, and mlp::evaluate() with a
// new list per call (what mlp-eval does per frame).
//
// Usage: bench_sw [--cells N] [--repeat R] [--data FILE]
//   --cells N   diamond supercell of N×N×N conventional cells (8·N³ atoms; default 10 → 8000 atoms)
//   --repeat R  timed evaluations per measurement (default 200); the best of 5 measurements is reported
//   --data FILE also write the structure as a LAMMPS data file (atom_style atomic, 17-digit numbers)
// Output: key=value lines (energy in eV, times in µs per atom per evaluation).
//
// Not a Google Benchmark program: the comparison needs one fixed protocol (same structure, same repeat count,
// list rebuilt every time) on both sides, printed as plain numbers for the script.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mlp/geom/neighbor_list.hpp"
#include "mlp/model/model.hpp"
#include "mlp/model/registry.hpp"

namespace {

// Diamond Si, a = 5.431 Å, every coordinate displaced uniformly in [−0.05, 0.05] Å. splitmix64 keeps the
// pattern identical on every platform (std::uniform_real_distribution is implementation-defined).
mlp::Structure silicon(int cells) {
  const double a = 5.431;
  static const double basis[8][3] = {{0, 0, 0},          {0, 0.5, 0.5},      {0.5, 0, 0.5},      {0.5, 0.5, 0},
                                     {0.25, 0.25, 0.25}, {0.25, 0.75, 0.75}, {0.75, 0.25, 0.75}, {0.75, 0.75, 0.25}};
  std::uint64_t state = 20211029;
  const auto uniform = [&state] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  };
  mlp::Structure s;
  s.resize(static_cast<std::size_t>(8) * cells * cells * cells);
  s.cell = mlp::Mat3::Identity() * (a * cells);
  s.pbc = {true, true, true};
  Eigen::Index k = 0;
  for (int x = 0; x < cells; ++x)
    for (int y = 0; y < cells; ++y)
      for (int z = 0; z < cells; ++z)
        for (const auto& b : basis) {
          s.numbers[static_cast<std::size_t>(k)] = 14;
          const double dx = 0.1 * (uniform() - 0.5), dy = 0.1 * (uniform() - 0.5), dz = 0.1 * (uniform() - 0.5);
          s.positions.row(k) << a * (x + b[0]) + dx, a * (y + b[1]) + dy, a * (z + b[2]) + dz;
          ++k;
        }
  return s;
}

void write_data(const mlp::Structure& s, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::fprintf(f, "bench_sw: diamond Si, %zu atoms\n\n%zu atoms\n1 atom types\n\n", s.size(), s.size());
  std::fprintf(f, "0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n\nMasses\n\n1 28.0855\n\nAtoms # atomic\n\n",
               s.cell(0, 0), s.cell(1, 1), s.cell(2, 2));
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i)
    std::fprintf(f, "%lld 1 %.17g %.17g %.17g\n", static_cast<long long>(i + 1), s.positions(i, 0), s.positions(i, 1),
                 s.positions(i, 2));
  std::fclose(f);
}

// Seconds per call of f, averaged over `repeat` calls.
template <typename F>
double seconds_per_call(int repeat, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < repeat; ++r) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / repeat;
}

}  // namespace

int main(int argc, char** argv) {
  int cells = 10, repeat = 200;
  std::string data;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--cells" && i + 1 < argc) {
      cells = std::atoi(argv[++i]);
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (arg == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bench_sw [--cells N] [--repeat R] [--data FILE]\n");
      return 2;
    }
  }
  if (cells < 1 || repeat < 1) {
    std::fprintf(stderr, "bench_sw: --cells and --repeat must be positive\n");
    return 2;
  }
  const mlp::Structure s = silicon(cells);
  if (!data.empty()) write_data(s, data);
  const auto model = mlp::make_model("sw");
  mlp::EvalRequest request;  // energy + forces, as LAMMPS computes every step (no virial: no pressure output)
  request.virial = false;
  const double n = static_cast<double>(s.size());

  mlp::NeighborListOptions options;
  options.cutoff = model->cutoff();
  mlp::NeighborList nl;
  mlp::EvalResult result;
  double energy = 0.0;
  // 1. What the comparison uses, the work of one LAMMPS step that reneighbours: build the list from scratch
  //    (into the memory of the previous build, as LAMMPS reuses its arrays) and compute energy and forces.
  const auto step = [&] {
    nl.build(s, options);
    result.reset(s.size(), request);
    model->compute(s, nl, request, result);
    energy = result.energy;
  };
  // 2. The parts: list build alone, and compute alone on a prebuilt list.
  const auto build_only = [&] { nl.build(s, options); };
  const auto compute_only = [&] {
    result.reset(s.size(), request);
    model->compute(s, nl, request, result);
  };
  // 3. mlp::evaluate() as a tool calls it once per frame: a new list (fresh memory) every call, plus the checks
  //    of the input geometry and of the finiteness of the result.
  const auto evaluate = [&] { energy = mlp::evaluate(*model, s, request).energy; };
  // Best of 5 rounds; the four measurements alternate within a round so that a load spike from other processes
  // on a shared machine does not favour one of them.
  double total = 1e300, build = 1e300, compute = 1e300, fresh = 1e300;
  step();  // warm-up: first-touch page faults of the list and result memory
  for (int round = 0; round < 5; ++round) {
    total = std::min(total, seconds_per_call(repeat, step));
    build = std::min(build, seconds_per_call(repeat, build_only));
    compute = std::min(compute, seconds_per_call(repeat, compute_only));
    fresh = std::min(fresh, seconds_per_call(repeat, evaluate));
  }

  std::printf("atoms=%zu\nenergy=%.17g\npairs_per_atom=%.3f\n", s.size(), energy, static_cast<double>(nl.pairs()) / n);
  std::printf("us_per_atom_total=%.6f\nus_per_atom_neighbor_list=%.6f\nus_per_atom_compute=%.6f\n", total / n * 1e6,
              build / n * 1e6, compute / n * 1e6);
  std::printf("us_per_atom_evaluate=%.6f\n", fresh / n * 1e6);
  return 0;
}
