// DESC descriptor files: bit-exact round trips of frames with labels, rows and gradients; streaming through one
// stringstream; every kind of damage (truncation at each byte, flipped bytes, text-mode transfer, newer version,
// wrong kind, inconsistent rows) giving a clean InputError.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mlp/desc/acsf.hpp"
#include "mlp/desc/descriptor_stream.hpp"
#include "mlp/io/container.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

const char* const kProvenance = R"({"tool": "test_descriptor_stream", "version": "0", "command_line": "test"})";

/// Two centre elements with one radial and one angular function each: a small header for the byte-by-byte tests.
Acsf small_acsf() {
  return Acsf::from_json(R"({"type": "acsf", "cutoff": "cos", "functions": [
    {"kind": "radial", "center": "Si", "neighbors": ["O"], "eta": 0.5, "rshift": 1.0, "rcut": 3.5},
    {"kind": "angular_wide", "center": "Si", "neighbors": ["O", "Si"], "eta": 0.1, "lambda": -1, "zeta": 2,
     "rshift": 0, "rcut": 3.5},
    {"kind": "radial", "center": "O", "neighbors": ["Si"], "eta": 0.3, "rshift": 0.0, "rcut": 3.5}]})");
}

/// A random frame with every kind of label: energy, forces, non-symmetric stress, strings, integers, booleans.
Structure labelled_structure(std::mt19937_64& rng, std::size_t n, const std::vector<int>& elements, bool periodic) {
  const Mat3 cell = test::random_cell(rng, 5.0, 7.0);
  Structure s = test::random_structure(rng, n, elements, cell, {periodic, periodic, periodic}, 1.2);
  if (!periodic) s.cell = Mat3::Zero();
  std::normal_distribution<double> g(0.0, 1.0);
  s.info.set("energy", -3.7 * static_cast<double>(n) + g(rng));
  std::vector<double> stress(9);
  for (double& x : stress) x = 0.01 * g(rng);
  if (periodic) s.info.set("stress", stress);
  s.info.set("config_type", std::string(periodic ? "bulk crystal" : "cluster"));
  s.info.set("step", std::int64_t{42});
  s.info.set("converged", true);
  s.info.set("tags", std::vector<std::string>{"a b", "c"});
  AtomArray forces;
  forces.type = ColumnType::Real;
  forces.width = 3;
  for (std::size_t i = 0; i < 3 * n; ++i) forces.reals.push_back(g(rng));
  s.arrays.set("forces", forces);
  AtomArray fixed;
  fixed.type = ColumnType::Logical;
  fixed.width = 1;
  for (std::size_t i = 0; i < n; ++i) fixed.logicals.push_back(i % 2 ? 1 : 0);
  s.arrays.set("fixed", fixed);
  return s;
}

void check_same_structure(const Structure& a, const Structure& b) {
  CHECK(a.numbers == b.numbers);
  REQUIRE(a.positions.rows() == b.positions.rows());
  CHECK((a.positions.array() == b.positions.array()).all());
  CHECK((a.cell.array() == b.cell.array()).all());
  CHECK(a.pbc == b.pbc);
  CHECK(a.info.items() == b.info.items());
  REQUIRE(a.arrays.items().size() == b.arrays.items().size());
  for (std::size_t k = 0; k < a.arrays.items().size(); ++k) {
    const auto& [name_a, col_a] = a.arrays.items()[k];
    const auto& [name_b, col_b] = b.arrays.items()[k];
    CHECK(name_a == name_b);
    CHECK(col_a.type == col_b.type);
    CHECK(col_a.width == col_b.width);
    CHECK(col_a.reals == col_b.reals);
    CHECK(col_a.integers == col_b.integers);
    CHECK(col_a.strings == col_b.strings);
    CHECK(col_a.logicals == col_b.logicals);
  }
}

