// Unit tests of the extxyz reader and writer: dialect features, errors naming line and field, round trips.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

std::vector<Structure> read_all(const std::string& text, const std::string& name = "mem.xyz") {
  std::istringstream in(text);
  ExtxyzReader r(in, name);
  std::vector<Structure> out;
  Structure s;
  while (r.read(s)) out.push_back(s);
  CHECK(r.frames_read() == out.size());
  return out;
}

Structure read_one(const std::string& text) {
  auto v = read_all(text);
  REQUIRE(v.size() == 1);
  return v[0];
}

/// Reads `text` expecting an InputError; returns it.
InputError read_error(const std::string& text, const std::string& name = "bad.xyz") {
  try {
    read_all(text, name);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError for:\n" << text);
  throw std::logic_error("unreachable");
}

template <class T>
const T& info_as(const Structure& s, const std::string& key) {
  const InfoValue* v = s.info.find(key);
  INFO("info key " << key);
  REQUIRE(v != nullptr);
  REQUIRE(std::holds_alternative<T>(*v));
  return std::get<T>(*v);
}

const char* kTwoFrames =
    "2\n"
    "Lattice=\"4.0 0.0 0.0 0.5 5.0 0.0 0.0 0.25 6.0\" Properties=species:S:1:pos:R:3:forces:R:3:tag:I:1:"
    "fixed:L:1:label:S:1 energy=-12.5 n=7 ok=T name=\"two words\" pbc=\"T T F\"\n"
    "Si 0.0 0.1 0.2 1.0 2.0 3.0 5 T a\n"
    "O 1.5 -2.5e-3 3.25 -1.0 -2.0 -3.0 -6 F b\n"
    "1\n"
    "Properties=species:S:1:pos:R:3 energy=1.0\n"
    "H 0 0 0\n";

}  // namespace

TEST_CASE("extxyz reader fills numbers, positions, cell, pbc, info and arrays", "[io][extxyz]") {
  const auto frames = read_all(kTwoFrames);
  REQUIRE(frames.size() == 2);
  const Structure& s = frames[0];
  REQUIRE(s.size() == 2);
  CHECK(s.numbers == std::vector<int>{14, 8});
  CHECK(s.positions(1, 0) == 1.5);
  CHECK(s.positions(1, 1) == -2.5e-3);
  CHECK(s.positions(1, 2) == 3.25);
  CHECK(s.cell(1, 0) == 0.5);  // rows are lattice vectors, in file order
  CHECK(s.cell(1, 1) == 5.0);
  CHECK(s.cell(2, 1) == 0.25);
  CHECK(s.pbc == std::array<bool, 3>{true, true, false});
  CHECK(info_as<double>(s, "energy") == -12.5);
  CHECK(info_as<std::int64_t>(s, "n") == 7);
  CHECK(info_as<bool>(s, "ok") == true);
  CHECK(info_as<std::string>(s, "name") == "two words");
  CHECK_FALSE(s.info.has("Lattice"));
  CHECK_FALSE(s.info.has("Properties"));
  CHECK_FALSE(s.info.has("pbc"));
  // info keeps file order
  std::vector<std::string> keys;
  for (const auto& kv : s.info.items()) keys.push_back(kv.first);
  CHECK(keys == std::vector<std::string>{"energy", "n", "ok", "name"});
  // arrays in Properties order, typed
  REQUIRE(s.arrays.items().size() == 4);
  CHECK(s.arrays.items()[0].first == "forces");
  CHECK(s.arrays.items()[1].first == "tag");
  CHECK(s.arrays.items()[2].first == "fixed");
  CHECK(s.arrays.items()[3].first == "label");
  const AtomArray* f = s.arrays.reals("forces", 3);
  REQUIRE(f != nullptr);
  CHECK(f->reals == std::vector<double>{1, 2, 3, -1, -2, -3});
  CHECK(s.arrays.find("tag")->integers == std::vector<std::int64_t>{5, -6});
  CHECK(s.arrays.find("fixed")->logicals == std::vector<std::uint8_t>{1, 0});
  CHECK(s.arrays.find("label")->strings == std::vector<std::string>{"a", "b"});
  CHECK(s.source == "mem.xyz");
  CHECK(s.line == 1);
  CHECK(s.frame == 0);

  const Structure& t = frames[1];
  CHECK(t.numbers == std::vector<int>{1});
  CHECK(t.cell.isZero(0.0));
  CHECK(t.pbc == std::array<bool, 3>{false, false, false});
  CHECK(t.arrays.items().empty());
  CHECK(t.line == 5);
  CHECK(t.frame == 1);
  CHECK(info_as<double>(t, "energy") == 1.0);
}

