// Read throughput of mlp::ExtxyzReader. Plain main (no Google Benchmark fixture): for each file given, reads
// every frame, repeating whole passes until at least --min-time seconds have elapsed (default 1), and prints
//   <file> <frames per pass> <bytes> <passes> <seconds per pass> <frames/s> <MB/s>
// one line per file (MB = 1e6 bytes of the file as stored). Used by bench/extxyz_read.sh.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"

int main(int argc, char** argv) {
  double min_time = 1.0;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--min-time") == 0 && i + 1 < argc)
      min_time = std::atof(argv[++i]);
    else
      files.emplace_back(argv[i]);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: bench_extxyz_read [--min-time s] file.extxyz...\n");
    return 2;
  }
  try {
    for (const auto& f : files) {
      std::ifstream probe(f, std::ios::binary | std::ios::ate);
      const double bytes = static_cast<double>(probe.tellg());
      using clock = std::chrono::steady_clock;
      const auto t0 = clock::now();
      std::size_t passes = 0, frames = 0;
      double checksum = 0;  // keeps the compiler from dropping the work
      double elapsed = 0;
      do {
        mlp::ExtxyzReader r(f);
        mlp::Structure s;
        frames = 0;
        while (r.read(s)) {
          ++frames;
          checksum += s.positions.size() ? s.positions(0, 0) : 0.0;
        }
        ++passes;
        elapsed = std::chrono::duration<double>(clock::now() - t0).count();
      } while (elapsed < min_time);
      const double per_pass = elapsed / static_cast<double>(passes);
      std::printf("%s %zu %.0f %zu %.6f %.1f %.1f\n", f.c_str(), frames, bytes, passes, per_pass,
                  static_cast<double>(frames) / per_pass, bytes / per_pass / 1e6);
      if (checksum == 1234.5678) std::printf("#\n");
    }
  } catch (const mlp::Error& e) {
    std::fprintf(stderr, "bench_extxyz_read: %s\n", e.what());
    return 1;
  }
  return 0;
}
