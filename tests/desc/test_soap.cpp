// SOAP tests: expansion coefficients against direct 3-D quadrature of the neighbour density, invariances, supercell
// consistency, the compressed-spectrum dot product, analytic gradients (positions, strain, accumulate()) against
// central finite differences, smoothness at the cutoff, thread-count independence, parameters and JSON.
#include <catch2/catch.hpp>
#include <omp.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "mlp/desc/soap.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

constexpr double kPi = 3.14159265358979323846;

SoapParameters small_parameters(bool normalize = true, double central = 1.0) {
  SoapParameters p;
  p.species = {8, 1};
  p.n_max = 5;
  p.l_max = 4;
  p.r_cut = 4.0;
  p.sigma = 0.5;
  p.cutoff_width = 1.0;
  p.normalize = normalize;
  p.central_weight = central;
  return p;
}

NeighborList list_for(const Descriptor& d, const Structure& s) {
  NeighborListOptions o;
  o.cutoff = d.cutoff();
  return NeighborList(s, o);
}

DescriptorValues values(const Descriptor& d, const Structure& s) { return d.compute(s, list_for(d, s)); }

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

double row_diff(const DescriptorValues& a, const DescriptorValues& b, const std::vector<std::size_t>& map) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.atoms(); ++i) {
    REQUIRE(a.row_size(i) == b.row_size(map[i]));
    for (std::size_t k = 0; k < a.row_size(i); ++k) {
      const double x = a.row(i)[k], y = b.row(map[i])[k];
      worst = std::max(worst, std::abs(x - y) / std::max(1.0, std::abs(y)));
    }
  }
  return worst;
}

std::vector<std::size_t> identity(std::size_t n) {
  std::vector<std::size_t> m(n);
  for (std::size_t i = 0; i < n; ++i) m[i] = i;
  return m;
}

Structure periodic_sample(std::mt19937_64& rng, std::size_t n, double lo = 5.0, double hi = 7.0) {
  const Mat3 cell = test::random_cell(rng, lo, hi);
  return test::random_structure(rng, n, {1, 8}, cell, {true, true, true}, 0.9);
}

std::vector<double> dense_gradient(const DescriptorValues& v, const DescriptorGradients& g, std::size_t natoms) {
  std::vector<double> d(v.data.size() * natoms * 3, 0.0);
  for (std::size_t i = 0; i < v.atoms(); ++i)
    for (std::size_t e = g.entry_offsets[i]; e < g.entry_offsets[i + 1]; ++e) {
      const auto j = static_cast<std::size_t>(g.atom[e]);
      for (std::size_t k = 0; k < v.row_size(i); ++k)
        for (std::size_t a = 0; a < 3; ++a) d[((v.offsets[i] + k) * natoms + j) * 3 + a] = g.position[g.data_offsets[e] + 3 * k + a];
    }
  return d;
}

std::vector<double> fd_gradient(const Descriptor& d, const Structure& s, double h) {
  const std::size_t n = s.size();
  const std::size_t rows = values(d, s).data.size();
  std::vector<double> out(rows * n * 3, 0.0);
  Structure m = s;
  for (std::size_t j = 0; j < n; ++j)
    for (int c = 0; c < 3; ++c) {
      const auto J = static_cast<Eigen::Index>(j);
      m.positions(J, c) = s.positions(J, c) + h;
      const DescriptorValues p = values(d, m);
      m.positions(J, c) = s.positions(J, c) - h;
      const DescriptorValues q = values(d, m);
      m.positions(J, c) = s.positions(J, c);
      for (std::size_t r = 0; r < rows; ++r) out[(r * n + j) * 3 + static_cast<std::size_t>(c)] = (p.data[r] - q.data[r]) / (2 * h);
    }
  return out;
}

double rel(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double num = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) num = std::max(num, std::abs(a[i] - b[i]));
  return num / std::max(max_abs(b), 1e-300);
}