void check_same_frame(const DescriptorFrame& f, const Structure& s, const DescriptorValues& v,
                      const DescriptorGradients* g) {
  check_same_structure(f.structure, s);
  CHECK(f.values.offsets == v.offsets);
  CHECK(f.values.data == v.data);
  CHECK(f.has_gradients == (g != nullptr));
  if (g) {
    CHECK(f.gradients.entry_offsets == g->entry_offsets);
    CHECK(f.gradients.atom == g->atom);
    CHECK(f.gradients.data_offsets == g->data_offsets);
    CHECK(f.gradients.position == g->position);
    CHECK(f.gradients.strain == g->strain);
  }
}

/// A complete small DESC file with gradients: two frames, one with an atom (H) outside the descriptor.
std::string small_file(std::vector<double>* first_row_values = nullptr) {
  std::mt19937_64 rng(11);
  const Acsf acsf = small_acsf();
  std::ostringstream out;
  DescriptorStreamWriter w(out, acsf, true, kProvenance);
  for (const std::vector<int>& elements : {std::vector<int>{14, 8}, std::vector<int>{14, 8, 1}}) {
    const Structure s = labelled_structure(rng, elements.size(), elements, true);
    DescriptorGradients g;
    const DescriptorValues v = compute_descriptors(acsf, s, &g);
    if (first_row_values && first_row_values->empty()) *first_row_values = v.data;
    w.write(s, v, &g);
  }
  w.finish();
  return out.str();
}

std::size_t read_all(const std::string& bytes) {
  std::istringstream in(bytes);
  DescriptorStreamReader r(in, "x.desc");
  DescriptorFrame f;
  std::size_t n = 0;
  while (r.next(f)) ++n;
  return n;
}

InputError read_error(const std::string& bytes) {
  try {
    read_all(bytes);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError");
  throw std::logic_error("unreachable");
}

/// Header JSON and record payloads of a container, to rebuild altered files.
std::pair<std::string, std::vector<std::string>> parts_of(const std::string& bytes) {
  std::istringstream in(bytes);
  ContainerReader r(in, "parts", "DESC", kDescVersion);
  std::vector<std::string> payloads;
  std::uint32_t type = 0;
  std::string payload;
  while (r.next(type, payload)) payloads.push_back(payload);
  return {r.header().json, payloads};
}

std::string container(const std::string& kind, std::uint32_t version, const std::string& header,
                      const std::vector<std::pair<std::uint32_t, std::string>>& records) {
  std::ostringstream out;
  ContainerWriter w(out, kind, version, header);
  for (const auto& [type, payload] : records) w.write_record(type, payload);
  w.finish();
  return out.str();
}

}  // namespace

TEST_CASE("descriptor stream: frames with labels, rows and gradients round trip bit-exactly", "[descriptor_stream]") {
  std::mt19937_64 rng(3);
  AcsfPresetOptions o;
  o.elements = {8, 14};
  o.rcut = 4.0;
  o.radial = 4;
  const Acsf acsf = Acsf::preset(o);
  for (bool with_gradients : {true, false}) {
    std::stringstream pipe;
    DescriptorStreamWriter w(pipe, acsf, with_gradients, kProvenance);
    std::vector<Structure> structures;
    std::vector<DescriptorValues> values;
    std::vector<DescriptorGradients> gradients;
    for (int k = 0; k < 4; ++k) {
      structures.push_back(labelled_structure(rng, 5 + static_cast<std::size_t>(k), {8, 14}, k % 2 == 0));
      gradients.emplace_back();
      values.push_back(compute_descriptors(acsf, structures.back(), &gradients.back()));
      w.write(structures.back(), values.back(), with_gradients ? &gradients.back() : nullptr);
    }
    CHECK(w.frames() == 4);
    w.finish();

    DescriptorStreamReader r(pipe, "pipe.desc");
    CHECK(r.descriptor_json() == acsf.to_json());
    CHECK(r.descriptor_hash() == descriptor_hash(acsf));
    CHECK(r.gradients() == with_gradients);
    CHECK(r.species() == std::vector<int>{8, 14});
    CHECK(r.header_json().find("\"command_line\": \"test\"") != std::string::npos);
    CHECK(r.header_json().find("eV/Angstrom^3") != std::string::npos);
    DescriptorFrame f;
    for (std::size_t k = 0; k < structures.size(); ++k) {
      INFO("frame " << k);
      REQUIRE(r.next(f));
      check_same_frame(f, structures[k], values[k], with_gradients ? &gradients[k] : nullptr);
      CHECK(f.structure.source == "pipe.desc");
      CHECK(f.structure.frame == k);
      // The labels come back as labels.
      CHECK(reference_energy(f.structure) == reference_energy(structures[k]));
      CHECK(reference_forces(f.structure).has_value());
    }
    CHECK_FALSE(r.next(f));
    CHECK(r.frames() == structures.size());
  }
}

