// StructureReader: format detection and gemmi import of CIF (P1 expansion), PDB and mmCIF.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <Eigen/LU>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "mlp/io/structure_reader.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

std::vector<Structure> read_all(StructureReader& r) {
  std::vector<Structure> out;
  Structure s;
  while (r.read(s)) out.push_back(s);
  return out;
}

/// A temporary file with the given content, removed at scope exit.
struct TempFile {
  std::string path;
  TempFile(const std::string& name, const std::string& content)
      : path((std::filesystem::temp_directory_path() / ("mlp_io_" + std::to_string(::getpid()) + "_" + name)).string()) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

/// Fractional coordinates of every atom, wrapped to [0, 1) and rounded to 1e-5, with the atomic number.
std::set<std::array<long, 4>> fractional_sites(const Structure& s) {
  const Mat3 inv = s.cell.inverse();
  std::set<std::array<long, 4>> out;
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
    const Eigen::RowVector3d f = s.positions.row(i) * inv;
    std::array<long, 4> key{s.numbers[static_cast<std::size_t>(i)], 0, 0, 0};
    for (int k = 0; k < 3; ++k) {
      double x = f(k) - std::floor(f(k) + 1e-9);
      key[k + 1] = std::lround(x * 1e5) % 100000;
    }
    out.insert(key);
  }
  return out;
}

}  // namespace

TEST_CASE("CIF import expands NaCl (Fm-3m) to the 8 atoms of the conventional cell", "[io][gemmi]") {
  StructureReader r(test::fixture("io/nacl.cif"));
  CHECK(r.format() == "cif");
  const auto frames = read_all(r);
  REQUIRE(frames.size() == 1);
  const Structure& s = frames[0];
  REQUIRE(s.size() == 8);
  CHECK(s.pbc == std::array<bool, 3>{true, true, true});
  CHECK(s.cell.isApprox(Mat3::Identity() * 5.64, 1e-12));
  CHECK(std::abs(s.volume() - 5.64 * 5.64 * 5.64) < 1e-9);
  const std::set<std::array<long, 4>> want = {
      {11, 0, 0, 0},           {11, 0, 50000, 50000}, {11, 50000, 0, 50000}, {11, 50000, 50000, 0},
      {17, 50000, 50000, 50000}, {17, 50000, 0, 0},   {17, 0, 50000, 0},      {17, 0, 0, 50000}};
  CHECK(fractional_sites(s) == want);
  CHECK(s.info.string("name") == std::optional<std::string>("nacl"));
  CHECK(s.info.string("spacegroup") == std::optional<std::string>("F m -3 m"));
  CHECK(s.source == test::fixture("io/nacl.cif"));
}

TEST_CASE("CIF import of hcp Mg gives 2 atoms in a hexagonal cell", "[io][gemmi]") {
  StructureReader r(test::fixture("io/mg_hcp.cif"));
  const auto frames = read_all(r);
  REQUIRE(frames.size() == 1);
  const Structure& s = frames[0];
  REQUIRE(s.size() == 2);
  CHECK(s.numbers == std::vector<int>{12, 12});
  const Vec3 a = s.cell.row(0), b = s.cell.row(1), c = s.cell.row(2);
  CHECK(a.norm() == Approx(3.21).epsilon(1e-12));
  CHECK(b.norm() == Approx(3.21).epsilon(1e-12));
  CHECK(c.norm() == Approx(5.21).epsilon(1e-12));
  CHECK(a.dot(b) / (a.norm() * b.norm()) == Approx(-0.5).epsilon(1e-12));  // gamma = 120°
  CHECK(std::abs(a.dot(c)) < 1e-12);
  CHECK(s.volume() == Approx(3.21 * 3.21 * 5.21 * std::sqrt(3.0) / 2).epsilon(1e-12));
  // The two hcp atoms are 2c (1/3, 2/3, 1/4) and (2/3, 1/3, 3/4) (the file gives 6 decimals).
  const std::set<std::array<long, 4>> want = {{12, 33333, 66667, 25000}, {12, 66667, 33333, 75000}};
  CHECK(fractional_sites(s) == want);
}

TEST_CASE("gzipped CIF is decompressed and detected from content", "[io][gemmi]") {
  StructureReader r(test::fixture("io/nacl_gzipped.cif.gz"));
  CHECK(r.format() == "cif");
  const auto frames = read_all(r);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].size() == 8);
}

TEST_CASE("PDB import: one frame per model, CRYST1 cell, first alternative conformation only", "[io][gemmi]") {
  StructureReader r(test::fixture("io/water2.pdb"));
  CHECK(r.format() == "pdb");
  const auto frames = read_all(r);
  REQUIRE(frames.size() == 2);
  CHECK(r.frames_read() == 2);
  for (const auto& s : frames) {
    REQUIRE(s.size() == 6);  // 7 atom records, one is the B conformer
    CHECK(s.numbers == std::vector<int>{8, 1, 1, 8, 1, 1});
    CHECK(s.pbc == std::array<bool, 3>{true, true, true});
    CHECK(s.cell.isApprox(Eigen::Vector3d(20, 21, 22).asDiagonal().toDenseMatrix(), 1e-12));
  }
  CHECK(frames[0].positions(0, 0) == 1.0);
  CHECK(frames[0].positions(0, 1) == 2.0);
  CHECK(frames[0].positions(0, 2) == 3.0);
  CHECK(frames[0].positions(2, 1) == 2.927);
  CHECK(frames[0].positions(3, 0) == 5.0);  // conformer A (5.0), not B (5.3)
  CHECK(frames[1].positions(0, 0) == 1.1);
  CHECK(frames[1].positions(3, 0) == 5.1);
  CHECK(frames[0].info.real("model") == 1.0);
  CHECK(frames[1].info.real("model") == 2.0);
  CHECK(frames[1].frame == 1);
}