void check_gradients(const Soap& d, const Structure& s, double tol) {
  DescriptorGradients g;
  const DescriptorValues v = d.compute(s, list_for(d, s), g);
  REQUIRE(max_abs(v.data) > 0.0);
  const double h = 1e-5;
  const double pos = rel(dense_gradient(v, g, s.size()), fd_gradient(d, s, h));
  std::vector<double> fd(v.data.size() * 9);
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 3; ++y) {
      Mat3 eps = Mat3::Zero();
      eps(x, y) = h;
      const DescriptorValues p = values(d, test::strained(s, eps));
      const DescriptorValues q = values(d, test::strained(s, -eps));
      for (std::size_t r = 0; r < v.data.size(); ++r)
        fd[9 * r + 3 * static_cast<std::size_t>(x) + static_cast<std::size_t>(y)] = (p.data[r] - q.data[r]) / (2 * h);
    }
  const double strain = rel(g.strain, fd);
  INFO("position rel " << pos << ", strain rel " << strain);
  CHECK(pos < tol);
  CHECK(strain < tol);
  // The centre atom comes first in its own entries; every atom at most once.
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (v.row_size(i) == 0) continue;
    CHECK(g.atom[g.entry_offsets[i]] == static_cast<int>(i));
    std::vector<int> seen(g.atom.begin() + static_cast<long>(g.entry_offsets[i]), g.atom.begin() + static_cast<long>(g.entry_offsets[i + 1]));
    std::sort(seen.begin(), seen.end());
    CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  }
}

// Cosine cutoff written out independently of Soap::cutoff_function.
double fcut(double r, double rc, double w) {
  if (r >= rc) return 0.0;
  if (r <= rc - w) return 1.0;
  return 0.5 * (1.0 + std::cos(kPi * (r - rc + w) / w));
}

double ylm_reference(int l, int m, double ct, double phi) {
  const int am = std::abs(m);
  double fact = 1.0;
  for (int k = l - am + 1; k <= l + am; ++k) fact /= k;
  const double N = std::sqrt((2.0 * l + 1.0) / (4.0 * kPi) * fact);
  const double P = std::assoc_legendre(static_cast<unsigned>(l), static_cast<unsigned>(am), ct);
  if (m == 0) return N * P;
  return std::sqrt(2.0) * N * P * (m > 0 ? std::cos(am * phi) : std::sin(am * phi));
}

}  // namespace

