// The binary container: exact byte layout, round trips, and every kind of damage (truncation at each byte, flipped
// bits, text-mode transfers, newer versions, wrong kinds, absurd lengths) giving a clean InputError.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "mlp/io/container.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/hash.hpp"

using namespace mlp;

namespace {

struct Record {
  std::uint32_t type;
  std::string payload;
};

std::string make_container(const std::string& kind, std::uint32_t version, const std::string& header,
                           const std::vector<Record>& records) {
  std::ostringstream out;
  ContainerWriter w(out, kind, version, header);
  for (const Record& r : records) w.write_record(r.type, r.payload);
  w.finish();
  return out.str();
}

std::vector<Record> read_container(const std::string& bytes, const std::string& kind = "MODL",
                                   std::uint32_t max_version = 1) {
  std::istringstream in(bytes);
  ContainerReader r(in, "test.mlp", kind, max_version);
  std::vector<Record> out;
  Record rec{};
  while (r.next(rec.type, rec.payload)) out.push_back(rec);
  return out;
}

/// The InputError that reading `bytes` must give (fails the test if none, or another exception escapes).
InputError read_error(const std::string& bytes, const std::string& kind = "MODL", std::uint32_t max_version = 1) {
  try {
    read_container(bytes, kind, max_version);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError for " << bytes.size() << " bytes");
  throw std::logic_error("unreachable");
}

const std::vector<Record> kRecords = {{1, "first"}, {7, ""}, {0x80000001u, std::string("\0\x01\xff\r\n", 5)}};

std::string small_file() { return make_container("MODL", 1, R"({"model": "lj", "n": 3})", kRecords); }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("container: byte layout is the documented one", "[container]") {
  const std::string header = R"({"a":1})";
  const std::string bytes = make_container("DESC", 2, header, {{5, "xyz"}});
  std::string expected("\x89MLP\r\n\x1a\n", 8);
  expected += "DESC";
  expected += std::string("\x02\x00\x00\x00", 4);
  expected += std::string("\x07\0\0\0\0\0\0\0", 8) + header;
  expected += std::string("\x05\0\0\0", 4) + std::string("\x03\0\0\0\0\0\0\0", 8) + "xyz";
  const std::uint32_t crc = crc32_update(0, expected.data(), expected.size());
  expected += std::string("\xff\xff\xff\xff", 4) + std::string("\x0c\0\0\0\0\0\0\0", 8);
  expected += std::string("\x01\0\0\0\0\0\0\0", 8);
  for (int b = 0; b < 4; ++b) expected += static_cast<char>((crc >> (8 * b)) & 0xff);
  CHECK(bytes == expected);
}

TEST_CASE("container: records round trip, including large and empty payloads", "[container]") {
  std::string big(3'000'001, '\0');  // larger than the reader's chunk
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::vector<Record> records = kRecords;
  records.push_back({2, big});
  const std::string bytes = make_container("MODL", 1, R"({"x": [1, 2]})", records);
  std::istringstream in(bytes);
  ContainerReader r(in, "m.mlp", "MODL", 1);
  CHECK(r.header().kind == "MODL");
  CHECK(r.header().version == 1);
  CHECK(r.header().json == R"({"x": [1, 2]})");
  std::uint32_t type = 0;
  std::string payload;
  for (const Record& want : records) {
    REQUIRE(r.next(type, payload));
    CHECK(type == want.type);
    CHECK(payload == want.payload);
  }
  CHECK_FALSE(r.next(type, payload));
  CHECK_FALSE(r.next(type, payload));  // stays at the end
  CHECK(r.records() == records.size());
}

TEST_CASE("container: truncation at every byte is a clean InputError", "[container]") {
  const std::string bytes = small_file();
  REQUIRE(read_container(bytes).size() == kRecords.size());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("truncated to " << n << " of " << bytes.size() << " bytes");
    const InputError e = read_error(bytes.substr(0, n));
    CHECK(e.source() == "test.mlp");
    const std::string m = e.message();
    CHECK((m.find("truncated") != std::string::npos || m.find("empty") != std::string::npos));
  }
}

TEST_CASE("container: a flipped bit anywhere is an InputError, in a payload it is a CRC mismatch", "[container]") {
  const std::string bytes = small_file();
  for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
    for (int bit : {0, 7}) {
      std::string bad = bytes;
      bad[pos] = static_cast<char>(bad[pos] ^ (1 << bit));
      INFO("byte " << pos << " bit " << bit);
      read_error(bad);
    }
  }
  const std::size_t first_payload = bytes.find("first");
  REQUIRE(first_payload != std::string::npos);
  std::string bad = bytes;
  bad[first_payload + 2] ^= 0x20;
  const InputError e = read_error(bad);
  CHECK_THAT(e.message(), Catch::Contains("CRC-32 mismatch"));
  CHECK(e.source() == "test.mlp");
}

