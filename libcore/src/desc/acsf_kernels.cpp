// ACSF evaluation: the plan (make_plan), the neighbour gathering, and the dispatch to the kernels of
// acsf_kernels_impl.hpp compiled for the widest instruction set the CPU has.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MLP_ACSF_MULTIVERSION 1
#include <immintrin.h>
#endif

#include "acsf_plan.hpp"
#include "mlp/core/elements.hpp"

namespace mlp::detail {

namespace {

enum class Mode { values, weighted, dense };

// Members of one element within a group's cutoff.
struct Members {
  std::size_t n = 0, cap = 0;
  std::vector<double> x, y, z, r, inv, f, df;
  std::vector<int> m;  // index in the NeighbourBlock
};

}  // namespace

struct KernelScratch {
  Members A, B;
  std::size_t cap = 0, U = 0, C = 0, F = 0;
  std::vector<std::size_t> idx, ia;
  std::vector<double> r2, r2c, ax, ay, az, ar, br, ainv, af, adf, tx, ty, tz, tinv, tf, tdf, rjk, inv_rjk, fjk, dfjk, cosv, fab,
      fprod, arg, lc, base;
  std::vector<double> T, Ta, Tb, Ds, alpha_a, alpha_b, beta, cx, cy, cz, ex, ey, ez;
  std::vector<double> dga, tdg, E, EF, dt;  // [term * cap + t]
  std::vector<double> pw, dpw;               // [power * cap + t]
  std::vector<double> acc;                   // per function: the sum of its chunks' sums
  std::vector<double> W;                     // per function: w_k 2^(1−ζ)
  std::vector<double> radial_e;              // [function of the group * count + neighbour]
  std::vector<double> radial_s;              // per neighbour