TEST_CASE("PDB without CRYST1 is non-periodic with a zero cell", "[io][gemmi]") {
  StructureReader r(test::fixture("io/no_cryst1.pdb"));
  CHECK(r.format() == "pdb");
  const auto frames = read_all(r);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].numbers == std::vector<int>{6, 8, 8});
  CHECK(frames[0].cell.isZero(0.0));
  CHECK(frames[0].pbc == std::array<bool, 3>{false, false, false});
  CHECK(frames[0].positions(2, 0) == -1.16);
}

TEST_CASE("mmCIF import reads atoms, positions and cell (content beats the .cif extension)", "[io][gemmi]") {
  StructureReader r(test::fixture("io/ammonia.cif"));
  CHECK(r.format() == "mmcif");
  const auto frames = read_all(r);
  REQUIRE(frames.size() == 1);
  const Structure& s = frames[0];
  CHECK(s.numbers == std::vector<int>{7, 1, 1, 1});
  CHECK(s.positions(0, 0) == 2.0);
  CHECK(s.positions(1, 0) == 3.01);
  CHECK(s.positions(3, 2) == 4.82);
  CHECK(s.cell.isApprox(Eigen::Vector3d(10, 11, 12).asDiagonal().toDenseMatrix(), 1e-12));
  CHECK(s.pbc == std::array<bool, 3>{true, true, true});
}

TEST_CASE("StructureReader streams extxyz and reports its format", "[io][gemmi]") {
  StructureReader r(test::fixture("io/gzipped.xyz.gz"));
  CHECK(r.format() == "extxyz");
  CHECK(read_all(r).size() == 3);
  StructureReader p(test::fixture("io/plain_comment.xyz"), "pdb");  // content wins over the format hint
  CHECK(p.format() == "extxyz");
}

TEST_CASE("structure format detection: content, then hint, then extension", "[io][gemmi]") {
  CHECK(detect_structure_format("  \n12\ncomment\n", "a.pdb") == "extxyz");
  CHECK(detect_structure_format("data_x\n_cell_length_a 3\n", "a.txt") == "cif");
  CHECK(detect_structure_format("data_x\nloop_\n_atom_site.id\n", "a.cif") == "mmcif");
  CHECK(detect_structure_format("CRYST1   10.000\nATOM      1  N\n", "a.txt") == "pdb");
  CHECK(detect_structure_format("hello\n", "a.txt", "pdb") == "pdb");
  CHECK(detect_structure_format("hello\n", "a.xyz.gz") == "extxyz");
  CHECK(detect_structure_format("hello\n", "a.ent") == "pdb");
  CHECK(detect_structure_format("hello\n", "a.mmcif") == "mmcif");
  CHECK(detect_structure_format("hello\n", "a.txt").empty());
  CHECK_THROWS_AS(detect_structure_format("", "a.xyz", "poscar"), InputError);
}

TEST_CASE("StructureReader errors carry source and field", "[io][gemmi]") {
  {
    TempFile f("unknown.dat", "hello world\n");
    try {
      StructureReader r(f.path);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.source() == f.path);
      CHECK(e.field() == "format");
      CHECK(e.line() == 1);
    }
  }
  {
    TempFile f("xx.cif",
               "data_bad\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
               "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\nloop_\n"
               "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
               "Q1 Qq 0 0 0\n");
    try {
      StructureReader r(f.path);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.source() == f.path);
      CHECK(e.field() == "type_symbol");
      CHECK_THAT(e.message(), Catch::Contains("Q1"));
    }
  }
  {
    TempFile f("noatoms.cif", "data_empty\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n");
    CHECK_THROWS_AS(StructureReader(f.path), InputError);
  }
  {
    TempFile f("broken.cif", "data_x\n_cell_length_a 4\nloop_\n_atom_site_label\n'unterminated\n");
    try {
      StructureReader r(f.path, "cif");
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.source() == f.path);
      CHECK(e.field() == "cif");
      CHECK(e.line() == 5);  // taken from gemmi's "file:line:column:" message
      CHECK_THAT(e.message(), Catch::Contains("unterminated"));
    }
  }
}

TEST_CASE("CIF without a space-group symbol is expanded with its listed symmetry operations", "[io][gemmi]") {
  StructureReader r(test::fixture("io/p1bar_symops.cif"));
  const auto frames = read_all(r);
  REQUIRE(frames.size() == 1);
  const Structure& s = frames[0];
  REQUIRE(s.size() == 3);  // C at +-(0.1, 0.2, 0.3), O alone on the inversion centre
  CHECK(s.cell.row(0).norm() == Approx(4.0).epsilon(1e-12));
  CHECK(s.cell.row(2).norm() == Approx(6.0).epsilon(1e-12));
  const std::set<std::array<long, 4>> want = {{6, 10000, 20000, 30000}, {6, 90000, 80000, 70000}, {8, 50000, 0, 0}};
  CHECK(fractional_sites(s) == want);
  // Positions are inside the cell: fractional coordinates in [0, 1).
  const Mat3 inv = s.cell.inverse();
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
    const Eigen::RowVector3d f = s.positions.row(i) * inv;
    CHECK(f.minCoeff() > -1e-12);
    CHECK(f.maxCoeff() < 1.0);
  }
}
