// The mlp-check battery. Definitions and tolerances: man/mlp-check.1 (keep both in step).
#include "mlp/check/checks.hpp"

#include <omp.h>

#include <Eigen/Geometry>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/md/dynamics.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/svg_plot.hpp"

namespace mlp::check {
namespace {

const char* const kNames[] = {"",         "translation", "rotation", "permutation",  "periodic",  "conservative",
                              "cutoff",   "locality",    "nve",      "fusion",       "determinism", "charge"};

double tol(const Options& o, const std::string& key) {
  auto it = o.tol.find(key);
  if (it == o.tol.end()) throw InputError("unknown tolerance '" + key + "'", "--tolerance");
  return it->second;
}

// ---- structure helpers ---------------------------------------------------------------------------------------

/// Atoms `idx` of s (per-atom columns follow), in that order.
Structure select(const Structure& s, const std::vector<std::size_t>& idx) {
  Structure t;
  t.cell = s.cell;
  t.pbc = s.pbc;
  t.source = s.source;
  t.resize(idx.size());
  for (std::size_t k = 0; k < idx.size(); ++k) {
    t.numbers[k] = s.numbers[idx[k]];
    t.positions.row(static_cast<Eigen::Index>(k)) = s.positions.row(static_cast<Eigen::Index>(idx[k]));
  }
  for (const auto& [key, a] : s.arrays.items()) {
    AtomArray b;
    b.type = a.type;
    b.width = a.width;
    const auto w = static_cast<std::size_t>(a.width);
    for (std::size_t i : idx)
      for (std::size_t c = 0; c < w; ++c) {
        if (!a.reals.empty()) b.reals.push_back(a.reals[i * w + c]);
        if (!a.integers.empty()) b.integers.push_back(a.integers[i * w + c]);
        if (!a.strings.empty()) b.strings.push_back(a.strings[i * w + c]);
        if (!a.logicals.empty()) b.logicals.push_back(a.logicals[i * w + c]);
      }
    t.arrays.set(key, std::move(b));
  }
  return t;
}

/// Atoms of a followed by atoms of b (a's cell and pbc).
Structure concat(const Structure& a, const Structure& b) {
  std::vector<std::size_t> ia(a.size()), ib(b.size());
  std::iota(ia.begin(), ia.end(), 0);
  std::iota(ib.begin(), ib.end(), 0);
  Structure t = select(a, ia);
  const Structure u = select(b, ib);
  const std::size_t n = a.size();
  t.resize(n + b.size());
  for (std::size_t k = 0; k < b.size(); ++k) {
    t.numbers[n + k] = b.numbers[k];
    t.positions.row(static_cast<Eigen::Index>(n + k)) = b.positions.row(static_cast<Eigen::Index>(k));
  }
  for (auto& [key, col] : t.arrays.items()) {
    const AtomArray* other = u.arrays.find(key);
    if (!other) throw InputError("per-atom column '" + key + "' missing in one fragment");
    col.reals.insert(col.reals.end(), other->reals.begin(), other->reals.end());
    col.integers.insert(col.integers.end(), other->integers.begin(), other->integers.end());
    col.strings.insert(col.strings.end(), other->strings.begin(), other->strings.end());
    col.logicals.insert(col.logicals.end(), other->logicals.begin(), other->logicals.end());
  }
  return t;
}

/// The structure without its labels and metadata (only what a model may read: atoms, cell, pbc, columns).
Structure clean(const Structure& s) {
  std::vector<std::size_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  Structure t = select(s, idx);
  for (const char* k : {"forces", "MLP_forces", "MLP_energies", "energies", "velocities", "momenta"})
    t.arrays.erase(k);
  for (const char* k : {"total_charge", "charge"})  // a state variable of charge models, not a label
    if (const auto q = s.info.real(k)) t.info.set(k, *q);
  return t;
}

/// Positions and cell mapped by x -> M x (rows: x^T M^T).
Structure transformed(const Structure& s, const Mat3& m) {
  Structure t = s;
  t.positions = s.positions * m.transpose();
  t.cell = s.cell * m.transpose();
  return t;
}

/// Isolated dimer Z1 at the origin, Z2 at (r, 0, 0).
Structure dimer(int z1, int z2, double r) {
  Structure d;
  d.resize(2);
  d.numbers = {z1, z2};
  d.positions.setZero();
  d.positions(1, 0) = r;
  return d;
}

bool periodic3(const Structure& s) { return s.pbc[0] && s.pbc[1] && s.pbc[2]; }

// ---- comparisons ---------------------------------------------------------------------------------------------

double energy_scale(double e, std::size_t n) { return std::max(std::abs(e), 0.01 * static_cast<double>(n)); }
double rel_energy(double a, double b, std::size_t n) { return std::abs(a - b) / energy_scale(b, n); }
template <class A, class B>
double rel_max(const A& a, const B& b, double floor) {
  if (a.size() == 0) return 0.0;
  return (a - b).cwiseAbs().maxCoeff() / std::max(b.cwiseAbs().maxCoeff(), floor);
}

struct Ctx {
  const Model& model;
  const Structure& s;  // cleaned
  const Options& o;
  Result& r;
  std::mt19937_64 rng;
  EvalResult eval(const Structure& t, bool virial = false, bool atoms = false) const {
    EvalRequest q;
    q.forces = true;
    q.virial = virial;
    q.atom_energies = atoms;
    return evaluate(model, t, q);
  }
  double energy(const Structure& t) const {
    EvalRequest q;
    q.forces = false;
    q.virial = false;
    return evaluate(model, t, q).energy;
  }
  void metric(const std::string& name, double value, double tolerance, const std::string& unit) {
    r.metrics.push_back({name, value, tolerance, unit, value <= tolerance});
  }
  void info(const std::string& name, double value, const std::string& unit) {
    r.metrics.push_back({name, value, std::numeric_limits<double>::infinity(), unit, true});
  }
  /// The range checks 6 and 7 test: --cutoff, else the model's cutoff, else 0 (none) for long-range models.
  double model_cutoff() const { return o.cutoff >= 0 ? o.cutoff : model.long_range() ? 0.0 : model.cutoff(); }
};

std::vector<std::pair<int, int>> element_pairs(const Model& model, const Structure& s) {
  std::set<int> z(s.numbers.begin(), s.numbers.end());
  std::vector<std::pair<int, int>> pairs;
  for (int a : z)
    for (int b : z) {
      std::string why;
      if (a <= b && model.supports({a, b}, why)) pairs.emplace_back(a, b);
    }
  return pairs;
}

std::string pair_name(int a, int b) { return element_symbol(a) + "-" + element_symbol(b); }

// ---- 1 translation -------------------------------------------------------------------------------------------
void translation(Ctx& c) {
  const EvalResult r0 = c.eval(c.s);
  std::uniform_real_distribution<double> u(-5.0, 5.0);
  double de = 0, df = 0;
  for (int k = 0; k < 3; ++k) {
    Structure t = c.s;
    const Vec3 shift(u(c.rng), u(c.rng), u(c.rng));
    t.positions.rowwise() += shift.transpose();
    const EvalResult r1 = c.eval(t);
    de = std::max(de, rel_energy(r1.energy, r0.energy, c.s.size()));
    df = std::max(df, rel_max(r1.forces, r0.forces, 0.1));
  }
  c.metric("energy change (relative)", de, tol(c.o, "invariance_energy"), "1");
  c.metric("force change (relative)", df, tol(c.o, "invariance_force"), "1");
}

// ---- 2 rotation and inversion --------------------------------------------------------------------------------
void rotation(Ctx& c) {
  const bool vir = periodic3(c.s);
  const EvalResult r0 = c.eval(c.s, vir);
  std::vector<Mat3> rots;
  for (int axis = 0; axis < 3; ++axis) {  // exact 90° rotations about x, y, z
    Mat3 m = Mat3::Zero();
    const int a = (axis + 1) % 3, b = (axis + 2) % 3;
    m(axis, axis) = 1;
    m(a, b) = -1;
    m(b, a) = 1;
    rots.push_back(m);
  }
  std::normal_distribution<double> g;
  for (int k = 0; k < 3; ++k) {
    Eigen::Quaterniond q(g(c.rng), g(c.rng), g(c.rng), g(c.rng));
    q.normalize();
    rots.push_back(q.toRotationMatrix());
  }
  auto compare = [&](const Mat3& m, double& de, double& df, double& dv) {
    const EvalResult r1 = c.eval(transformed(c.s, m), vir);
    de = std::max(de, rel_energy(r1.energy, r0.energy, c.s.size()));
    const Matrix3N f = r0.forces * m.transpose();
    df = std::max(df, rel_max(r1.forces, f, 0.1));
    if (vir) dv = std::max(dv, rel_max(r1.virial, Mat3(m * r0.virial * m.transpose()), 0.01 * c.s.size()));
  };
  double de = 0, df = 0, dv = 0, ie = 0, iff = 0, iv = 0;
  for (const Mat3& m : rots) compare(m, de, df, dv);
  compare(-Mat3::Identity(), ie, iff, iv);
  c.metric("rotation: energy change (relative)", de, tol(c.o, "invariance_energy"), "1");
  c.metric("rotation: force equivariance (relative)", df, tol(c.o, "invariance_force"), "1");
  if (vir) c.metric("rotation: virial equivariance (relative)", dv, tol(c.o, "invariance_force"), "1");
  c.metric("inversion: energy change (relative)", ie, tol(c.o, "invariance_energy"), "1");
  c.metric("inversion: force equivariance (relative)", iff, tol(c.o, "invariance_force"), "1");
}

// ---- 3 permutation -------------------------------------------------------------------------------------------
void permutation(Ctx& c) {
  const EvalResult r0 = c.eval(c.s);
  double de = 0, df = 0;
  for (int k = 0; k < 2; ++k) {
    std::vector<std::size_t> perm(c.s.size());
    std::iota(perm.begin(), perm.end(), 0);
    if (k == 0) {  // only atoms of the same element trade places
      std::map<int, std::vector<std::size_t>> by;
      for (std::size_t i = 0; i < perm.size(); ++i) by[c.s.numbers[i]].push_back(i);
      for (auto& [z, idx] : by) {
        std::vector<std::size_t> shuffled = idx;
        std::shuffle(shuffled.begin(), shuffled.end(), c.rng);
        for (std::size_t q = 0; q < idx.size(); ++q) perm[idx[q]] = shuffled[q];
      }
    } else {  // any order of the atoms
      std::shuffle(perm.begin(), perm.end(), c.rng);
    }
    const EvalResult r1 = c.eval(select(c.s, perm));
    Matrix3N f(perm.size(), 3);
    for (std::size_t q = 0; q < perm.size(); ++q)
      f.row(static_cast<Eigen::Index>(q)) = r0.forces.row(static_cast<Eigen::Index>(perm[q]));
    de = std::max(de, rel_energy(r1.energy, r0.energy, c.s.size()));
    df = std::max(df, rel_max(r1.forces, f, 0.1));
  }
  c.metric("energy change (relative)", de, tol(c.o, "invariance_energy"), "1");
  c.metric("forces permute (relative)", df, tol(c.o, "invariance_force"), "1");
}

// ---- 4 periodic images ---------------------------------------------------------------------------------------
void periodic(Ctx& c) {
  if (!c.s.any_periodic()) {
    c.r.status = Status::Skip;
    c.r.message = "structure is not periodic";
    return;
  }
  const bool vir = periodic3(c.s);
  const EvalResult r0 = c.eval(c.s, vir);
  const Mat3 inv = c.s.cell.inverse();
  // Wrapped into the cell, and shifted by random lattice vectors.
  Structure w = c.s, sh = c.s;
  std::uniform_int_distribution<int> k(-2, 2);
  for (std::size_t i = 0; i < c.s.size(); ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    Eigen::RowVector3d f = c.s.positions.row(ii) * inv, g = Eigen::RowVector3d::Zero();
    for (int d = 0; d < 3; ++d)
      if (c.s.pbc[d]) {
        f[d] -= std::floor(f[d]);
        g[d] = k(c.rng);
      }
    w.positions.row(ii) = f * c.s.cell;
    sh.positions.row(ii) = c.s.positions.row(ii) + g * c.s.cell;
  }
  double de = 0, df = 0;
  for (const Structure* t : {&w, &sh}) {
    const EvalResult r1 = c.eval(*t);
    de = std::max(de, rel_energy(r1.energy, r0.energy, c.s.size()));
    df = std::max(df, rel_max(r1.forces, r0.forces, 0.1));
  }
  c.metric("wrap/lattice shift: energy change (relative)", de, tol(c.o, "invariance_energy"), "1");
  c.metric("wrap/lattice shift: force change (relative)", df, tol(c.o, "invariance_force"), "1");
  // Supercell: 2 along each periodic direction (only the first one for large structures).
  std::array<int, 3> rep{1, 1, 1};
  for (int d = 0; d < 3; ++d)
    if (c.s.pbc[d] && (c.s.size() * 8 <= 2000 || d == (c.s.pbc[0] ? 0 : c.s.pbc[1] ? 1 : 2))) rep[d] = 2;
  Structure sup;
  bool first = true;
  for (int a = 0; a < rep[0]; ++a)
    for (int b = 0; b < rep[1]; ++b)
      for (int cc = 0; cc < rep[2]; ++cc) {
        Structure t = c.s;
        t.positions.rowwise() += (Eigen::RowVector3d(a, b, cc) * c.s.cell);
        sup = first ? t : concat(sup, t);
        first = false;
      }
  for (int d = 0; d < 3; ++d) sup.cell.row(d) = c.s.cell.row(d) * rep[d];
  const double k_copies = rep[0] * rep[1] * rep[2];
  const EvalResult rs = c.eval(sup, vir);
  Matrix3N tiled(sup.size(), 3);
  for (Eigen::Index i = 0; i < tiled.rows(); ++i) tiled.row(i) = r0.forces.row(i % r0.forces.rows());
  c.metric("supercell: energy/copies change (relative)",
           rel_energy(rs.energy / k_copies, r0.energy, c.s.size()), tol(c.o, "invariance_energy"), "1");
  c.metric("supercell: force change (relative)", rel_max(rs.forces, tiled, 0.1), tol(c.o, "invariance_force"), "1");
  if (vir)
    c.metric("supercell: virial/copies change (relative)", rel_max(Mat3(rs.virial / k_copies), r0.virial,
                                                                   0.01 * c.s.size()),
             tol(c.o, "invariance_force"), "1");
}

// ---- 5 conservative forces -----------------------------------------------------------------------------------
void conservative(Ctx& c) {
  const bool vir = periodic3(c.s);
  const EvalResult r0 = c.eval(c.s, vir);
  std::vector<std::size_t> atoms(c.s.size());
  std::iota(atoms.begin(), atoms.end(), 0);
  std::shuffle(atoms.begin(), atoms.end(), c.rng);
  atoms.resize(std::min(atoms.size(), c.o.fd_atoms));
  const std::vector<double> steps{1e-2, 1e-3, 1e-4, 1e-5};
  std::vector<double> lx, ly;
  double best = std::numeric_limits<double>::infinity(), best_h = 0;
  for (double h : steps) {
    double err = 0, scale = 0.1;
    for (std::size_t i : atoms)
      for (int d = 0; d < 3; ++d) {
        Structure t = c.s;
        const auto ii = static_cast<Eigen::Index>(i);
        t.positions(ii, d) += h;
        const double ep = c.energy(t);
        t.positions(ii, d) -= 2 * h;
        const double em = c.energy(t);
        const double fd = -(ep - em) / (2 * h);
        err = std::max(err, std::abs(fd - r0.forces(ii, d)));
        scale = std::max(scale, std::abs(r0.forces(ii, d)));
      }
    err /= scale;
    char name[64];
    std::snprintf(name, sizeof name, "force vs FD, step %g A (relative)", h);
    c.info(name, err, "1");
    lx.push_back(std::log10(h));
    ly.push_back(std::log10(std::max(err, 1e-17)));
    if (err < best) best = err, best_h = h;
  }
  c.metric("force vs FD, best step (relative)", best, tol(c.o, "fd_force"), "1");
  c.info("best step", best_h, "A");
  std::vector<SvgPanel> panels{{"Forces vs central differences", "log10 step (A)", "log10 relative max error",
                                {{lx, ly, "forces", "#1f77b4", true}}, false, ""}};
  if (vir) {
    std::vector<double> sx, sy;
    double sbest = std::numeric_limits<double>::infinity();
    for (double h : {1e-3, 1e-4, 1e-5, 1e-6}) {
      Mat3 w = Mat3::Zero();
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {  // every entry of the deformation gradient I + eps (W = -dE/d eps)
          Mat3 eps = Mat3::Zero();
          eps(a, b) = h;
          const double ep = c.energy(transformed(c.s, Mat3(Mat3::Identity() + eps)));
          const double em = c.energy(transformed(c.s, Mat3(Mat3::Identity() - eps)));
          w(a, b) = -(ep - em) / (2 * h);
        }
      const double err = rel_max(r0.virial, w, 0.01 * c.s.size());
      char name[64];
      std::snprintf(name, sizeof name, "virial vs FD, strain %g (relative)", h);
      c.info(name, err, "1");
      sx.push_back(std::log10(h));
      sy.push_back(std::log10(std::max(err, 1e-17)));
      sbest = std::min(sbest, err);
    }
    c.metric("stress vs FD under strain, best step (relative)", sbest, tol(c.o, "fd_stress"), "1");
    panels.push_back({"Virial vs strain differences", "log10 strain", "log10 relative max error",
                      {{sx, sy, "virial", "#d62728", true}}, false, ""});
  }
  c.r.plots.push_back({"conservative_fd.svg", render_svg(panels)});
}

// ---- 6 smooth cutoff -----------------------------------------------------------------------------------------
void cutoff(Ctx& c) {
  const double rc = c.model_cutoff();
  if (!(rc > 0)) {
    c.r.status = Status::Skip;
    c.r.message = c.model.long_range() ? "the model has a long-range term (electrostatics): no finite cutoff"
                                       : "the model reports no finite cutoff (give --cutoff)";
    return;
  }
  double jump = 0, fin = 0, cont = 0, tail = 0, fjump = 0;
  std::vector<SvgPanel> panels;
  for (auto [za, zb] : element_pairs(c.model, c.s)) {
    auto at = [&](double r, double& e, double& f) {
      const EvalResult q = c.eval(dimer(za, zb, r));
      e = q.energy;
      f = q.forces(1, 0);
    };
    const double lo = std::max(rc - 1.0, 0.5 * rc), hi = rc + 0.5, step = 2e-3;
    const int n = static_cast<int>(std::lround((hi - lo) / step));
    std::vector<double> xs, es, fs;
    for (int k = 0; k <= n; ++k) {
      double e, f;
      at(lo + k * step, e, f);
      xs.push_back(lo + k * step);
      es.push_back(e);
      fs.push_back(f);
    }
    for (int k = 1; k + 1 < n; ++k) {  // a force step stands out from the changes on either side of it
      const double d0 = std::abs(fs[k] - fs[k - 1]), d1 = std::abs(fs[k + 1] - fs[k]),
                   d2 = std::abs(fs[k + 2] - fs[k + 1]);
      fjump = std::max(fjump, d1 - 2 * std::max(d0, d2));
    }
    for (int k = 0; k < n; ++k) {
      const double de = es[k + 1] - es[k];
      const double res = std::abs(de + 0.5 * (fs[k] + fs[k + 1]) * step);
      cont = std::max(cont, res - 1e-3 * std::abs(de));
      if (xs[k] > rc + 1e-9) tail = std::max(tail, std::abs(es[k] - es[n]));
    }
    double ein, fin_, eout, fout;
    at(rc - 1e-6, ein, fin_);
    at(rc + 1e-6, eout, fout);
    jump = std::max(jump, std::abs(ein - eout));
    fin = std::max({fin, std::abs(fin_), std::abs(fout)});
    if (panels.size() < 6)
      panels.push_back({pair_name(za, zb) + " dimer across the cutoff", "r (A)", "E (eV), F (eV/A)",
                        {{xs, es, "energy", "#1f77b4", true}, {xs, fs, "force on 2nd atom", "#d62728", true}},
                        false, "cutoff " + std::to_string(rc) + " A"});
  }
  if (panels.empty()) {
    c.r.status = Status::Skip;
    c.r.message = "no element pair the model supports";
    return;
  }
  c.metric("energy jump at the cutoff", jump, tol(c.o, "cutoff_energy"), "eV");
  c.metric("force at the cutoff", fin, tol(c.o, "cutoff_force"), "eV/A");
  c.metric("energy jump not explained by forces (scan)", std::max(cont, 0.0), tol(c.o, "cutoff_continuity"), "eV");
  c.metric("energy change beyond the cutoff", tail, tol(c.o, "cutoff_continuity"), "eV");
  c.metric("force step along the scan", std::max(fjump, 0.0), tol(c.o, "cutoff_force"), "eV/A");
  c.r.plots.push_back({"cutoff.svg", render_svg(panels)});
}

// ---- 7 locality ----------------------------------------------------------------------------------------------
void locality(Ctx& c) {
  const double rc = c.model_cutoff();
  if (!(rc > 0)) {
    c.r.status = Status::Skip;
    c.r.message = c.model.long_range() ? "the model has a long-range term (electrostatics): not local"
                                       : "the model reports no finite cutoff (give --cutoff)";
    return;
  }
  Structure a = c.s;  // the atoms of the structure as an isolated cluster
  a.pbc = {false, false, false};
  a.cell.setZero();
  const Eigen::RowVector3d centre = a.positions.colwise().mean();
  const double radius = (a.positions.rowwise() - centre).rowwise().norm().maxCoeff();
  // Two fragments far apart: the cluster and its first third, 2 cutoffs + 5 Å beyond.
  std::vector<std::size_t> part((a.size() + 2) / 3);
  std::iota(part.begin(), part.end(), 0);
  Structure b = select(a, part);
  b.positions.rowwise() += Eigen::RowVector3d(2 * radius + 2 * rc + 5.0, 0, 0);
  const EvalResult ra = c.eval(a), rb = c.eval(b), rab = c.eval(concat(a, b));
  Matrix3N f(a.size() + b.size(), 3);
  f << ra.forces, rb.forces;
  c.metric("fragments: E(A+B) - E(A) - E(B) (relative)", rel_energy(rab.energy, ra.energy + rb.energy, f.rows()),
           tol(c.o, "locality"), "1");
  c.metric("fragments: force change (relative)", rel_max(rab.forces, f, 0.1), tol(c.o, "locality"), "1");
  // A probe atom beyond twice the cutoff of every atom, moved: no atom energy changes.
  Structure p = select(a, {0});  // a copy of atom 0 with its columns
  p.positions.row(0) = centre + Eigen::RowVector3d(radius + 2 * rc + 1.0, 0, 0);
  const EvalResult r1 = c.eval(concat(a, p), false, true);
  p.positions.row(0) += Eigen::RowVector3d(0.3, 0.7, -0.4);
  const EvalResult r2 = c.eval(concat(a, p), false, true);
  if (r1.atom_energies.size() == static_cast<Eigen::Index>(a.size() + 1) &&
      r2.atom_energies.size() == r1.atom_energies.size()) {
    const double d = (r1.atom_energies - r2.atom_energies).head(a.size()).cwiseAbs().maxCoeff();
    c.metric("atom energies change when an atom beyond 2 cutoffs moves (relative)",
             d / energy_scale(ra.energy, a.size()) * static_cast<double>(a.size()), tol(c.o, "locality"), "1");
  } else {
    c.r.message = "model gives no per-atom energies: only the fragment test ran";
  }
}

// ---- 8 energy conservation (NVE) -----------------------------------------------------------------------------
struct NveRun {
  std::vector<double> t, e;  // fs, eV/atom relative to the start
  double rms = 0, drift = 0;  // eV/atom, eV/atom/ps
  std::string stopped;        // why the run stopped early (md safe stop), or ""
};

NveRun nve_run(Ctx& c, double dt) {
  md::Options mo;
  mo.timestep = dt;
  mo.remove_drift = false;
  mo.checkpoint_every = 0;
  mo.virial_every = 1u << 30;
  mo.seed = c.o.seed;
  mo.max_temperature_factor = 0;  // a hot random start is fine: only the conservation matters
  md::Simulation sim(c.model, c.s, mo);
  sim.set_maxwell_boltzmann(c.o.nve_temperature);
  NveRun run;
  const double n = static_cast<double>(c.s.size());
  const double e0 = sim.thermo().conserved;
  const auto steps = static_cast<std::size_t>(std::lround(c.o.nve_time / dt));
  run.t.push_back(0);
  run.e.push_back(0);
  for (std::size_t k = 0; k < steps; ++k) {
    if (auto stop = sim.step()) {
      char what[64];
      std::snprintf(what, sizeof what, "NVE run (dt %g fs) stopped at step %zu: ", dt, stop->step);
      run.stopped = what + stop->reason;
      break;
    }
    const md::Thermo th = sim.thermo();
    run.t.push_back(th.time);
    run.e.push_back((th.conserved - e0) / n);
  }
  const double mt = std::accumulate(run.t.begin(), run.t.end(), 0.0) / run.t.size();
  const double me = std::accumulate(run.e.begin(), run.e.end(), 0.0) / run.e.size();
  double sxy = 0, sxx = 0;
  for (std::size_t k = 0; k < run.t.size(); ++k) {
    sxy += (run.t[k] - mt) * (run.e[k] - me);
    sxx += (run.t[k] - mt) * (run.t[k] - mt);
    run.rms += run.e[k] * run.e[k];
  }
  run.rms = std::sqrt(run.rms / run.e.size());
  run.drift = sxx > 0 ? sxy / sxx * 1000.0 : 0.0;
  return run;
}

void nve(Ctx& c) {
  const NveRun a = nve_run(c, c.o.nve_dt), b = nve_run(c, c.o.nve_dt / 2);
  if (!a.stopped.empty() || !b.stopped.empty()) {  // atoms collapsed or numbers blew up: a physics failure
    c.metric("runs stopped early (md safe stops)", (!a.stopped.empty()) + (!b.stopped.empty()), 0.0, "runs");
    c.r.message = a.stopped.empty() ? b.stopped : a.stopped;
    return;
  }
  c.info("energy error RMS, dt", a.rms, "eV/atom");
  c.info("energy error RMS, dt/2", b.rms, "eV/atom");
  c.metric("drift, dt/2", std::abs(b.drift), tol(c.o, "nve_drift"), "eV/atom/ps");
  const double floor = tol(c.o, "nve_floor");
  const double ratio = b.rms > 0 ? a.rms / b.rms : std::numeric_limits<double>::infinity();
  c.info("error ratio dt : dt/2 (4 for dt^2)", ratio, "1");
  // dt² scaling: the ratio must be near 4, unless both errors are at round-off level.
  const double off = a.rms < floor ? 0.0 : std::abs(std::log2(ratio) - 2.0);
  c.metric("|log2(ratio) - 2| (dt^2 scaling)", off, tol(c.o, "nve_order"), "1");
  std::vector<SvgSeries> series{{a.t, a.e, "dt", "#1f77b4", true}, {b.t, b.e, "dt/2", "#d62728", true}};
  c.r.plots.push_back(
      {"nve.svg", render_svg({{"NVE conserved energy", "time (fs)", "E - E0 (eV/atom)", series, false, ""}})});
}

// ---- 9 close contact -----------------------------------------------------------------------------------------
/// Largest fall of `e` when walking from its minimum towards the end where `inward` points (index order).
double fall_beyond_min(const std::vector<double>& e) {
  const auto kmin = static_cast<std::size_t>(std::min_element(e.begin(), e.end()) - e.begin());
  double fall = 0, peak = e[kmin];
  for (std::size_t k = kmin + 1; k < e.size(); ++k) {
    peak = std::max(peak, e[k]);
    fall = std::max(fall, peak - e[k]);
  }
  return fall;
}

void fusion(Ctx& c) {
  // Dimers: below r_close = fusion_radius × (r_cov,a + r_cov,b) (default 0.75, shorter than any real bond, double and
  // triple bonds included) the energy must rise and the force repel all the way in. Minima and ripples at
  // longer distances are bonds or fitting noise, not fusion, and are only plotted.
  double fall = 0, wrong = 0, collapsed = 0;
  std::vector<SvgSeries> series;
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  std::string worst;
  for (auto [za, zb] : element_pairs(c.model, c.s)) {
    const double r_close = tol(c.o, "fusion_radius") * (covalent_radius(za) + covalent_radius(zb));
    std::vector<double> xs, es;
    double f = 0, w = 0, peak = -std::numeric_limits<double>::infinity();
    bool entered = false;
    const int n = static_cast<int>(std::lround((c.o.fusion_start - c.o.fusion_end) / 0.01));
    for (int k = 0; k <= n; ++k) {  // from far to close
      const double r = c.o.fusion_start - (c.o.fusion_start - c.o.fusion_end) * k / n;
      const EvalResult q = c.eval(dimer(za, zb, r));
      xs.push_back(r);
      es.push_back(q.energy);
      if (r > r_close) continue;
      entered = true;
      peak = std::max(peak, q.energy);
      f = std::max(f, peak - q.energy);   // energy fell while approaching
      w = std::max(w, -q.forces(1, 0));   // atom 1 sits at +x: a negative x force attracts
    }
    if (entered && f > 0 && es.back() <= *std::min_element(es.begin(), es.end())) ++collapsed;  // lowest at contact
    if (f > fall || w > wrong) worst = pair_name(za, zb);
    fall = std::max(fall, f);
    wrong = std::max(wrong, w);
    std::vector<double> shown(es.size());
    for (std::size_t k = 0; k < es.size(); ++k) shown[k] = std::asinh(es[k]);
    series.push_back({xs, shown, pair_name(za, zb), colors[series.size() % 6], true});
  }
  if (series.empty()) {
    c.r.status = Status::Skip;
    c.r.message = "no element pair the model supports";
    return;
  }
  c.metric("dimers: energy fall approaching below fusion_radius x (r_cov,a + r_cov,b)", fall,
           tol(c.o, "fusion_energy"), "eV");
  c.metric("dimers: attractive force below fusion_radius x (r_cov,a + r_cov,b)", wrong, tol(c.o, "fusion_force"),
           "eV/A");
  c.metric("dimers: pairs with the lowest energy at the closest distance", collapsed, 0.0, "pairs");
  if (!worst.empty() && (fall > tol(c.o, "fusion_energy") || wrong > tol(c.o, "fusion_force") || collapsed > 0))
    c.r.message = (collapsed > 0 ? "no short-range repulsion (collapse): pair " : "spurious short-range minimum: worst pair ") + worst;
  // Isotropic compression to the given volume fraction.
  std::vector<double> vs, ecs;
  const Eigen::RowVector3d centre = c.s.positions.colwise().mean();
  for (int k = 0; k <= 10; ++k) {
    const double v = 1.0 - (1.0 - c.o.compression) * k / 10.0;
    const double f = std::cbrt(v);
    Structure t = c.s;
    t.positions = ((c.s.positions.rowwise() - centre) * f).rowwise() + centre;
    t.cell = c.s.cell * f;
    vs.push_back(v);
    ecs.push_back(c.energy(t));
  }
  c.metric("compression: energy fall below the minimum", fall_beyond_min(ecs), tol(c.o, "fusion_energy"), "eV");
  c.r.plots.push_back({"fusion.svg", render_svg({{"Dimer curves", "r (A)", "asinh(E / eV)", series, false, ""},
                                                 {"Isotropic compression", "V / V0", "E (eV)",
                                                  {{vs, ecs, "", "#1f77b4", true}}, false, ""}})});
}

// ---- 10 determinism ------------------------------------------------------------------------------------------
double result_diff(const EvalResult& a, const EvalResult& b) {
  double d = std::abs(a.energy - b.energy);
  if (a.forces.size() == b.forces.size() && a.forces.size() > 0)
    d = std::max(d, (a.forces - b.forces).cwiseAbs().maxCoeff());
  else if (a.forces.size() != b.forces.size())
    d = std::numeric_limits<double>::infinity();
  d = std::max(d, (a.virial - b.virial).cwiseAbs().maxCoeff());
  if (std::isnan(d)) d = std::numeric_limits<double>::infinity();
  return d;
}

void determinism(Ctx& c) {
  const bool vir = periodic3(c.s);
  auto rattled = [&](double amp) {
    Structure t = c.s;
    std::normal_distribution<double> g(0.0, amp);
    for (Eigen::Index i = 0; i < t.positions.size(); ++i) t.positions.data()[i] += g(c.rng);
    return t;
  };
  const Structure b = rattled(0.02), d = rattled(0.02);
  const EvalResult r0 = c.eval(c.s, vir), r1 = c.eval(c.s, vir);
  c.metric("same frame twice: max difference", result_diff(r0, r1), tol(c.o, "determinism"), "eV, eV/A");
  const int before = omp_get_max_threads();
  const int many = c.o.threads > 0 ? c.o.threads : std::max(2, omp_get_num_procs());
  omp_set_num_threads(1);
  EvalResult one, all;
  try {
    one = c.eval(c.s, vir);
    omp_set_num_threads(many);
    all = c.eval(c.s, vir);
  } catch (...) {
    omp_set_num_threads(before);
    throw;
  }
  omp_set_num_threads(before);
  c.metric("1 vs " + std::to_string(many) + " threads: max difference", result_diff(one, all),
           tol(c.o, "determinism"), "eV, eV/A");
  // In a batch after other frames, and in another order.
  c.eval(b, vir);
  c.eval(d, vir);
  const EvalResult in_batch = c.eval(c.s, vir);
  const EvalResult d2 = c.eval(d, vir);
  c.eval(c.s, vir);
  const EvalResult b2 = c.eval(b, vir);
  const EvalResult d1 = c.eval(d, vir), b1 = c.eval(b, vir);
  c.metric("alone vs in a batch, any order: max difference",
           std::max({result_diff(r0, in_batch), result_diff(d1, d2), result_diff(b1, b2)}), tol(c.o, "determinism"),
           "eV, eV/A");
}

// ---- 11 charge response --------------------------------------------------------------------------------------
/// Dipole Σ q_i (r_i − r_centre) (e·Å).
Vec3 dipole(const Structure& s, const Eigen::VectorXd& q) {
  const Eigen::RowVector3d centre = s.positions.colwise().mean();
  Vec3 d = Vec3::Zero();
  for (Eigen::Index i = 0; i < q.size(); ++i) d += q(i) * (s.positions.row(i) - centre).transpose();
  return d;
}

void charge(Ctx& c) {
  const EvalResult base = c.eval(c.s);
  if (!base.has_charges) {
    c.r.status = Status::Skip;
    c.r.message = "the model computes no charges";
    return;
  }
  if (c.s.any_periodic()) {
    c.r.status = Status::Skip;
    c.r.message = "an applied field needs a non-periodic structure";
    return;
  }
  // Fields along x, y and z on a logarithmic scale from 1e-3 V/Å to field_max (default 10 V/Å, far beyond any
  // field a molecule meets). A bounded response (linear, or saturating as charges approach their limits) gives
  // an induced dipole at the strongest field no larger than the small-field polarisability times that field;
  // a polarisation catastrophe (response growing faster than linearly, or diverging) exceeds it. Charges must
  // stay below charge_max and energies finite throughout.
  const Vec3 mu0 = dipole(c.s, base.charges);
  double max_q = base.charges.cwiseAbs().maxCoeff(), growth = 0.0, max_induced = 0.0;
  bool finite = std::isfinite(base.energy);
  std::vector<SvgSeries> series;
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c"};
  const int steps = 13;
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<double> xs, ys;
    double alpha_small = 0.0;
    for (int k = 0; k < steps; ++k) {
      const double f = 1e-3 * std::pow(c.o.field_max / 1e-3, static_cast<double>(k) / (steps - 1));
      Structure t = c.s;
      std::vector<double> field(3, 0.0);
      field[static_cast<std::size_t>(axis)] = f;
      t.info.set("external_field", field);
      const EvalResult r = c.eval(t);
      finite = finite && std::isfinite(r.energy) && r.has_charges;
      if (!r.has_charges) break;
      max_q = std::max(max_q, r.charges.cwiseAbs().maxCoeff());
      const double induced = (dipole(t, r.charges) - mu0)(axis);  // along the field
      const double alpha = std::abs(induced) / f;
      if (k == 0) alpha_small = alpha;
      if (k == steps - 1 && alpha_small > 0) growth = std::max(growth, alpha / alpha_small);
      max_induced = std::max(max_induced, std::abs(induced));
      xs.push_back(std::log10(f));
      ys.push_back(induced);
    }
    series.push_back({xs, ys, std::string("field along ") + "xyz"[axis], colors[axis], true});
  }
  c.info("largest induced dipole", max_induced, "e*A");
  c.metric("largest |charge| over the scan", max_q, tol(c.o, "charge_max"), "e");
  c.metric("induced dipole at the strongest field / linear extrapolation from the weakest", growth,
           tol(c.o, "charge_growth"), "ratio");
  c.metric("non-finite energies or lost charges", finite ? 0.0 : 1.0, 0.0, "");
  if (growth > tol(c.o, "charge_growth")) c.r.message = "charge response grows faster than linearly (polarisation catastrophe)";
  c.r.plots.push_back({"charge.svg", render_svg({{"Induced dipole in an applied field", "log10(F / (V/A))",
                                                  "induced dipole along F (e*A)", series, false, ""}})});
}

}  // namespace

