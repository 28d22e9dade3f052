// ACSF tests: invariances, analytic gradients against central finite differences (positions, strain, the
// accumulate() path), smoothness at the cutoff for every cutoff function, supercell consistency, hand-computed
// values for a water molecule, parameter I/O (JSON, n2p2 input.nn, preset).
#include <catch2/catch.hpp>
#include <omp.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mlp/desc/acsf.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

constexpr double kPi = 3.14159265358979323846;

SymmetryFunction radial(int c, int n, double eta, double rs, double rc, CutoffType ct, double alpha) {
  SymmetryFunction f;
  f.kind = SymmetryFunctionKind::radial;
  f.center = c;
  f.neighbor1 = n;
  f.eta = eta;
  f.rshift = rs;
  f.rcut = rc;
  f.cutoff = ct;
  f.cutoff_alpha = alpha;
  return f;
}

SymmetryFunction angular(SymmetryFunctionKind k, int c, int n1, int n2, double eta, double lambda, double zeta,
                         double rc, double rs, CutoffType ct, double alpha) {
  SymmetryFunction f;
  f.kind = k;
  f.center = c;
  f.neighbor1 = n1;
  f.neighbor2 = n2;
  f.eta = eta;
  f.lambda = lambda;
  f.zeta = zeta;
  f.rcut = rc;
  f.rshift = rs;
  f.cutoff = ct;
  f.cutoff_alpha = alpha;
  return f;
}

// H/O set with every kind, both λ, integer and non-integer ζ, shifts, two cutoff radii.
Acsf test_set(CutoffType ct = CutoffType::cos, double alpha = 0.0, double rc = 4.0) {
  const auto N = SymmetryFunctionKind::angular_narrow;
  const auto W = SymmetryFunctionKind::angular_wide;
  std::vector<SymmetryFunction> fs;
  for (int c : {1, 8}) {
    for (int n : {1, 8}) {
      fs.push_back(radial(c, n, 0.5, 0.0, rc, ct, alpha));
      fs.push_back(radial(c, n, 2.0, 1.5, rc, ct, alpha));
      fs.push_back(radial(c, n, 0.1, 0.9, rc - 0.7, ct, alpha));
    }
    for (auto [n1, n2] : {std::pair{1, 1}, std::pair{1, 8}, std::pair{8, 8}}) {
      fs.push_back(angular(N, c, n1, n2, 0.05, 1.0, 1.0, rc, 0.0, ct, alpha));
      fs.push_back(angular(N, c, n2, n1, 0.2, -1.0, 4.0, rc, 0.5, ct, alpha));
      fs.push_back(angular(W, c, n1, n2, 0.03, -1.0, 2.5, rc, 0.0, ct, alpha));
      fs.push_back(angular(W, c, n1, n2, 0.1, 1.0, 16.0, rc - 0.7, 0.3, ct, alpha));
    }
  }
  return Acsf(fs);
}

NeighborList list_for(const Acsf& a, const Structure& s) {
  NeighborListOptions o;
  o.cutoff = a.cutoff();
  return NeighborList(s, o);
}

AcsfValues values(const Acsf& a, const Structure& s) { return a.compute(s, list_for(a, s)); }

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// Largest |a - b| relative to max(1, |b|), row by row for rows mapped by `map` (a row i ↔ b row map[i]).
double row_diff(const AcsfValues& a, const AcsfValues& b, const std::vector<std::size_t>& map) {
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

Structure periodic_sample(std::mt19937_64& rng, std::size_t n) {
  const Mat3 cell = test::random_cell(rng, 5.0, 7.0);
  return test::random_structure(rng, n, {1, 8}, cell, {true, true, true}, 0.9);
}

// Dense dq/dr: [row offset + k][atom][a] from the sparse layout.
std::vector<double> dense_gradient(const AcsfValues& v, const AcsfGradients& g, std::size_t natoms) {
  std::vector<double> d(v.data.size() * natoms * 3, 0.0);
  for (std::size_t i = 0; i < v.atoms(); ++i)
    for (std::size_t e = g.entry_offsets[i]; e < g.entry_offsets[i + 1]; ++e) {
      const auto j = static_cast<std::size_t>(g.atom[e]);
      for (std::size_t k = 0; k < v.row_size(i); ++k)
        for (std::size_t a = 0; a < 3; ++a)
          d[((v.offsets[i] + k) * natoms + j) * 3 + a] = g.position[g.data_offsets[e] + 3 * k + a];
    }
  return d;
}

// Central finite differences of every value with respect to every coordinate, same layout as dense_gradient.
std::vector<double> fd_gradient(const Acsf& a, const Structure& s, double h) {
  const std::size_t n = s.size();
  const std::size_t rows = values(a, s).data.size();
  std::vector<double> d(rows * n * 3, 0.0);
  Structure m = s;
  for (std::size_t j = 0; j < n; ++j)
    for (int c = 0; c < 3; ++c) {
      m.positions(static_cast<Eigen::Index>(j), c) = s.positions(static_cast<Eigen::Index>(j), c) + h;
      const AcsfValues p = values(a, m);
      m.positions(static_cast<Eigen::Index>(j), c) = s.positions(static_cast<Eigen::Index>(j), c) - h;
      const AcsfValues q = values(a, m);
      m.positions(static_cast<Eigen::Index>(j), c) = s.positions(static_cast<Eigen::Index>(j), c);
      for (std::size_t r = 0; r < rows; ++r) d[(r * n + j) * 3 + static_cast<std::size_t>(c)] = (p.data[r] - q.data[r]) / (2 * h);
    }
  return d;
}

double rel(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double num = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) num = std::max(num, std::abs(a[i] - b[i]));
  return num / std::max(max_abs(b), 1e-300);
}

