#pragma once
// NumPy .npy export (format version 1.0, little-endian, C order), readable by numpy.load and xt::load_npy.
//
// NpyWriter streams a 2-D float64 matrix with a fixed row length: rows are appended one at a time in constant
// memory, and commit() rewrites the header with the final row count. The header is reserved at its largest size
// (kNpyHeaderBytes, a multiple of 64 as numpy requires, room for two 20-digit dimensions) so the final shape always
// fits without moving the data. Output goes to a temporary file that commit() renames into place, so an
// interrupted export never leaves a partial .npy behind (see mlp/io/atomic_file.hpp).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlp {

class AtomicFile;

/// Total size of the headers written here (magic, version, length, dict, padding), bytes.
constexpr std::size_t kNpyHeaderBytes = 128;

/// Element types the writers support ('<f8' and '<i8' in numpy's notation).
enum class NpyType { float64, int64 };

/// The complete .npy header (kNpyHeaderBytes long) for an array of the given type and shape (1-D or more).
std::string npy_header(NpyType type, const std::vector<std::uint64_t>& shape);

class NpyWriter {
 public:
  /// Starts "<path>" (written under a temporary name) for rows of `row_length` float64 values each.
  /// Throws IoError if the temporary cannot be created.
  NpyWriter(std::string path, std::size_t row_length);
  /// Without commit() the temporary is removed and nothing appears at `path`.
  ~NpyWriter();
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  /// Appends one row of row_length() values. Throws IoError on a write failure.
  void append(const double* row);
  /// The same, checking the length: a row of another length is an InputError naming the path.
  void append(const std::vector<double>& row);
  /// Writes the final shape (rows(), row_length()) into the header and renames the file into place.
  /// Throws IoError on failure. Appending after commit() is a logic error (std::logic_error).
  void commit();

  std::uint64_t rows() const { return rows_; }
  std::size_t row_length() const { return row_length_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::size_t row_length_;
  std::uint64_t rows_ = 0;
  std::unique_ptr<AtomicFile> file_;
  std::string buffer_;  // one row in little-endian bytes
};

/// Whole arrays at once (e.g. index files), atomically. `data` holds the elements in C order and must have
/// exactly the product of `shape` elements (else InputError naming `path`). Throws IoError on write failure.
void write_npy(const std::string& path, const std::vector<double>& data, const std::vector<std::uint64_t>& shape);
void write_npy(const std::string& path, const std::vector<std::int64_t>& data,
               const std::vector<std::uint64_t>& shape);

}  // namespace mlp
