// Neighbour list tests: exact agreement with a brute-force search over all periodic images, the Verlet skin
// logic, independence from the unused cell vectors, error handling, and exact agreement with ASE.
#include <catch2/catch.hpp>

#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "mlp/geom/neighbor_list.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

using Key = std::tuple<int, int, int, int, int>;  // i, j, shift

struct Pair {
  Vec3 vector;
  double distance;
};

// Pairs of a list keyed by (i, j, shift); REQUIREs that no key appears twice.
std::map<Key, Pair> pairs_of(const NeighborList& nl, double max_distance = INFINITY) {
  std::map<Key, Pair> out;
  for (std::size_t i = 0; i < nl.atoms(); ++i)
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      if (nl.distance(k) >= max_distance) continue;
      const auto& s = nl.shift(k);
      const Key key{static_cast<int>(i), nl.neighbor(k), s[0], s[1], s[2]};
      REQUIRE(out.count(key) == 0);
      out[key] = {nl.vector(k), nl.distance(k)};
    }
  return out;
}

bool half_keeps(int i, int j, int s0, int s1, int s2) {
  if (i != j) return i < j;
  const int first = s0 != 0 ? s0 : (s1 != 0 ? s1 : s2);
  return first > 0;
}

// Independent reference: every (i, j) and every image shift that can possibly be within rc, found from the
// fractional separation of the pair (so it also works for atoms outside the cell), tested one by one.
// Needs a non-singular cell.
std::map<Key, Pair> brute_force(const Structure& s, double rc, bool full) {
  const Mat3 inv = s.cell.inverse();
  double height[3];
  for (int k = 0; k < 3; ++k) height[k] = 1.0 / inv.col(k).norm();
  std::map<Key, Pair> out;
  const int n = static_cast<int>(s.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const Vec3 df = inv.transpose() * (s.positions.row(j) - s.positions.row(i)).transpose();
      int lo[3], hi[3];
      for (int k = 0; k < 3; ++k) {
        lo[k] = hi[k] = 0;
        if (s.pbc[k]) {
          lo[k] = static_cast<int>(std::floor(-df[k] - rc / height[k])) - 1;
          hi[k] = static_cast<int>(std::ceil(-df[k] + rc / height[k])) + 1;
        }
      }
      for (int a = lo[0]; a <= hi[0]; ++a)
        for (int b = lo[1]; b <= hi[1]; ++b)
          for (int c = lo[2]; c <= hi[2]; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            if (!full && !half_keeps(i, j, a, b, c)) continue;
            const Vec3 v = s.positions.row(j).transpose() +
                           (a * s.cell.row(0).transpose() + b * s.cell.row(1).transpose() +
                            c * s.cell.row(2).transpose()) -
                           s.positions.row(i).transpose();
            if (v.norm() < rc) out[Key{i, j, a, b, c}] = {v, v.norm()};
          }
    }
  return out;
}

std::string describe(const Key& k) {
  std::ostringstream o;
  o << "(i=" << std::get<0>(k) << " j=" << std::get<1>(k) << " S=" << std::get<2>(k) << "," << std::get<3>(k) << ","
    << std::get<4>(k) << ")";
  return o.str();
}

// Exact set equality of keys, vectors and distances to `tolerance` (Å).
void require_same(const std::map<Key, Pair>& got, const std::map<Key, Pair>& want, double tolerance = 1e-12) {
  for (const auto& [key, p] : want)
    if (!got.count(key)) FAIL("missing pair " << describe(key) << " d=" << p.distance);
  for (const auto& [key, p] : got)
    if (!want.count(key)) FAIL("extra pair " << describe(key) << " d=" << p.distance);
  REQUIRE(got.size() == want.size());
  for (const auto& [key, p] : want) {
    const Pair& q = got.at(key);
    REQUIRE((q.vector - p.vector).cwiseAbs().maxCoeff() < tolerance);
    REQUIRE(std::abs(q.distance - p.distance) < tolerance);
  }
}

const std::array<bool, 3> kAllPbc[8] = {{false, false, false}, {true, false, false}, {false, true, false},
                                         {false, false, true},  {true, true, false},  {true, false, true},
                                         {false, true, true},   {true, true, true}};