TEST_CASE("descriptor stream: many frames stream through one stringstream, read as they are written",
          "[descriptor_stream]") {
  std::mt19937_64 rng(5);
  const Acsf acsf = small_acsf();
  std::stringstream pipe;
  DescriptorStreamWriter w(pipe, acsf, false, "");
  DescriptorStreamReader r(pipe, "-");
  DescriptorFrame f;
  for (int k = 0; k < 300; ++k) {
    const Structure s = labelled_structure(rng, 4, {14, 8}, k % 3 != 0);
    const DescriptorValues v = compute_descriptors(acsf, s);
    w.write(s, v, nullptr);
    REQUIRE(r.next(f));  // the record is complete in the stream: the reader needs nothing more
    check_same_frame(f, s, v, nullptr);
  }
  w.finish();
  CHECK_FALSE(r.next(f));
  CHECK(r.frames() == 300);
}

TEST_CASE("descriptor stream: a file truncated at any byte is a clean InputError", "[descriptor_stream]") {
  const std::string bytes = small_file();
  REQUIRE(read_all(bytes) == 2);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("truncated to " << n << " of " << bytes.size() << " bytes");
    const InputError e = read_error(bytes.substr(0, n));
    CHECK(e.source() == "x.desc");
  }
}

TEST_CASE("descriptor stream: flipped bytes are detected, a changed value by the CRC", "[descriptor_stream]") {
  std::vector<double> rows;
  const std::string bytes = small_file(&rows);
  REQUIRE(rows.size() > 2);
  for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
    std::string bad = bytes;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
    INFO("byte " << pos);
    read_error(bad);
  }
  char raw[8];
  std::memcpy(raw, &rows[1], 8);  // little-endian host: the bytes as stored
  const std::size_t at = bytes.find(std::string(raw, 8));
  REQUIRE(at != std::string::npos);
  std::string bad = bytes;
  bad[at] ^= 0x01;  // lowest mantissa bit: still a plausible value
  CHECK_THAT(read_error(bad).message(), Catch::Contains("CRC-32 mismatch"));
}

