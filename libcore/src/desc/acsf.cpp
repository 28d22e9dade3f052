// Behler-Parrinello symmetry functions: parameters (JSON, n2p2 input.nn, preset) and the per-atom kernels with
// analytic gradients. See mlp/desc/acsf.hpp for the definitions.
#include "mlp/desc/acsf.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

constexpr double kPi = 3.14159265358979323846;

const char* const kCutoffNames[] = {"hard", "cos", "tanhu", "tanh", "exp", "poly1", "poly2", "poly3", "poly4"};

std::string kind_name(SymmetryFunctionKind k) {
  switch (k) {
    case SymmetryFunctionKind::radial: return "radial";
    case SymmetryFunctionKind::angular_narrow: return "angular_narrow";
    case SymmetryFunctionKind::angular_wide: return "angular_wide";
  }
  return "?";
}

int element_from_string(const std::string& s, const std::string& where) {
  const int z = atomic_number(s);
  if (z == 0) throw InputError("unknown element '" + s + "'", "", 0, where);
  return z;
}

// x^n for a small non-negative integer n.
inline double ipow(double x, int n) {
  double r = 1.0;
  while (n > 0) {
    if (n & 1) r *= x;
    x *= x;
    n >>= 1;
  }
  return r;
}

// Neighbours of one centre within the largest cutoff.
struct Local {
  std::vector<Vec3> d;
  std::vector<double> r;
  std::vector<int> z;
  std::vector<int> atom;
  void clear() {
    d.clear();
    r.clear();
    z.clear();
    atom.clear();
  }
};

// Group member neighbours (angular): local index, cutoff value and derivative.
struct Member {
  std::size_t m;
  double fc, dfc;
};

struct Scratch {
  Local local;
  std::vector<Member> members;
  std::vector<double> gauss;   // per member neighbour and distinct (η, r_s): exp(−η (r − r_s)²)
  std::vector<double> dgauss;  // and its log-derivative −2η (r − r_s)
  std::vector<double> tjk, dtjk;  // the same for r_jk of the current pair
  std::vector<double> q;
  std::vector<double> grad;  // dense dq_k/dd_m: [(k*M + m)*3 + a]
  std::vector<Vec3> v;       // weighted: Σ_k w_k dq_k/dd_m
};

// Gradient sinks: receive dq_k/dd_m.
struct DenseSink {
  static constexpr bool weighted = false;
  double* g;
  std::size_t M;
  void add(std::size_t k, std::size_t m, const Vec3& x) {
    double* p = g + (k * M + m) * 3;
    p[0] += x[0];
    p[1] += x[1];
    p[2] += x[2];
  }
};
struct WeightedSink {
  static constexpr bool weighted = true;
  const double* w;
  Vec3* v;
  void add(std::size_t k, std::size_t m, const Vec3& x) { v[m] += w[k] * x; }
};
struct NoSink {
  static constexpr bool weighted = false;
  void add(std::size_t, std::size_t, const Vec3&) {}
};