TEST_CASE("SOAP: expansion coefficients equal direct 3-D quadrature of the neighbour density", "[soap]") {
  // c^a_{nlm} = ∫ ρ_a(r) g_n(|r|) Y_lm(r̂) d³r on Gauss-Legendre panels in r × Gauss-Legendre in cos θ × uniform φ,
  // with Y_lm from std::assoc_legendre: independent of the Bessel functions, the radial spline and the Y recurrence.
  SoapParameters p = small_parameters(false, 0.7);
  p.r_cut = 4.5;
  const Soap soap(p);
  const int N = p.n_max, L = p.l_max + 1, L2 = L * L;
  // Three environments: (centre element, neighbours as (element, position)); one neighbour in the cutoff region
  // and one at 4.45 Å, just inside r_cut.
  struct Env {
    int centre;
    std::vector<std::pair<int, Vec3>> nb;
  };
  const std::vector<Env> envs = {
      {8, {{1, Vec3(0.96, 0.1, -0.2)}, {1, Vec3(-0.3, 0.9, 0.25)}, {8, Vec3(2.1, -1.9, 1.0)}, {1, Vec3(-3.0, -2.5, 1.6)}}},
      {1, {{8, Vec3(0.0, 0.0, 0.97)}, {1, Vec3(1.3, 0.8, 0.4)}, {8, Vec3(-1.5, 2.2, -2.9)}, {1, Vec3(4.45, 0.0, 0.0) * (1.0 / std::sqrt(1.0))}}},
      {8, {{8, Vec3(1.2, -2.0, 0.5)}, {1, Vec3(-2.2, -1.0, 3.0)}, {1, Vec3(0.4, 0.5, -4.35)}}},
  };
  // Angular grid and reference Y_lm on it.
  std::vector<double> ct, wct;
  gauss_legendre(96, -1.0, 1.0, ct, wct);
  const int nphi = 192;
  std::vector<Vec3> dir;
  std::vector<double> wdir, ydir;
  for (std::size_t a = 0; a < ct.size(); ++a)
    for (int k = 0; k < nphi; ++k) {
      const double phi = 2 * kPi * (k + 0.5) / nphi, st = std::sqrt(1 - ct[a] * ct[a]);
      dir.emplace_back(st * std::cos(phi), st * std::sin(phi), ct[a]);
      wdir.push_back(wct[a] * 2 * kPi / nphi);
      for (int l = 0; l < L; ++l)
        for (int m = -l; m <= l; ++m) ydir.push_back(ylm_reference(l, m, ct[a], phi));
    }
  for (std::size_t e = 0; e < envs.size(); ++e) {
    INFO("environment " << e);
    const Env& env = envs[e];
    Structure s;
    s.resize(env.nb.size() + 1);
    s.numbers[0] = env.centre;
    s.positions.row(0) = Eigen::RowVector3d(0.3, -0.2, 0.1);
    for (std::size_t j = 0; j < env.nb.size(); ++j) {
      s.numbers[j + 1] = env.nb[j].first;
      s.positions.row(static_cast<Eigen::Index>(j + 1)) = s.positions.row(0) + env.nb[j].second.transpose();
    }
    const std::vector<double> c = soap.coefficients(s, list_for(soap, s), 0);
    REQUIRE(c.size() == static_cast<std::size_t>(2 * N * L2));

    std::vector<double> ref(c.size(), 0.0);
    std::vector<double> rq, wr;
    double rmax = 0.0;
    for (const auto& nb : env.nb) rmax = std::max(rmax, nb.second.norm());
    for (int k = 0; k < 96; ++k) gauss_legendre(12, k * (rmax + 7.0) / 96, (k + 1) * (rmax + 7.0) / 96, rq, wr);
    std::vector<double> g(static_cast<std::size_t>(N)), A(static_cast<std::size_t>(2 * L2));
    for (std::size_t q = 0; q < rq.size(); ++q) {
      const double r = rq[q];
      std::fill(A.begin(), A.end(), 0.0);
      for (std::size_t t = 0; t < dir.size(); ++t) {
        const Vec3 x = r * dir[t];
        double rho[2] = {0.0, 0.0};
        for (const auto& nb : env.nb) {
          const double rij = nb.second.norm();
          if (rij >= p.r_cut) continue;
          rho[soap.species_index(nb.first)] += fcut(rij, p.r_cut, p.cutoff_width) *
                                               std::exp(-(x - nb.second).squaredNorm() / (2 * p.sigma * p.sigma));
        }
        rho[soap.species_index(env.centre)] += p.central_weight * std::exp(-r * r / (2 * p.sigma * p.sigma));
        const double* y = ydir.data() + t * static_cast<std::size_t>(L2);
        for (int a = 0; a < 2; ++a) {
          const double wa = wdir[t] * rho[a];
          if (wa == 0.0) continue;
          for (int lm = 0; lm < L2; ++lm) A[static_cast<std::size_t>(a * L2 + lm)] += wa * y[lm];
        }
      }
      soap.radial_basis().evaluate(r, g.data());
      for (int a = 0; a < 2; ++a)
        for (int n = 0; n < N; ++n)
          for (int lm = 0; lm < L2; ++lm)
            ref[static_cast<std::size_t>((a * N + n) * L2 + lm)] += wr[q] * r * r * g[static_cast<std::size_t>(n)] * A[static_cast<std::size_t>(a * L2 + lm)];
    }
    const double scale = max_abs(ref);
    double worst = 0.0;
    for (std::size_t k = 0; k < c.size(); ++k) worst = std::max(worst, std::abs(c[k] - ref[k]));
    INFO("largest |c| " << scale << ", largest difference " << worst);
    CHECK(scale > 0.1);
    CHECK(worst / scale < 1e-6);
  }
}

