#include "common/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "common/tool.hpp"

namespace mlp::tool {

Progress::Progress(std::string what, std::size_t total, bool enabled)
    : what_(std::move(what)), total_(total), enabled_(enabled && is_terminal(STDERR_FILENO)) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

void Progress::step(std::size_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0.0;
  if (total_ > 0) {
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0.0;
    std::fprintf(stderr, "\r%s %zu/%zu (%.1f/s, ETA %.0f s)   ", what_.c_str(), done_, total_, rate, eta);
  } else {
    std::fprintf(stderr, "\r%s %zu (%.1f/s)   ", what_.c_str(), done_, rate);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && done_ > 0) std::fprintf(stderr, "\r%*s\r", 60, "");
  enabled_ = false;
}

}  // namespace mlp::tool
