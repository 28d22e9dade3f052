#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

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

namespace {
// The InputError a label accessor throws for frame s, as "what()" (empty if it throws nothing).
template <class F>
std::string label_error(F&& read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("labels that are present must be finite numbers of the right shape") {
  Structure s;
  s.resize(2);
  s.numbers = {1, 1};
  s.positions << 0, 0, 0, 0, 0, 0.74;
  s.source = "d.xyz";
  s.line = 11;  // count line; the comment line is 12, atom 1 on 13, atom 2 on 14
  s.frame = 3;
  CHECK_FALSE(reference_energy(s));  // absent labels are simply absent
  CHECK_FALSE(reference_forces(s));
  CHECK_FALSE(reference_stress(s));

  s.info.set("energy", std::string("abc"));  // ASE keeps a word as a string
  CHECK(label_error([&] { reference_energy(s); }) == "d.xyz:12: energy: frame 3: the energy label is not a number");
  s.info.set("energy", std::nan(""));
  CHECK(label_error([&] { reference_energy(s); }) == "d.xyz:12: energy: frame 3: non-finite energy label");
  s.info.set("energy", std::int64_t{-2});
  CHECK(*reference_energy(s) == -2.0);

  AtomArray f;
  f.width = 3;
  f.reals = {0, 0, 1, 0, 0, -std::numeric_limits<double>::infinity()};
  s.arrays.set("forces", f);
  CHECK(label_error([&] { reference_forces(s); }) ==
        "d.xyz:14: forces[2]: frame 3, atom 2: non-finite force label");
  f.reals.back() = -1;
  s.arrays.set("forces", f);
  CHECK((*reference_forces(s))(1, 2) == -1.0);
  f.width = 1;
  f.reals = {1, 2};
  s.arrays.set("forces", f);
  CHECK(label_error([&] { reference_forces(s); }).find("d.xyz:12: forces: frame 3: the force label must be") == 0);

  s.info.set("stress", std::vector<double>{1, 2, 3, 4, 5});
  CHECK(label_error([&] { reference_stress(s); }).find("d.xyz:12: stress: frame 3: the label must be 9") == 0);
  s.info.set("stress", std::vector<double>{1, 2, 3, 4, 5, std::nan("")});
  CHECK(label_error([&] { reference_stress(s); }) == "d.xyz:12: stress: frame 3: non-finite label");
  s.info.erase("stress");
  s.info.set("virial", std::string("none"));
  CHECK(label_error([&] { reference_stress(s); }).find("d.xyz:12: virial:") == 0);
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
