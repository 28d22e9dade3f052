// The binary container: sequential writer and reader with signature, version and CRC checks, and the
// little-endian payload packers (see man/mlp-container.5).
#include "mlp/io/container.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <istream>
#include <ostream>
#include <stdexcept>

#include "mlp/util/error.hpp"
#include "mlp/util/hash.hpp"

namespace mlp {

const char kContainerSignature[8] = {'\x89', 'M', 'L', 'P', '\r', '\n', '\x1a', '\n'};

namespace {

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr bool kHostLittleEndian = true;
#else
constexpr bool kHostLittleEndian = false;
#endif

constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
constexpr std::size_t kRecordHeadBytes = 12;  // u32 type + u64 length
constexpr std::uint64_t kTrailerPayloadBytes = 12;  // u64 count + u32 CRC

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int b = 0; b < bytes; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xffu));
}

std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int b = bytes - 1; b >= 0; --b) v = (v << 8) | p[b];
  return v;
}

bool printable_kind(const std::string& kind) {
  if (kind.size() != 4) return false;
  for (char c : kind)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string kind_meaning(const std::string& kind) {
  if (kind == "DESC") return " (a descriptor file)";
  if (kind == "MODL") return " (a model file)";
  return "";
}

/// True if `got` (at least `min_size` bytes) agrees with `pattern` as far as both go.
bool starts_like(const std::string& got, const std::string& pattern, std::size_t min_size) {
  const std::size_t n = std::min(got.size(), pattern.size());
  return got.size() >= min_size && pattern.compare(0, n, got, 0, n) == 0;
}

/// Why up to 8 bytes that are not the signature are not it: the damage PNG-style signatures are designed to reveal.
std::string signature_problem(const std::string& got) {
  const std::string sig(kContainerSignature, 8);
  if (got.empty()) return "empty input, not an mlp container";
  if (starts_like(got, sig, 1))
    return "truncated inside the signature (" + std::to_string(got.size()) + " of 8 bytes)";
  if (got.size() >= 2 && static_cast<unsigned char>(got[0]) == 0x1f && static_cast<unsigned char>(got[1]) == 0x8b)
    return "gzip-compressed data, not an mlp container (decompress it first)";
  const char* advice = " by a text-mode transfer; transfer the file in binary mode";
  if (starts_like(got, std::string("\x89MLP\n\x1a\n", 7), 5))
    return std::string("damaged signature: line ends were converted from CR LF to LF") + advice;
  if (starts_like(got, std::string("\x89MLP\r\r\n\x1a", 8), 6))
    return std::string("damaged signature: line ends were converted from LF to CR LF") + advice;
  std::string high_bit_stripped = sig;
  high_bit_stripped[0] = '\x09';
  if (starts_like(got, high_bit_stripped, 2))
    return "damaged signature: the high bit was stripped by a 7-bit transfer; transfer the file in binary mode";
  return "not an mlp container (bad signature)";
}

}  // namespace

// ---- ContainerWriter ------------------------------------------------------------------------------------------

ContainerWriter::ContainerWriter(std::ostream& out, const std::string& kind, std::uint32_t version,
                                 const std::string& header_json)
    : out_(out) {
  if (!printable_kind(kind)) throw InputError("container kind must be 4 printable ASCII characters, got \"" + kind + "\"");
  if (version == 0) throw InputError("container format versions start at 1");
  try {
    if (!nlohmann::json::parse(header_json).is_object()) throw InputError("container header must be a JSON object");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("container header is not valid JSON: ") + e.what());
  }
  ByteWriter w;
  w.bytes().append(kContainerSignature, 8);
  w.bytes() += kind;
  w.put_u32(version);
  w.put_string(header_json);
  emit(w.bytes());
}

void ContainerWriter::emit(const std::string& bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out_) throw IoError("write failed (disk full or closed pipe?)");
  crc_ = crc32_update(crc_, bytes.data(), bytes.size());
}

void ContainerWriter::write_record(std::uint32_t type, const std::string& payload) {
  if (finished_) throw std::logic_error("ContainerWriter::write_record after finish()");
  if (type == kTrailerRecordType) throw std::logic_error("record type 0xFFFFFFFF is reserved for the trailer");
  if (payload.size() > kMaxContainerRecordBytes)
    throw InputError("record of " + std::to_string(payload.size()) + " bytes exceeds the container limit");
  ByteWriter head;
  head.put_u32(type);
  head.put_u64(payload.size());
  emit(head.bytes());
  emit(payload);
  ++records_;
}