TEST_CASE("extxyz pbc follows the ASE rule", "[io][extxyz]") {
  CHECK(read_one("1\nLattice=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\n").pbc == std::array<bool, 3>{true, true, true});
  CHECK(read_one("1\n\nH 0 0 0\n").pbc == std::array<bool, 3>{false, false, false});
  CHECK(read_one("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"F T F\"\nH 0 0 0\n").pbc ==
        std::array<bool, 3>{false, true, false});
  CHECK(read_one("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=F\nH 0 0 0\n").pbc == std::array<bool, 3>{false, false, false});
  CHECK(read_one("1\npbc=\"F F F\"\nH 0 0 0\n").pbc == std::array<bool, 3>{false, false, false});
  CHECK(read_one("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"True False True\"\nH 0 0 0\n").pbc ==
        std::array<bool, 3>{true, false, true});
}

TEST_CASE("extxyz plain XYZ comments and bare keys read as ASE does", "[io][extxyz]") {
  const Structure s = read_one("3\nwater molecule, from a plain file\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n");
  CHECK(s.numbers == std::vector<int>{8, 1, 1});
  // Every word is a key with value true (ASE's key_val_str_to_dict does the same).
  CHECK(info_as<bool>(s, "water") == true);
  CHECK(info_as<bool>(s, "molecule,") == true);
  CHECK(info_as<bool>(s, "plain") == true);
  CHECK(s.info.size() == 6);
  const Structure t = read_one("1\ncutoff=3.4 have_energy\nH 0 0 0\n");
  CHECK(info_as<double>(t, "cutoff") == 3.4);
  CHECK(info_as<bool>(t, "have_energy") == true);
  const Structure e = read_one("1\n\nH 0 0 0\n");
  CHECK(e.info.size() == 0);
}

TEST_CASE("extxyz info values: quotes, escapes, brackets, braces, commas, booleans", "[io][extxyz]") {
  const Structure s = read_one(
      "1\n"
      "a=\"x \\\"quoted\\\" y\" b='single q' c={1 2 3} d=[1.5, 2, 3] e=\"T F T\" f=True g=False h=F "
      "i=\"1 2.5\" j=\"1 two\" k = 5 l=x=y m=\"back\\\\slash\" uid=123 n=99999999999999999999 o=1e3 p=-0 "
      "q=nan r=\"\" s=\"_JSON [\\\"u\\\", \\\"v\\\"]\" t=\"_JSON [[1, 2], [3, 4]]\"\n"
      "H 0 0 0\n");
  CHECK(info_as<std::string>(s, "a") == "x \"quoted\" y");
  CHECK(info_as<std::string>(s, "b") == "single q");
  CHECK(info_as<std::vector<std::int64_t>>(s, "c") == std::vector<std::int64_t>{1, 2, 3});
  CHECK(info_as<std::vector<double>>(s, "d") == std::vector<double>{1.5, 2, 3});
  CHECK(info_as<std::vector<bool>>(s, "e") == std::vector<bool>{true, false, true});
  CHECK(info_as<bool>(s, "f") == true);
  CHECK(info_as<bool>(s, "g") == false);
  CHECK(info_as<bool>(s, "h") == false);
  CHECK(info_as<std::vector<double>>(s, "i") == std::vector<double>{1, 2.5});
  CHECK(info_as<std::string>(s, "j") == "1 two");
  CHECK(info_as<std::int64_t>(s, "k") == 5);  // blanks around '=' are accepted
  CHECK(info_as<std::string>(s, "l") == "x=y");
  CHECK(info_as<std::string>(s, "m") == "back\\slash");
  CHECK(info_as<std::string>(s, "uid") == "123");  // ASE never converts uid
  CHECK(info_as<double>(s, "n") == 1e20);          // too large for int64: a real, as numpy falls back to float
  CHECK(info_as<double>(s, "o") == 1000.0);
  CHECK(info_as<std::int64_t>(s, "p") == 0);
  CHECK(std::isnan(info_as<double>(s, "q")));
  CHECK(info_as<std::vector<std::int64_t>>(s, "r").empty());  // ASE: empty integer array
  CHECK(info_as<std::vector<std::string>>(s, "s") == std::vector<std::string>{"u", "v"});
  CHECK(info_as<std::string>(s, "t") == "_JSON [[1, 2], [3, 4]]");  // not flat: kept verbatim
}