template <bool Grad, class Sink>
void atom_kernel(const std::vector<AcsfGroup>& groups, const std::vector<SymmetryFunction>& fs, Scratch& sc,
                 Sink& sink) {
  const Local& L = sc.local;
  double* q = sc.q.data();
  const std::size_t M = L.r.size();
  for (const AcsfGroup& g : groups) {
    const double rc = g.cutoff.rc;
    if (g.kind == SymmetryFunctionKind::radial) {
      for (std::size_t m = 0; m < M; ++m) {
        if (L.z[m] != g.neighbor1 || L.r[m] >= rc) continue;
        double fc, dfc;
        g.cutoff.evaluate(L.r[m], fc, dfc);
        const double r = L.r[m];
        const Vec3 u = L.d[m] / r;
        for (std::size_t k : g.rows) {
          const SymmetryFunction& f = fs[k];
          const double dr = r - f.rshift;
          const double e = std::exp(-f.eta * dr * dr);
          q[k] += e * fc;
          if (Grad) sink.add(k, m, (e * (dfc - 2.0 * f.eta * dr * fc)) * u);
        }
      }
      continue;
    }
    const bool narrow = g.kind == SymmetryFunctionKind::angular_narrow;
    const std::size_t U = g.radial_terms.size();
    auto& mem = sc.members;
    mem.clear();
    const bool same = g.neighbor1 == g.neighbor2;
    // Members of element neighbor1 first, then (if different) those of neighbor2: mixed pairs are then
    // (a < split) × (b >= split), like pairs all a < b.
    std::size_t split = 0;
    for (int pass = 0; pass < (same ? 1 : 2); ++pass) {
      const int want = pass == 0 ? g.neighbor1 : g.neighbor2;
      for (std::size_t m = 0; m < M; ++m) {
        if (L.z[m] != want || L.r[m] >= rc) continue;
        Member x{m, 0.0, 0.0};
        g.cutoff.evaluate(L.r[m], x.fc, x.dfc);
        mem.push_back(x);
      }
      if (pass == 0) split = mem.size();
    }
    sc.gauss.resize(mem.size() * U);
    sc.dgauss.resize(mem.size() * U);
    for (std::size_t a = 0; a < mem.size(); ++a)
      for (std::size_t u = 0; u < U; ++u) {
        const double eta = g.radial_terms[u].first, dr = L.r[mem[a].m] - g.radial_terms[u].second;
        sc.gauss[a * U + u] = std::exp(-eta * dr * dr);
        sc.dgauss[a * U + u] = -2.0 * eta * dr;
      }
    sc.tjk.assign(U, 1.0);
    sc.dtjk.assign(U, 0.0);
    const std::size_t F = g.rows.size();
    const std::size_t a_end = same ? mem.size() : split;
    for (std::size_t a = 0; a < a_end; ++a) {
      const std::size_t ma = mem[a].m;
      const Vec3& dj = L.d[ma];
      const double rij = L.r[ma];
      const double* ga = sc.gauss.data() + a * U;
      const double* dga = sc.dgauss.data() + a * U;
      for (std::size_t b = same ? a + 1 : split; b < mem.size(); ++b) {
        const std::size_t mb = mem[b].m;
        const Vec3& dk = L.d[mb];
        const double rik = L.r[mb];
        double rjk = 0.0, fjk = 1.0, dfjk = 0.0;
        Vec3 djk = Vec3::Zero();
        if (narrow) {
          djk = dk - dj;
          rjk = djk.norm();
          if (rjk >= rc) continue;
          g.cutoff.evaluate(rjk, fjk, dfjk);
          for (std::size_t u = 0; u < U; ++u) {
            const double eta = g.radial_terms[u].first, dr = rjk - g.radial_terms[u].second;
            sc.tjk[u] = std::exp(-eta * dr * dr);
            sc.dtjk[u] = -2.0 * eta * dr;
          }
        }
        const double* gb = sc.gauss.data() + b * U;
        const double* dgb = sc.dgauss.data() + b * U;
        const double inv = 1.0 / (rij * rik);
        const double cosv = dj.dot(dk) * inv;
        const double fj = mem[a].fc, fk = mem[b].fc;
        const double fprod = fj * fk * fjk;
        Vec3 dcos_dj, dcos_dk;
        if (Grad) {
          dcos_dj = dk * inv - (cosv / (rij * rij)) * dj;
          dcos_dk = dj * inv - (cosv / (rik * rik)) * dk;
        }
        double s_cos = 0.0, s_ij = 0.0, s_ik = 0.0, s_jk = 0.0;
        for (std::size_t r = 0; r < F; ++r) {
          const std::size_t k = g.rows[r];
          const SymmetryFunction& f = fs[k];
          const double lc = 1.0 + f.lambda * cosv;
          if (lc <= 0.0) continue;
          const int zi = g.integer_zeta[r];
          const double p = zi >= 1 ? ipow(lc, zi - 1) : std::pow(lc, f.zeta - 1.0);
          const std::size_t u = g.term[r];
          const double rad = ga[u] * gb[u] * sc.tjk[u];
          const double base = g.prefactor[r] * p * lc * rad;  // everything but the cutoff functions
          const double term = base * fprod;
          q[k] += term;
          if constexpr (Grad && Sink::weighted) {  // only Σ_k w_k dq_k/dd is needed: sum the scalar derivatives first
            const double w = sink.w[k];
            s_cos += w * g.prefactor[r] * f.zeta * p * f.lambda * rad * fprod;
            s_ij += w * (term * dga[u] + base * mem[a].dfc * fk * fjk);
            s_ik += w * (term * dgb[u] + base * fj * mem[b].dfc * fjk);
            if (narrow) s_jk += w * (term * sc.dtjk[u] + base * fj * fk * dfjk);
          } else if constexpr (Grad) {
            const double dT_dcos = g.prefactor[r] * f.zeta * p * f.lambda * rad * fprod;
            const double dT_drij = term * dga[u] + base * mem[a].dfc * fk * fjk;
            const double dT_drik = term * dgb[u] + base * fj * mem[b].dfc * fjk;
            Vec3 gj = dT_dcos * dcos_dj + (dT_drij / rij) * dj;
            Vec3 gk = dT_dcos * dcos_dk + (dT_drik / rik) * dk;
            if (narrow) {
              const double dT_drjk = term * sc.dtjk[u] + base * fj * fk * dfjk;
              const Vec3 t = (dT_drjk / rjk) * djk;
              gj -= t;
              gk += t;
            }
            sink.add(k, ma, gj);
            sink.add(k, mb, gk);
          }
        }
        if constexpr (Grad && Sink::weighted) {
          Vec3 gj = s_cos * dcos_dj + (s_ij / rij) * dj;
          Vec3 gk = s_cos * dcos_dk + (s_ik / rik) * dk;
          if (narrow) {
            const Vec3 t = (s_jk / rjk) * djk;
            gj -= t;
            gk += t;
          }
          sink.v[ma] += gj;
          sink.v[mb] += gk;
        }
      }
    }
  }
}

