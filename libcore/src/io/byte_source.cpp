#include "byte_source.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mlp/util/error.hpp"

namespace mlp::io_detail {

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 18;  // bytes per read from the operating system

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : name_(path) {
    if (path == "-") {
      f_ = stdin;
      owned_ = false;
    } else {
      f_ = std::fopen(path.c_str(), "rb");
      if (!f_) throw IoError(std::string("cannot open: ") + std::strerror(errno), path);
      owned_ = true;
    }
  }
  ~FileSource() override {
    if (owned_ && f_) std::fclose(f_);
  }
  std::size_t read(char* buf, std::size_t n) override {
    const std::size_t got = std::fread(buf, 1, n, f_);
    if (got == 0 && std::ferror(f_)) throw IoError(std::string("read error: ") + std::strerror(errno), name_);
    return got;
  }

 private:
  std::FILE* f_ = nullptr;
  bool owned_ = false;
  std::string name_;
};

class IstreamSource final : public ByteSource {
 public:
  IstreamSource(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
  std::size_t read(char* buf, std::size_t n) override {
    if (!in_.good()) {
      if (in_.bad()) throw IoError("read error", name_);
      return 0;
    }
    in_.read(buf, static_cast<std::streamsize>(n));
    if (in_.bad()) throw IoError("read error", name_);
    return static_cast<std::size_t>(in_.gcount());
  }

 private:
  std::istream& in_;
  std::string name_;
};

class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest) : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  std::size_t read(char* buf, std::size_t n) override {
    if (pos_ < prefix_.size()) {
      const std::size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return rest_ ? rest_->read(buf, n) : 0;
  }

 private:
  std::string prefix_;
  std::size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

/// gzip decompression (RFC 1952, several members one after another as `cat a.gz b.gz` gives; trailing NUL
/// padding is ignored). CRC and length of every member are checked by zlib.
class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> raw, std::string name) : raw_(std::move(raw)), name_(std::move(name)), in_(kChunk) {
    std::memset(&zs_, 0, sizeof zs_);
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) throw IoError("cannot initialise zlib", name_);
  }
  ~GzipSource() override { inflateEnd(&zs_); }

  std::size_t read(char* buf, std::size_t n) override {
    if (done_ || n == 0) return 0;
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    while (zs_.avail_out == static_cast<uInt>(std::min<std::size_t>(n, 1u << 30))) {
      if (zs_.avail_in == 0 && !refill()) {
        if (in_member_) throw InputError("truncated gzip data (compressed stream ends early)", "", 0, "gzip");
        done_ = true;
        break;
      }
      if (!in_member_) {
        // Between members: skip NUL padding; anything else must be a new gzip member.
        while (zs_.avail_in > 0 && *zs_.next_in == 0) {
          ++zs_.next_in;
          --zs_.avail_in;
          padding_ = true;
        }
        if (zs_.avail_in == 0) continue;
        if (padding_ || *zs_.next_in != 0x1f)
          throw InputError("unexpected bytes after the end of the gzip data", "", 0, "gzip");
        if (inflateReset(&zs_) != Z_OK) throw InputError("cannot restart gzip stream", "", 0, "gzip");
        in_member_ = true;
      }
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
        throw InputError(std::string("corrupt gzip data (") + (zs_.msg ? zs_.msg : "data error") + ")", "", 0, "gzip");
      } else if (rc == Z_MEM_ERROR) {
        throw IoError("out of memory while decompressing", name_);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw InputError("gzip decompression failed", "", 0, "gzip");
      }
    }
    return static_cast<std::size_t>(reinterpret_cast<char*>(zs_.next_out) - buf);
  }

 private:
  bool refill() {
    const std::size_t got = raw_->read(in_.data(), in_.size());
    zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
    zs_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  std::unique_ptr<ByteSource> raw_;
  std::string name_;
  std::vector<char> in_;
  z_stream zs_;
  bool in_member_ = true, done_ = false, padding_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> open_file_source(const std::string& path) { return std::make_unique<FileSource>(path); }

std::unique_ptr<ByteSource> istream_source(std::istream& in, const std::string& source_name) {
  return std::make_unique<IstreamSource>(in, source_name);
}

std::unique_ptr<ByteSource> prefixed_source(std::string prefix, std::unique_ptr<ByteSource> rest) {
  return std::make_unique<PrefixedSource>(std::move(prefix), std::move(rest));
}

std::unique_ptr<ByteSource> maybe_gunzip(std::unique_ptr<ByteSource> raw, const std::string& source_name, bool* is_gzip) {
  std::string head(2, '\0');
  std::size_t got = 0;
  while (got < 2) {
    const std::size_t k = raw->read(head.data() + got, 2 - got);
    if (k == 0) break;
    got += k;
  }
  head.resize(got);
  const bool gz = got == 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
  if (is_gzip) *is_gzip = gz;
  auto replay = prefixed_source(std::move(head), std::move(raw));
  if (!gz) return replay;
  return std::make_unique<GzipSource>(std::move(replay), source_name);
}

LineReader::LineReader(std::unique_ptr<ByteSource> src, std::string source_name)
    : src_(std::move(src)), name_(std::move(source_name)), buf_(kChunk) {}

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {  // move the unread tail to the front
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= kMaxLineLength)
      throw InputError("line longer than " + std::to_string(kMaxLineLength >> 20) + " MiB (not a text file?)", name_,
                       line_no_ + 1, "line");
    buf_.resize(buf_.size() * 2);
  }
  std::size_t got = 0;
  try {
    got = src_->read(buf_.data() + end_, buf_.size() - end_);
  } catch (const InputError& e) {
    if (e.line() != 0) throw;
    throw InputError(e.message(), name_, line_no_ + 1, e.field());
  } catch (const IoError& e) {
    if (!e.source().empty()) throw;
    throw IoError(e.message(), name_, line_no_ + 1, e.field());
  }
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  return true;
}

bool LineReader::next(std::string_view& line) {
  std::size_t scanned = begin_;
  for (;;) {
    const char* start = buf_.data() + scanned;
    const void* nl = std::memchr(start, '\n', end_ - scanned);
    if (nl) {
      const std::size_t pos = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
      std::size_t len = pos - begin_;
      if (len > 0 && buf_[begin_ + len - 1] == '\r') --len;
      line = std::string_view(buf_.data() + begin_, len);
      begin_ = pos + 1;
      ++line_no_;
      return true;
    }
    const std::size_t offset = scanned - begin_ + (end_ - scanned);  // bytes already scanned, relative to begin_
    if (!fill()) {
      if (begin_ == end_) return false;
      std::size_t len = end_ - begin_;
      if (buf_[begin_ + len - 1] == '\r') --len;
      line = std::string_view(buf_.data() + begin_, len);
      begin_ = end_;
      ++line_no_;
      return true;
    }
    scanned = begin_ + offset;
  }
}

}  // namespace mlp::io_detail