// Every derivative of the explicit gradients against finite differences: positions and general strain.
void check_gradients(const Acsf& a, const Structure& s, double tol) {
  AcsfGradients g;
  const AcsfValues v = a.compute(s, list_for(a, s), g);
  const double h = 1e-5;
  const double pos = rel(dense_gradient(v, g, s.size()), fd_gradient(a, s, h));
  CHECK(pos < tol);
  std::vector<double> fd(v.data.size() * 9);
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 3; ++y) {
      Mat3 eps = Mat3::Zero();
      eps(x, y) = h;
      const AcsfValues p = values(a, test::strained(s, eps));
      const AcsfValues q = values(a, test::strained(s, -eps));
      for (std::size_t r = 0; r < v.data.size(); ++r) fd[9 * r + 3 * static_cast<std::size_t>(x) + static_cast<std::size_t>(y)] = (p.data[r] - q.data[r]) / (2 * h);
    }
  const double strain = rel(g.strain, fd);
  CHECK(strain < tol);
  INFO("position rel " << pos << ", strain rel " << strain);
}


// Nine atoms (O, H, H repeated) in a fixed triclinic cell, closest pair 0.95 Å, several images within rc = 4 Å:
// the structure whose values are pinned below.
Structure pinned_structure() {
  Structure s;
  s.resize(9);
  s.numbers = {8, 1, 1, 8, 1, 1, 8, 1, 1};
  s.positions << 1.563, 3.052, 2.183, 3.899, 3.293, 0.387, 0.646, 4.51, 1.53, 1.879, 5.46, 2.775, 4.666, 2.86, 3.771,
      0.807, 3.822, 5.121, 3.127, 4.257, 3.961, 0.627, 4.297, 3.487, 1.109, 0.681, 5.107;
  s.cell << 5.6, 0.0, 0.0, 0.9, 5.2, 0.0, -0.7, 0.6, 5.9;
  s.pbc = {true, true, true};
  return s;
}

// The weights dE/dq of the pinned accumulate() figures: sin(0.7 k + 0.3) for the k-th value of all rows.
AcsfValues pinned_weights(const AcsfValues& q) {
  AcsfValues w = q;
  for (std::size_t k = 0; k < w.data.size(); ++k) w.data[k] = std::sin(0.7 * static_cast<double>(k) + 0.3);
  return w;
}

// Largest |a − b| over the largest |b|: agreement of arrays with signed entries (gradients, forces) whose small
// components carry the rounding of cancellations.
double normwise(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d / max_abs(b);
}

// Largest |a − b| / |b| over the entries (rows: sums of non-negative terms, accurate entry by entry).
double entrywise(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]) / std::abs(b[i]));
  return d;
}

// Reference numbers for the pinned-values test, printed with %.17g by the ACSF implementation of commit
// 1513026 (before the kernel rewrite) for pinned_structure() and test_set(cutoff, alpha).
struct PinnedCase {
  CutoffType cutoff;
  double alpha;
  std::vector<double> row0, row1, forces, virial;
};
const std::vector<PinnedCase>& pinned_cases() {
  static const std::vector<PinnedCase> cases = {
      {CutoffType::cos, 0.0,
       {
        0.1717352073904059, 0.72898664160585502, 0.71201766208547856, 0.023459444811961088, 0.06239967210908863,
        0.19603744997679107, 0.18913903455880646, 0.0004061558761973071, 0.32299869008651128, 0.0022509872719691975,
        0.17419394090797072, 0.00018456918844467806, 0.33385023246634937, 0.0045444896183033118, 0.024803182009492993,
        5.6871616288835346e-06, 0.084008954873563413, 0.00049463402760461996},
       {
        0.020726206429330291, 0.045997977916277952, 0.17841389347351133, 0.024636307557903501, 0.086116787785058255,
        0.17020526401223421, 0.017559338586477638, 7.1126152687223177e-06, 0.13270133406963219, 0.00016363101286405487,
        0.056801627341208881, 4.1359917958384986e-05, 0.1223281516216243, 0.00056580779045676893,
        0.00023470685857938483, 5.3388362821511098e-09, 0.048748115784750981, 3.3627259712919183e-14},
       {
        1.2615067825054969, -1.7747622542137389, 0.10349560928051156, 0.2109086332088301, -0.80162280148241427,
        1.2190742362428504, -1.3467520392465056, 1.0997981271389092, -3.3115654309107758, 2.1504292346503666,
        1.4620750747318103, -0.23092115080622955, -1.4954070064656442, -2.653213883183577, -0.70209158917151759,
        0.01113022691800781, -1.5090206146188707, 2.6113491409406313, 0.20777196200672934, 0.45367751086902475,
        -1.1355818062282823, -1.362130641254607, 1.4222891835767704, 0.54205239139865624, 0.36254284767732636,
        2.3007796571820873, 0.90418859925415584},
       {
        13.834940717407594, 2.9795917247516583, 1.5192315250585038, 2.9795917247516583, 13.524209912183988,
        -0.030765948647763643, 1.5192315250585056, -0.030765948647764125, 19.338630139878298}},
      {CutoffType::poly3, 0.2,
       {
        0.2542203882117578, 1.0906579838597434, 0.97706131380892947, 0.031263026370414164, 0.0845139570732302,
        0.15573035768341756, 0.53688585265113109, 0.0012557598496947652, 0.4150050659073507, 0.0030693211270973872,
        0.51876774906963563, 0.00039880101422884922, 0.5103633489767041, 0.006151134870242039, 0.068254197931885946,
        1.5650115188441435e-05, 0.12350605218873399, 0.00033223414822061004},
       {
        0.026015076516247279, 0.059460899111697545, 0.12097679239779753, 0.035163384454380144, 0.12510076548049115,
        0.17699463030926699, 0.037741040193011076, 1.7330887641157298e-05, 0.14725389549476986, 9.2173741985323267e-05,
        0.13710227409324161, 0.00010564622251401447, 0.13163061581433397, 0.00040361659587325333,
        2.4862996922412216e-05, 5.9091459300036043e-10, 0.064015617716981471, 1.0337985399516102e-14},
       {
        2.1415961772073029, -3.6104346247246335, -0.37843770068239446, -0.0065054059853596191, -1.1901035362370995,
        1.9107600647936809, -2.3557768202335927, 1.4019548725666502, -5.7065280716264351, 3.7162193953134062,
        3.0727359755205526, -0.3812442544084666, -1.6724157646464792, -3.9074164810529211, -0.89242001536812998,
        -0.25614120973646864, -2.139770467694571, 3.3825319097825481, 1.2830913863806095, 0.672538084273965,
        -1.8319108143707967, -2.9968035987102497, 2.3852883508997667, 2.2735036362835239, 0.14673584041083171,
        3.3152078264482907, 1.6237452455964683},
       {
        20.819905996875004, 3.8684833583422931, 1.577879752597189, 3.8684833583422935, 22.363172249704466,
        0.52587172598273368, 1.5778797525971877, 0.52587172598273246, 30.124008232352438}},
      {CutoffType::tanhu, 0.0,
       {
        0.034637543485012641, 0.14920246316018371, 0.11095151816299598, 0.0032860924478091882, 0.0089126209578808228,
        0.016710372435751328, 0.001211116627901834, 2.9790221108720375e-06, 0.005671274188598782,
        4.0112305501716899e-05, 0.00097897269870480239, 7.0785127816650106e-07, 0.0067273529430665795,
        7.0965148932180616e-05, 9.2932160909264656e-05, 2.1308565143380324e-08, 0.0013299104963836927,
        3.7793176844119707e-06},
       {
        0.0026952176190605942, 0.0061596070645294114, 0.013464989160438189, 0.0038970632248643915, 0.01390886361953386,
        0.018240900013759533, 4.5207053640364092e-05, 2.0547870623012381e-08, 0.0016162443497653861,
        1.0871314637479763e-06, 0.00018062327921654182, 1.3249063225814738e-07, 0.0015203499411281438,
        4.600151696019728e-06, 7.0940962587937157e-08, 1.6487365792060682e-12, 0.00074284454018416334,
        1.6223534268082482e-16},
       {
        0.24867794725782891, -0.31014125311759905, 0.02769661749554107, 0.089326532239338396, -0.10506570024508335,
        0.17424954837578219, -0.28776847856883642, 0.21946744067703047, -0.83954970493163916, 0.40100770482406722,
        0.18660311016316625, 0.048556546698371311, -0.34661162982721822, -0.54053334979232492, -0.084139995005783619,
        0.052775671217709715, -0.36467808058343087, 0.84127220138845016, -0.12346991660170734, 0.14152087299588181,
        -0.21475555018917938, -0.1069500078457573, 0.37228815335752241, -0.066223220623954651, 0.073012177304575349,
        0.40053880654483726, 0.11289355679241206},
       {
        2.2718843509882141, 0.64501760671488062, 0.29929907202193151, 0.64501760671488007, 2.2929257057483641,
        -0.28068155166145986, 0.29929907202193201, -0.28068155166145969, 3.8657004174144141}}
  };
  return cases;
}
const std::vector<double> kPinnedGradRow1Atom0 = {
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0074574809711456169, 0.00078720395050983273, -0.0058664659548367578,
      0.013753785405250943, 0.0014202394266210605, -0.01058402493863661, 0.084802291422188814, 0.0087488665379912289,
      -0.065199022000963641, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.00083447409075615604, 0.0025154597048599302,
      -0.013522249821276993, 9.9607474396378599e-06, 2.0977937488529556e-06, -8.9023951869968915e-06,
      0.049320337559657319, 0.0050539088738095466, -0.082293583070013498, 2.2035881945276899e-05,
      4.2776224814214506e-06, -4.8679677698020829e-05, 0.00051572616090600314, 0.00030055459444270006,
      -0.00011547545855255461, 1.0164443055937609e-08, -3.5096227454676266e-09, -1.3114408277960512e-08,
      0.058116592245358714, 0.0059313527454584267, -0.048254975024104391, -5.1613081203253043e-14,
      6.4388504646518738e-14, -4.0727461184561792e-13};