TEST_CASE("extxyz stress and virial are read in Fortran order like ASE", "[io][extxyz]") {
  const Structure s = read_one(
      "1\nLattice=\"2 0 0 0 2 0 0 0 2\" stress=\"1 2 3 4 5 6 7 8 9\" virial=\"1 0 0 0 2 0 0 0 3\" "
      "voigt_is_kept=\"1 2 3 4 5 6\"\nH 0 0 0\n");
  // ASE: value.reshape((3,3), order='F'), i.e. element (i,j) = v[i+3j]; stored row-major.
  CHECK(info_as<std::vector<double>>(s, "stress") == std::vector<double>{1, 4, 7, 2, 5, 8, 3, 6, 9});
  CHECK(info_as<std::vector<double>>(s, "virial") == std::vector<double>{1, 0, 0, 0, 2, 0, 0, 0, 3});
  const Structure v = read_one("1\nstress=\"1 2 3 4 5 6\"\nH 0 0 0\n");
  CHECK(info_as<std::vector<double>>(v, "stress") == std::vector<double>{1, 2, 3, 4, 5, 6});
  // The writer puts the transpose back, so the file text survives a read-write cycle.
  const std::string text = to_extxyz(s);
  CHECK(text.find("stress=\"1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.0\"") != std::string::npos);
}

TEST_CASE("extxyz species are capitalised like ASE and Z overrides them", "[io][extxyz]") {
  const Structure s = read_one("3\n\nSI 0 0 0\nfe 1 1 1\nCl 2 2 2\n");
  CHECK(s.numbers == std::vector<int>{14, 26, 17});
  const Structure z = read_one("2\nProperties=pos:R:3:Z:I:1\n0 0 0 6\n1 1 1 8\n");
  CHECK(z.numbers == std::vector<int>{6, 8});
  CHECK(z.positions(1, 2) == 1.0);
  CHECK(z.arrays.items().empty());
}

TEST_CASE("extxyz accepts CRLF, trailing blanks, tabs and blank lines between and after frames", "[io][extxyz]") {
  const auto frames = read_all(
      "1  \r\nenergy=2.5   \t\r\nH\t0 0 0  \r\n\r\n\n   \n2\r\n\r\nH 0 0 0\r\nHe 1 1 1\r\n\r\n\r\n");
  REQUIRE(frames.size() == 2);
  CHECK(info_as<double>(frames[0], "energy") == 2.5);
  CHECK(frames[1].numbers == std::vector<int>{1, 2});
  CHECK(frames[1].line == 7);
  // no final newline
  CHECK(read_one("1\n\nH 0 0 7").positions(0, 2) == 7.0);
  // zero atoms is a valid frame
  CHECK(read_one("0\nenergy=0.0\n").size() == 0);
}

TEST_CASE("extxyz reader reads the fixtures of accepted edge cases", "[io][extxyz]") {
  for (const char* name : {"crlf.xyz", "trailing_whitespace.xyz", "blank_lines_at_end.xyz", "plain_comment.xyz",
                           "quoted_values.xyz", "zero_atoms.xyz", "lowercase_species.xyz", "no_final_newline.xyz",
                           "multi_member.xyz.gz", "gzipped.xyz.gz"}) {
    INFO(name);
    ExtxyzReader r(test::fixture(std::string("io/") + name));
    Structure s;
    std::size_t n = 0;
    while (r.read(s)) ++n;
    CHECK(n >= 1);
    CHECK(r.frames_read() == n);
  }
}