// Moves every atom by a random lattice translation along its periodic directions: the list must follow the
// original positions (shifts change, vectors do not).
void scatter_images(std::mt19937_64& rng, Structure& s) {
  std::uniform_int_distribution<int> jump(-3, 3);
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i)
    for (int k = 0; k < 3; ++k)
      if (s.pbc[k]) s.positions.row(i) += jump(rng) * s.cell.row(k);
}

// A cell with one very short and strongly tilted vector: plane distances much smaller than vector lengths.
Mat3 skewed_cell(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Mat3 cell;
  cell.row(0) << 6.0 + u(rng), 0.3 * u(rng), 0.2 * u(rng);
  cell.row(1) << 5.5 * (1 + 0.1 * u(rng)), 1.2 + 0.2 * u(rng), 0.1 * u(rng);  // ~78° off b-perpendicular
  cell.row(2) << 4.0 * u(rng), -5.0 + 0.5 * u(rng), 0.9 + 0.1 * u(rng);
  return cell;
}

}  // namespace

TEST_CASE("neighbour list equals brute force on random triclinic cells, all pbc, full and half") {
  std::mt19937_64 rng(20261128);
  std::uniform_real_distribution<double> cut(2.0, 6.0);
  int checked = 0;
  for (int trial = 0; trial < 48; ++trial) {
    const auto& pbc = kAllPbc[trial % 8];
    const Mat3 cell = (trial / 8) % 3 == 2 ? skewed_cell(rng) : test::random_cell(rng, 3.0, 9.0);
    Structure s = test::random_structure(rng, 6 + static_cast<std::size_t>(trial % 13), {14, 8}, cell, pbc, 0.7);
    if (trial % 2) scatter_images(rng, s);
    const double rc = cut(rng);
    for (bool full : {true, false}) {
      CAPTURE(trial, pbc[0], pbc[1], pbc[2], full, rc);
      NeighborList nl(s, {rc, 0.0, full});
      REQUIRE(nl.atoms() == s.size());
      require_same(pairs_of(nl), brute_force(s, rc, full));
      ++checked;
    }
  }
  CHECK(checked == 96);
}

TEST_CASE("cutoff much larger than the cell: many images of the same atom") {
  SECTION("one atom in a 1 Å cube, rc = 5 Å") {
    Structure s;
    s.resize(1);
    s.numbers = {14};
    s.positions << 0.3, 0.4, 0.5;
    s.cell = Mat3::Identity();
    s.pbc = {true, true, true};
    NeighborList nl(s, {5.0, 0.0, true});
    // Every lattice point with 0 < |S| < 5 is a neighbour, at distance |S|.
    std::size_t expected = 0;
    for (int a = -5; a <= 5; ++a)
      for (int b = -5; b <= 5; ++b)
        for (int c = -5; c <= 5; ++c) {
          const int n2 = a * a + b * b + c * c;
          if (n2 > 0 && n2 < 25) ++expected;
        }
    REQUIRE(nl.pairs() == expected);
    for (std::size_t k = 0; k < nl.pairs(); ++k) {
      const auto& S = nl.shift(k);
      CHECK(nl.neighbor(k) == 0);
      CHECK(nl.distance(k) == Approx(std::sqrt(double(S[0] * S[0] + S[1] * S[1] + S[2] * S[2]))).epsilon(1e-14));
    }
    NeighborList half(s, {5.0, 0.0, false});
    CHECK(half.pairs() * 2 == expected);
    require_same(pairs_of(half), brute_force(s, 5.0, false));
  }
  SECTION("random tiny triclinic cells, every pbc combination") {
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 24; ++trial) {
      const auto& pbc = kAllPbc[trial % 8];
      // Skewed and tiny: plane distances of 0.05-0.3 Å, so tens of images each way. Cells so flat that the
      // brute force would have to try more than 3·10^6 shifts per pair are drawn again (the list itself copes,
      // see the extremely skewed test, but the reference would take minutes under the sanitizers).
      const bool skewed = trial % 3 == 0;
      const double rc = skewed ? 3.0 : 4.5;
      Mat3 cell;
      for (;;) {
        cell = skewed ? Mat3(skewed_cell(rng) * 0.5) : test::random_cell(rng, 0.8, 2.0);
        const Mat3 inv = cell.inverse();
        double shifts = 1;
        for (int k = 0; k < 3; ++k) shifts *= 2 * rc * inv.col(k).norm() + 3;
        if (shifts < 3e6) break;
      }
      Structure s = test::random_structure(rng, 1 + static_cast<std::size_t>(trial % 3), {1}, cell, pbc, 0.05);
      if (trial % 2) scatter_images(rng, s);
      for (bool full : {true, false}) {
        CAPTURE(trial, full);
        NeighborList nl(s, {rc, 0.0, full});
        require_same(pairs_of(nl), brute_force(s, rc, full));
      }
    }
  }
}