TEST_CASE("SOAP: invariant to rotation, inversion, translation, permutation and image shifts", "[soap]") {
  std::mt19937_64 rng(11);
  const Soap soap(small_parameters());
  for (int trial = 0; trial < 2; ++trial) {
    const Structure s = periodic_sample(rng, 8);
    const DescriptorValues ref = values(soap, s);
    REQUIRE(max_abs(ref.data) > 0.1);
    const auto id = identity(s.size());

    Structure r = s;
    const Mat3 R = test::random_rotation(rng);
    r.positions = s.positions * R.transpose();
    r.cell = s.cell * R.transpose();
    CHECK(row_diff(values(soap, r), ref, id) < 1e-10);

    Structure inv = s;
    inv.positions = -s.positions;
    inv.cell = -s.cell;
    CHECK(row_diff(values(soap, inv), ref, id) < 1e-10);

    Structure t = s;
    t.positions.rowwise() += Eigen::RowVector3d(0.37, -1.3, 2.9);
    CHECK(row_diff(values(soap, t), ref, id) < 1e-10);

    Structure img = s;
    std::uniform_int_distribution<int> shift(-2, 2);
    for (Eigen::Index i = 0; i < img.positions.rows(); ++i)
      img.positions.row(i) += shift(rng) * s.cell.row(0) + shift(rng) * s.cell.row(1) + shift(rng) * s.cell.row(2);
    CHECK(row_diff(values(soap, img), ref, id) < 1e-10);

    std::vector<std::size_t> perm = id;
    std::shuffle(perm.begin(), perm.end(), rng);
    Structure p = s;
    for (std::size_t i = 0; i < s.size(); ++i) {
      p.numbers[perm[i]] = s.numbers[i];
      p.positions.row(static_cast<Eigen::Index>(perm[i])) = s.positions.row(static_cast<Eigen::Index>(i));
    }
    CHECK(row_diff(ref, values(soap, p), perm) < 1e-10);
  }
  const Structure c = test::random_structure(rng, 9, {1, 8}, Mat3::Identity() * 5.0, {false, false, false}, 0.9);
  Structure rc = c;
  const Mat3 R = test::random_rotation(rng);
  rc.positions = c.positions * R.transpose();
  rc.positions.rowwise() += Eigen::RowVector3d(-3.0, 1.0, 0.5);
  CHECK(row_diff(values(soap, rc), values(soap, c), identity(c.size())) < 1e-10);
}

TEST_CASE("SOAP: a replicated periodic cell gives identical per-atom rows", "[soap]") {
  std::mt19937_64 rng(3);
  const Soap soap(small_parameters());
  const Structure s = periodic_sample(rng, 6, 4.0, 5.0);  // cell smaller than 2 r_cut: several images of each atom
  const DescriptorValues ref = values(soap, s);
  const int n[3] = {2, 1, 3};
  Structure big;
  big.resize(s.size() * 6);
  big.cell = s.cell;
  for (int d = 0; d < 3; ++d) big.cell.row(d) *= n[d];
  big.pbc = {true, true, true};
  std::vector<std::size_t> map;
  std::size_t at = 0;
  for (int x = 0; x < n[0]; ++x)
    for (int y = 0; y < n[1]; ++y)
      for (int z = 0; z < n[2]; ++z)
        for (std::size_t i = 0; i < s.size(); ++i, ++at) {
          big.numbers[at] = s.numbers[i];
          big.positions.row(static_cast<Eigen::Index>(at)) =
              s.positions.row(static_cast<Eigen::Index>(i)) + x * s.cell.row(0) + y * s.cell.row(1) + z * s.cell.row(2);
          map.push_back(i);
        }
  CHECK(row_diff(values(soap, big), ref, map) < 1e-10);
}