void gather(const NeighborList& nl, const Structure& s, std::size_t i, double cutoff, Local& L) {
  L.clear();
  for (std::size_t p = nl.begin(i); p < nl.end(i); ++p) {
    const double r = nl.distance(p);
    if (r >= cutoff) continue;
    if (!(r > 0.0)) throw ComputeError("atoms " + std::to_string(i) + " and " + std::to_string(nl.neighbor(p)) +
                                       " are on top of each other");
    L.d.push_back(nl.vector(p));
    L.r.push_back(r);
    L.atom.push_back(nl.neighbor(p));
    L.z.push_back(s.numbers[static_cast<std::size_t>(nl.neighbor(p))]);
  }
}

void validate(const SymmetryFunction& f) {
  auto bad = [&](const std::string& what) {
    throw InputError("invalid " + kind_name(f.kind) + " symmetry function for centre " +
                     (f.center >= 1 && f.center <= kMaxAtomicNumber ? element_symbol(f.center) : std::to_string(f.center)) +
                     ": " + what);
  };
  auto element_ok = [](int z) { return z >= 1 && z <= kMaxAtomicNumber; };
  if (!element_ok(f.center) || !element_ok(f.neighbor1)) bad("element out of range");
  if (f.kind != SymmetryFunctionKind::radial && !element_ok(f.neighbor2)) bad("element out of range");
  if (!(f.rcut > 0.0) || !std::isfinite(f.rcut)) bad("rcut must be > 0");
  if (!(f.eta >= 0.0) || !std::isfinite(f.eta)) bad("eta must be >= 0");
  if (!std::isfinite(f.rshift)) bad("rshift must be finite");
  if (!(f.cutoff_alpha >= 0.0 && f.cutoff_alpha < 1.0)) bad("cutoff_alpha must be in [0, 1)");
  const int ct = static_cast<int>(f.cutoff);
  if (ct < 0 || ct > 8) bad("unknown cutoff type");
  if (f.kind != SymmetryFunctionKind::radial) {
    if (!(f.zeta >= 1.0) || !std::isfinite(f.zeta)) bad("zeta must be >= 1");
    if (!(std::abs(f.lambda) <= 1.0)) bad("lambda must be in [-1, 1]");
  }
}

}  // namespace

std::string cutoff_type_name(CutoffType type) {
  const int t = static_cast<int>(type);
  if (t < 0 || t > 8) throw InputError("unknown cutoff type " + std::to_string(t));
  return kCutoffNames[t];
}

CutoffType cutoff_type_from_name(const std::string& name) {
  for (int t = 0; t <= 8; ++t)
    if (name == kCutoffNames[t]) return static_cast<CutoffType>(t);
  throw InputError("unknown cutoff type '" + name + "' (hard, cos, tanhu, tanh, exp, poly1, poly2, poly3, poly4)");
}

void CutoffFunction::evaluate(double r, double& f, double& df) const {
  if (r >= rc) {
    f = 0.0;
    df = 0.0;
    return;
  }
  if (type == CutoffType::tanhu || type == CutoffType::tanh) {
    const double em = std::expm1(-2.0 * (1.0 - r / rc));  // tanh(y) = −expm1(−2y)/(2 + expm1(−2y)), one call
    const double t = -em / (2.0 + em);
    const double t2 = t * t;
    double c = 1.0;
    if (type == CutoffType::tanh) {
      const double t1 = std::tanh(1.0);
      c = 1.0 / (t1 * t1 * t1);
    }
    f = c * t * t2;
    df = c * 3.0 * t2 * (t2 - 1.0) / rc;
    return;
  }
  const double rci = alpha * rc;
  if (type == CutoffType::hard || r < rci) {
    f = 1.0;
    df = 0.0;
    return;
  }
  const double iw = 1.0 / (rc - rci);
  const double x = (r - rci) * iw;
  double dfx = 0.0;
  switch (type) {
    case CutoffType::cos:
      f = 0.5 * (std::cos(kPi * x) + 1.0);
      dfx = -0.5 * kPi * std::sin(kPi * x);
      break;
    case CutoffType::exp: {
      const double y = 1.0 - x * x;
      if (y <= 0.0) {
        f = dfx = 0.0;
        break;
      }
      f = std::exp(1.0 - 1.0 / y);
      dfx = f * (-2.0 * x / (y * y));
      break;
    }
    case CutoffType::poly1:
      f = (2.0 * x - 3.0) * x * x + 1.0;
      dfx = 6.0 * x * (x - 1.0);
      break;
    case CutoffType::poly2: {
      f = ((15.0 - 6.0 * x) * x - 10.0) * x * x * x + 1.0;
      const double y = x * (x - 1.0);
      dfx = -30.0 * y * y;
      break;
    }
    case CutoffType::poly3: {
      f = x * x * x * x * (x * (x * (20.0 * x - 70.0) + 84.0) - 35.0) + 1.0;
      const double y = x * (x - 1.0);
      dfx = 140.0 * y * y * y;
      break;
    }
    case CutoffType::poly4: {
      f = x * x * x * x * x * (x * (x * (x * (315.0 - 70.0 * x) - 540.0) + 420.0) - 126.0) + 1.0;
      const double y = x * (x - 1.0);
      dfx = -630.0 * y * y * y * y;
      break;
    }
    default:
      f = 1.0;
      dfx = 0.0;
  }
  df = dfx * iw;
}