TEST_CASE("descriptor stream: text-mode damage, newer versions and other kinds are refused clearly",
          "[descriptor_stream]") {
  const std::string bytes = small_file();
  std::string crlf_damaged;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (!(bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n')) crlf_damaged += bytes[i];
  CHECK_THAT(read_error(crlf_damaged).message(), Catch::Contains("text-mode transfer"));

  const auto [header, payloads] = parts_of(bytes);
  const std::string newer = container("DESC", kDescVersion + 1, header, {{kDescFrameRecord, payloads[0]}});
  CHECK(read_error(newer).message() == "written by a newer mlp (format version 2, this reader knows <= 1)");
  const std::string model = container("MODL", 1, "{}", {});
  CHECK(read_error(model).message() == "is a MODL container (a model file), expected DESC (a descriptor file)");
}

TEST_CASE("descriptor stream: unknown records and inconsistent frames", "[descriptor_stream]") {
  const auto [header, payloads] = parts_of(small_file());
  SECTION("ancillary records are skipped, unknown critical ones refused") {
    const std::string file = container("DESC", 1, header,
                                       {{0x80000007u, "note"}, {kDescFrameRecord, payloads[0]}, {9, "future"}});
    std::istringstream in(file);
    DescriptorStreamReader r(in, "x.desc");
    DescriptorFrame f;
    CHECK(r.next(f));
    try {
      r.next(f);
      FAIL("unknown critical record accepted");
    } catch (const InputError& e) {
      CHECK_THAT(e.message(), Catch::Contains("unknown record type 9"));
      CHECK_THAT(e.message(), Catch::Contains("record 3 at byte"));
    }
  }
  SECTION("frames out of sequence") {
    CHECK_THAT(read_error(container("DESC", 1, header, {{kDescFrameRecord, payloads[1]}})).message(),
               Catch::Contains("out of sequence"));
  }
  SECTION("rows that do not match the structure") {
    std::mt19937_64 rng(1);
    const Acsf acsf = small_acsf();
    std::ostringstream plain;
    DescriptorStreamWriter(plain, acsf, false, "").finish();
    const std::string plain_header = parts_of(plain.str()).first;
    Structure s = labelled_structure(rng, 2, {14, 8}, false);
    s.numbers = {14, 8};  // Si has 2 values, O 1
    auto frame = [&](const std::vector<std::uint64_t>& offsets, std::size_t values, std::uint8_t flag) {
      ByteWriter w;
      w.put_u64(0);
      w.put_string(to_extxyz(s));
      w.put_u64(s.size());
      w.put_u64s(offsets.data(), offsets.size());
      const std::vector<double> data(values, 0.5);
      w.put_f64s(data.data(), data.size());
      w.put_u8(flag);
      return container("DESC", 1, plain_header, {{kDescFrameRecord, w.bytes()}});
    };
    CHECK(read_all(frame({0, 2, 3}, 3, 0)) == 1);  // Si: 2 values, O: 1 value
    const InputError decreasing = read_error(frame({0, 2, 1}, 1, 0));
    CHECK_THAT(decreasing.message(), Catch::Contains("frame 0 (record 1 at byte"));
    CHECK_THAT(decreasing.message(), Catch::Contains("row offsets decrease at atom 1"));
    CHECK(decreasing.source() == "x.desc");
    CHECK_THAT(read_error(frame({0, 1, 3}, 3, 0)).message(), Catch::Contains("atom 0 has a row of 1 values"));
    CHECK_THAT(read_error(frame({0, 2, 3}, 3, 1)).message(), Catch::Contains("contradicts the header"));
    CHECK_THAT(read_error(frame({0, 2}, 2, 0)).message(), Catch::Contains("payload too short"));
  }
  SECTION("a header whose hash does not match its parameters") {
    std::string edited = header;
    const std::size_t at = edited.find("\"descriptor_hash\": \"") + 20;
    edited[at] = edited[at] == '0' ? '1' : '0';
    CHECK_THAT(read_error(container("DESC", 1, edited, {})).message(), Catch::Contains("does not match"));
  }
  SECTION("a header without descriptor") {
    CHECK_THAT(read_error(container("DESC", 1, R"({"gradients": false})", {})).message(),
               Catch::Contains("header: descriptor"));
  }
}

TEST_CASE("descriptor stream: the writer refuses rows that do not belong to the frame", "[descriptor_stream]") {
  std::mt19937_64 rng(9);
  const Acsf acsf = small_acsf();
  const Structure s = labelled_structure(rng, 3, {14, 8}, true);
  const Structure other = labelled_structure(rng, 4, {14, 8}, true);
  DescriptorGradients g;
  const DescriptorValues v = compute_descriptors(acsf, s, &g);
  std::ostringstream out;
  DescriptorStreamWriter with(out, acsf, true, "");
  CHECK_THROWS_AS(with.write(s, v, nullptr), InputError);
  CHECK_THROWS_AS(with.write(other, v, &g), InputError);
  DescriptorGradients broken = g;
  broken.atom[0] = 99;
  CHECK_THROWS_AS(with.write(s, v, &broken), InputError);
  broken = g;
  broken.strain.pop_back();
  CHECK_THROWS_AS(with.write(s, v, &broken), InputError);
  with.write(s, v, &g);
  CHECK(with.frames() == 1);

  std::ostringstream out2;
  DescriptorStreamWriter without(out2, acsf, false, "");
  CHECK_THROWS_AS(without.write(s, v, &g), InputError);
  CHECK_THROWS_AS(DescriptorStreamWriter(out2, acsf, false, "[1]"), InputError);
  CHECK_THROWS_AS(DescriptorStreamWriter(out2, acsf, false, "{"), InputError);
}