const std::vector<double> kPinnedGradRow1Atom1 = {
      -0.028721386839537129, 0.030482053708500888, -0.02807728573153213, -0.12723990150629594, 0.11265838292024917,
      -0.10087355763127553, -0.17346416934366987, 0.22024451133474693, -0.20566444870315587, -0.0098519963460978882,
      0.011135854077347419, -0.069879834509929087, -0.025195151257351067, 0.056413242366874429, -0.35895608968772524,
      -0.095378659905978824, 0.044720551907835922, -0.27647643762814123, -0.028923255842574193, 0.017294075110790712,
      -0.026035910039265378, -3.3908880288853443e-05, 1.843168192915787e-05, -2.2204652546101077e-05,
      0.060878334877700564, 0.13017241004576022, -0.050643643752835865, -0.00040298741510357255,
      0.00020608983284324428, -0.0002611109225471635, -0.030411695375614372, 0.028071401593629142,
      -0.10657440983496476, -0.0001235549938898676, 6.4350196670173926e-05, -0.00018732422308648976,
      0.049618681448453814, 0.073008593272041372, 0.063395969271974634, 0.00017471026228590346,
      8.7249916126979051e-05, -0.0016652413679577715, -0.0012906399706109147, 0.00098169222354262337,
      0.0021624248732332371, -3.5975762752722599e-08, 2.5070637086748112e-08, 6.6901727793292189e-08,
      -0.093839459426552752, 0.017912993425075865, 0.022960139494094312, 4.9758598113557585e-13,
      -5.7219562300872166e-14, 3.1341875254251993e-13};
const std::vector<double> kPinnedStrainRow1 = {
      -0.12440956490168126, -0.00082161671580451934, -0.035666870402575414, -0.00082161671580452704,
      -0.077978701611069776, 0.01439854287155481, -0.035666870402575407, 0.014398542871554808, -0.057086937679567677,
      -6.9108143325097467e-05, 3.1857181345285377e-05, -3.9762554165010839e-05, 3.185718134528537e-05,
      -1.9287061316498134e-05, 2.0930025524674511e-05, -3.9762554165010846e-05, 2.0930025524674508e-05,
      -2.8982853400040991e-05, -0.8449564104846401, -0.049054645236450312, -0.1765944435503376,
      -0.049054645236450367, -0.23412662650931215, -0.037771749818026945, -0.1765944435503376, -0.037771749818026952,
      -0.59813384977631734};
}  // namespace