TEST_CASE("SOAP: the compressed spectrum has the dot products of the full one", "[soap]") {
  std::mt19937_64 rng(4);
  const Soap soap(small_parameters(false));
  const Structure s = periodic_sample(rng, 7);
  const NeighborList nl = list_for(soap, s);
  const DescriptorValues v = soap.compute(s, nl);
  const int N = 5, L = 5, L2 = 25, S = 2;
  REQUIRE(soap.size(1) == static_cast<std::size_t>((S * (S - 1) / 2 * N * N + S * N * (N + 1) / 2) * L));
  // Full spectrum P[a][b][n][n'][l] = π sqrt(8/(2l+1)) Σ_m c^a_nlm c^b_n'lm from the raw coefficients.
  auto full = [&](std::size_t i) {
    const std::vector<double> c = soap.coefficients(s, nl, i);
    std::vector<double> P;
    for (int a = 0; a < S; ++a)
      for (int b = 0; b < S; ++b)
        for (int n = 0; n < N; ++n)
          for (int np = 0; np < N; ++np)
            for (int l = 0; l < L; ++l) {
              double sum = 0.0;
              for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm)
                sum += c[static_cast<std::size_t>((a * N + n) * L2 + lm)] * c[static_cast<std::size_t>((b * N + np) * L2 + lm)];
              P.push_back(kPi * std::sqrt(8.0 / (2 * l + 1)) * sum);
            }
    return P;
  };
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = i; j < s.size(); ++j) {
      const std::vector<double> a = full(i), b = full(j);
      double dfull = 0.0, dcomp = 0.0;
      for (std::size_t k = 0; k < a.size(); ++k) dfull += a[k] * b[k];
      for (std::size_t k = 0; k < v.row_size(i); ++k) dcomp += v.row(i)[k] * v.row(j)[k];
      CHECK(std::abs(dcomp - dfull) <= 1e-12 * std::abs(dfull));
    }
  // And the first value is p^{HH}_{000} itself (H = species 0: species are sorted by Z).
  const std::vector<double> a = full(0);
  CHECK(v.row(0)[0] == Approx(a[0]).epsilon(1e-13));
  CHECK(soap.label(1, 0) == "p H-H n=0 n'=0 l=0");
  CHECK(soap.label(8, 1) == "p H-H n=0 n'=0 l=1");
  CHECK(soap.label(8, soap.size(8) - 1) == "p O-O n=4 n'=4 l=4");
  CHECK(soap.label(8, static_cast<std::size_t>(N * (N + 1) / 2 * L)) == "p H-O n=0 n'=0 l=0");
}

TEST_CASE("SOAP: analytic gradients match central finite differences (positions and strain)", "[soap]") {
  std::mt19937_64 rng(5);
  SECTION("periodic, several images within the cutoff, normalised and not, with and without the centre") {
    for (bool normalize : {true, false})
      for (double central : {1.0, 0.0}) {
        INFO("normalize " << normalize << " central_weight " << central);
        check_gradients(Soap(small_parameters(normalize, central)), periodic_sample(rng, 5, 4.0, 5.0), 1e-6);
      }
  }
  SECTION("neighbours in the cutoff region and just inside r_cut; an element outside `species`") {
    for (bool normalize : {true, false}) {
      SoapParameters p = small_parameters(normalize);
      const Soap soap(p);
      Structure s;
      s.resize(5);
      s.numbers = {8, 1, 1, 8, 6};
      s.positions << 0, 0, 0, p.r_cut - 2e-3, 0, 0, -1.0, 0.1, 0.0, 0.3, p.r_cut - 0.6, 0.2, 0.5, 0.5, 1.1;
      check_gradients(soap, s, 1e-6);
      const DescriptorValues v = values(soap, s);
      CHECK(v.row_size(4) == 0);  // C is not a centre species, and not in anyone's density
      Structure t = s;
      t.positions.row(4) << 1.5, -0.3, 0.8;
      CHECK(row_diff(values(soap, t), v, identity(s.size())) == 0.0);
    }
  }
  SECTION("default parameters (n_max 8, l_max 6) on a Si-like cell") {
    SoapParameters p;
    p.species = {14};
    const Soap soap(p);
    Structure s = test::random_structure(rng, 4, {14}, test::random_cell(rng, 4.0, 5.0), {true, true, true}, 2.0);
    check_gradients(soap, s, 1e-6);
  }
}