  void reserve(std::size_t c, std::size_t u, std::size_t p, std::size_t f) {
    if (c <= cap && u <= U && p <= C && f <= F) return;
    cap = std::max(c, cap);
    U = std::max(u, U);
    C = std::max(p, C);
    F = std::max(f, F);
    idx.resize(cap);
    ia.resize(cap);
    for (auto* v : {&r2, &r2c, &ax, &ay, &az, &ar, &br, &ainv, &af, &adf, &tx, &ty, &tz, &tinv, &tf, &tdf, &rjk, &inv_rjk, &fjk,
                    &dfjk, &cosv, &fab, &fprod, &arg, &lc, &base, &T, &Ta, &Tb, &Ds, &alpha_a, &alpha_b, &beta, &cx, &cy, &cz,
                    &ex, &ey, &ez})
      v->resize(cap);
    for (auto* v : {&dga, &tdg, &E, &EF, &dt}) v->resize(cap * U);
    pw.resize(cap * C);
    dpw.resize(cap * C);
    acc.resize(F);
    W.resize(F);
  }
};

void ScratchDeleter::operator()(KernelScratch* s) const { delete s; }

Workspace::Workspace() : scratch(new KernelScratch) {}


// One copy of the kernels per instruction set; the widest one the CPU supports runs (checked per call: a load
// and a test). Contraction is off in every copy and the sums have a fixed order, so they all give the same bits.
#ifdef MLP_ACSF_MULTIVERSION
#define MLP_ACSF_SQRT_WIDTH 2
#else
#define MLP_ACSF_SQRT_WIDTH 1
#endif
namespace generic {
namespace {
#include "acsf_kernels_impl.hpp"
}  // namespace
}  // namespace generic
#undef MLP_ACSF_SQRT_WIDTH

#ifdef MLP_ACSF_MULTIVERSION
#pragma GCC push_options
#pragma GCC target("avx2")  // without "fma": no contraction
#define MLP_ACSF_SQRT_WIDTH 4
namespace avx2 {
namespace {
#include "acsf_kernels_impl.hpp"
}  // namespace
}  // namespace avx2
#undef MLP_ACSF_SQRT_WIDTH
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2")
#pragma GCC optimize("fp-contract=off")  // AVX-512F brings FMA; keep the generic rounding
#define MLP_ACSF_SQRT_WIDTH 8
namespace avx512 {
namespace {
#include "acsf_kernels_impl.hpp"
}  // namespace
}  // namespace avx512
#undef MLP_ACSF_SQRT_WIDTH
#pragma GCC pop_options
#endif

namespace {
enum class Isa { generic, avx2, avx512 };
Isa isa() {
#ifdef MLP_ACSF_MULTIVERSION
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return Isa::avx512;
  if (__builtin_cpu_supports("avx2")) return Isa::avx2;
#endif
  return Isa::generic;
}
}  // namespace

#ifdef MLP_ACSF_MULTIVERSION
#define MLP_ACSF_DISPATCH(call)                   \
  switch (isa()) {                                \
    case Isa::avx512: return avx512::call;        \
    case Isa::avx2: return avx2::call;            \
    default: return generic::call;                \
  }
#else
#define MLP_ACSF_DISPATCH(call) return generic::call;
#endif

namespace {
// cutoff_array of the widest instruction set (all give the same bits).
void cutoff_values(const CutoffFunction& c, const double* r, std::size_t n, double* f, double* df) {
  MLP_ACSF_DISPATCH(cutoff_array(c, r, n, f, df))
}
}  // namespace

void gather_neighbours(const ElementPlan& plan, const Structure& s, const NeighborList& nl, std::size_t i,
                       NeighbourBlock& nb) {
  const std::size_t S = plan.slots;
  nb.slot_begin.assign(S + 1, 0);
  std::size_t n = 0;
  for (std::size_t p = nl.begin(i); p < nl.end(i); ++p) {
    if (!(nl.distance(p) < plan.rmax)) continue;
    const int sl = plan.slot_of[static_cast<std::size_t>(s.numbers[static_cast<std::size_t>(nl.neighbor(p))])];
    if (sl < 0) continue;
    ++nb.slot_begin[static_cast<std::size_t>(sl) + 1];
    ++n;
  }
  for (std::size_t k = 0; k < S; ++k) nb.slot_begin[k + 1] += nb.slot_begin[k];
  nb.count = n;
  const std::size_t nc = plan.cutoffs.size();
  if (nb.capacity < n || nb.fc.size() < nc * nb.capacity) {
    nb.capacity = std::max(n, nb.capacity);
    for (auto* v : {&nb.x, &nb.y, &nb.z, &nb.r, &nb.inv_r}) v->resize(nb.capacity);
    nb.atom.resize(nb.capacity);
    nb.pair.resize(nb.capacity);
    nb.fc.resize(nc * nb.capacity);
    nb.dfc.resize(nc * nb.capacity);
  }
  std::vector<std::size_t>& at = nb.cursor;
  at.assign(nb.slot_begin.begin(), nb.slot_begin.end() - 1);
  for (std::size_t p = nl.begin(i); p < nl.end(i); ++p) {
    const double r = nl.distance(p);
    if (!(r < plan.rmax)) continue;
    const int j = nl.neighbor(p);
    const int sl = plan.slot_of[static_cast<std::size_t>(s.numbers[static_cast<std::size_t>(j)])];
    if (sl < 0) continue;
    const std::size_t m = at[static_cast<std::size_t>(sl)]++;
    const Vec3& d = nl.vector(p);
    nb.x[m] = d[0];
    nb.y[m] = d[1];
    nb.z[m] = d[2];
    nb.r[m] = r;
    nb.inv_r[m] = 1.0 / r;
    nb.atom[m] = j;
    nb.pair[m] = p;
  }
  for (std::size_t c = 0; c < nc; ++c)
    cutoff_values(plan.cutoffs[c], nb.r.data(), n, nb.fc.data() + c * nb.capacity, nb.dfc.data() + c * nb.capacity);
}


void centre_values(const ElementPlan& plan, Workspace& ws, double* q) { MLP_ACSF_DISPATCH(centre_values(plan, ws, q)) }

void centre_weighted(const ElementPlan& plan, Workspace& ws, const double* w, double* v) {
  MLP_ACSF_DISPATCH(centre_weighted(plan, ws, w, v))
}

void centre_dense(const ElementPlan& plan, Workspace& ws, double* q, double* grad) {
  MLP_ACSF_DISPATCH(centre_dense(plan, ws, q, grad))
}

namespace {

// Marks which Gaussians exp(−η Σ (r − r_s)²) of a group (`factors` squared distances, each r < rc) need the
// clamp of their exp argument, and which are integer powers of another one's with the same r_s:
// exp(−n η S) = exp(−η S)^n. Only when n η equals the other η to within 4 ulp (the difference, times an argument
// of at most 708, stays below 1e-12 relative) and neither needs the clamp. Terms: AngularTerm or RadialFunction.
template <class Term>
void share_gaussians(std::vector<Term>& terms, double factors, double rc) {
  for (Term& t : terms) {
    const double d = std::max(std::abs(t.rshift), std::abs(rc - t.rshift));
    t.clamp = !(t.eta * factors * d * d <= 708.0);
  }
  for (std::size_t u = 0; u < terms.size(); ++u) {
    Term& t = terms[u];
    if (t.clamp) continue;
    int root = -1;  // the smallest η > 0 with the same r_s: a root itself (its own η is not a multiple of it)
    for (std::size_t v = 0; v < terms.size(); ++v) {
      const Term& o = terms[v];
      if (o.rshift == t.rshift && o.eta > 0.0 && !o.clamp &&
          (root < 0 || o.eta < terms[static_cast<std::size_t>(root)].eta))
        root = static_cast<int>(v);
    }
    if (root < 0 || root == static_cast<int>(u)) continue;
    const double base = terms[static_cast<std::size_t>(root)].eta;
    const double n = std::round(t.eta / base);
    if (n >= 2.0 && n <= 63.0 && std::abs(n * base - t.eta) <= 4.0 * 0x1p-52 * t.eta) {
      t.root = root;
      t.power = static_cast<int>(n);
    }
  }
}

}  // namespace

AcsfPlan make_plan(const std::vector<std::vector<SymmetryFunction>>& per_element) {
  AcsfPlan plan;
  plan.elements.resize(per_element.size());
  for (std::size_t z = 0; z < per_element.size(); ++z) {
    const auto& fs = per_element[z];
    if (fs.empty()) continue;
    ElementPlan& ep = plan.elements[z];
    ep.size = fs.size();
    // Slots in ascending atomic number, so that mixed angular pairs run (lower element) × (higher element).
    std::vector<int> used;
    for (const SymmetryFunction& f : fs) {
      used.push_back(f.neighbor1);
      if (f.kind != SymmetryFunctionKind::radial) used.push_back(f.neighbor2);
    }
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    ep.slot_of.assign(static_cast<std::size_t>(kMaxAtomicNumber) + 1, -1);
    for (std::size_t k = 0; k < used.size(); ++k) ep.slot_of[static_cast<std::size_t>(used[k])] = static_cast<int>(k);
    ep.slots = used.size();
    auto cutoff_index = [&](const SymmetryFunction& f) {
      const bool alpha_used = f.cutoff != CutoffType::tanh && f.cutoff != CutoffType::tanhu;
      const CutoffFunction c{f.cutoff, f.rcut, alpha_used ? f.cutoff_alpha : 0.0};
      for (std::size_t k = 0; k < ep.cutoffs.size(); ++k)
        if (ep.cutoffs[k].type == c.type && ep.cutoffs[k].rc == c.rc && ep.cutoffs[k].alpha == c.alpha)
          return static_cast<int>(k);
      ep.cutoffs.push_back(c);
      return static_cast<int>(ep.cutoffs.size() - 1);
    };
    std::map<std::tuple<int, int, int>, std::size_t> radial_index;
    std::map<std::tuple<int, int, int, int>, std::size_t> angular_index;
    for (std::size_t k = 0; k < fs.size(); ++k) {
      const SymmetryFunction& f = fs[k];
      ep.rmax = std::max(ep.rmax, f.rcut);
      const int cut = cutoff_index(f);
      if (f.kind == SymmetryFunctionKind::radial) {
        const int slot = ep.slot_of[static_cast<std::size_t>(f.neighbor1)];
        const auto key = std::make_tuple(slot, cut, 0);
        auto it = radial_index.find(key);
        if (it == radial_index.end()) {
          ep.radial.push_back(RadialGroup{slot, cut, {}});
          it = radial_index.emplace(key, ep.radial.size() - 1).first;
        }
        ep.radial[it->second].functions.push_back(RadialFunction{k, f.eta, f.rshift});
        continue;
      }
      const int s1 = ep.slot_of[static_cast<std::size_t>(std::min(f.neighbor1, f.neighbor2))];
      const int s2 = ep.slot_of[static_cast<std::size_t>(std::max(f.neighbor1, f.neighbor2))];
      const bool narrow = f.kind == SymmetryFunctionKind::angular_narrow;
      const auto key = std::make_tuple(narrow ? 1 : 0, s1, s2, cut);
      auto it = angular_index.find(key);
      if (it == angular_index.end()) {
        AngularGroup g;
        g.narrow = narrow;
        g.slot1 = s1;
        g.slot2 = s2;
        g.cutoff = cut;
        ep.angular.push_back(g);
        it = angular_index.emplace(key, ep.angular.size() - 1).first;
      }
      AngularGroup& g = ep.angular[it->second];
      AngularFunction af{k, 0, 0, std::exp2(1.0 - f.zeta)};
      auto t = std::find_if(g.terms.begin(), g.terms.end(),
                            [&](const AngularTerm& x) { return x.eta == f.eta && x.rshift == f.rshift; });
      if (t == g.terms.end()) t = g.terms.insert(g.terms.end(), AngularTerm{f.eta, f.rshift});
      af.term = static_cast<int>(t - g.terms.begin());
      auto p = std::find_if(g.powers.begin(), g.powers.end(),
                            [&](const AngularPower& x) { return x.lambda == f.lambda && x.zeta == f.zeta; });
      if (p == g.powers.end()) {
        const int iz = f.zeta == std::floor(f.zeta) && f.zeta < 64 ? static_cast<int>(f.zeta) : -1;
        p = g.powers.insert(g.powers.end(), AngularPower{f.lambda, f.zeta, iz});
      }
      af.power = static_cast<int>(p - g.powers.begin());
      g.functions.push_back(af);
    }
    for (RadialGroup& g : ep.radial) share_gaussians(g.functions, 1.0, ep.cutoffs[static_cast<std::size_t>(g.cutoff)].rc);
    for (AngularGroup& g : ep.angular)
      share_gaussians(g.terms, g.narrow ? 3.0 : 2.0, ep.cutoffs[static_cast<std::size_t>(g.cutoff)].rc);
  }
  return plan;
}

}  // namespace mlp::detail