TEST_CASE("ACSF: invariant to rotation, inversion, translation, permutation and image shifts", "[acsf]") {
  std::mt19937_64 rng(11);
  const Acsf a = test_set();
  for (int trial = 0; trial < 3; ++trial) {
    const Structure s = periodic_sample(rng, 10);
    const AcsfValues ref = values(a, s);
    REQUIRE(max_abs(ref.data) > 0.1);
    const auto id = identity(s.size());

    Structure r = s;  // rotation of positions and cell
    const Mat3 R = test::random_rotation(rng);
    r.positions = s.positions * R.transpose();
    r.cell = s.cell * R.transpose();
    CHECK(row_diff(values(a, r), ref, id) < 1e-10);

    Structure inv = s;  // inversion
    inv.positions = -s.positions;
    inv.cell = -s.cell;
    CHECK(row_diff(values(a, inv), ref, id) < 1e-10);

    Structure t = s;  // translation
    t.positions.rowwise() += Eigen::RowVector3d(0.37, -1.3, 2.9);
    CHECK(row_diff(values(a, t), ref, id) < 1e-10);

    Structure img = s;  // every atom moved by a random lattice vector
    std::uniform_int_distribution<int> shift(-2, 2);
    for (Eigen::Index i = 0; i < img.positions.rows(); ++i)
      img.positions.row(i) += shift(rng) * s.cell.row(0) + shift(rng) * s.cell.row(1) + shift(rng) * s.cell.row(2);
    CHECK(row_diff(values(a, img), ref, id) < 1e-10);

    std::vector<std::size_t> perm = id;  // permutation: atom i of s is atom perm[i] of p
    std::shuffle(perm.begin(), perm.end(), rng);
    Structure p = s;
    for (std::size_t i = 0; i < s.size(); ++i) {
      p.numbers[perm[i]] = s.numbers[i];
      p.positions.row(static_cast<Eigen::Index>(perm[i])) = s.positions.row(static_cast<Eigen::Index>(i));
    }
    CHECK(row_diff(ref, values(a, p), perm) < 1e-10);
  }
  // A cluster (no periodicity) as well.
  const Structure c = test::random_structure(rng, 9, {1, 8}, Mat3::Identity() * 5.0, {false, false, false}, 0.9);
  Structure rc = c;
  const Mat3 R = test::random_rotation(rng);
  rc.positions = c.positions * R.transpose();
  rc.positions.rowwise() += Eigen::RowVector3d(-3.0, 1.0, 0.5);
  CHECK(row_diff(values(a, rc), values(a, c), identity(c.size())) < 1e-10);
}