std::map<std::string, double> Options::default_tolerances() {
  return {{"invariance_energy", 1e-8}, {"invariance_force", 1e-8}, {"fd_force", 1e-5},      {"fd_stress", 1e-5},
          {"cutoff_energy", 1e-6},     {"cutoff_force", 1e-5},     {"cutoff_continuity", 1e-6},
          {"locality", 1e-8},          {"nve_drift", 1e-2},        {"nve_order", 0.5},      {"nve_floor", 1e-7},
          {"fusion_energy", 1e-6},     {"fusion_force", 1e-6},     {"fusion_radius", 0.75},
          {"determinism", 0.0},
          {"charge_max", 4.0},         {"charge_growth", 1.05}};
}

void Options::validate() const {
  // A negative NVE length never ends; a negative time step or temperature gives a report that blames the model.
  const auto positive = [](double x) { return x > 0.0 && std::isfinite(x); };
  if (fd_atoms < 1) throw InputError("must be >= 1", "--fd-atoms");
  if (!(std::isfinite(cutoff))) throw InputError("must be a finite number of Å", "--cutoff");
  if (!positive(nve_time)) throw InputError("must be a finite number > 0 fs", "--nve-time");
  if (!positive(nve_dt)) throw InputError("must be a finite number > 0 fs", "--nve-dt");
  if (!(nve_temperature >= 0.0) || !std::isfinite(nve_temperature))
    throw InputError("must be a finite number >= 0 K", "--temperature");
  if (!positive(fusion_start) || !positive(fusion_end) || !(fusion_end < fusion_start))
    throw InputError("the dimer scan needs 0 < end < start (Å)", "fusion");
  if (!(compression > 0.0 && compression < 1.0)) throw InputError("must lie in (0, 1)", "compression");
  if (!(field_max > 0.0) || !std::isfinite(field_max)) throw InputError("must be a finite number > 0 V/Å", "field");
  if (threads < 0) throw InputError("must be >= 0", "--threads");
}