TEST_CASE("a lattice written with extremely skewed vectors gives the same list as a reduced one") {
  // skewed rows = U · nice rows with an integer U of determinant 1 and large entries: the same lattice, but
  // with plane distances of ~0.01 Å. Unreduced, the stencil would need ~10^8 image bins (the list refuses
  // that); reduced internally, the list must be that of the nice cell with shifts S_nice = S_skewed · U.
  std::mt19937_64 rng(17);
  Eigen::Matrix3i u;
  u << 1, 0, 0, 37, 1, 0, 41, 29, 1;  // lower triangular with unit diagonal: det 1
  Eigen::Matrix3i v;
  v << 1, 23, 31, 0, 1, 19, 0, 0, 1;
  const Eigen::Matrix3i unimodular = u * v;
  const std::array<bool, 3> cases[3] = {{true, true, true}, {true, true, false}, {true, false, true}};
  for (const auto& pbc : cases) {
    const Mat3 nice = test::random_cell(rng, 4.0, 6.0);
    Structure s = test::random_structure(rng, 12, {14}, nice, pbc, 1.0);
    // Only the periodic rows may be mixed: restrict U to them.
    Eigen::Matrix3i m = Eigen::Matrix3i::Identity();
    if (pbc[2]) m = unimodular;
    else m.topLeftCorner<2, 2>() << 1, 23, 37, 852;  // det 852 - 851 = 1
    if (!pbc[1]) {
      m = Eigen::Matrix3i::Identity();
      m(0, 0) = 1, m(0, 2) = 29, m(2, 0) = 31, m(2, 2) = 900;  // det 900 - 899 = 1
    }
    REQUIRE(std::abs(m.cast<double>().determinant()) == Approx(1.0));
    Structure skewed = s;
    skewed.cell = m.cast<double>() * nice;
    CAPTURE(pbc[0], pbc[1], pbc[2]);
    for (bool full : {true, false}) {
      const auto want = pairs_of(NeighborList(s, {5.0, 0.0, full}));
      const NeighborList got(skewed, {5.0, 0.0, full});
      std::map<Key, Pair> mapped;
      for (std::size_t i = 0; i < got.atoms(); ++i)
        for (std::size_t k = got.begin(i); k < got.end(i); ++k) {
          const auto& sh = got.shift(k);
          const Eigen::RowVector3i nice_shift = Eigen::RowVector3i(sh[0], sh[1], sh[2]) * m;
          mapped[Key{static_cast<int>(i), got.neighbor(k), nice_shift[0], nice_shift[1], nice_shift[2]}] = {
              got.vector(k), got.distance(k)};
        }
      REQUIRE(mapped.size() == got.pairs());
      if (full) {
        // shift·cell adds and cancels lattice vectors of ~10^4 Å here, so round-off is ~1e-10 Å, not 1e-15.
        require_same(mapped, want, 1e-8);
      } else {
        // The half rule is stated in the skewed shifts, so the kept member of a mirrored pair may differ.
        REQUIRE(mapped.size() == want.size());
        for (const auto& [key, p] : mapped) {
          const auto [i, j, a, b, c] = key;
          const Key mirrored{j, i, -a, -b, -c};
          REQUIRE(want.count(key) + want.count(mirrored) == 1);
        }
      }
    }
  }
}