TEST_CASE("container: text-mode and 7-bit damage to the signature is named", "[container]") {
  const std::string bytes = small_file();
  CHECK_THAT(read_error(replace_all(bytes, "\r\n", "\n")).message(), Catch::Contains("CR LF to LF"));
  CHECK_THAT(read_error(replace_all(bytes, "\n", "\r\n")).message(), Catch::Contains("LF to CR LF"));
  std::string stripped = bytes;
  stripped[0] = '\x09';
  CHECK_THAT(read_error(stripped).message(), Catch::Contains("7-bit"));
  CHECK_THAT(read_error(std::string("\x1f\x8b\x08\0\0\0\0\0\0\0\0\0", 12)).message(), Catch::Contains("gzip"));
  CHECK_THAT(read_error("lj epsilon=1 sigma=1\n").message(), Catch::Contains("not an mlp container"));
  CHECK_THAT(read_error("").message(), Catch::Contains("empty"));
}

TEST_CASE("container: versions and kinds are checked with clear messages", "[container]") {
  const std::string v3 = make_container("MODL", 3, "{}", {});
  CHECK(read_container(v3, "MODL", 3).empty());
  const InputError newer = read_error(v3, "MODL", 2);
  CHECK(newer.message() == "written by a newer mlp (format version 3, this reader knows <= 2)");
  const InputError kind = read_error(make_container("MODL", 1, "{}", {}), "DESC", 1);
  CHECK(kind.message() == "is a MODL container (a model file), expected DESC (a descriptor file)");
  std::string v0 = make_container("MODL", 1, "{}", {});
  v0[12] = 0;
  CHECK_THAT(read_error(v0).message(), Catch::Contains("version 0"));
}

TEST_CASE("container: corrupt lengths, counts and trailing data", "[container]") {
  const std::string good = make_container("MODL", 1, "{}", {{1, "abc"}});
  const std::size_t record = 8 + 4 + 4 + 8 + 2;  // first record's head
  SECTION("absurd record length") {
    std::string bad = good;
    bad[record + 4 + 7] = '\x40';
    CHECK_THAT(read_error(bad).message(), Catch::Contains("absurd record length"));
  }
  SECTION("a huge but admissible length only reads what is there") {
    std::string bad = good;
    bad[record + 4 + 4] = '\x40';  // 2^38 + 3 bytes claimed
    CHECK_THAT(read_error(bad).message(), Catch::Contains("truncated"));
  }
  SECTION("absurd header length") {
    std::string bad = good;
    bad[16 + 6] = '\x01';
    CHECK_THAT(read_error(bad).message(), Catch::Contains("absurd header length"));
  }
  SECTION("record count in the trailer") {
    std::string bad = good;
    bad[bad.size() - 12] = '\x02';
    CHECK_THAT(read_error(bad).message(), Catch::Contains("counts 2 records but 1"));
  }
  SECTION("data after the trailer") {
    CHECK_THAT(read_error(good + "x").message(), Catch::Contains("after the trailer"));
  }
  SECTION("header not JSON") {
    CHECK_THAT(read_error(make_container("MODL", 1, "{}", {}).replace(24, 2, "{]")).message(),
               Catch::Contains("not valid JSON"));
  }
  SECTION("messages name the record and its byte offset") {
    std::string bad = good;
    bad[record + 4 + 7] = '\x40';
    CHECK_THAT(read_error(bad).message(), Catch::Contains("record 1 at byte 26"));
  }
}

TEST_CASE("container: writer refuses misuse", "[container]") {
  std::ostringstream out;
  CHECK_THROWS_AS(ContainerWriter(out, "MOD", 1, "{}"), InputError);
  CHECK_THROWS_AS(ContainerWriter(out, "MO L", 1, "{}"), InputError);
  CHECK_THROWS_AS(ContainerWriter(out, "MODL", 0, "{}"), InputError);
  CHECK_THROWS_AS(ContainerWriter(out, "MODL", 1, "[1]"), InputError);
  CHECK_THROWS_AS(ContainerWriter(out, "MODL", 1, "{"), InputError);
  ContainerWriter w(out, "MODL", 1, "{}");
  CHECK_THROWS_AS(w.write_record(kTrailerRecordType, ""), std::logic_error);
  w.write_record(3, "x");
  CHECK(w.records() == 1);
  w.finish();
  CHECK_THROWS_AS(w.write_record(3, "y"), std::logic_error);
  CHECK_THROWS_AS(w.finish(), std::logic_error);

  std::ostringstream broken;
  broken.setstate(std::ios::badbit);
  CHECK_THROWS_AS(ContainerWriter(broken, "MODL", 1, "{}"), IoError);
}