std::string check_name(int id) {
  if (id < 1 || id > kLastId) throw InputError("no check number " + std::to_string(id), "--checks");
  return kNames[id];
}

int check_id(const std::string& name) {
  for (int id = 1; id <= kLastId; ++id)
    if (name == kNames[id] || name == std::to_string(id)) return id;
  throw InputError("unknown check '" + name + "' (translation, rotation, permutation, periodic, conservative, "
                   "cutoff, locality, nve, fusion, determinism, charge or 1-11)", "--checks");
}

int exit_bit(int id) {
  switch (id) {
    case kTranslation: case kRotation: case kPermutation: case kPeriodic: return 4;
    case kConservative: return 8;
    case kCutoff: case kLocality: return 16;
    case kEnergyConservation: return 32;
    case kFusion: case kChargeResponse: return 64;
    case kDeterminism: return 128;
    default: return 0;
  }
}

std::string status_name(Status s) {
  switch (s) {
    case Status::Pass: return "pass";
    case Status::Fail: return "FAIL";
    case Status::Skip: return "skip";
    default: return "ERROR";
  }
}

Result run_check(const Model& model, const Structure& s, int id, const Options& options) {
  options.validate();
  Result r;
  r.id = id;
  r.status = Status::Pass;
  const auto t0 = std::chrono::steady_clock::now();
  const Structure cs = clean(s);
  Ctx c{model, cs, options, r, std::mt19937_64(options.seed + 7919u * static_cast<unsigned>(id))};
  static const std::function<void(Ctx&)> fns[] = {nullptr,      translation, rotation, permutation,
                                                  periodic,     conservative, cutoff, locality,
                                                  nve,          fusion,       determinism, charge};
  if (id < 1 || id > kLastId) throw InputError("no check number " + std::to_string(id), "--checks");
  try {
    fns[id](c);
    if (r.status == Status::Pass)
      for (const Metric& m : r.metrics)
        if (!m.pass || std::isnan(m.value)) {
          r.status = Status::Fail;
          if (r.message.empty()) r.message = m.name + " exceeds the tolerance";
          break;
        }
  } catch (const Error& e) {
    r.status = Status::Error;
    r.message = e.located();
  } catch (const std::exception& e) {
    r.status = Status::Error;
    r.message = e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<Result> run_checks(const Model& model, const Structure& s, const std::vector<int>& ids,
                               const Options& options) {
  options.validate();  // before any check: bad options are bad input, not a failed check
  std::vector<Result> out;
  for (int id : ids) out.push_back(run_check(model, s, id, options));
  return out;
}

int exit_status(const std::vector<Result>& results) {
  int code = 0;
  for (const Result& r : results) {
    if (r.status == Status::Fail) code |= exit_bit(r.id);
    if (r.status == Status::Error) code |= kErrorBit;
  }
  return code;
}

std::string human_table(const std::vector<Result>& results) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-3s %-13s %-6s %8s  %s\n", "#", "check", "status", "time_s", "note");
  out << line;
  for (const Result& r : results) {
    std::snprintf(line, sizeof line, "%-3d %-13s %-6s %8.3f  ", r.id, kNames[r.id], status_name(r.status).c_str(),
                  r.seconds);
    out << line << r.message << "\n";
    for (const Metric& m : r.metrics) {
      if (std::isinf(m.tolerance))
        std::snprintf(line, sizeof line, "      %-62s %11.3e %s\n", m.name.c_str(), m.value, m.unit.c_str());
      else
        std::snprintf(line, sizeof line, "    %s %-62s %11.3e <= %.1e %s\n", m.pass ? " " : "!", m.name.c_str(),
                      m.value, m.tolerance, m.unit.c_str());
      out << line;
    }
  }
  return out.str();
}

namespace {
nlohmann::json number(double x) {
  if (std::isfinite(x)) return x;
  return nullptr;
}
std::string xml_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += ch;
    }
  }
  return o;
}
}  // namespace