TEST_CASE("ACSF: analytic gradients match central finite differences (positions and strain)", "[acsf]") {
  std::mt19937_64 rng(5);
  SECTION("periodic, several images within the cutoff, every cutoff function") {
    for (CutoffType ct : {CutoffType::cos, CutoffType::tanhu, CutoffType::tanh, CutoffType::exp, CutoffType::poly1,
                          CutoffType::poly2, CutoffType::poly3, CutoffType::poly4}) {
      INFO("cutoff " << cutoff_type_name(ct));
      const double alpha = (ct == CutoffType::tanh || ct == CutoffType::tanhu) ? 0.0 : 0.3;
      check_gradients(test_set(ct, alpha), periodic_sample(rng, 6), 1e-6);
    }
  }
  SECTION("atoms just inside the cutoff") {
    // Centre O with neighbours at rc − 2e-3 (radial), and a pair whose j–k distance is just inside rc (narrow).
    const double rc = 4.0;
    for (CutoffType ct : {CutoffType::cos, CutoffType::tanhu, CutoffType::poly2, CutoffType::exp}) {
      INFO("cutoff " << cutoff_type_name(ct));
      Structure s;
      s.resize(4);
      s.numbers = {8, 1, 1, 8};
      s.positions << 0, 0, 0, rc - 2e-3, 0, 0, -1.0, 0.1, 0.0, 0.3, rc - 0.3, 0.2;
      check_gradients(test_set(ct, 0.0, rc), s, 1e-6);
    }
  }
  SECTION("accumulate() gives the forces and virial of E = Σ w·q, and agrees with the explicit gradients") {
    const Acsf a = test_set(CutoffType::poly3, 0.1);
    const Structure s = periodic_sample(rng, 8);
    const NeighborList nl = list_for(a, s);
    AcsfValues w = values(a, s);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (double& x : w.data) x = u(rng);
    auto energy = [&](const Structure& t) {
      const AcsfValues q = values(a, t);
      double e = 0.0;
      for (std::size_t r = 0; r < q.data.size(); ++r) e += w.data[r] * q.data[r];
      return e;
    };
    Matrix3N f = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
    Mat3 vir = Mat3::Zero();
    a.accumulate(s, nl, w, f, vir);
    CHECK(test::max_rel_diff(f, test::fd_forces(energy, s, 1e-5)) < 1e-6);
    CHECK(test::max_rel_diff(vir, test::fd_virial(energy, s, 1e-5)) < 1e-6);
    // Same numbers from the explicit sparse gradients.
    AcsfGradients g;
    const AcsfValues v = a.compute(s, nl, g);
    Matrix3N f2 = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
    Mat3 vir2 = Mat3::Zero();
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (std::size_t e = g.entry_offsets[i]; e < g.entry_offsets[i + 1]; ++e)
        for (std::size_t k = 0; k < v.row_size(i); ++k)
          for (int c = 0; c < 3; ++c)
            f2(g.atom[e], c) -= w.row(i)[k] * g.position[g.data_offsets[e] + 3 * k + static_cast<std::size_t>(c)];
      for (std::size_t k = 0; k < v.row_size(i); ++k)
        for (int x = 0; x < 3; ++x)
          for (int y = 0; y < 3; ++y) vir2(x, y) -= w.row(i)[k] * g.strain[(v.offsets[i] + k) * 9 + static_cast<std::size_t>(3 * x + y)];
    }
    CHECK(test::max_rel_diff(f2, f) < 1e-12);
    CHECK(test::max_rel_diff(vir2, vir) < 1e-12);
    CHECK(max_abs(v.data) > 0);
    CHECK(row_diff(v, values(a, s), identity(s.size())) == 0.0);
    // Forces sum to zero (translation invariance), the virial is symmetric (rotation invariance).
    CHECK(f.colwise().sum().norm() < 1e-10 * f.cwiseAbs().maxCoeff());
    CHECK((vir - vir.transpose()).cwiseAbs().maxCoeff() < 1e-10 * vir.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("ACSF: values and gradients go to zero continuously at the cutoff", "[acsf]") {
  const double rc = 4.0;
  for (CutoffType ct : {CutoffType::cos, CutoffType::tanhu, CutoffType::tanh, CutoffType::exp, CutoffType::poly1,
                        CutoffType::poly2, CutoffType::poly3, CutoffType::poly4}) {
    for (double alpha : {0.0, 0.5}) {
      INFO("cutoff " << cutoff_type_name(ct) << " alpha " << alpha);
      // Single-function sets so that nothing else masks the function that crosses the cutoff.
      const std::vector<Acsf> sets = {
          Acsf({radial(8, 1, 0.3, 0.5, rc, ct, alpha)}),
          Acsf({angular(SymmetryFunctionKind::angular_wide, 8, 1, 1, 0.1, 1.0, 2.0, rc, 0.0, ct, alpha)}),
          Acsf({angular(SymmetryFunctionKind::angular_narrow, 8, 1, 1, 0.1, 1.0, 2.0, rc, 0.0, ct, alpha)})};
      for (std::size_t which = 0; which < sets.size(); ++which) {
        INFO("function " << which);
        const Acsf& a = sets[which];
        // O at 0, H1 crossing the cutoff along x; H2 fixed well inside (and within rc of H1). What H1 adds:
        // the value minus the value with H1 far away, and dq/dr_H1.
        auto geometry = [&](double x) {
          Structure s;
          s.resize(3);
          s.numbers = {8, 1, 1};
          s.positions << 0, 0, 0, x, 0, 0, 2.0, 1.0, 0.0;
          return s;
        };
        const double far = values(a, geometry(3 * rc)).row(0)[0];
        std::vector<double> val, grad;
        for (double delta : {0.3, 1e-3, 1e-4, 1e-5, 0.0, -1e-5}) {
          const Structure s = geometry(rc - delta);
          AcsfGradients g;
          const AcsfValues v = a.compute(s, list_for(a, s), g);
          val.push_back(std::abs(v.row(0)[0] - far));
          double gm = 0.0;
          for (std::size_t e = g.entry_offsets[0]; e < g.entry_offsets[1]; ++e)
            if (g.atom[e] == 1)
              for (int c = 0; c < 3; ++c) gm = std::max(gm, std::abs(g.position[g.data_offsets[e] + static_cast<std::size_t>(c)]));
          grad.push_back(gm);
        }
        CHECK(val[0] > 0.0);
        CHECK(grad[0] > 0.0);
        for (std::size_t k = 1; k < 4; ++k) CHECK(val[k] <= val[k - 1] + 1e-12);  // up to rounding (poly4 cancels near x = 1)
        CHECK(val[3] < 1e-8);
        CHECK(grad[3] < 1e-3);
        CHECK(grad[3] <= grad[1]);
        CHECK(val[4] < 1e-15);
        CHECK(val[5] < 1e-15);
        CHECK(grad[4] == 0.0);
        CHECK(grad[5] == 0.0);
      }
    }
  }
}

TEST_CASE("ACSF: the j-k cutoff of narrow angular functions is continuous", "[acsf]") {
  const double rc = 4.0;
  for (CutoffType ct : {CutoffType::cos, CutoffType::tanhu, CutoffType::poly4}) {
    INFO("cutoff " << cutoff_type_name(ct));
    const Acsf a({angular(SymmetryFunctionKind::angular_narrow, 8, 1, 1, 0.1, 1.0, 2.0, rc, 0.0, ct, 0.0)});
    std::vector<double> val, grad;
    for (double delta : {1e-2, 1e-3, 1e-4, 1e-5, -1e-5}) {
      // O at the origin, H at ±(rc − δ)/2 along x: O–H well inside, H–H = rc − δ crosses the cutoff.
      Structure s;
      s.resize(3);
      s.numbers = {8, 1, 1};
      const double h = 0.5 * (rc - delta);
      s.positions << 0, 0, 0, h, 0.2, 0, -h, 0.2, 0;
      AcsfGradients g;
      const AcsfValues v = a.compute(s, list_for(a, s), g);
      val.push_back(std::abs(v.row(0)[0]));
      double gm = 0.0;
      for (std::size_t e = g.entry_offsets[0]; e < g.entry_offsets[1]; ++e)
        for (int c = 0; c < 3; ++c) gm = std::max(gm, std::abs(g.position[g.data_offsets[e] + static_cast<std::size_t>(c)]));
      grad.push_back(gm);
    }
    CHECK(val[0] > 0.0);
    CHECK(val[3] < 1e-8);
    CHECK(grad[3] < 1e-3);
    CHECK(val[4] == 0.0);
    CHECK(grad[4] == 0.0);
  }
}

TEST_CASE("ACSF: a replicated periodic cell gives identical per-atom descriptors", "[acsf]") {
  std::mt19937_64 rng(3);
  const Acsf a = test_set(CutoffType::tanhu);
  const Structure s = periodic_sample(rng, 7);
  const AcsfValues ref = values(a, s);
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
  CHECK(row_diff(values(a, big), ref, map) < 1e-10);
}

TEST_CASE("ACSF: hand-computed values for a water molecule", "[acsf]") {
  // O at the origin, H at 0.9572 Å, angle 104.52°.
  const double roh = 0.9572, theta = 104.52 * kPi / 180.0;
  Structure s;
  s.resize(3);
  s.numbers = {8, 1, 1};
  s.positions << 0, 0, 0, roh, 0, 0, roh * std::cos(theta), roh * std::sin(theta), 0;
  const double rhh = 2.0 * roh * std::sin(theta / 2.0);
  const double rc = 3.0;
  auto fcos = [&](double r) { return 0.5 * (std::cos(kPi * r / rc) + 1.0); };
  auto ftanh = [&](double r) { return std::pow(std::tanh(1.0 - r / rc), 3); };
  const auto N = SymmetryFunctionKind::angular_narrow;
  const auto W = SymmetryFunctionKind::angular_wide;
  const Acsf a({radial(8, 1, 0.7, 0.3, rc, CutoffType::cos, 0.0),          // O: G2 of the two H
                angular(N, 8, 1, 1, 0.4, -1.0, 3.0, rc, 0.2, CutoffType::cos, 0.0),  // O: G4 of the H–H pair
                angular(W, 8, 1, 1, 0.4, 1.0, 2.0, rc, 0.0, CutoffType::cos, 0.0),   // O: G5
                radial(1, 1, 1.1, 0.0, rc, CutoffType::tanhu, 0.0),        // H: G2 of the other H
                radial(1, 8, 1.1, 0.0, rc, CutoffType::tanhu, 0.0),        // H: G2 of the O
                angular(N, 1, 1, 8, 0.4, 1.0, 1.0, rc, 0.0, CutoffType::tanhu, 0.0)});  // H: G4 of the (O, H) pair
  const AcsfValues v = values(a, s);
  REQUIRE(v.row_size(0) == 3);
  REQUIRE(v.row_size(1) == 3);
  const double g2_o = 2.0 * std::exp(-0.7 * (roh - 0.3) * (roh - 0.3)) * fcos(roh);
  const double g4_o = std::pow(2.0, -2.0) * std::pow(1.0 - std::cos(theta), 3.0) *
                      std::exp(-0.4 * (2 * (roh - 0.2) * (roh - 0.2) + (rhh - 0.2) * (rhh - 0.2))) * fcos(roh) *
                      fcos(roh) * fcos(rhh);
  const double g5_o = std::pow(2.0, -1.0) * std::pow(1.0 + std::cos(theta), 2.0) * std::exp(-0.4 * 2 * roh * roh) *
                      fcos(roh) * fcos(roh);
  CHECK(v.row(0)[0] == Approx(g2_o).epsilon(1e-13));
  CHECK(v.row(0)[1] == Approx(g4_o).epsilon(1e-12));
  CHECK(v.row(0)[2] == Approx(g5_o).epsilon(1e-12));
  // H1: angle at H between O and H2 is (π − θ)/2.
  const double phi = (kPi - theta) / 2.0;
  for (std::size_t h : {1u, 2u}) {
    CHECK(v.row(h)[0] == Approx(std::exp(-1.1 * rhh * rhh) * ftanh(rhh)).epsilon(1e-13));
    CHECK(v.row(h)[1] == Approx(std::exp(-1.1 * roh * roh) * ftanh(roh)).epsilon(1e-13));
    const double g4_h = (1.0 + std::cos(phi)) * std::exp(-0.4 * (roh * roh + rhh * rhh + roh * roh)) * ftanh(roh) *
                        ftanh(rhh) * ftanh(roh);
    CHECK(v.row(h)[2] == Approx(g4_h).epsilon(1e-12));
  }
}

TEST_CASE("ACSF: cutoff functions follow n2p2's definitions", "[acsf]") {
  const double rc = 5.0, alpha = 0.4, rci = alpha * rc;
  for (double r : {0.5, 2.3, 3.1, 4.2, 4.99}) {
    const double x = r < rci ? 0.0 : (r - rci) / (rc - rci);
    auto f = [&](CutoffType t) {
      CutoffFunction c{t, rc, alpha};
      double v, d;
      c.evaluate(r, v, d);
      return v;
    };
    CHECK(f(CutoffType::hard) == 1.0);
    CHECK(f(CutoffType::cos) == Approx(0.5 * (std::cos(kPi * x) + 1.0)).epsilon(1e-14));
    CHECK(f(CutoffType::tanhu) == Approx(std::pow(std::tanh(1.0 - r / rc), 3)).epsilon(1e-14));
    const double e = std::exp(1.0);
    CHECK(f(CutoffType::tanh) ==
          Approx(std::pow((e + 1 / e) / (e - 1 / e), 3) * std::pow(std::tanh(1.0 - r / rc), 3)).epsilon(1e-13));
    CHECK(f(CutoffType::exp) == Approx(r < rci ? 1.0 : std::exp(1.0 - 1.0 / (1.0 - x * x))).epsilon(1e-13));
    CHECK(f(CutoffType::poly1) == Approx(2 * std::pow(x, 3) - 3 * x * x + 1).epsilon(1e-13).margin(1e-15));
    CHECK(f(CutoffType::poly2) == Approx(-6 * std::pow(x, 5) + 15 * std::pow(x, 4) - 10 * std::pow(x, 3) + 1).epsilon(1e-12).margin(1e-14));
    CHECK(f(CutoffType::poly3) ==
          Approx(20 * std::pow(x, 7) - 70 * std::pow(x, 6) + 84 * std::pow(x, 5) - 35 * std::pow(x, 4) + 1).epsilon(1e-12).margin(1e-14));
    CHECK(f(CutoffType::poly4) == Approx(-70 * std::pow(x, 9) + 315 * std::pow(x, 8) - 540 * std::pow(x, 7) +
                                          420 * std::pow(x, 6) - 126 * std::pow(x, 5) + 1).epsilon(1e-12).margin(1e-10));
    // Derivatives against finite differences.
    for (int t = 0; t <= 8; ++t) {
      CutoffFunction c{static_cast<CutoffType>(t), rc, alpha};
      double v, d, vp, vm, dd;
      c.evaluate(r, v, d);
      c.evaluate(r + 1e-6, vp, dd);
      c.evaluate(r - 1e-6, vm, dd);
      CHECK(d == Approx((vp - vm) / 2e-6).epsilon(1e-6).margin(1e-7));
    }
  }
}

TEST_CASE("ACSF: JSON parameters round-trip and are validated", "[acsf]") {
  const Acsf a = test_set(CutoffType::poly2, 0.25);
  const Acsf b = Acsf::from_json(a.to_json());
  REQUIRE(b.functions().size() == a.functions().size());
  CHECK(b.to_json() == a.to_json());
  CHECK(b.size(1) == a.size(1));
  CHECK(b.cutoff() == a.cutoff());
  const Acsf c = Acsf::from_json(R"({"type": "acsf", "cutoff": "tanhu", "functions": [
      {"kind": "radial", "center": "O", "neighbors": ["H"], "eta": 0.1, "rcut": 6},
      {"kind": 9, "center": 8, "neighbors": ["H", "O"], "eta": 0.1, "lambda": -1, "zeta": 2, "rcut": 5,
       "cutoff": "poly3", "cutoff_alpha": 0.2}]})");
  REQUIRE(c.size(8) == 2);
  CHECK(c.functions(8)[0].cutoff == CutoffType::tanhu);
  CHECK(c.functions(8)[1].kind == SymmetryFunctionKind::angular_wide);
  CHECK(c.functions(8)[1].cutoff == CutoffType::poly3);
  CHECK(c.functions(8)[1].cutoff_alpha == 0.2);
  CHECK(c.cutoff() == 6.0);
  CHECK(c.size(1) == 0);
  CHECK_THROWS_AS(Acsf::from_json("{"), InputError);
  CHECK_THROWS_AS(Acsf::from_json(R"({"functions": [{"kind": "radial", "center": "Xx", "neighbors": ["H"], "eta": 1, "rcut": 5}]})"), InputError);
  CHECK_THROWS_AS(Acsf::from_json(R"({"functions": [{"kind": "radial", "center": "H", "neighbors": ["H"], "eta": 1}]})"), InputError);
  CHECK_THROWS_AS(Acsf::from_json(R"({"functions": [{"kind": 3, "center": "H", "neighbors": ["H"], "eta": 1, "lambda": 1, "zeta": 1, "rcut": 5}]})"), InputError);
  CHECK_THROWS_AS(Acsf::from_json(R"({"functions": [{"kind": 3, "center": "H", "neighbors": ["H", "H"], "eta": 1, "lambda": 1, "zeta": 0.5, "rcut": 5}]})"), InputError);
  CHECK_THROWS_AS(Acsf::from_json(R"({"cutoff": "cosine", "functions": []})"), InputError);
  CHECK_THROWS_AS(Acsf::from_json(R"({"cutoff_alpha": 1.0, "functions": [{"kind": "radial", "center": "H", "neighbors": ["H"], "eta": 1, "rcut": 5}]})"), InputError);
  // A neighbour list shorter than the descriptor cutoff is refused.
  Structure s;
  s.resize(2);
  s.numbers = {8, 1};
  s.positions << 0, 0, 0, 1, 0, 0;
  NeighborListOptions o;
  o.cutoff = 3.0;
  CHECK_THROWS_AS(c.compute(s, NeighborList(s, o)), InputError);
}