Acsf::Acsf(std::vector<SymmetryFunction> functions) : all_(std::move(functions)) {
  per_element_.assign(kMaxAtomicNumber + 1, {});
  groups_.assign(kMaxAtomicNumber + 1, {});
  for (const SymmetryFunction& f : all_) {
    validate(f);
    per_element_[static_cast<std::size_t>(f.center)].push_back(f);
    cutoff_ = std::max(cutoff_, f.rcut);
  }
  for (std::size_t z = 0; z < per_element_.size(); ++z) {
    const auto& fs = per_element_[z];
    std::map<std::tuple<int, int, int, double, int, double>, std::size_t> index;
    for (std::size_t k = 0; k < fs.size(); ++k) {
      const SymmetryFunction& f = fs[k];
      const bool radial = f.kind == SymmetryFunctionKind::radial;
      const int n1 = radial ? f.neighbor1 : std::min(f.neighbor1, f.neighbor2);
      const int n2 = radial ? -1 : std::max(f.neighbor1, f.neighbor2);
      const bool alpha_used = f.cutoff != CutoffType::tanh && f.cutoff != CutoffType::tanhu;
      const double alpha = alpha_used ? f.cutoff_alpha : 0.0;
      const auto key = std::make_tuple(static_cast<int>(f.kind), n1, n2, f.rcut, static_cast<int>(f.cutoff), alpha);
      auto it = index.find(key);
      if (it == index.end()) {
        AcsfGroup g;
        g.kind = f.kind;
        g.neighbor1 = n1;
        g.neighbor2 = n2;
        g.cutoff = CutoffFunction{f.cutoff, f.rcut, alpha};
        groups_[z].push_back(g);
        it = index.emplace(key, groups_[z].size() - 1).first;
      }
      AcsfGroup& g = groups_[z][it->second];
      g.rows.push_back(k);
      g.prefactor.push_back(std::exp2(1.0 - f.zeta));
      g.integer_zeta.push_back(f.zeta == std::floor(f.zeta) && f.zeta < 64 ? static_cast<int>(f.zeta) : -1);
      const auto er = std::make_pair(f.eta, f.rshift);
      auto u = std::find(g.radial_terms.begin(), g.radial_terms.end(), er);
      if (u == g.radial_terms.end()) u = g.radial_terms.insert(g.radial_terms.end(), er);
      g.term.push_back(static_cast<std::size_t>(u - g.radial_terms.begin()));
    }
  }
}

const std::vector<SymmetryFunction>& Acsf::functions(int Z) const {
  static const std::vector<SymmetryFunction> none;
  if (Z < 0 || static_cast<std::size_t>(Z) >= per_element_.size()) return none;
  return per_element_[static_cast<std::size_t>(Z)];
}

std::vector<int> Acsf::elements() const {
  std::vector<int> z;
  for (std::size_t e = 0; e < per_element_.size(); ++e)
    if (!per_element_[e].empty()) z.push_back(static_cast<int>(e));
  return z;
}

std::string Acsf::label(int Z, std::size_t k) const {
  const SymmetryFunction& f = functions(Z).at(k);
  std::ostringstream o;
  o.precision(6);
  if (f.kind == SymmetryFunctionKind::radial) {
    o << "G2 " << element_symbol(f.neighbor1);
  } else {
    o << (f.kind == SymmetryFunctionKind::angular_narrow ? "G4 " : "G5 ") << element_symbol(f.neighbor1) << '-'
      << element_symbol(f.neighbor2) << " zeta=" << f.zeta << " lambda=" << f.lambda;
  }
  o << " eta=" << f.eta << " rs=" << f.rshift << " rc=" << f.rcut;
  return o.str();
}