std::string json_report(const std::vector<Result>& results, const std::string& model, std::size_t atoms) {
  nlohmann::json j;
  j["model"] = model;
  j["atoms"] = atoms;
  j["exit_status"] = exit_status(results);
  j["checks"] = nlohmann::json::array();
  for (const Result& r : results) {
    nlohmann::json c;
    c["id"] = r.id;
    c["name"] = kNames[r.id];
    c["status"] = status_name(r.status) == "FAIL" ? "fail" : status_name(r.status) == "ERROR" ? "error"
                                                                                                : status_name(r.status);
    c["exit_bit"] = exit_bit(r.id);
    c["message"] = r.message;
    c["seconds"] = r.seconds;
    c["metrics"] = nlohmann::json::array();
    for (const Metric& m : r.metrics)
      c["metrics"].push_back({{"name", m.name}, {"value", number(m.value)}, {"tolerance", number(m.tolerance)},
                              {"unit", m.unit}, {"pass", m.pass}});
    j["checks"].push_back(c);
  }
  return j.dump(2) + "\n";
}

std::string tap_report(const std::vector<Result>& results) {
  std::ostringstream out;
  out << "TAP version 13\n1.." << results.size() << "\n";
  std::size_t k = 0;
  for (const Result& r : results) {
    ++k;
    const bool ok = r.status == Status::Pass || r.status == Status::Skip;
    out << (ok ? "ok " : "not ok ") << k << " - " << r.id << " " << kNames[r.id];
    if (r.status == Status::Skip) out << " # SKIP " << r.message;
    out << "\n";
    if (!ok) out << "  ---\n  message: \"" << r.message << "\"\n  ...\n";
  }
  return out.str();
}

std::string junit_report(const std::vector<Result>& results, const std::string& model) {
  std::size_t failures = 0, errors = 0, skipped = 0;
  double total = 0;
  for (const Result& r : results) {
    failures += r.status == Status::Fail;
    errors += r.status == Status::Error;
    skipped += r.status == Status::Skip;
    total += r.seconds;
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"mlp-check\" tests=\"" << results.size()
      << "\" failures=\"" << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\""
      << total << "\">\n  <properties><property name=\"model\" value=\"" << xml_escape(model)
      << "\"/></properties>\n";
  for (const Result& r : results) {
    out << "  <testcase classname=\"mlp-check\" name=\"" << r.id << " " << kNames[r.id] << "\" time=\"" << r.seconds
        << "\">";
    if (r.status == Status::Fail) out << "<failure message=\"" << xml_escape(r.message) << "\"/>";
    if (r.status == Status::Error) out << "<error message=\"" << xml_escape(r.message) << "\"/>";
    if (r.status == Status::Skip) out << "<skipped message=\"" << xml_escape(r.message) << "\"/>";
    out << "</testcase>\n";
  }
  out << "</testsuite>\n";
  return out.str();
}

}  // namespace mlp::check