TEST_CASE("half list holds each full-list pair exactly once") {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 8; ++trial) {
    Structure s = test::random_structure(rng, 20, {6}, test::random_cell(rng, 2.0, 7.0), kAllPbc[trial], 0.8);
    const auto full = pairs_of(NeighborList(s, {4.0, 0.0, true}));
    const auto half = pairs_of(NeighborList(s, {4.0, 0.0, false}));
    REQUIRE(full.size() == 2 * half.size());
    for (const auto& [key, p] : full) {
      const auto [i, j, a, b, c] = key;
      const Key mirrored{j, i, -a, -b, -c};
      // Exactly one of the pair and its mirror is in the half list, with the right vector.
      REQUIRE(half.count(key) + half.count(mirrored) == 1);
      if (half.count(key)) CHECK((half.at(key).vector - p.vector).norm() < 1e-12);
      else CHECK((half.at(mirrored).vector + p.vector).norm() < 1e-12);
    }
  }
}

TEST_CASE("non-periodic directions ignore their cell vector, which may be zero") {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 7; ++trial) {  // every pbc combination but all-periodic
    const auto& pbc = kAllPbc[trial];
    Structure s = test::random_structure(rng, 30, {8}, test::random_cell(rng, 4.0, 8.0), pbc, 0.9);
    const auto reference = pairs_of(NeighborList(s, {3.5, 0.0, true}));
    Structure zeroed = s;
    for (int k = 0; k < 3; ++k)
      if (!pbc[k]) zeroed.cell.row(k).setZero();
    CAPTURE(trial);
    require_same(pairs_of(NeighborList(zeroed, {3.5, 0.0, true})), reference);
    // Atoms spread over a large region with no cell at all: the bounding box, not the cell, sets the bins.
    if (trial == 0) {
      Structure spread = s;
      spread.positions *= 40.0;
      spread.cell.setZero();
      const NeighborList nl(spread, {30.0, 0.0, true});
      Structure with_cell = spread;
      with_cell.cell = Mat3::Identity();
      require_same(pairs_of(nl), brute_force(with_cell, 30.0, true));
    }
  }
}

TEST_CASE("a large structure is binned into many cells and still exact") {
  // Enough atoms that every direction has several bins, so the stencil wrap-around and bin edges are exercised
  // (small structures above mostly have one bin per direction).
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 4; ++trial) {
    const auto& pbc = kAllPbc[trial * 2 + 1];
    Mat3 cell = test::random_cell(rng, 14.0, 18.0);
    Structure s = test::random_structure(rng, 300, {14}, cell, pbc, 1.2);
    if (trial % 2) scatter_images(rng, s);
    CAPTURE(trial);
    require_same(pairs_of(NeighborList(s, {3.2, 0.0, true})), brute_force(s, 3.2, true));
    require_same(pairs_of(NeighborList(s, {3.2, 0.0, false})), brute_force(s, 3.2, false));
  }
}

TEST_CASE("the same input gives the same list in the same order") {
  std::mt19937_64 rng(5);
  Structure s = test::random_structure(rng, 80, {14}, test::random_cell(rng, 8.0, 10.0), {true, true, true}, 1.0);
  const NeighborList a(s, {4.0, 0.5, true}), b(s, {4.0, 0.5, true});
  REQUIRE(a.pairs() == b.pairs());
  REQUIRE(a.pairs() > 0);
  for (std::size_t i = 0; i < a.atoms(); ++i) REQUIRE(a.begin(i) == b.begin(i));
  for (std::size_t k = 0; k < a.pairs(); ++k) {
    REQUIRE(a.neighbor(k) == b.neighbor(k));
    REQUIRE(a.shift(k) == b.shift(k));
    REQUIRE(a.vector(k) == b.vector(k));
  }
  // update() with unchanged positions recomputes every vector by the same formula as build(): bit-identical.
  NeighborList c = a;
  REQUIRE(c.update(s));
  for (std::size_t k = 0; k < a.pairs(); ++k) {
    REQUIRE(c.vector(k) == a.vector(k));
    REQUIRE(c.distance(k) == a.distance(k));
  }
}