TEST_CASE("SOAP: accumulate() gives the forces and virial of E = Σ w·q and agrees with the gradients", "[soap]") {
  std::mt19937_64 rng(6);
  for (bool normalize : {true, false}) {
    INFO("normalize " << normalize);
    const Soap soap(small_parameters(normalize));
    const Structure s = periodic_sample(rng, 6, 4.5, 5.5);
    const NeighborList nl = list_for(soap, s);
    DescriptorValues w = values(soap, s);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (double& x : w.data) x = u(rng);
    auto energy = [&](const Structure& t) {
      const DescriptorValues q = values(soap, t);
      double e = 0.0;
      for (std::size_t r = 0; r < q.data.size(); ++r) e += w.data[r] * q.data[r];
      return e;
    };
    Matrix3N f = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
    Mat3 vir = Mat3::Zero();
    soap.accumulate(s, nl, w, f, vir);
    CHECK(test::max_rel_diff(f, test::fd_forces(energy, s, 1e-5)) < 1e-6);
    CHECK(test::max_rel_diff(vir, test::fd_virial(energy, s, 1e-5)) < 1e-6);
    DescriptorGradients g;
    const DescriptorValues v = soap.compute(s, nl, g);
    Matrix3N f2 = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
    Mat3 vir2 = Mat3::Zero();
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (std::size_t e = g.entry_offsets[i]; e < g.entry_offsets[i + 1]; ++e)
        for (std::size_t k = 0; k < v.row_size(i); ++k)
          for (int c = 0; c < 3; ++c) f2(g.atom[e], c) -= w.row(i)[k] * g.position[g.data_offsets[e] + 3 * k + static_cast<std::size_t>(c)];
      for (std::size_t k = 0; k < v.row_size(i); ++k)
        for (int x = 0; x < 3; ++x)
          for (int y = 0; y < 3; ++y) vir2(x, y) -= w.row(i)[k] * g.strain[(v.offsets[i] + k) * 9 + static_cast<std::size_t>(3 * x + y)];
    }
    CHECK(test::max_rel_diff(f2, f) < 1e-12);
    CHECK(test::max_rel_diff(vir2, vir) < 1e-12);
    CHECK(row_diff(v, values(soap, s), identity(s.size())) == 0.0);
    CHECK(f.colwise().sum().norm() < 1e-10 * f.cwiseAbs().maxCoeff());
    CHECK((vir - vir.transpose()).cwiseAbs().maxCoeff() < 1e-10 * vir.cwiseAbs().maxCoeff());
    Matrix3N bad = Matrix3N::Zero(2, 3);
    CHECK_THROWS_AS(soap.accumulate(s, nl, w, bad, vir), InputError);
  }
}

TEST_CASE("SOAP: results do not depend on the number of OpenMP threads", "[soap]") {
  std::mt19937_64 rng(7);
  const Soap soap(small_parameters());
  const Structure s = periodic_sample(rng, 40, 8.0, 9.0);
  const NeighborList nl = list_for(soap, s);
  DescriptorValues w = values(soap, s);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (double& x : w.data) x = u(rng);
  const int saved = omp_get_max_threads();
  struct Run {
    DescriptorValues rows, rows_g;
    DescriptorGradients g;
    Matrix3N f;
    Mat3 vir;
  };
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    Run r;
    r.rows = soap.compute(s, nl);
    r.rows_g = soap.compute(s, nl, r.g);
    r.f = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
    r.vir = Mat3::Zero();
    soap.accumulate(s, nl, w, r.f, r.vir);
    return r;
  };
  const Run one = run(1), two = run(2), three = run(3);
  omp_set_num_threads(saved);
  for (const Run* r : {&two, &three}) {
    CHECK(r->rows.data == one.rows.data);
    CHECK(r->rows_g.data == one.rows.data);
    CHECK(r->g.entry_offsets == one.g.entry_offsets);
    CHECK(r->g.atom == one.g.atom);
    CHECK(r->g.data_offsets == one.g.data_offsets);
    CHECK(r->g.position == one.g.position);
    CHECK(r->g.strain == one.g.strain);
    CHECK(r->f == one.f);
    CHECK(r->vir == one.vir);
  }
}

