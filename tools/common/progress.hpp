#pragma once
// A one-line progress indicator on stderr, drawn only when stderr is a terminal.
#include <chrono>
#include <cstddef>
#include <string>

namespace mlp::tool {

class Progress {
 public:
  /// `total` = 0 when unknown (streams): then counts and rate are shown without ETA.
  Progress(std::string what, std::size_t total = 0, bool enabled = true);
  ~Progress();
  void step(std::size_t n = 1);
  void finish();

 private:
  std::string what_;
  std::size_t total_, done_ = 0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace mlp::tool
