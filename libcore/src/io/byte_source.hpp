#pragma once
// Private to libcore/src/io: byte sources (file, stdin, std::istream), transparent gzip decompression
// recognised by magic bytes, and a line splitter with 1-based line numbers. Not installed, not public.
#include <cstddef>
#include <cstdio>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mlp::io_detail {

/// A stream of bytes. read() returns 0 only at end of input; failures throw.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to n bytes into buf; returns the count, 0 at end of input.
  /// Throws IoError (operating system) or InputError (corrupt compressed data; line 0, the caller adds it).
  virtual std::size_t read(char* buf, std::size_t n) = 0;
};

/// A file opened by name, or stdin for "-". Throws IoError if it cannot be opened.
std::unique_ptr<ByteSource> open_file_source(const std::string& path);
/// Reads from a std::istream owned by the caller (must outlive the source).
std::unique_ptr<ByteSource> istream_source(std::istream& in, const std::string& source_name);
/// Looks at the first bytes of `raw`: gzip (1f 8b) gives a decompressing source, anything else the raw
/// bytes unchanged. Nothing is lost: peeked bytes are replayed. `is_gzip` (optional) tells which.
std::unique_ptr<ByteSource> maybe_gunzip(std::unique_ptr<ByteSource> raw, const std::string& source_name,
                                         bool* is_gzip = nullptr);
/// Replays `prefix` and then continues with `rest`.
std::unique_ptr<ByteSource> prefixed_source(std::string prefix, std::unique_ptr<ByteSource> rest);

/// Splits a byte source into lines ('\n'; a trailing '\r' is removed). Lines are views into an internal
/// buffer, valid until the next call. Line length is capped (a file without newlines is not text).
class LineReader {
 public:
  static constexpr std::size_t kMaxLineLength = std::size_t{64} << 20;  // bytes

  LineReader(std::unique_ptr<ByteSource> src, std::string source_name);
  /// Next line; false at end of input. A last line without '\n' is still a line.
  bool next(std::string_view& line);
  /// 1-based number of the line last returned by next() (0 before the first).
  std::size_t line_number() const { return line_no_; }
  const std::string& source_name() const { return name_; }

 private:
  bool fill();  // append more input to the buffer; false at end of input

  std::unique_ptr<ByteSource> src_;
  std::string name_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes are buf_[begin_, end_)
  std::size_t line_no_ = 0;
  bool eof_ = false;
};

}  // namespace mlp::io_detail