TEST_CASE("SOAP: values and gradients go to zero continuously as a neighbour crosses r_cut", "[soap]") {
  const Soap soap(small_parameters(false));
  const double rc = soap.cutoff();
  auto geometry = [&](double x) {
    Structure s;
    s.resize(3);
    s.numbers = {8, 1, 1};
    s.positions << 0, 0, 0, x, 0, 0, 1.0, 0.8, 0.0;
    return s;
  };
  const DescriptorValues far = values(soap, geometry(3 * rc));
  std::vector<double> val, grad;
  for (double delta : {0.3, 1e-3, 1e-4, 1e-5, 0.0, -1e-5}) {
    const Structure s = geometry(rc - delta);
    DescriptorGradients g;
    const DescriptorValues v = soap.compute(s, list_for(soap, s), g);
    double dv = 0.0;
    for (std::size_t k = 0; k < v.row_size(0); ++k) dv = std::max(dv, std::abs(v.row(0)[k] - far.row(0)[k]));
    val.push_back(dv);
    double gm = 0.0;
    for (std::size_t e = g.entry_offsets[0]; e < g.entry_offsets[1]; ++e)
      if (g.atom[e] == 1)
        for (std::size_t k = 0; k < 3 * v.row_size(0); ++k) gm = std::max(gm, std::abs(g.position[g.data_offsets[e] + k]));
    grad.push_back(gm);
  }
  INFO("values " << val[0] << " " << val[1] << " " << val[2] << " " << val[3] << "; gradients " << grad[0] << " "
                 << grad[1] << " " << grad[2] << " " << grad[3]);
  CHECK(val[0] > 1e-3);
  CHECK(grad[0] > 1e-3);
  for (std::size_t k = 1; k < 4; ++k) {
    CHECK(val[k] < val[k - 1]);
    CHECK(grad[k] < grad[k - 1]);
  }
  CHECK(val[3] < 1e-8);
  CHECK(grad[3] < 1e-3 * grad[0]);
  CHECK(val[4] == 0.0);
  CHECK(val[5] == 0.0);
  CHECK(grad[4] == 0.0);
  CHECK(grad[5] == 0.0);
  // Normalised rows are continuous too (the centre's Gaussian keeps |p| > 0).
  const Soap unit(small_parameters(true));
  // (Only the O row: the other rows also see H1 move by 2e-6 Å well inside their cutoff.)
  const DescriptorValues a = values(unit, geometry(rc - 1e-6)), b = values(unit, geometry(rc + 1e-6));
  double jump = 0.0;
  for (std::size_t k = 0; k < a.row_size(0); ++k) jump = std::max(jump, std::abs(a.row(0)[k] - b.row(0)[k]));
  CHECK(jump < 1e-10);
}

