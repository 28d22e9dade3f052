#include "mlp/io/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {
std::atomic<unsigned> counter{0};
}

AtomicFile::AtomicFile(std::string path, bool binary) : path_(std::move(path)) {
  temp_ = path_ + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  out_.open(temp_, binary ? std::ios::out | std::ios::binary | std::ios::trunc : std::ios::out | std::ios::trunc);
  if (!out_) throw IoError(std::string("cannot open for writing: ") + std::strerror(errno), path_);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(temp_.c_str());
  }
}

void AtomicFile::commit() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) throw IoError("write failed (disk full?)", path_);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0)
    throw IoError(std::string("cannot rename temporary file into place: ") + std::strerror(errno), path_);
  committed_ = true;
}

}  // namespace mlp