void Acsf::check_list(const Structure& s, const NeighborList& nl) const {
  if (nl.atoms() != s.size())
    throw InputError("neighbour list has " + std::to_string(nl.atoms()) + " atoms, the structure " +
                     std::to_string(s.size()));
  if (nl.options().cutoff + nl.options().skin < cutoff_)
    throw InputError("neighbour list cutoff " + std::to_string(nl.options().cutoff) +
                     " is smaller than the descriptor cutoff " + std::to_string(cutoff_));
}

namespace {
std::vector<std::size_t> row_offsets(const Acsf& acsf, const Structure& s) {
  std::vector<std::size_t> off(s.size() + 1, 0);
  for (std::size_t i = 0; i < s.size(); ++i) off[i + 1] = off[i] + acsf.size(s.numbers[i]);
  return off;
}
}  // namespace

AcsfValues Acsf::compute(const Structure& s, const NeighborList& nl) const {
  check_list(s, nl);
  AcsfValues out;
  out.offsets = row_offsets(*this, s);
  out.data.assign(out.offsets.back(), 0.0);
  Scratch sc;
  NoSink sink;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int z = s.numbers[i];
    const std::size_t n = size(z);
    if (n == 0) continue;
    gather(nl, s, i, cutoff_, sc.local);
    sc.q.assign(n, 0.0);
    atom_kernel<false>(groups_[static_cast<std::size_t>(z)], per_element_[static_cast<std::size_t>(z)], sc, sink);
    std::copy(sc.q.begin(), sc.q.end(), out.row(i));
  }
  return out;
}

AcsfValues Acsf::compute(const Structure& s, const NeighborList& nl, AcsfGradients& gr) const {
  check_list(s, nl);
  AcsfValues out;
  out.offsets = row_offsets(*this, s);
  out.data.assign(out.offsets.back(), 0.0);
  gr = AcsfGradients{};
  gr.entry_offsets.assign(1, 0);
  gr.strain.assign(out.offsets.back() * 9, 0.0);
  Scratch sc;
  std::vector<long> slot(s.size(), -1);  // atom -> entry index of the current centre
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int z = s.numbers[i];
    const std::size_t n = size(z);
    const std::size_t first = gr.atom.size();
    auto new_entry = [&](int atom) {
      slot[static_cast<std::size_t>(atom)] = static_cast<long>(gr.atom.size());
      gr.atom.push_back(atom);
      gr.data_offsets.push_back(gr.position.size());
      gr.position.resize(gr.position.size() + n * 3, 0.0);
    };
    if (n == 0) {
      gr.entry_offsets.push_back(gr.atom.size());
      continue;
    }
    new_entry(static_cast<int>(i));
    gather(nl, s, i, cutoff_, sc.local);
    const std::size_t M = sc.local.r.size();
    sc.q.assign(n, 0.0);
    sc.grad.assign(n * M * 3, 0.0);
    DenseSink sink{sc.grad.data(), M};
    atom_kernel<true>(groups_[static_cast<std::size_t>(z)], per_element_[static_cast<std::size_t>(z)], sc, sink);
    std::copy(sc.q.begin(), sc.q.end(), out.row(i));
    for (std::size_t m = 0; m < M; ++m)
      if (slot[static_cast<std::size_t>(sc.local.atom[m])] < static_cast<long>(first)) new_entry(sc.local.atom[m]);
    double* self = gr.position.data() + gr.data_offsets[first];
    double* strain = gr.strain.data() + out.offsets[i] * 9;
    for (std::size_t m = 0; m < M; ++m) {
      double* block = gr.position.data() + gr.data_offsets[static_cast<std::size_t>(slot[static_cast<std::size_t>(sc.local.atom[m])])];
      const Vec3& d = sc.local.d[m];
      for (std::size_t k = 0; k < n; ++k) {
        const double* g = sc.grad.data() + (k * M + m) * 3;
        for (int a = 0; a < 3; ++a) {
          block[3 * k + a] += g[a];
          self[3 * k + a] -= g[a];
          for (int b = 0; b < 3; ++b) strain[9 * k + 3 * a + b] += g[a] * d[b];
        }
      }
    }
    gr.entry_offsets.push_back(gr.atom.size());
    for (std::size_t e = first; e < gr.atom.size(); ++e) slot[static_cast<std::size_t>(gr.atom[e])] = -1;
  }
  return out;
}