void ContainerWriter::finish() {
  if (finished_) throw std::logic_error("ContainerWriter::finish called twice");
  ByteWriter t;
  t.put_u32(kTrailerRecordType);
  t.put_u64(kTrailerPayloadBytes);
  t.put_u64(records_);
  t.put_u32(crc_);
  out_.write(t.bytes().data(), static_cast<std::streamsize>(t.bytes().size()));
  out_.flush();
  if (!out_) throw IoError("write failed (disk full or closed pipe?)");
  finished_ = true;
}

// ---- ContainerReader ------------------------------------------------------------------------------------------

ContainerReader::ContainerReader(std::istream& in, std::string source, const std::string& expected_kind,
                                 std::uint32_t max_version)
    : in_(in), source_(std::move(source)) {
  std::string sig(8, '\0');
  in_.read(sig.data(), 8);
  sig.resize(static_cast<std::size_t>(in_.gcount()));
  if (in_.bad()) throw IoError("read error", source_);
  if (sig.size() != 8 || std::memcmp(sig.data(), kContainerSignature, 8) != 0) fail(signature_problem(sig));
  offset_ = 8;
  crc_ = crc32_update(0, sig.data(), sig.size());

  unsigned char fixed[8];
  read_exact(reinterpret_cast<char*>(fixed), 8, "the kind and version");
  crc_ = crc32_update(crc_, fixed, 8);
  header_.kind.assign(reinterpret_cast<const char*>(fixed), 4);
  if (!printable_kind(header_.kind)) fail("garbage where the container kind should be (bytes 8-11)");
  if (header_.kind != expected_kind)
    fail("is a " + header_.kind + " container" + kind_meaning(header_.kind) + ", expected " + expected_kind +
         kind_meaning(expected_kind));
  header_.version = static_cast<std::uint32_t>(get_le(fixed + 4, 4));
  if (header_.version == 0) fail("invalid " + header_.kind + " format version 0");
  if (header_.version > max_version)
    fail("written by a newer mlp (format version " + std::to_string(header_.version) + ", this reader knows <= " +
         std::to_string(max_version) + ")");

  unsigned char len[8];
  read_exact(reinterpret_cast<char*>(len), 8, "the header length");
  crc_ = crc32_update(crc_, len, 8);
  const std::uint64_t n = get_le(len, 8);
  if (n > kMaxContainerHeaderBytes)
    fail("absurd header length " + std::to_string(n) + " at byte 16 (corrupt file?)");
  header_.json = read_chunked(n, "the JSON header");
  crc_ = crc32_update(crc_, header_.json.data(), header_.json.size());
  try {
    if (!nlohmann::json::parse(header_.json).is_object()) fail("the header is not a JSON object");
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("the header is not valid JSON (corrupt file?): ") + e.what());
  }
}

void ContainerReader::fail(const std::string& message) const { throw InputError(message, source_); }

void ContainerReader::read_exact(char* data, std::size_t n, const char* what) {
  in_.read(data, static_cast<std::streamsize>(n));
  const auto got = static_cast<std::size_t>(in_.gcount());
  if (in_.bad()) throw IoError("read error", source_);
  if (got != n)
    fail("truncated: the input ends at byte " + std::to_string(offset_ + got) + " inside " + what + " (" +
         std::to_string(n - got) + " more bytes expected)");
  offset_ += n;
}

std::string ContainerReader::read_chunked(std::uint64_t n, const char* what) {
  // Grow with the data actually present, so a corrupt length cannot make us allocate what is not there.
  std::string out;
  std::uint64_t have = 0;
  while (have < n) {
    const std::size_t step = static_cast<std::size_t>(std::min<std::uint64_t>(n - have, kChunkBytes));
    out.resize(static_cast<std::size_t>(have) + step);
    read_exact(out.data() + have, step, what);
    have += step;
  }
  return out;
}