TEST_CASE("a build with centre flags equals the full list restricted to those centres") {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 6; ++trial) {
    const std::array<bool, 3> pbc = trial % 2 ? std::array<bool, 3>{true, true, true}
                                              : std::array<bool, 3>{false, false, false};
    Structure s = test::random_structure(rng, 70, {14, 8}, test::random_cell(rng, 6.0, 9.0), pbc, 0.9);
    std::vector<std::uint8_t> centres(s.size());
    for (auto& c : centres) c = static_cast<std::uint8_t>(rng() % 3 != 0);
    const NeighborList full(s, {3.5, 0.3, true});
    NeighborList restricted;
    restricted.build(s, {3.5, 0.3, true}, &centres);
    const NeighborList copy = full.restricted_to(centres);
    CHECK(restricted.centres() == centres);
    CHECK(copy.centres() == centres);
    CHECK(full.centres().empty());
    REQUIRE(restricted.pairs() == copy.pairs());
    REQUIRE(restricted.pairs() < full.pairs());
    for (std::size_t i = 0; i < s.size(); ++i) {
      REQUIRE(restricted.begin(i) == copy.begin(i));
      if (!centres[i]) REQUIRE(restricted.begin(i) == restricted.end(i));
    }
    for (std::size_t k = 0; k < restricted.pairs(); ++k) {
      REQUIRE(restricted.neighbor(k) == copy.neighbor(k));
      REQUIRE(restricted.shift(k) == copy.shift(k));
      REQUIRE(restricted.vector(k) == copy.vector(k));
    }
    // update() keeps the restriction.
    REQUIRE(restricted.update(s));
    CHECK(restricted.centres() == centres);
    CHECK(restricted.pairs() == copy.pairs());
  }
  Structure s = test::random_structure(rng, 5, {14}, test::random_cell(rng, 6.0, 9.0), {true, true, true}, 0.9);
  std::vector<std::uint8_t> wrong(4, 1);
  NeighborList nl;
  CHECK_THROWS_AS(nl.build(s, {3.0, 0.0, true}, &wrong), InputError);
}

TEST_CASE("skin: update follows small moves and refuses a move beyond skin/2") {
  std::mt19937_64 rng(42);
  const double cutoff = 3.0, skin = 0.6;
  for (int trial = 0; trial < 6; ++trial) {
    const auto& pbc = kAllPbc[7 - trial];
    Structure s = test::random_structure(rng, 60, {14}, test::random_cell(rng, 6.0, 9.0), pbc, 1.0);
    NeighborList nl(s, {cutoff, skin, true});
    REQUIRE(nl.builds() == 1);
    const auto built = pairs_of(nl);
    // Every atom moves by just under skin/2 in a random direction.
    std::normal_distribution<double> g;
    Structure moved = s;
    for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
      const Vec3 dir = Vec3(g(rng), g(rng), g(rng)).normalized();
      moved.positions.row(i) += 0.499 * skin * dir.transpose();
    }
    CAPTURE(trial);
    REQUIRE(nl.update(moved));
    CHECK(nl.builds() == 1);
    CHECK(pairs_of(nl).size() == built.size());  // same pairs, new vectors
    // Within the cutoff, the updated list is exactly a fresh list of the moved structure.
    require_same(pairs_of(nl, cutoff), pairs_of(NeighborList(moved, {cutoff, 0.0, true})));
    // Half lists too.
    NeighborList half(s, {cutoff, skin, false});
    REQUIRE(half.update(moved));
    require_same(pairs_of(half, cutoff), pairs_of(NeighborList(moved, {cutoff, 0.0, false})));

    // One atom beyond skin/2 from where it was at the build: update must refuse and leave the list alone.
    Structure far = moved;
    far.positions(trial, 0) = s.positions(trial, 0) + 0.501 * skin;
    far.positions(trial, 1) = s.positions(trial, 1);
    far.positions(trial, 2) = s.positions(trial, 2);
    const auto before = pairs_of(nl);
    CHECK_FALSE(nl.update(far));
    require_same(pairs_of(nl), before);
    CHECK(nl.refresh(far));  // rebuilt
    CHECK(nl.builds() == 2);
    require_same(pairs_of(nl, cutoff), pairs_of(NeighborList(far, {cutoff, 0.0, true})));
    CHECK_FALSE(nl.refresh(far));  // nothing moved since: no rebuild
    CHECK(nl.builds() == 2);
  }
}