void Acsf::accumulate(const Structure& s, const NeighborList& nl, const AcsfValues& dE_dq, Matrix3N& forces,
                      Mat3& virial) const {
  check_list(s, nl);
  if (dE_dq.offsets != row_offsets(*this, s)) throw InputError("dE/dq does not have the layout of the descriptor rows");
  if (static_cast<std::size_t>(forces.rows()) != s.size()) throw InputError("forces must have one row per atom");
  Scratch sc;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int z = s.numbers[i];
    const std::size_t n = size(z);
    if (n == 0) continue;
    gather(nl, s, i, cutoff_, sc.local);
    const std::size_t M = sc.local.r.size();
    sc.q.assign(n, 0.0);
    sc.v.assign(M, Vec3::Zero());
    WeightedSink sink{dE_dq.row(i), sc.v.data()};
    atom_kernel<true>(groups_[static_cast<std::size_t>(z)], per_element_[static_cast<std::size_t>(z)], sc, sink);
    for (std::size_t m = 0; m < M; ++m) {
      const Vec3& v = sc.v[m];
      forces.row(sc.local.atom[m]) -= v.transpose();
      forces.row(static_cast<Eigen::Index>(i)) += v.transpose();
      virial -= v * sc.local.d[m].transpose();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters

namespace {

using nlohmann::json;

int element_of(const json& j, const std::string& where) {
  if (j.is_number_integer()) {
    const int z = j.get<int>();
    if (z < 1 || z > kMaxAtomicNumber) throw InputError("atomic number out of range", "", 0, where);
    return z;
  }
  if (j.is_string()) return element_from_string(j.get<std::string>(), where);
  throw InputError("element must be a symbol or an atomic number", "", 0, where);
}

double number_of(const json& obj, const char* key, double fallback, bool required, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) throw InputError(std::string("missing \"") + key + "\"", "", 0, where);
    return fallback;
  }
  if (!it->is_number()) throw InputError(std::string("\"") + key + "\" must be a number", "", 0, where);
  return it->get<double>();
}

CutoffType cutoff_of(const json& j, const std::string& where) {
  if (j.is_string()) return cutoff_type_from_name(j.get<std::string>());
  if (j.is_number_integer()) {
    const int t = j.get<int>();
    if (t < 0 || t > 8) throw InputError("cutoff type code must be 0..8", "", 0, where);
    return static_cast<CutoffType>(t);
  }
  throw InputError("cutoff must be a name or an n2p2 code", "", 0, where);
}

AcsfPresetOptions preset_options(const json& j, const std::vector<int>& species, CutoffType cutoff) {
  if (!j.is_object()) throw InputError("must be an object", "", 0, "auto");
  static const char* const known[] = {"elements", "rcut", "rmin", "radial", "shifted", "angular_eta",
                                      "angular_zeta", "cutoff", "cutoff_alpha"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return it.key() == k; }) ==
        std::end(known))
      throw InputError("unknown key \"" + it.key() + "\"", "", 0, "auto");
  AcsfPresetOptions o;
  o.cutoff = cutoff;
  if (j.contains("elements")) {
    if (!j["elements"].is_array()) throw InputError("must be an array of elements", "", 0, "auto.elements");
    for (const json& e : j["elements"]) o.elements.push_back(element_of(e, "auto.elements"));
  } else {
    o.elements = species;
  }
  if (o.elements.empty())
    throw InputError("the automatic ACSF grid needs its elements (\"elements\" or the species of the data)", "",
                     0, "auto.elements");
  o.rcut = number_of(j, "rcut", o.rcut, false, "auto.rcut");
  o.rmin = number_of(j, "rmin", o.rmin, false, "auto.rmin");
  const double radial = number_of(j, "radial", static_cast<double>(o.radial), false, "auto.radial");
  if (!(radial >= 1 && radial <= 1000 && radial == std::floor(radial)))
    throw InputError("must be an integer between 1 and 1000", "", 0, "auto.radial");
  o.radial = static_cast<std::size_t>(radial);
  if (j.contains("shifted")) {
    if (!j["shifted"].is_boolean()) throw InputError("must be true or false", "", 0, "auto.shifted");
    o.shifted = j["shifted"].get<bool>();
  }
  auto list = [&](const char* key, std::vector<double>& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_array()) throw InputError("must be an array of numbers", "", 0, std::string("auto.") + key);
    out.clear();
    for (const json& v : j[key]) {
      if (!v.is_number()) throw InputError("must be an array of numbers", "", 0, std::string("auto.") + key);
      out.push_back(v.get<double>());
    }
  };
  list("angular_eta", o.angular_eta);
  list("angular_zeta", o.angular_zeta);
  if (j.contains("cutoff")) o.cutoff = cutoff_of(j["cutoff"], "auto.cutoff");
  o.cutoff_alpha = number_of(j, "cutoff_alpha", o.cutoff_alpha, false, "auto.cutoff_alpha");
  return o;
}

}  // namespace

