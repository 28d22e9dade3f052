#include "mlp/io/npy.hpp"

#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "mlp/io/atomic_file.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

// .npy stores little-endian values here ('<f8', '<i8'); pack byte by byte so any host writes the same file.
void put_le64(std::string& out, std::uint64_t bits) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((bits >> (8 * b)) & 0xffu));
}

std::uint64_t bits_of(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

std::uint64_t element_count(const std::vector<std::uint64_t>& shape, const std::string& path) {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) {
    if (d != 0 && n > UINT64_MAX / d) throw InputError("array shape overflows 64 bits", path);
    n *= d;
  }
  return n;
}

void write_or_throw(std::ostream& out, const std::string& bytes, const std::string& path) {
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw IoError("write failed (disk full?)", path);
}

}  // namespace

std::string npy_header(NpyType type, const std::vector<std::uint64_t>& shape) {
  std::string dict = "{'descr': '";
  dict += type == NpyType::float64 ? "<f8" : "<i8";
  dict += "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";  // a Python 1-tuple
  dict += "), }";
  // magic (6) + version (2) + header length (2) + dict + blanks + '\n' = kNpyHeaderBytes.
  const std::size_t prefix = 10;
  if (prefix + dict.size() + 1 > kNpyHeaderBytes)
    throw InputError("array of rank " + std::to_string(shape.size()) + " does not fit a " +
                     std::to_string(kNpyHeaderBytes) + "-byte .npy header");
  dict.append(kNpyHeaderBytes - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  const std::size_t len = dict.size();
  out += static_cast<char>(len & 0xffu);
  out += static_cast<char>((len >> 8) & 0xffu);
  return out + dict;
}

NpyWriter::NpyWriter(std::string path, std::size_t row_length)
    : path_(std::move(path)), row_length_(row_length), file_(std::make_unique<AtomicFile>(path_, true)) {
  // Every header is kNpyHeaderBytes long: the placeholder is overwritten in place by commit().
  write_or_throw(file_->stream(), npy_header(NpyType::float64, {0, row_length_}), path_);
  buffer_.reserve(row_length_ * 8);
}

NpyWriter::~NpyWriter() = default;

void NpyWriter::append(const double* row) {
  if (!file_) throw std::logic_error("NpyWriter::append after commit");
  buffer_.clear();
  for (std::size_t k = 0; k < row_length_; ++k) put_le64(buffer_, bits_of(row[k]));
  write_or_throw(file_->stream(), buffer_, path_);
  ++rows_;
}

void NpyWriter::append(const std::vector<double>& row) {
  if (row.size() != row_length_)
    throw InputError("row of " + std::to_string(row.size()) + " values appended to a matrix with rows of " +
                         std::to_string(row_length_),
                     path_);
  append(row.data());
}

void NpyWriter::commit() {
  if (!file_) throw std::logic_error("NpyWriter::commit called twice");
  std::ostream& out = file_->stream();
  out.seekp(0);
  if (!out) throw IoError("cannot seek to rewrite the .npy header", path_);
  write_or_throw(out, npy_header(NpyType::float64, {rows_, row_length_}), path_);
  file_->commit();
  file_.reset();
}

namespace {

template <class T>
void write_whole(const std::string& path, NpyType type, const std::vector<T>& data,
                 const std::vector<std::uint64_t>& shape) {
  if (element_count(shape, path) != data.size())
    throw InputError(std::to_string(data.size()) + " values do not match the array shape", path);
  AtomicFile file(path, true);
  std::string bytes = npy_header(type, shape);
  bytes.reserve(bytes.size() + data.size() * 8);
  for (const T& x : data) {
    if constexpr (std::is_same_v<T, double>)
      put_le64(bytes, bits_of(x));
    else
      put_le64(bytes, static_cast<std::uint64_t>(x));
  }
  write_or_throw(file.stream(), bytes, path);
  file.commit();
}

}  // namespace

void write_npy(const std::string& path, const std::vector<double>& data, const std::vector<std::uint64_t>& shape) {
  write_whole(path, NpyType::float64, data, shape);
}

void write_npy(const std::string& path, const std::vector<std::int64_t>& data,
               const std::vector<std::uint64_t>& shape) {
  write_whole(path, NpyType::int64, data, shape);
}

}  // namespace mlp