TEST_CASE("update refuses a changed cell, pbc or atom count, and an unbuilt list") {
  std::mt19937_64 rng(8);
  Structure s = test::random_structure(rng, 10, {14}, test::random_cell(rng, 5.0, 6.0), {true, true, true}, 1.0);
  NeighborList empty;
  CHECK_FALSE(empty.update(s));
  CHECK(empty.refresh(s));
  CHECK(empty.builds() == 1);
  CHECK(empty.atoms() == 10);

  NeighborList nl(s, {3.0, 1.0, true});
  CHECK(nl.update(s));
  Structure t = s;
  t.cell(0, 0) *= 1.0001;
  CHECK_FALSE(nl.update(t));
  t = s;
  t.pbc[2] = false;
  CHECK_FALSE(nl.update(t));
  t = s;
  t.resize(9);
  CHECK_FALSE(nl.update(t));
  t = s;
  t.positions(3, 1) = std::nan("");
  CHECK_FALSE(nl.update(t));
  CHECK_THROWS_AS(nl.refresh(t), InputError);
}

TEST_CASE("bad geometry and options are rejected") {
  Structure s;
  s.resize(2);
  s.numbers = {1, 1};
  s.positions << 0, 0, 0, 1, 0, 0;
  s.pbc = {true, false, false};
  CHECK_THROWS_AS(NeighborList(s, {}), InputError);  // periodic along a zero vector
  s.cell = Mat3::Identity() * 3.0;
  s.pbc = {true, true, true};
  s.cell.row(2) = s.cell.row(0);
  CHECK_THROWS_AS(NeighborList(s, {}), InputError);  // dependent lattice vectors
  s.cell = Mat3::Identity() * 3.0;
  CHECK_NOTHROW(NeighborList(s, {}));
  CHECK_THROWS_AS(NeighborList(s, {-1.0, 0.0, true}), InputError);
  CHECK_THROWS_AS(NeighborList(s, {2.0, -0.1, true}), InputError);
  CHECK_THROWS_AS(NeighborList(s, {std::nan(""), 0.0, true}), InputError);
  // Nearly flat periodic cells pass validate_geometry but would need ~10^8 image bins: a clear error instead.
  s.cell(2, 2) = 1e-5;
  CHECK_THROWS_AS(NeighborList(s, {5.0, 0.0, true}), InputError);
  s.cell(2, 2) = 1e-7;
  CHECK_THROWS_AS(NeighborList(s, {5.0, 0.0, true}), InputError);
  s.cell(2, 2) = 3.0;
  Structure mismatched = s;
  mismatched.numbers.push_back(1);  // 3 numbers, 2 positions
  CHECK_THROWS_AS(NeighborList(mismatched, {}), InputError);
  s.positions(1, 0) = INFINITY;
  CHECK_THROWS_AS(NeighborList(s, {}), InputError);
}

TEST_CASE("empty structures and zero cutoff give empty lists") {
  Structure s;
  NeighborList nl(s, {5.0, 0.0, true});
  CHECK(nl.atoms() == 0);
  CHECK(nl.pairs() == 0);
  s.resize(3);
  s.numbers = {1, 1, 1};
  s.positions << 0, 0, 0, 0.5, 0, 0, 0, 0.5, 0;
  nl.build(s, {0.0, 0.0, true});
  CHECK(nl.atoms() == 3);
  CHECK(nl.pairs() == 0);
  nl.build(s, {0.6, 0.0, true});
  CHECK(nl.pairs() == 4);  // 0-1, 0-2 both ways; 1-2 is 0.707 apart
}