bool ContainerReader::next(std::uint32_t& type, std::string& payload) {
  if (done_) return false;
  record_offset_ = offset_;
  const std::string where = "record " + std::to_string(records_ + 1) + " at byte " + std::to_string(offset_);
  unsigned char head[kRecordHeadBytes];
  in_.read(reinterpret_cast<char*>(head), kRecordHeadBytes);
  const auto got = static_cast<std::size_t>(in_.gcount());
  if (in_.bad()) throw IoError("read error", source_);
  if (got == 0)
    fail("truncated: the input ends at byte " + std::to_string(offset_) + " after " + std::to_string(records_) +
         " records, without the trailer (incomplete file or interrupted writer)");
  if (got != kRecordHeadBytes)
    fail("truncated: the input ends at byte " + std::to_string(offset_ + got) + " inside the head of " + where);
  offset_ += kRecordHeadBytes;
  type = static_cast<std::uint32_t>(get_le(head, 4));
  const std::uint64_t length = get_le(head + 4, 8);
  if (type == kTrailerRecordType) {
    if (length != kTrailerPayloadBytes)
      fail("corrupt trailer at byte " + std::to_string(record_offset_) + " (length " + std::to_string(length) +
           ", expected 12)");
    unsigned char t[kTrailerPayloadBytes];
    read_exact(reinterpret_cast<char*>(t), kTrailerPayloadBytes, "the trailer");
    const std::uint64_t count = get_le(t, 8);
    const auto crc = static_cast<std::uint32_t>(get_le(t + 8, 4));
    if (crc != crc_)
      fail("CRC-32 mismatch (stored " + hex16(crc).substr(8) + ", computed " + hex16(crc_).substr(8) +
           "): the file is corrupt");
    if (count != records_)
      fail("the trailer counts " + std::to_string(count) + " records but " + std::to_string(records_) +
           " were read: the file is corrupt");
    if (in_.peek() != std::char_traits<char>::eof())
      fail("unexpected data after the trailer at byte " + std::to_string(offset_));
    done_ = true;
    return false;
  }
  if (length > kMaxContainerRecordBytes)
    fail(where + ": absurd record length " + std::to_string(length) + " (corrupt file?)");
  crc_ = crc32_update(crc_, head, kRecordHeadBytes);
  const std::string what = "the payload of " + where;
  payload = read_chunked(length, what.c_str());
  crc_ = crc32_update(crc_, payload.data(), payload.size());
  ++records_;
  return true;
}

// ---- ByteWriter / ByteReader ----------------------------------------------------------------------------------

