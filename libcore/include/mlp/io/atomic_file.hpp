#pragma once
// Write a file so that readers never see a partial result: write to a temporary file in the same
// directory and rename it over the target on commit(). Without commit() the temporary is removed.
#include <fstream>
#include <string>

namespace mlp {

class AtomicFile {
 public:
  /// Opens "<path>.tmp.<pid>.<n>" for writing; throws IoError if that is impossible.
  explicit AtomicFile(std::string path, bool binary = false);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  const std::string& path() const { return path_; }
  /// Flush, check for write errors, rename into place. Throws IoError on failure (the target is untouched).
  void commit();

 private:
  std::string path_, temp_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace mlp