namespace {

struct AseCase {
  std::string spec;
  Structure structure;
  double cutoff = 0;
  std::vector<Key> pairs;  // sorted by (i, j, S)
};

// Runs tests/geom/ase_neighbors.py once for all specs and parses its blocks (format in the script's docstring).
std::vector<AseCase> run_ase(const std::vector<std::string>& specs) {
  const std::string file = __FILE__;
  const std::string script = file.substr(0, file.find_last_of('/') + 1) + "ase_neighbors.py";
  std::string command = std::string(MLP_PYTHON3) + " '" + script + "'";
  for (const auto& s : specs) command += " '" + s + "'";
  command += " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe);
  std::string text;
  char buffer[65536];
  for (std::size_t got; (got = fread(buffer, 1, sizeof buffer, pipe.get())) > 0;) text.append(buffer, got);
  const int status = pclose(pipe.release());
  INFO(text.substr(0, 2000));
  REQUIRE(status == 0);

  std::istringstream in(text);
  std::vector<AseCase> cases;
  std::string word;
  while (in >> word) {
    REQUIRE(word == "case");
    AseCase c;
    in >> c.spec;
    c.cutoff = std::stod(c.spec.substr(c.spec.find(':', c.spec.find(':') + 1) + 1));
    Structure& s = c.structure;
    int p[3];
    in >> word >> p[0] >> p[1] >> p[2];
    REQUIRE(word == "pbc");
    s.pbc = {p[0] != 0, p[1] != 0, p[2] != 0};
    in >> word;
    REQUIRE(word == "cell");
    for (int k = 0; k < 9; ++k) in >> s.cell(k / 3, k % 3);
    std::size_t n = 0, m = 0;
    in >> word >> n;
    REQUIRE(word == "atoms");
    s.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto ii = static_cast<Eigen::Index>(i);
      in >> s.numbers[i] >> s.positions(ii, 0) >> s.positions(ii, 1) >> s.positions(ii, 2);
    }
    in >> word >> m;
    REQUIRE(word == "pairs");
    c.pairs.resize(m);
    for (auto& [i, j, a, b, cc] : c.pairs) in >> i >> j >> a >> b >> cc;
    REQUIRE(in);
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace

TEST_CASE("neighbour list equals ASE's on shared dataset frames") {
  const std::string python = MLP_PYTHON3;
  if (python.empty() || python.find("NOTFOUND") != std::string::npos) MLP_SKIP("no python3 for the ASE reference");
  if (std::system((python + " -c 'import ase.neighborlist' >/dev/null 2>&1").c_str()) != 0)
    MLP_SKIP("python3 has no ASE (Debian package python3-ase)");
  // Frame, cutoff and (optionally) a pbc override: a triclinic 2-atom Si cell and a 2-atom TiAl cell much
  // smaller than the cutoff (self images), a 250-atom fcc-shaped PbTe supercell, slab (TTF) and wire (FTF)
  // versions of periodic frames, and a molecule without a cell.
  const std::vector<std::pair<std::string, std::string>> wanted = {
      {"si_gap18_tiny/Si_tiny_gap18.extxyz", "3:5.0"},
      {"ace_tial_tutorial/TiAl_tutorial.extxyz", "0:6.0"},
      {"gpumd_pbte/PbTe_nep_train.extxyz", "0:5.0"},
      {"n2p2_h2o_rpbe_d3/h2o_rpbe_d3_48atoms_4G.extxyz", "0:4.0:TTF"},
      {"mlearn_zuo2020/Mo_test.extxyz", "0:5.0:FTF"},
      {"rmd17/rmd17_ethanol_test01.extxyz", "0:3.0"},
  };
  std::vector<std::string> specs;
  for (const auto& [file, rest] : wanted) {
    const std::string path = test::shared_data(file);
    if (path.empty()) WARN("SKIPPED: shared dataset " << file << " is absent");
    else specs.push_back(path + ":" + rest);
  }
  if (specs.empty()) MLP_SKIP("no shared datasets");

  for (const AseCase& c : run_ase(specs)) {
    CAPTURE(c.spec);
    REQUIRE(c.structure.size() > 0);
    REQUIRE(!c.pairs.empty());
    const NeighborList nl(c.structure, {c.cutoff, 0.0, true});
    std::vector<Key> ours;
    for (const auto& [key, p] : pairs_of(nl)) {
      // A pair within round-off of the cutoff could legitimately fall on either side in the two codes.
      REQUIRE(std::abs(p.distance - c.cutoff) > 1e-9);
      ours.push_back(key);
    }
    // pairs_of returns a std::map, so `ours` is sorted like the script's output.
    REQUIRE(ours.size() == c.pairs.size());
    for (std::size_t k = 0; k < ours.size(); ++k)
      if (ours[k] != c.pairs[k]) FAIL("first difference at " << k << ": ours " << describe(ours[k]) << ", ASE "
                                                             << describe(c.pairs[k]));
  }
}