void ByteWriter::put_u8(std::uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
void ByteWriter::put_u32(std::uint32_t v) { put_le(bytes_, v, 4); }
void ByteWriter::put_u64(std::uint64_t v) { put_le(bytes_, v, 8); }
void ByteWriter::put_i32(std::int32_t v) { put_le(bytes_, static_cast<std::uint32_t>(v), 4); }
void ByteWriter::put_i64(std::int64_t v) { put_le(bytes_, static_cast<std::uint64_t>(v), 8); }
void ByteWriter::put_f64(double v) {
  std::uint64_t u;
  std::memcpy(&u, &v, 8);
  put_le(bytes_, u, 8);
}
void ByteWriter::put_f64s(const double* v, std::size_t n) {
  if (kHostLittleEndian) {
    if (n > 0) bytes_.append(reinterpret_cast<const char*>(v), n * 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) put_f64(v[i]);
  }
}
void ByteWriter::put_u64s(const std::uint64_t* v, std::size_t n) {
  if (kHostLittleEndian) {
    if (n > 0) bytes_.append(reinterpret_cast<const char*>(v), n * 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) put_u64(v[i]);
  }
}
void ByteWriter::put_string(const std::string& s) {
  put_u64(s.size());
  bytes_ += s;
}

ByteReader::ByteReader(const std::string& payload, std::string what) : data_(&payload), what_(std::move(what)) {}

const unsigned char* ByteReader::take(std::size_t n, const char* field) {
  if (n > remaining())
    throw InputError(std::string("payload ends early reading ") + field + " (" + std::to_string(n) +
                         " bytes needed at offset " + std::to_string(pos_) + ", " + std::to_string(remaining()) +
                         " left)",
                     what_);
  const auto* p = reinterpret_cast<const unsigned char*>(data_->data()) + pos_;
  pos_ += n;
  return p;
}

void ByteReader::require(std::uint64_t n, std::size_t size, const char* field) const {
  if (size != 0 && n > remaining() / size)
    throw InputError(std::string("payload too short for ") + field + " (" + std::to_string(n) + " × " +
                         std::to_string(size) + " bytes needed at offset " + std::to_string(pos_) + ", " +
                         std::to_string(remaining()) + " left)",
                     what_);
}

std::uint8_t ByteReader::get_u8() { return *take(1, "a u8"); }
std::uint32_t ByteReader::get_u32() { return static_cast<std::uint32_t>(get_le(take(4, "a u32"), 4)); }
std::uint64_t ByteReader::get_u64() { return get_le(take(8, "a u64"), 8); }
std::int32_t ByteReader::get_i32() {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(get_le(take(4, "an i32"), 4)));
}
std::int64_t ByteReader::get_i64() { return static_cast<std::int64_t>(get_le(take(8, "an i64"), 8)); }
double ByteReader::get_f64() {
  const std::uint64_t u = get_le(take(8, "an f64"), 8);
  double v;
  std::memcpy(&v, &u, 8);
  return v;
}
void ByteReader::get_f64s(double* out, std::size_t n) {
  require(n, 8, "f64 values");
  const unsigned char* p = take(n * 8, "f64 values");
  if (kHostLittleEndian) {
    if (n > 0) std::memcpy(out, p, n * 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t u = get_le(p + 8 * i, 8);
      std::memcpy(out + i, &u, 8);
    }
  }
}
void ByteReader::get_u64s(std::uint64_t* out, std::size_t n) {
  require(n, 8, "u64 values");
  const unsigned char* p = take(n * 8, "u64 values");
  for (std::size_t i = 0; i < n; ++i) out[i] = get_le(p + 8 * i, 8);
}
std::string ByteReader::get_string() {
  const std::uint64_t n = get_u64();
  require(n, 1, "a string");
  const unsigned char* p = take(static_cast<std::size_t>(n), "a string");
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

// ---- NamedArray -----------------------------------------------------------------------------------------------

namespace {
constexpr std::uint64_t kMaxArrayRank = 32;
}

std::string encode_array(const NamedArray& array) {
  std::uint64_t count = 1;
  for (std::uint64_t d : array.shape) {
    if (d != 0 && count > UINT64_MAX / d) throw InputError("array \"" + array.name + "\": shape overflows 64 bits");
    count *= d;
  }
  if (array.shape.size() > kMaxArrayRank) throw InputError("array \"" + array.name + "\": rank above 32");
  if (count != array.data.size())
    throw InputError("array \"" + array.name + "\": " + std::to_string(array.data.size()) +
                     " values do not match its shape (" + std::to_string(count) + ")");
  ByteWriter w;
  w.put_string(array.name);
  w.put_u64(array.shape.size());
  w.put_u64s(array.shape.data(), array.shape.size());
  w.put_f64s(array.data.data(), array.data.size());
  return std::move(w.bytes());
}

NamedArray decode_array(const std::string& payload, const std::string& source) {
  ByteReader r(payload, source);
  NamedArray a;
  a.name = r.get_string();
  const std::uint64_t rank = r.get_u64();
  if (rank > kMaxArrayRank)
    throw InputError("array \"" + a.name + "\": absurd rank " + std::to_string(rank) + " (corrupt file?)", source);
  a.shape.resize(static_cast<std::size_t>(rank));
  r.get_u64s(a.shape.data(), a.shape.size());
  std::uint64_t count = 1;
  for (std::uint64_t d : a.shape) {
    if (d != 0 && count > UINT64_MAX / d)
      throw InputError("array \"" + a.name + "\": shape overflows 64 bits (corrupt file?)", source);
    count *= d;
  }
  r.require(count, 8, "the array values");
  a.data.resize(static_cast<std::size_t>(count));
  r.get_f64s(a.data.data(), a.data.size());
  if (!r.at_end())
    throw InputError("array \"" + a.name + "\": " + std::to_string(r.remaining()) + " unexpected bytes after it",
                     source);
  return a;
}

std::string container_kind_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  char head[12];
  in.read(head, 12);
  if (in.gcount() != 12 || std::memcmp(head, kContainerSignature, 8) != 0) return "";
  std::string kind(head + 8, 4);
  return printable_kind(kind) ? kind : "";
}

}  // namespace mlp
