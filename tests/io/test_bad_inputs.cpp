// Bad-input corpus: every file in tests/fixtures/bad must make the extxyz reader throw InputError naming the file,
// a line and (where meaningful) the field. The table below is the specification; a file in the directory that
// is not in the table, or a table entry without a file, fails the test. See tests/fixtures/bad/README.md.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "mlp/io/extxyz.hpp"
#include "mlp/io/structure_reader.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

namespace {

struct Expected {
  const char* file;
  std::size_t line;     ///< expected 1-based line; 0 = any line (gzip damage: the line where decompression fails)
  const char* field;    ///< expected field
  const char* message;  ///< a substring of the message
};

const std::vector<Expected> kTable = {
      {"empty.xyz", 1, "atom count", "no frames"},
      {"blank_lines_only.xyz", 1, "atom count", "no frames"},
      {"truncated_frame.xyz", 5, "atom 3", "truncated frame"},
      {"missing_comment_line.xyz", 2, "comment line", "comment line is missing"},
      {"wrong_atom_count.xyz", 4, "atom count", "expected an atom count"},
      {"atom_count_too_large.xyz", 5, "species", "unknown element '2'"},
      {"second_frame_truncated.xyz", 8, "atom 2", "truncated frame"},
      {"nonnumeric_position.xyz", 4, "pos[1]", "'zero'"},
      {"fortran_double_position.xyz", 3, "pos[0]", "'1.0D+00'"},
      {"nonnumeric_force.xyz", 3, "forces[2]", "'NA'"},
      {"integer_column_real_value.xyz", 3, "tag", "integer"},
      {"integer_column_overflow.xyz", 3, "tag", "integer"},
      {"logical_column_bad_value.xyz", 3, "fixed", "logical"},
      {"properties_too_many_columns.xyz", 3, "Properties", "Properties needs 7"},
      {"properties_too_few_columns.xyz", 3, "Properties", "has 7 fields"},
      {"properties_bad_type.xyz", 2, "Properties", "unknown type"},
      {"properties_zero_width.xyz", 2, "Properties", "bad width"},
      {"properties_not_triples.xyz", 2, "Properties", "triples"},
      {"properties_no_pos.xyz", 2, "Properties", "no pos column"},
      {"properties_no_species.xyz", 2, "Properties", "no species"},
      {"properties_duplicate_column.xyz", 2, "Properties", "twice"},
      {"properties_pos_width_2.xyz", 2, "Properties", "pos must be R:3"},
      {"unknown_element.xyz", 4, "species", "unknown element 'Xx'"},
      {"numeric_species.xyz", 3, "species", "unknown element '1'"},
      {"z_out_of_range.xyz", 3, "Z", "out of range"},
      {"nan_position.xyz", 4, "pos[0]", "non-finite"},
      {"inf_position.xyz", 3, "pos[2]", "non-finite"},
      {"overflow_position.xyz", 3, "pos[1]", "non-finite"},
      {"inf_cell.xyz", 2, "Lattice", "non-finite"},
      {"nan_cell.xyz", 2, "Lattice", "non-finite"},
      {"lattice_six_numbers.xyz", 2, "Lattice", "expected 9 numbers"},
      {"lattice_not_numeric.xyz", 2, "Lattice", "expected 9 numbers"},
      {"pbc_without_lattice.xyz", 2, "pbc", "no Lattice"},
      {"pbc_bad_value.xyz", 2, "pbc", "expected T or F, got 'X'"},
      {"pbc_two_values.xyz", 2, "pbc", "1 or 3"},
      {"stress_wrong_length.xyz", 2, "stress", "expected 9 numbers"},
      {"virial_not_numeric.xyz", 2, "virial", "expected 9 numbers"},
      {"unterminated_quote.xyz", 2, "config_type", "unterminated quote"},
      {"unterminated_bracket.xyz", 2, "tags", "unterminated quote"},
      {"equals_without_key.xyz", 2, "comment line", "'=' without a key"},
      {"nul_in_comment.xyz", 2, "comment line", "NUL byte"},
      {"huge_atom_count.xyz", 1, "atom count", "larger than the limit"},
      {"enormous_atom_count.xyz", 1, "atom count", "too large"},
      {"large_count_few_lines.xyz", 5, "atom 3", "truncated frame"},
      {"negative_count.xyz", 1, "atom count", "negative atom count"},
      {"noninteger_count.xyz", 1, "atom count", "'2.0'"},
      {"count_with_text.xyz", 1, "atom count", "'2 atoms'"},
      {"text_file.xyz", 1, "atom count", "got 'This is not"},
      {"binary_garbage.xyz", 1, "atom count", "binary data"},
      {"gzip_truncated.xyz.gz", 0, "gzip", "truncated gzip data"},
      {"gzip_corrupt.xyz.gz", 0, "gzip", "corrupt gzip data"},
      {"gzip_trailing_garbage.xyz.gz", 0, "gzip", "after the end of the gzip data"},
      {"gzip_empty_body.xyz.gz", 1, "gzip", "truncated gzip data"},
};

}  // namespace

TEST_CASE("bad-input corpus: the table lists exactly the files in tests/fixtures/bad", "[io][bad]") {
  std::set<std::string> in_dir, in_table;
  for (const auto& entry : std::filesystem::directory_iterator(mlp::test::fixture("bad"))) {
    const std::string name = entry.path().filename().string();
    if (name != "README.md") in_dir.insert(name);
  }
  for (const auto& e : kTable) CHECK(in_table.insert(e.file).second);  // no duplicates
  for (const auto& f : in_dir) {
    INFO("file in tests/fixtures/bad without an entry in kTable: " << f);
    CHECK(in_table.count(f) == 1);
  }
  for (const auto& f : in_table) {
    INFO("kTable entry without a file: " << f);
    CHECK(in_dir.count(f) == 1);
  }
  CHECK(in_dir.size() >= 35);
}

TEST_CASE("bad-input corpus: every file throws InputError naming file, line and field", "[io][bad]") {
  for (const auto& e : kTable) {
    const std::string path = mlp::test::fixture(std::string("bad/") + e.file);
    INFO(e.file);
    bool thrown = false;
    try {
      mlp::ExtxyzReader r(path);
      mlp::Structure s;
      while (r.read(s)) {
      }
    } catch (const mlp::InputError& err) {
      thrown = true;
      const std::string what = err.what();
      INFO(what);
      CHECK(err.source() == path);
      CHECK(err.line() >= 1);
      if (e.line) CHECK(err.line() == e.line);
      CHECK(err.field() == e.field);
      CHECK_THAT(err.message(), Catch::Contains(e.message));
      // what() = "<path>:<line>: <field>: <message>"
      CHECK_THAT(what, Catch::StartsWith(path + ":" + std::to_string(err.line()) + ": " + e.field + ": "));
    }
    CHECK(thrown);
  }
}

TEST_CASE("bad-input corpus: StructureReader reports the same errors for extxyz content", "[io][bad]") {
  // Through format detection: files whose content is recognisably extxyz (or has an .xyz extension) give the
  // same located InputError; none may be accepted.
  for (const auto& e : kTable) {
    const std::string path = mlp::test::fixture(std::string("bad/") + e.file);
    INFO(e.file);
    bool thrown = false;
    try {
      mlp::StructureReader r(path);
      mlp::Structure s;
      while (r.read(s)) {
      }
    } catch (const mlp::InputError& err) {
      thrown = true;
      CHECK(err.source() == path);
      CHECK(err.line() >= 1);
    }
    CHECK(thrown);
  }
}