TEST_CASE("extxyz gzip input is recognised by magic bytes, also from a stream", "[io][extxyz]") {
  std::ifstream gz(test::fixture("io/gzipped.xyz.gz"), std::ios::binary);
  REQUIRE(gz.good());
  ExtxyzReader from_stream(gz, "-");
  ExtxyzReader plain(test::fixture("io/gzipped_plain.xyz"));
  Structure a, b;
  std::size_t n = 0;
  while (plain.read(b)) {
    REQUIRE(from_stream.read(a));
    CHECK(a.numbers == b.numbers);
    CHECK(a.positions == b.positions);
    CHECK(a.cell == b.cell);
    CHECK(a.source == "-");
    ++n;
  }
  CHECK_FALSE(from_stream.read(a));
  CHECK(n == 3);
  // Two gzip members one after another (cat a.gz b.gz) are one input.
  ExtxyzReader multi(test::fixture("io/multi_member.xyz.gz"));
  n = 0;
  while (multi.read(a)) ++n;
  CHECK(n == 2);
}

TEST_CASE("extxyz empty input is an error unless allowed", "[io][extxyz]") {
  const InputError e = read_error("", "empty.xyz");
  CHECK(std::string(e.what()) == "empty.xyz:1: atom count: no frames (empty input)");
  std::istringstream blank("\n\n  \n");
  ExtxyzReader r(blank, "blank.xyz");
  r.set_allow_empty(true);
  Structure s;
  CHECK_FALSE(r.read(s));
  CHECK(r.frames_read() == 0);
}