Acsf Acsf::from_json(const std::string& text, const std::vector<int>& species) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(std::string("ACSF parameters are not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw InputError("ACSF parameters must be a JSON object");
  if (doc.contains("type") && doc["type"] != "acsf") throw InputError("ACSF parameters: \"type\" must be \"acsf\"");
  CutoffType default_cutoff = CutoffType::cos;
  if (doc.contains("cutoff")) default_cutoff = cutoff_of(doc["cutoff"], "cutoff");
  if (doc.contains("auto")) return preset(preset_options(doc["auto"], species, default_cutoff));
  const double default_alpha = number_of(doc, "cutoff_alpha", 0.0, false, "cutoff_alpha");
  if (!doc.contains("functions") || !doc["functions"].is_array())
    throw InputError("ACSF parameters need an array \"functions\"");
  std::vector<SymmetryFunction> fs;
  std::size_t n = 0;
  for (const json& j : doc["functions"]) {
    const std::string where = "functions[" + std::to_string(n++) + "]";
    if (!j.is_object()) throw InputError("must be an object", "", 0, where);
    SymmetryFunction f;
    if (!j.contains("kind")) throw InputError("missing \"kind\"", "", 0, where);
    const json& k = j["kind"];
    if (k == "radial" || k == "G2" || k == 2) f.kind = SymmetryFunctionKind::radial;
    else if (k == "angular_narrow" || k == "G4" || k == 3) f.kind = SymmetryFunctionKind::angular_narrow;
    else if (k == "angular_wide" || k == "G5" || k == 9) f.kind = SymmetryFunctionKind::angular_wide;
    else throw InputError("\"kind\" must be radial (G2, 2), angular_narrow (G4, 3) or angular_wide (G5, 9)", "", 0, where);
    if (!j.contains("center")) throw InputError("missing \"center\"", "", 0, where);
    f.center = element_of(j["center"], where + ".center");
    if (!j.contains("neighbors") || !j["neighbors"].is_array())
      throw InputError("missing array \"neighbors\"", "", 0, where);
    const json& nb = j["neighbors"];
    const std::size_t want = f.kind == SymmetryFunctionKind::radial ? 1 : 2;
    if (nb.size() != want)
      throw InputError("\"neighbors\" must list " + std::to_string(want) + " element(s)", "", 0, where);
    f.neighbor1 = element_of(nb[0], where + ".neighbors");
    f.neighbor2 = want == 2 ? element_of(nb[1], where + ".neighbors") : 0;
    f.eta = number_of(j, "eta", 0.0, true, where);
    f.rshift = number_of(j, "rshift", 0.0, false, where);
    f.rcut = number_of(j, "rcut", 0.0, true, where);
    if (want == 2) {
      f.lambda = number_of(j, "lambda", 0.0, true, where);
      f.zeta = number_of(j, "zeta", 0.0, true, where);
    }
    f.cutoff = j.contains("cutoff") ? cutoff_of(j["cutoff"], where) : default_cutoff;
    f.cutoff_alpha = number_of(j, "cutoff_alpha", default_alpha, false, where);
    fs.push_back(f);
  }
  return Acsf(std::move(fs));
}

std::string Acsf::to_json() const {
  json doc;
  doc["type"] = "acsf";
  doc["units"] = "length as the positions (Å in mlp), eta in 1/length^2";
  json arr = json::array();
  for (const SymmetryFunction& f : all_) {
    json j;
    j["kind"] = kind_name(f.kind);
    j["center"] = element_symbol(f.center);
    if (f.kind == SymmetryFunctionKind::radial) {
      j["neighbors"] = {element_symbol(f.neighbor1)};
    } else {
      j["neighbors"] = {element_symbol(f.neighbor1), element_symbol(f.neighbor2)};
      j["lambda"] = f.lambda;
      j["zeta"] = f.zeta;
    }
    j["eta"] = f.eta;
    j["rshift"] = f.rshift;
    j["rcut"] = f.rcut;
    j["cutoff"] = cutoff_type_name(f.cutoff);
    j["cutoff_alpha"] = f.cutoff_alpha;
    arr.push_back(j);
  }
  doc["functions"] = arr;
  return doc.dump(1);
}

Acsf Acsf::from_n2p2(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::size_t lineno = 0;
  CutoffType cutoff = CutoffType::hard;
  bool have_cutoff = false;
  double alpha = 0.0;
  struct Pending {
    SymmetryFunction f;
    std::size_t line;
  };
  std::vector<Pending> pending;
  auto number = [&](const std::string& s, const char* what) {
    try {
      std::size_t used = 0;
      const double v = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
      return v;
    } catch (const std::exception&) {
      throw InputError(std::string("bad ") + what + " '" + s + "'", "input.nn", lineno);
    }
  };
  auto element = [&](const std::string& s) {
    const int z = atomic_number(s);
    if (z == 0) throw InputError("unknown element '" + s + "'", "input.nn", lineno);
    return z;
  };
  while (std::getline(in, line)) {
    ++lineno;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string t; ls >> t;) w.push_back(t);
    if (w.empty()) continue;
    if (w[0] == "cutoff_type") {
      if (w.size() < 2) throw InputError("cutoff_type needs a type", "input.nn", lineno);
      const double t = number(w[1], "cutoff type");
      if (t < 0 || t > 8 || t != std::floor(t)) throw InputError("unsupported cutoff type " + w[1], "input.nn", lineno);
      cutoff = static_cast<CutoffType>(static_cast<int>(t));
      alpha = w.size() > 2 ? number(w[2], "cutoff alpha") : 0.0;
      have_cutoff = true;
    } else if (w[0] == "symfunction_short" || w[0] == "symfunction") {
      if (w.size() < 3) throw InputError("symmetry function line too short", "input.nn", lineno);
      SymmetryFunction f;
      f.center = element(w[1]);
      const std::string& type = w[2];
      if (type == "2") {
        if (w.size() != 7) throw InputError("type 2 needs: element eta rshift rcutoff", "input.nn", lineno);
        f.kind = SymmetryFunctionKind::radial;
        f.neighbor1 = element(w[3]);
        f.eta = number(w[4], "eta");
        f.rshift = number(w[5], "rshift");
        f.rcut = number(w[6], "rcutoff");
      } else if (type == "3" || type == "9") {
        if (w.size() != 9 && w.size() != 10)
          throw InputError("type " + type + " needs: element element eta lambda zeta rcutoff [rshift]", "input.nn",
                           lineno);
        f.kind = type == "3" ? SymmetryFunctionKind::angular_narrow : SymmetryFunctionKind::angular_wide;
        f.neighbor1 = element(w[3]);
        f.neighbor2 = element(w[4]);
        f.eta = number(w[5], "eta");
        f.lambda = number(w[6], "lambda");
        f.zeta = number(w[7], "zeta");
        f.rcut = number(w[8], "rcutoff");
        f.rshift = w.size() == 10 ? number(w[9], "rshift") : 0.0;  // n2p2: optional trailing shift
      } else {
        throw InputError("n2p2 symmetry function type " + type + " is not supported (only 2, 3, 9)", "input.nn",
                         lineno);
      }
      pending.push_back({f, lineno});
    }
  }
  if (pending.empty()) throw InputError("no symfunction_short lines", "input.nn");
  if (!have_cutoff) throw InputError("no cutoff_type line", "input.nn");
  std::vector<SymmetryFunction> fs;
  for (Pending& p : pending) {
    p.f.cutoff = cutoff;
    p.f.cutoff_alpha = alpha;
    try {
      validate(p.f);
    } catch (const InputError& e) {
      throw InputError(e.message(), "input.nn", p.line);
    }
    fs.push_back(p.f);
  }
  return Acsf(std::move(fs));
}