TEST_CASE("SOAP: parameters, canonical JSON and make_descriptor", "[soap]") {
  const std::string text =
      R"({"type":"soap","species":["O","H"],"n_max":4,"l_max":3,"r_cut":4.0,"sigma":0.4,"cutoff_width":0.7,)"
      R"("radial_basis":"gto","normalize":false,"central_weight":0.5})";
  const auto d = make_descriptor(text);
  REQUIRE(d->type() == "soap");
  CHECK(d->elements() == std::vector<int>{1, 8});
  CHECK(d->cutoff() == 4.0);
  CHECK(d->size(1) == d->size(8));
  CHECK(d->size(6) == 0);
  CHECK(d->size(1) == static_cast<std::size_t>((16 + 2 * 10) * 4));
  const std::string canonical = d->to_json();
  for (const char* key : {"\"central_weight\"", "\"cutoff_width\"", "\"l_max\"", "\"n_max\"", "\"normalize\"",
                          "\"r_cut\"", "\"radial_basis\"", "\"sigma\"", "\"species\"", "\"type\""})
    CHECK(canonical.find(key) != std::string::npos);
  CHECK(canonical.find("\"central_weight\"") < canonical.find("\"type\""));  // sorted keys
  const auto again = make_descriptor(canonical);
  CHECK(again->to_json() == canonical);
  CHECK(descriptor_hash(*again) == descriptor_hash(*d));
  std::mt19937_64 rng(8);
  const Structure s = periodic_sample(rng, 6);
  CHECK(compute_descriptors(*again, s).data == compute_descriptors(*d, s).data);

  // Species from the caller; defaults for everything else.
  const auto def = make_descriptor(R"({"type":"soap"})", {14});
  const Soap& sd = dynamic_cast<const Soap&>(*def);
  CHECK(sd.parameters().n_max == 8);
  CHECK(sd.parameters().l_max == 6);
  CHECK(sd.parameters().r_cut == 5.0);
  CHECK(sd.parameters().sigma == 0.5);
  CHECK(sd.parameters().cutoff_width == 0.5);
  CHECK(sd.parameters().normalize);
  CHECK(sd.parameters().central_weight == 1.0);
  CHECK(def->size(14) == static_cast<std::size_t>(36 * 7));

  auto field_of = [](const std::string& json, const std::vector<int>& species = {1}) {
    try {
      make_descriptor(json, species, "params.json");
    } catch (const InputError& e) {
      CHECK(e.source() == "params.json");
      return e.field();
    }
    return std::string("no error");
  };
  CHECK(field_of(R"({"type":"soap"})", {}) == "species");
  CHECK(field_of(R"({"type":"soap","species":["O","Xx"]})") == "species");
  CHECK(field_of(R"({"type":"soap","species":["O","O"]})") == "species");
  CHECK(field_of(R"({"type":"soap","species":"O"})") == "species");
  CHECK(field_of(R"({"type":"soap","n_max":0})") == "n_max");
  CHECK(field_of(R"({"type":"soap","n_max":2.5})") == "n_max");
  CHECK(field_of(R"({"type":"soap","n_max":100})") == "n_max");
  CHECK(field_of(R"({"type":"soap","l_max":-1})") == "l_max");
  CHECK(field_of(R"({"type":"soap","l_max":"6"})") == "l_max");
  CHECK(field_of(R"({"type":"soap","r_cut":0})") == "r_cut");
  CHECK(field_of(R"({"type":"soap","r_cut":-3})") == "r_cut");
  CHECK(field_of(R"({"type":"soap","sigma":0})") == "sigma");
  CHECK(field_of(R"({"type":"soap","sigma":10})") == "sigma");
  CHECK(field_of(R"({"type":"soap","cutoff_width":0})") == "cutoff_width");
  CHECK(field_of(R"({"type":"soap","cutoff_width":6})") == "cutoff_width");
  CHECK(field_of(R"({"type":"soap","radial_basis":"gto_legacy"})") == "radial_basis");
  CHECK(field_of(R"({"type":"soap","normalize":1})") == "normalize");
  CHECK(field_of(R"({"type":"soap","central_weight":"1"})") == "central_weight");
  CHECK(field_of(R"({"type":"soap","nmax":8})") == "nmax");
  CHECK_THROWS_AS(Soap::from_json("[1,2]", {1}), InputError);
  CHECK_THROWS_AS(Soap::from_json(R"({"type":"acsf"})", {1}), InputError);
  CHECK_THROWS_AS(sd.label(1, 0), InputError);
  CHECK_THROWS_AS(sd.label(14, def->size(14)), InputError);

  // A list shorter than the cutoff is refused; two atoms on top of each other are a ComputeError.
  NeighborListOptions o;
  o.cutoff = 3.0;
  CHECK_THROWS_AS(d->compute(s, NeighborList(s, o)), InputError);
  Structure clash = s;
  clash.positions.row(1) = clash.positions.row(0);
  clash.numbers[1] = 1;
  CHECK_THROWS_AS(compute_descriptors(*d, clash), ComputeError);
}