TEST_CASE("container: ByteWriter/ByteReader are little-endian and exact", "[container]") {
  ByteWriter w;
  w.put_u8(0xab);
  w.put_u32(0x01020304u);
  w.put_u64(0x0102030405060708ull);
  w.put_i32(-2);
  w.put_i64(std::numeric_limits<std::int64_t>::min());
  w.put_f64(1.0);
  const double specials[] = {-0.0, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::infinity(), 0.1};
  w.put_f64s(specials, 5);
  const std::uint64_t sizes[] = {0, 42};
  w.put_u64s(sizes, 2);
  w.put_string(std::string("a\0b", 3));
  const std::string& b = w.bytes();
  CHECK(b.substr(0, 13) == std::string("\xab\x04\x03\x02\x01\x08\x07\x06\x05\x04\x03\x02\x01", 13));
  CHECK(b.substr(13, 4) == "\xfe\xff\xff\xff");
  CHECK(b.substr(25, 8) == std::string("\0\0\0\0\0\0\xf0\x3f", 8));  // 1.0

  const std::string payload = b;
  ByteReader r(payload, "unit test");
  CHECK(r.get_u8() == 0xab);
  CHECK(r.get_u32() == 0x01020304u);
  CHECK(r.get_u64() == 0x0102030405060708ull);
  CHECK(r.get_i32() == -2);
  CHECK(r.get_i64() == std::numeric_limits<std::int64_t>::min());
  CHECK(r.get_f64() == 1.0);
  double back[5];
  r.get_f64s(back, 5);
  CHECK(std::memcmp(back, specials, sizeof back) == 0);
  std::uint64_t sizes_back[2];
  r.get_u64s(sizes_back, 2);
  CHECK(sizes_back[1] == 42);
  CHECK(r.get_string() == std::string("a\0b", 3));
  CHECK(r.at_end());
  try {
    r.get_u32();
    FAIL("read past the end");
  } catch (const InputError& e) {
    CHECK(e.source() == "unit test");
    CHECK_THAT(e.message(), Catch::Contains("payload ends early"));
  }
}

TEST_CASE("container: ByteReader checks lengths before allocating", "[container]") {
  ByteWriter w;
  w.put_u64(std::numeric_limits<std::uint64_t>::max());  // a string "length"
  const std::string payload = w.bytes();
  ByteReader r(payload, "x");
  CHECK_THROWS_AS(r.get_string(), InputError);
  ByteReader r2(payload, "x");
  CHECK_THROWS_AS(r2.require(std::numeric_limits<std::uint64_t>::max(), 8, "values"), InputError);
  std::vector<double> v(2);
  CHECK_THROWS_AS(r2.get_f64s(v.data(), 2), InputError);
}

TEST_CASE("container: named arrays", "[container]") {
  NamedArray a{"layer0/weights", {2, 3}, {1, -2, 3.5, 1e-300, -0.0, 7}};
  const NamedArray b = decode_array(encode_array(a), "m.mlp record 2");
  CHECK(b.name == a.name);
  CHECK(b.shape == a.shape);
  CHECK(std::memcmp(b.data.data(), a.data.data(), a.data.size() * 8) == 0);

  NamedArray scalar{"bias", {}, {0.25}};
  CHECK(decode_array(encode_array(scalar), "s").data == scalar.data);

  NamedArray wrong{"w", {2, 2}, {1, 2, 3}};
  CHECK_THROWS_AS(encode_array(wrong), InputError);

  const std::string payload = encode_array(a);
  for (std::size_t n = 0; n < payload.size(); ++n) CHECK_THROWS_AS(decode_array(payload.substr(0, n), "t"), InputError);
  CHECK_THROWS_AS(decode_array(payload + "z", "t"), InputError);

  ByteWriter huge;  // a shape whose element count overflows
  huge.put_string("h");
  huge.put_u64(2);
  huge.put_u64(std::uint64_t{1} << 40);
  huge.put_u64(std::uint64_t{1} << 40);
  try {
    decode_array(huge.bytes(), "m.mlp record 9");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.source() == "m.mlp record 9");
  }
}

TEST_CASE("container: container_kind_of_file tells binary from text", "[container]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("mlp_container_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string bin = (dir / "m.mlp").string(), text = (dir / "m.txt").string();
  {
    std::ofstream f(bin, std::ios::binary);
    f << make_container("MODL", 1, "{}", {});
  }
  {
    std::ofstream f(text);
    f << "lj epsilon=1 sigma=1\n";
  }
  CHECK(container_kind_of_file(bin) == "MODL");
  CHECK(container_kind_of_file(text) == "");
  CHECK(container_kind_of_file((dir / "absent").string()) == "");
  fs::remove_all(dir);
}