TEST_CASE("ACSF: n2p2 input.nn lines", "[acsf]") {
  const std::string text = R"(
cutoff_type 6 0.1   # poly2 with inner cutoff
symfunction_short O 2 H 0.001 0.0 12.00
symfunction_short H 3 O H 0.2  1.0 1.0  12.00000
symfunction_short H 9 H H 0.07 -1.0 4.0  11.0 1.5
#symfunction_short H 2 H 0.01  0.0 12.00
)";
  const Acsf a = Acsf::from_n2p2(text);
  REQUIRE(a.size(8) == 1);
  REQUIRE(a.size(1) == 2);
  const SymmetryFunction& g = a.functions(1)[1];
  CHECK(g.kind == SymmetryFunctionKind::angular_wide);
  CHECK(g.lambda == -1.0);
  CHECK(g.zeta == 4.0);
  CHECK(g.rcut == 11.0);
  CHECK(g.rshift == 1.5);
  CHECK(g.cutoff == CutoffType::poly2);
  CHECK(g.cutoff_alpha == 0.1);
  CHECK(a.functions(1)[0].neighbor1 == 8);
  CHECK_THROWS_AS(Acsf::from_n2p2("cutoff_type 1\nsymfunction_short H 12 H 0.1 0 0 6\n"), InputError);
  CHECK_THROWS_AS(Acsf::from_n2p2("symfunction_short H 2 H 0.1 0 6\n"), InputError);

  const std::string path = test::shared_data("n2p2_h2o_rpbe_d3/potential/input.nn");
  if (path.empty()) MLP_SKIP("shared data absent");
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  const Acsf w = Acsf::from_n2p2(buf.str());
  CHECK(w.size(1) == 27);
  CHECK(w.size(8) == 30);
  CHECK(w.cutoff() == 12.0);  // Bohr: the descriptor does not convert units
  for (const SymmetryFunction& f : w.functions()) CHECK(f.cutoff == CutoffType::tanhu);
}