TEST_CASE("extxyz errors name the source, the line and the field", "[io][extxyz]") {
  struct Case {
    const char* what;
    std::string text;
    std::size_t line;
    const char* field;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {"truncated", "3\n\nH 0 0 0\nH 1 1 1\n", 5, "atom 3", "truncated"},
      {"missing comment", "3\n", 2, "comment line", "truncated"},
      {"count too small", "1\n\nH 0 0 0\nH 1 1 1\n", 4, "atom count", "expected an atom count"},
      {"non-numeric position", "2\n\nH 0 0 0\nH 1 x 1\n", 4, "pos[1]", "'x'"},
      {"non-numeric force", "1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2 abc\n", 3, "forces[2]",
       "'abc'"},
      {"non-integer I column", "1\nProperties=species:S:1:pos:R:3:tag:I:1\nH 0 0 0 1.5\n", 3, "tag", "integer"},
      {"bad logical", "1\nProperties=species:S:1:pos:R:3:m:L:1\nH 0 0 0 yes\n", 3, "m", "logical"},
      {"too many tokens", "1\n\nH 0 0 0 0\n", 3, "Properties", "5 fields"},
      {"too few tokens", "1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2\n", 3, "Properties", "6 fields"},
      {"unknown element", "2\n\nH 0 0 0\nXx 1 1 1\n", 4, "species", "unknown element 'Xx'"},
      {"nan position", "1\n\nH nan 0 0\n", 3, "pos[0]", "non-finite"},
      {"inf position", "1\n\nH 0 0 -inf\n", 3, "pos[2]", "non-finite"},
      {"inf cell", "1\nLattice=\"1 0 0 0 inf 0 0 0 1\"\nH 0 0 0\n", 2, "Lattice", "non-finite"},
      {"lattice of 6", "1\nLattice=\"1 0 0 0 1 0\"\nH 0 0 0\n", 2, "Lattice", "9 numbers"},
      {"pbc without lattice", "1\npbc=\"T T T\"\nH 0 0 0\n", 2, "pbc", "no Lattice"},
      {"bad pbc", "1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T T\"\nH 0 0 0\n", 2, "pbc", "1 or 3"},
      {"unterminated quote", "1\nenergy=1 name=\"abc\nH 0 0 0\n", 2, "name", "unterminated"},
      {"negative count", "-3\n\n", 1, "atom count", "negative"},
      {"non-integer count", "2.5\n\n", 1, "atom count", "'2.5'"},
      {"huge count", "99999999999\n\nH 0 0 0\n", 1, "atom count", "limit"},
      {"enormous count", "99999999999999999999999\n\n", 1, "atom count", "too large"},
      {"bad properties type", "1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n", 2, "Properties", "unknown type"},
      {"bad properties width", "1\nProperties=species:S:1:pos:R:three\nH 0 0 0\n", 2, "Properties", "width"},
      {"properties not triples", "1\nProperties=species:S:1:pos:R\nH 0 0 0\n", 2, "Properties", "triples"},
      {"properties without pos", "1\nProperties=species:S:1\nH\n", 2, "Properties", "no pos"},
      {"stress of 4", "1\nstress=\"1 2 3 4\"\nH 0 0 0\n", 2, "stress", "9 numbers"},
      {"binary count line", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\n", 11), 1, "atom count", "binary"},
      {"second frame truncated", "1\n\nH 0 0 0\n2\n\nH 0 0 0\n", 7, "atom 2", "truncated"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const InputError e = read_error(c.text);
    CHECK(e.source() == "bad.xyz");
    CHECK(e.line() == c.line);
    CHECK(e.field() == c.field);
    CHECK_THAT(e.message(), Catch::Contains(c.message_part));
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("bad.xyz:" + std::to_string(c.line) + ": "));
  }
}

TEST_CASE("extxyz huge atom count does not allocate up front", "[io][extxyz]") {
  // 90 million atoms claimed (below the cap), two given: storage grows as lines arrive, so this fails fast
  // with a truncated-frame error instead of reserving gigabytes.
  const InputError e = read_error("90000000\n\nH 0 0 0\nH 1 1 1\n");
  CHECK(e.line() == 5);
  CHECK_THAT(e.message(), Catch::Contains("truncated"));
}

TEST_CASE("extxyz write then read is bit-exact for every value type", "[io][extxyz]") {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> u(-1e3, 1e3);
  std::uniform_int_distribution<int> e(-300, 300);
  auto wild = [&]() { return u(rng) * std::pow(10.0, e(rng) / 10); };  // spans ~60 decades
  for (int trial = 0; trial < 20; ++trial) {
    Structure s = test::random_structure(rng, 1 + static_cast<std::size_t>(trial % 7), {1, 6, 8, 14, 26, 79},
                                         test::random_cell(rng, 3.0, 9.0), {true, trial % 2 == 0, true}, 0.5);
    for (Eigen::Index i = 0; i < s.positions.rows(); ++i) s.positions(i, 0) += u(rng) * 1e-9;  // full mantissas
    const std::size_t n = s.size();
    s.info.set("energy", wild());
    s.info.set("integer_energy_like", 2.0);  // a real that prints without a dot must stay real
    s.info.set("count", std::int64_t{-42});
    s.info.set("big", std::numeric_limits<std::int64_t>::max());
    s.info.set("flag", trial % 2 == 0);
    s.info.set("config_type", std::string("bulk \"hot\" {x} [y] a=b, c\\d"));
    s.info.set("numeric_looking_string", std::string("1.5"));
    s.info.set("bool_looking_string", std::string("T"));
    s.info.set("empty_string", std::string());
    s.info.set("flags", std::vector<bool>{true, false, true});
    s.info.set("ints", std::vector<std::int64_t>{1, -2, 3});
    s.info.set("reals", std::vector<double>{wild(), 1.0, -0.0});
    s.info.set("words", std::vector<std::string>{"a b", "c\"d", "1"});
    std::vector<double> stress(9);
    for (double& x : stress) x = wild();  // deliberately not symmetric
    s.info.set("stress", stress);
    s.info.set("MLP_stress", stress);
    s.info.set("tiny", 5e-324);
    s.info.set("huge", -1.7976931348623157e308);
    AtomArray f;
    f.type = ColumnType::Real;
    f.width = 3;
    for (std::size_t k = 0; k < 3 * n; ++k) f.reals.push_back(wild());
    s.arrays.set("MLP_forces", f);
    AtomArray en;
    en.type = ColumnType::Real;
    for (std::size_t k = 0; k < n; ++k) en.reals.push_back(wild());
    s.arrays.set("MLP_energies", en);
    AtomArray tag;
    tag.type = ColumnType::Integer;
    tag.width = 2;
    for (std::size_t k = 0; k < 2 * n; ++k) tag.integers.push_back(static_cast<std::int64_t>(rng() >> 1) - (1LL << 62));
    s.arrays.set("tags", tag);
    AtomArray mask;
    mask.type = ColumnType::Logical;
    mask.width = 3;
    for (std::size_t k = 0; k < 3 * n; ++k) mask.logicals.push_back(rng() & 1);
    s.arrays.set("move", mask);
    AtomArray lab;
    lab.type = ColumnType::String;
    for (std::size_t k = 0; k < n; ++k) lab.strings.push_back("site" + std::to_string(k));
    s.arrays.set("label", lab);

    const std::string text = to_extxyz(s);
    INFO(text);
    const Structure r = read_one(text);
    CHECK(r.numbers == s.numbers);
    CHECK(std::memcmp(r.positions.data(), s.positions.data(), sizeof(double) * 3 * n) == 0);
    CHECK(std::memcmp(r.cell.data(), s.cell.data(), sizeof(double) * 9) == 0);
    CHECK(r.pbc == s.pbc);
    REQUIRE(r.info.size() == s.info.size());
    for (std::size_t k = 0; k < s.info.size(); ++k) {
      INFO("info " << s.info.items()[k].first);
      CHECK(r.info.items()[k].first == s.info.items()[k].first);
      CHECK(r.info.items()[k].second == s.info.items()[k].second);  // same type and bit-identical numbers
    }
    REQUIRE(r.arrays.items().size() == s.arrays.items().size());
    for (std::size_t k = 0; k < s.arrays.items().size(); ++k) {
      const auto& [na, a] = s.arrays.items()[k];
      const auto& [nb, b] = r.arrays.items()[k];
      INFO("array " << na);
      CHECK(na == nb);
      CHECK(a.type == b.type);
      CHECK(a.width == b.width);
      CHECK(a.reals == b.reals);
      CHECK(a.integers == b.integers);
      CHECK(a.logicals == b.logicals);
      CHECK(a.strings == b.strings);
    }
    // Writing what was read gives the same text again.
    CHECK(to_extxyz(r) == text);
  }
}

TEST_CASE("extxyz writer lays out the comment line like ASE", "[io][extxyz]") {
  Structure s;
  s.resize(1);
  s.numbers[0] = 1;
  s.positions.setZero();
  s.info.set("energy", -1.5);
  const std::string mol = to_extxyz(s);
  CHECK(mol == "1\nProperties=species:S:1:pos:R:3 energy=-1.5 pbc=\"F F F\"\nH 0 0 0\n");
  s.cell = Mat3::Identity() * 3.0;
  s.pbc = {true, true, true};
  const std::string per = to_extxyz(s);
  CHECK(per ==
        "1\nLattice=\"3.0 0.0 0.0 0.0 3.0 0.0 0.0 0.0 3.0\" Properties=species:S:1:pos:R:3 energy=-1.5 "
        "pbc=\"T T T\"\nH 0 0 0\n");
  s.info.set("note", std::string("line\nbreak"));
  CHECK_THROWS_AS(to_extxyz(s), InputError);
  s.info.erase("note");
  s.cell.setZero();
  CHECK_THROWS_AS(to_extxyz(s), InputError);  // periodic without a cell
  s.pbc = {false, false, false};
  CHECK_NOTHROW(to_extxyz(s));
}

TEST_CASE("format_real gives the shortest round-trip text", "[io][extxyz]") {
  CHECK(format_real(0.1) == "0.1");
  CHECK(format_real(-2.5e-300) == "-2.5e-300");
  CHECK(format_real(1.0 / 3.0) == "0.3333333333333333");
  CHECK(format_real(std::numeric_limits<double>::infinity()) == "inf");
}

TEST_CASE("extxyz reals are parsed to the correctly rounded double (as strtod and Python float)", "[io][extxyz]") {
  // Decimal texts of every shape the reader meets: short fixed-point (fast exact path), 17-19 significant
  // digits, exponents near the limits of the fast path and far beyond, subnormals. Positions must be the
  // correctly rounded value, the same strtod (and Python's float(), i.e. ASE) gives.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> ndig(1, 24), exp(-330, 310), coin(0, 3), digit(0, 9);
  std::vector<std::string> tokens;
  for (int i = 0; i < 30000; ++i) {
    std::string t;
    if (coin(rng) == 0) t += '-';
    const int n = ndig(rng);
    const int point = std::uniform_int_distribution<int>(0, n)(rng);
    for (int k = 0; k < n; ++k) {
      if (k == point) t += '.';
      t += static_cast<char>('0' + digit(rng));
    }
    if (point == n) t += ".5";
    const int form = coin(rng);
    if (form == 1) t += "e" + std::to_string(exp(rng) / 10);
    if (form == 2) t += "E" + std::to_string(exp(rng));
    double x = std::strtod(t.c_str(), nullptr);
    if (!std::isfinite(x)) continue;  // positions must be finite
    tokens.push_back(t);
  }
  tokens.push_back("4.9406564584124654e-324");
  tokens.push_back("2.2250738585072011e-308");
  tokens.push_back("9007199254740993");  // 2^53 + 1: not exact in a double, must round to even
  tokens.push_back("0.1e23");
  tokens.push_back("123456789012345678e-22");
  while (tokens.size() % 3) tokens.push_back("1");
  std::string text = std::to_string(tokens.size() / 3) + "\n\n";
  for (std::size_t i = 0; i < tokens.size(); i += 3) text += "H " + tokens[i] + " " + tokens[i + 1] + " " + tokens[i + 2] + "\n";
  const Structure s = read_one(text);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const double want = std::strtod(tokens[i].c_str(), nullptr);
    const double got = s.positions(static_cast<Eigen::Index>(i / 3), static_cast<int>(i % 3));
    if (std::memcmp(&want, &got, sizeof want) != 0) {
      ++mismatches;
      UNSCOPED_INFO(tokens[i] << " -> " << format_real(got) << " instead of " << format_real(want));
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("extxyz reader on stdin (\"-\"), gzip recognised there too", "[io][extxyz]") {
  // Replaces this test process's stdin with the gzipped fixture (no other test reads stdin).
  REQUIRE(std::freopen(test::fixture("io/gzipped.xyz.gz").c_str(), "rb", stdin) != nullptr);
  ExtxyzReader r("-");
  CHECK(r.source_name() == "-");
  Structure s;
  std::size_t n = 0;
  while (r.read(s)) {
    CHECK(s.source == "-");
    CHECK(s.numbers == std::vector<int>{29, 29});
    ++n;
  }
  CHECK(n == 3);
}

TEST_CASE("extxyz reader survives random damage: a frame or an InputError, nothing else", "[io][extxyz]") {
  // Mutation fuzzing of a valid two-frame file (bytes replaced, deleted, duplicated, lines cut): every result
  // must be frames or InputError with the source and a line >= 1. Run under ASan/UBSan in CI.
  const std::string base = kTwoFrames;
  std::mt19937_64 rng(2024);
  std::size_t ok = 0, errors = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string t = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !t.empty(); ++k) {
      const std::size_t pos = rng() % t.size();
      switch (rng() % 4) {
        case 0: t[pos] = static_cast<char>(rng() % 256); break;
        case 1: t.erase(pos, 1 + rng() % 8); break;
        case 2: t.insert(pos, t.substr(pos, 1 + rng() % 16)); break;
        case 3: t.resize(pos); break;
      }
    }
    try {
      std::istringstream in(t);
      ExtxyzReader r(in, "fuzz.xyz");
      Structure s;
      while (r.read(s)) CHECK(static_cast<std::size_t>(s.positions.rows()) == s.size());
      ++ok;
    } catch (const InputError& e) {
      ++errors;
      CHECK(e.source() == "fuzz.xyz");
      CHECK(e.line() >= 1);
      CHECK_FALSE(e.field().empty());
    }
  }
  CHECK(ok > 0);
  CHECK(errors > 0);
}

namespace {
/// An endless input: the same frame over and over, produced on demand; counts the bytes handed out.
class EndlessFrames : public std::streambuf {
 public:
  explicit EndlessFrames(std::string frame) : frame_(std::move(frame)) {}
  std::size_t served() const { return served_; }

 protected:
  int_type underflow() override {
    chunk_.clear();
    while (chunk_.size() < 4096) chunk_ += frame_;
    served_ += chunk_.size();
    setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
    return traits_type::to_int_type(chunk_[0]);
  }

 private:
  std::string frame_, chunk_;
  std::size_t served_ = 0;
};
}  // namespace

TEST_CASE("extxyz reader streams: it reads only a buffer ahead of the frame it returns", "[io][extxyz]") {
  const std::string frame = "3\nenergy=-1.5 config_type=stream\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n";
  EndlessFrames source(frame);
  std::istream in(&source);
  ExtxyzReader r(in, "endless");
  Structure s;
  const std::size_t n = 200000;  // 13 MB of input in total
  std::size_t good = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (r.read(s) && s.size() == 3) ++good;
  CHECK(good == n);
  CHECK(s.frame == n - 1);
  CHECK(s.line == 5 * (n - 1) + 1);
  // Consumed input is what the frames hold plus at most the read-ahead buffer (256 KiB) and one chunk.
  CHECK(source.served() <= n * frame.size() + (std::size_t{1} << 18) + 8192);
  CHECK(source.served() >= n * frame.size());
}
