#include <catch2/catch.hpp>

#include "mlp/core/elements.hpp"
#include "mlp/core/structure.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

TEST_CASE("element symbols are exact and round-trip") {
  CHECK(atomic_number("Si") == 14);
  CHECK(atomic_number("H") == 1);
  CHECK(atomic_number("Og") == 118);
  CHECK(atomic_number("SI") == 0);
  CHECK(atomic_number("si") == 0);
  CHECK(atomic_number("D") == 0);
  CHECK(atomic_number("Xx") == 0);
  CHECK(atomic_number("") == 0);
  for (int z = 1; z <= kMaxAtomicNumber; ++z) CHECK(atomic_number(element_symbol(z)) == z);
  CHECK(atomic_mass(14) == Approx(28.0855).epsilon(1e-4));
  CHECK(covalent_radius(6) == Approx(0.76).epsilon(0.05));
  CHECK_THROWS_AS(element_symbol(0), InputError);
}

TEST_CASE("reference stress from stress or virial") {
  Structure s;
  s.cell = Mat3::Identity() * 2.0;
  s.pbc = {true, true, true};
  s.info.set("virial", std::vector<double>{8, 0, 0, 0, 8, 0, 0, 0, 8});
  auto st = reference_stress(s);
  REQUIRE(st);
  CHECK((*st)(0, 0) == Approx(-1.0));
  s.info.set("stress", std::vector<double>{1, 2, 3, 4, 5, 6});  // Voigt xx yy zz yz xz xy
  st = reference_stress(s);
  REQUIRE(st);
  CHECK((*st)(1, 2) == 4.0);
  CHECK((*st)(0, 1) == 6.0);
  CHECK((*st)(0, 2) == 5.0);
}

TEST_CASE("geometry validation names the problem") {
  Structure s;
  s.resize(2);
  s.numbers = {1, 1};
  s.positions << 0, 0, 0, 1, 0, std::nan("");
  s.source = "x.xyz";
  s.line = 7;
  try {
    validate_geometry(s);
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("x.xyz:7") == 0);
    CHECK(std::string(e.what()).find("atom 1") != std::string::npos);
  }
  s.positions(1, 2) = 0.5;
  s.pbc = {true, true, true};
  CHECK_THROWS_AS(validate_geometry(s), InputError);  // periodic with zero cell
  s.cell = Mat3::Identity();
  s.cell.row(2) = s.cell.row(0) + s.cell.row(1);
  CHECK_THROWS_AS(validate_geometry(s), InputError);  // dependent vectors
  s.cell = Mat3::Identity();
  CHECK_NOTHROW(validate_geometry(s));
  s.pbc = {true, true, false};
  s.cell.row(2).setZero();  // a slab without a third vector is fine
  CHECK_NOTHROW(validate_geometry(s));
}