TEST_CASE("ACSF: automatic preset", "[acsf]") {
  AcsfPresetOptions o;
  o.elements = {8, 1};
  o.radial = 6;
  o.rcut = 5.0;
  const Acsf a = Acsf::preset(o);
  // Per centre: 2 neighbour elements × 6 radial + 3 element pairs × 3 η × 3 ζ × 2 λ.
  CHECK(a.size(1) == 2 * 6 + 3 * 3 * 3 * 2);
  CHECK(a.size(8) == a.size(1));
  CHECK(a.cutoff() == 5.0);
  CHECK(a.functions(1)[5].rshift == Approx(5.0));
  o.shifted = false;
  const Acsf b = Acsf::preset(o);
  CHECK(b.functions(8)[0].rshift == 0.0);
  CHECK(b.functions(8)[0].eta > b.functions(8)[1].eta);
  o.elements.clear();
  CHECK_THROWS_AS(Acsf::preset(o), InputError);
}

TEST_CASE("ACSF: automatic preset with angular shells and a shorter angular cutoff", "[acsf]") {
  const Acsf a = Acsf::from_json(R"({"type": "acsf", "auto": {"elements": ["H", "O"], "rcut": 5.2, "radial": 4,
      "angular_eta": [4], "angular_zeta": [1, 4], "angular_rshift": [0.9, 1.55, 2.2], "angular_rcut": 3.5}})");
  // Per centre: 2 × 4 radial + 3 element pairs × 3 shells × 1 η × 2 ζ × 2 λ.
  REQUIRE(a.size(1) == 2 * 4 + 3 * 3 * 2 * 2);
  std::vector<double> shells;
  for (const SymmetryFunction& f : a.functions(8)) {
    if (f.kind == SymmetryFunctionKind::radial) {
      CHECK(f.rcut == 5.2);
      continue;
    }
    CHECK(f.rcut == 3.5);
    CHECK(f.eta == 4.0);
    shells.push_back(f.rshift);
  }
  std::sort(shells.begin(), shells.end());
  shells.erase(std::unique(shells.begin(), shells.end()), shells.end());
  CHECK(shells == std::vector<double>{0.9, 1.55, 2.2});
  CHECK(a.cutoff() == 5.2);
  // The shells reach the values: a neighbour pair at 1.55 Å weighs most in the 1.55 Å shell.
  Structure s;
  s.resize(3);
  s.numbers = {1, 8, 8};
  s.positions << 0, 0, 0, 1.55, 0, 0, 0, 1.55, 0;
  const AcsfValues q = compute_descriptors(a, s);
  const std::vector<double> row(q.row(0), q.row(0) + q.row_size(0));
  double best = -1.0, best_shift = 0.0;
  for (std::size_t k = 0; k < row.size(); ++k) {
    const SymmetryFunction& f = a.functions(1)[k];
    if (f.kind != SymmetryFunctionKind::radial && f.neighbor1 == 8 && f.neighbor2 == 8 && f.zeta == 1.0 &&
        f.lambda == 1.0 && row[k] > best) {
      best = row[k];
      best_shift = f.rshift;
    }
  }
  CHECK(best_shift == 1.55);
  CHECK_THROWS_AS(Acsf::from_json(R"({"type": "acsf", "auto": {"elements": ["H"], "angular_rcut": 9}})"), InputError);
  CHECK_THROWS_AS(Acsf::from_json(R"({"type": "acsf", "auto": {"elements": ["H"], "angular_rshift": []}})"),
                  InputError);
}

