#pragma once
// The mlp binary container (man/mlp-container.5): descriptor files (kind DESC) and model files (kind MODL).
//
// Layout, little-endian throughout, written and read strictly sequentially (so it flows through pipes):
//   signature  8 bytes  89 4d 4c 50 0d 0a 1a 0a  ("\x89MLP\r\n\x1a\n": like PNG's, any text-mode or 7-bit
//                       transfer damages it recognisably)
//   kind       4 bytes  ASCII, e.g. "DESC", "MODL"
//   version    u32      format version of that kind
//   header     u64 n + n bytes of JSON (an object)
//   records    u32 type, u64 length, length bytes of payload; any number of them
//   trailer    u32 0xFFFFFFFF, u64 12, u64 record count, u32 CRC-32 of every byte from the signature up to the
//              trailer's first byte
// Nothing may follow the trailer. Record types with bit 31 set (0x80000000..0xFFFFFFFE) are ancillary: a reader
// that does not know one skips it; any other unknown type must be refused.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace mlp {

/// The 8 signature bytes.
extern const char kContainerSignature[8];
/// Reserved record type of the trailer.
constexpr std::uint32_t kTrailerRecordType = 0xFFFFFFFFu;
/// Largest JSON header accepted, bytes (a sanity cap: a corrupt length must not make us read gigabytes).
constexpr std::uint64_t kMaxContainerHeaderBytes = std::uint64_t{1} << 28;
/// Largest record payload accepted, bytes. Payloads are read in chunks as they arrive, so a corrupt length below
/// this cap costs at most the bytes actually present.
constexpr std::uint64_t kMaxContainerRecordBytes = std::uint64_t{1} << 40;

/// True for record types a reader may skip when it does not know them (bit 31 set, not the trailer).
constexpr bool is_ancillary_record(std::uint32_t type) {
  return (type & 0x80000000u) != 0 && type != kTrailerRecordType;
}

struct ContainerHeader {
  std::string kind;           ///< 4 ASCII characters: "DESC" | "MODL"
  std::uint32_t version = 0;  ///< format version of the kind (starts at 1)
  std::string json;           ///< header text, a JSON object
};

/// Writes a container to any std::ostream (a pipe or a file): never seeks.
class ContainerWriter {
 public:
  /// Writes signature, kind, version and header at once. `kind` must be 4 printable ASCII characters and
  /// `header_json` a JSON object (else InputError); version >= 1. Throws IoError if the stream fails.
  ContainerWriter(std::ostream& out, const std::string& kind, std::uint32_t version, const std::string& header_json);
  /// Appends one record. The trailer type is reserved (std::logic_error), as is writing after finish().
  /// Throws IoError if the stream fails (disk full, closed pipe).
  void write_record(std::uint32_t type, const std::string& payload);
  /// Writes the trailer (record count + CRC-32) and flushes. Further writes are a logic error (std::logic_error).
  void finish();
  /// Records written so far (the trailer not counted).
  std::uint64_t records() const { return records_; }

 private:
  std::ostream& out_;
  std::uint32_t crc_ = 0;
  std::uint64_t records_ = 0;
  bool finished_ = false;
  void emit(const std::string& bytes);
};

/// Reads a container from any std::istream (a pipe or a file), one record at a time.
class ContainerReader {
 public:
  /// Reads and checks signature, kind (must equal expected_kind), version (<= max_version, else a clear
  /// "written by a newer mlp (format version N, this reader knows <= M)" InputError) and the JSON header.
  /// `source` names the input in errors ("-" for stdin). The stream must outlive the reader.
  ContainerReader(std::istream& in, std::string source, const std::string& expected_kind, std::uint32_t max_version);
  const ContainerHeader& header() const { return header_; }
  const std::string& source() const { return source_; }
  /// Next record; false once the trailer was read and verified (count and CRC) and the input ends there.
  /// Truncation, a bad CRC, an absurd length, garbage: InputError naming the source and the record's number and
  /// byte offset in the message. After an error the reader is unusable.
  bool next(std::uint32_t& type, std::string& payload);
  /// Records returned so far (1-based number of the last one).
  std::uint64_t records() const { return records_; }
  /// Byte offset (from the signature) of the last record returned.
  std::uint64_t record_offset() const { return record_offset_; }

 private:
  std::istream& in_;
  std::string source_;
  ContainerHeader header_;
  std::uint32_t crc_ = 0;
  std::uint64_t offset_ = 0, records_ = 0, record_offset_ = 0;
  bool done_ = false;
  void read_exact(char* data, std::size_t n, const char* what);
  std::string read_chunked(std::uint64_t n, const char* what);
  [[noreturn]] void fail(const std::string& message) const;
};

/// Little-endian packing of record payloads (explicit byte order: the same bytes on any host).
class ByteWriter {
 public:
  void put_u8(std::uint8_t v);
  void put_u32(std::uint32_t v);
  void put_u64(std::uint64_t v);
  void put_i32(std::int32_t v);
  void put_i64(std::int64_t v);
  void put_f64(double v);
  void put_f64s(const double* v, std::size_t n);
  void put_u64s(const std::uint64_t* v, std::size_t n);
  /// u64 length + the bytes.
  void put_string(const std::string& s);
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

/// Unpacks what ByteWriter packed. Reading past the end is an InputError whose source is `what` (e.g.
/// "si.mlp record 3"); lengths are checked against the bytes left before anything is allocated.
class ByteReader {
 public:
  /// `payload` must outlive the reader.
  ByteReader(const std::string& payload, std::string what);
  std::uint8_t get_u8();
  std::uint32_t get_u32();
  std::uint64_t get_u64();
  std::int32_t get_i32();
  std::int64_t get_i64();
  double get_f64();
  void get_f64s(double* out, std::size_t n);
  void get_u64s(std::uint64_t* out, std::size_t n);
  std::string get_string();
  /// Throws the same InputError as a short read unless at least `n` elements of `size` bytes remain: lets callers
  /// check a count read from the payload before they resize a vector to it.
  void require(std::uint64_t n, std::size_t size, const char* field) const;
  bool at_end() const { return pos_ == data_->size(); }
  std::size_t remaining() const { return data_->size() - pos_; }
  std::size_t position() const { return pos_; }
  const std::string& what() const { return what_; }

 private:
  const std::string* data_;
  std::size_t pos_ = 0;
  std::string what_;
  const unsigned char* take(std::size_t n, const char* field);
};

/// A named array of doubles (for model files): C order, data.size() == product of shape.
struct NamedArray {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::vector<double> data;
};
/// Payload: string name, u64 rank, rank × u64 shape, then the doubles. Throws InputError if data.size() does not
/// match the shape.
std::string encode_array(const NamedArray& array);
/// Inverse of encode_array; `source` (e.g. "si.mlp record 4") names the payload in errors. Rejects a shape whose
/// element count overflows or exceeds the payload, and trailing bytes.
NamedArray decode_array(const std::string& payload, const std::string& source);

/// Kind ("DESC", "MODL", ...) if the file starts with the container signature and a printable 4-character kind,
/// else "" (also if the file cannot be opened): lets tools tell a binary model from a text spec file.
std::string container_kind_of_file(const std::string& path);

}  // namespace mlp