Acsf Acsf::preset(const AcsfPresetOptions& o) {
  if (o.elements.empty()) throw InputError("ACSF preset needs at least one element");
  if (o.radial < 1) throw InputError("ACSF preset needs at least one radial function per element");
  if (!(o.rmin > 0.0 && o.rmin < o.rcut)) throw InputError("ACSF preset needs 0 < rmin < rcut");
  std::vector<int> el = o.elements;
  std::sort(el.begin(), el.end());
  el.erase(std::unique(el.begin(), el.end()), el.end());
  std::vector<SymmetryFunction> fs;
  const std::size_t n = o.radial;
  const double span = o.rcut - o.rmin;
  const double step = n > 1 ? span / static_cast<double>(n - 1) : span;
  for (int c : el) {
    for (int e : el) {
      for (std::size_t k = 0; k < n; ++k) {
        SymmetryFunction f;
        f.kind = SymmetryFunctionKind::radial;
        f.center = c;
        f.neighbor1 = e;
        f.rcut = o.rcut;
        f.cutoff = o.cutoff;
        f.cutoff_alpha = o.cutoff_alpha;
        const double grid = o.rmin + step * static_cast<double>(k);
        if (o.shifted) {  // Gaussians centred on the grid, width = spacing
          f.rshift = grid;
          f.eta = 1.0 / (2.0 * step * step);
        } else {  // centred at r = 0, widths on the grid
          f.rshift = 0.0;
          f.eta = 1.0 / (2.0 * grid * grid);
        }
        fs.push_back(f);
      }
    }
    for (std::size_t a = 0; a < el.size(); ++a)
      for (std::size_t b = a; b < el.size(); ++b)
        for (double eta : o.angular_eta)
          for (double zeta : o.angular_zeta)
            for (double lambda : {1.0, -1.0}) {
              SymmetryFunction f;
              f.kind = SymmetryFunctionKind::angular_wide;
              f.center = c;
              f.neighbor1 = el[a];
              f.neighbor2 = el[b];
              f.eta = eta;
              f.zeta = zeta;
              f.lambda = lambda;
              f.rcut = o.rcut;
              f.cutoff = o.cutoff;
              f.cutoff_alpha = o.cutoff_alpha;
              fs.push_back(f);
            }
  }
  return Acsf(std::move(fs));
}

}  // namespace mlp