TEST_CASE("ACSF: values, gradients, forces and virial equal the reference implementation", "[acsf]") {
  // Guards the optimised kernels: rewrites change the order of floating-point sums, never the numbers beyond
  // rounding. Rows are compared entry by entry, signed arrays relative to their largest entry.
  const Structure s = pinned_structure();
  for (const PinnedCase& c : pinned_cases()) {
    INFO("cutoff " << cutoff_type_name(c.cutoff));
    const Acsf a = test_set(c.cutoff, c.alpha);
    const NeighborList nl = list_for(a, s);
    const AcsfValues q = a.compute(s, nl);
    CHECK(entrywise(std::vector<double>(q.row(0), q.row(0) + q.row_size(0)), c.row0) < 1e-12);
    CHECK(entrywise(std::vector<double>(q.row(1), q.row(1) + q.row_size(1)), c.row1) < 1e-12);
    Matrix3N f = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
    Mat3 vir = Mat3::Zero();
    a.accumulate(s, nl, pinned_weights(q), f, vir);
    std::vector<double> fv, vv;
    for (Eigen::Index i = 0; i < f.rows(); ++i)
      for (int x = 0; x < 3; ++x) fv.push_back(f(i, x));
    for (int x = 0; x < 3; ++x)
      for (int y = 0; y < 3; ++y) vv.push_back(vir(x, y));
    CHECK(normwise(fv, c.forces) < 1e-12);
    CHECK(normwise(vv, c.virial) < 1e-12);
    if (c.cutoff != CutoffType::cos) continue;
    AcsfGradients g;
    const AcsfValues v = a.compute(s, nl, g);
    CHECK(v.data == q.data);
    REQUIRE(g.entry_offsets[2] - g.entry_offsets[1] == 9);
    const std::size_t n = v.row_size(1);
    for (std::size_t e = g.entry_offsets[1]; e < g.entry_offsets[2]; ++e) {
      if (g.atom[e] != 0 && g.atom[e] != 1) continue;
      const double* block = g.position.data() + g.data_offsets[e];
      CHECK(normwise(std::vector<double>(block, block + 3 * n), g.atom[e] == 0 ? kPinnedGradRow1Atom0
                                                                              : kPinnedGradRow1Atom1) < 1e-12);
    }
    const double* strain = g.strain.data() + (v.offsets[1] + 6) * 9;  // values 6..8: the first angular ones
    CHECK(normwise(std::vector<double>(strain, strain + 27), kPinnedStrainRow1) < 1e-12);
  }
}

TEST_CASE("ACSF: one and two OpenMP threads give identical bits", "[acsf][threads]") {
  // Rows are per atom, gradient slices are sized per atom before the parallel loop, and accumulate() sums the
  // forces serially in list order: the number of threads must not change a single bit.
  std::mt19937_64 rng(23);
  const int before = omp_get_max_threads();
  struct Result {
    AcsfValues q, qg;
    AcsfGradients g;
    Matrix3N f;
    Mat3 vir;
  };
  auto run = [](const Acsf& a, const Structure& s, int threads) {
    omp_set_num_threads(threads);
    const NeighborList nl = list_for(a, s);
    Result r;
    r.q = a.compute(s, nl);
    r.qg = a.compute(s, nl, r.g);
    r.f = Matrix3N::Constant(static_cast<Eigen::Index>(s.size()), 3, 0.25);  // accumulate() adds to what is there
    r.vir = Mat3::Constant(-0.5);
    a.accumulate(s, nl, pinned_weights(r.q), r.f, r.vir);
    return r;
  };
  // Large enough for every thread to get many atoms of both elements; the tanhu set takes the vectorised cutoff
  // path, the cos set the scalar one.
  const Structure big = test::random_structure(rng, 120, {1, 8}, test::random_cell(rng, 9.0, 10.0), {true, true, true}, 0.9);
  for (const Structure& s : {pinned_structure(), big}) {
    for (const Acsf& a : {test_set(CutoffType::tanhu), test_set(CutoffType::cos)}) {
      const Result one = run(a, s, 1), two = run(a, s, 2);
      CHECK(max_abs(one.q.data) > 0.0);
      CHECK(one.q.data == two.q.data);
      CHECK(one.qg.data == two.qg.data);
      CHECK(one.g.entry_offsets == two.g.entry_offsets);
      CHECK(one.g.atom == two.g.atom);
      CHECK(one.g.data_offsets == two.g.data_offsets);
      CHECK(one.g.position == two.g.position);
      CHECK(one.g.strain == two.g.strain);
      CHECK(one.f == two.f);
      CHECK(one.vir == two.vir);
    }
  }
  omp_set_num_threads(before);
}
