// The ACSF kernels, included by acsf_kernels.cpp once per instruction set inside its own namespace (generic
// x86-64/SSE2, AVX2, AVX-512), so that the same source is vectorised for each. No include guard on purpose.
// Floating-point contraction (FMA) stays off in every variant: all variants give the same bits.
//
// The angular triplet loop is organised for the vectoriser: the pairs (a, b) of group members that pass the j–k
// cutoff are compacted into chunks of up to kChunk triplets (across several a), their data gathered into
// contiguous arrays, and every quantity (r_jk, cutoff, Gaussians, angular powers, derivatives) is computed by
// loops over those arrays. Per triplet there is one exp per distinct (η, r_s) of the group ("term":
// exp(−η[(r_ij−r_s)² + (r_ik−r_s)² + (r_jk−r_s)²]) as a single exp, not three), or none when η is an integer
// multiple of another term's (then a few products), and one power per distinct (λ, ζ) ("power", integer ζ by the
// products of square-and-multiply); each function then combines one of each. On AVX-512 the compaction is
// vectorised (compressed member indices) and the members' data are fetched by hardware gathers.
//
// accumulate() needs only Σ_k w_k dq_k/dr: the weights are folded into per-triplet sums over the functions
// first, so its chain rule runs once per triplet, not once per function. Sums over triplets use fixed partial
// sums (acsf_simd.hpp) or per-position arrays, so the results never depend on the vector width or the thread.
#include "acsf_simd.hpp"

// f_c and df_c/dr of n values; vectorised for the types without trigonometric functions. With need_df false,
// df may be left unwritten (the tanh types skip it: rows need no derivatives); with inside true, every r <= rc
// (the tanh types skip their clamp).
void cutoff_array(const CutoffFunction& c, const double* r, std::size_t n, double* f, double* df, bool need_df = true,
                  bool inside = false) {
  const double rc = c.rc;
  switch (c.type) {
    case CutoffType::tanhu:
    case CutoffType::tanh: {
      double scale = 1.0;
      const double inv_rc = 1.0 / rc;
      if (c.type == CutoffType::tanh) {
        const double t1 = std::tanh(1.0);
        scale = 1.0 / (t1 * t1 * t1);
      }
      // y = 1 − min(r, rc)/rc: y = 0 beyond rc gives f = df = 0. A separate clamp loop: GCC 12 vectorises a
      // select of loaded values for every instruction set, not always one mixed into the arithmetic below.
      if (!inside) {
#pragma omp simd
        for (std::size_t t = 0; t < n; ++t) f[t] = r[t] < rc ? r[t] : rc;
      }
      const double* x = inside ? r : f;  // min(r, rc); read before f[t] is written
      if (!need_df) {
#pragma omp simd
        for (std::size_t t = 0; t < n; ++t) {
          const double em = expm1_core(-2.0 * (1.0 - x[t] * inv_rc));
          const double th = -em / (2.0 + em);
          f[t] = scale * th * (th * th);
        }
        return;
      }
#pragma omp simd
      for (std::size_t t = 0; t < n; ++t) {
        const double em = expm1_core(-2.0 * (1.0 - x[t] * inv_rc));  // tanh(y) = −expm1(−2y)/(2 + expm1(−2y))
        const double th = -em / (2.0 + em);
        const double t2 = th * th;
        f[t] = scale * th * t2;
        df[t] = scale * 3.0 * t2 * (t2 - 1.0) * inv_rc;
      }
      return;
    }
    case CutoffType::hard:
#pragma omp simd
      for (std::size_t t = 0; t < n; ++t) {
        f[t] = r[t] < rc ? 1.0 : 0.0;
        df[t] = 0.0;
      }
      return;
    case CutoffType::poly1:
    case CutoffType::poly2:
    case CutoffType::poly3:
    case CutoffType::poly4: {
      const double rci = c.alpha * rc, iw = 1.0 / (rc - rci);
      auto run = [&](auto polynomial) {
#pragma omp simd
        for (std::size_t t = 0; t < n; ++t) {
          const double x = (r[t] - rci) * iw;
          double v, d;
          polynomial(x, v, d);
          const double in = r[t] < rc ? 1.0 : 0.0, outer = r[t] < rci ? 0.0 : 1.0;
          f[t] = in * (outer * v + (1.0 - outer));
          df[t] = (in * outer) * (d * iw);
        }
      };
      if (c.type == CutoffType::poly1)
        run([](double x, double& v, double& d) {
          v = (2.0 * x - 3.0) * x * x + 1.0;
          d = 6.0 * x * (x - 1.0);
        });
      else if (c.type == CutoffType::poly2)
        run([](double x, double& v, double& d) {
          const double y = x * (x - 1.0);
          v = ((15.0 - 6.0 * x) * x - 10.0) * x * x * x + 1.0;
          d = -30.0 * y * y;
        });
      else if (c.type == CutoffType::poly3)
        run([](double x, double& v, double& d) {
          const double y = x * (x - 1.0);
          v = x * x * x * x * (x * (x * (20.0 * x - 70.0) + 84.0) - 35.0) + 1.0;
          d = 140.0 * y * y * y;
        });
      else
        run([](double x, double& v, double& d) {
          const double y = x * (x - 1.0);
          v = x * x * x * x * x * (x * (x * (x * (315.0 - 70.0 * x) - 540.0) + 420.0) - 126.0) + 1.0;
          d = -630.0 * y * y * y * y;
        });
      return;
    }
    default:  // cos, exp: libm per value
      for (std::size_t t = 0; t < n; ++t) c.evaluate(r[t], f[t], df[t]);
  }
}

// p[t] = lc[t]^n (n >= 0) by the square-and-multiply sequence of the scalar ipow, vectorised over t.
void integer_power(const double* lc, std::size_t nt, int n, double* p, double* base) {
#pragma omp simd
  for (std::size_t t = 0; t < nt; ++t) {
    p[t] = 1.0;
    base[t] = lc[t];
  }
  while (n > 0) {
    if (n & 1) {
#pragma omp simd
      for (std::size_t t = 0; t < nt; ++t) p[t] *= base[t];
    }
    n >>= 1;
    if (n > 0) {
#pragma omp simd
      for (std::size_t t = 0; t < nt; ++t) base[t] *= base[t];
    }
  }
}

// x^N by recursive halving, unrolled at compile time (N >= 1).
template <int N>
inline double power_of(double x) {
  if constexpr (N == 1) {
    return x;
  } else if constexpr (N % 2 == 0) {
    const double h = power_of<N / 2>(x);
    return h * h;
  } else {
    return power_of<N - 1>(x) * x;
  }
}

template <int N>
void power_loop(const double* x, std::size_t nt, double* p) {
#pragma omp simd
  for (std::size_t t = 0; t < nt; ++t) p[t] = power_of<N>(x[t]);
}

template <std::size_t... I>
constexpr std::array<void (*)(const double*, std::size_t, double*), sizeof...(I)> power_loops(
    std::index_sequence<I...>) {
  return {&power_loop<static_cast<int>(I) + 1>...};
}

// p[t] = x[t]^n for 1 <= n <= 63 (the integer powers of shared Gaussians): one pass of straight-line products
// per exponent, where integer_power needs a pass per squaring and per set bit.
void small_power(const double* x, std::size_t nt, int n, double* p) {
  static constexpr auto loops = power_loops(std::make_index_sequence<63>());
  loops[static_cast<std::size_t>(n - 1)](x, nt, p);
}

void build_members(const ElementPlan& plan, const NeighbourBlock& nb, int slot, const AngularGroup& g, Members& M) {
  const std::size_t b = nb.slot_begin[static_cast<std::size_t>(slot)];
  const std::size_t e = nb.slot_begin[static_cast<std::size_t>(slot) + 1];
  const double rc = plan.cutoffs[static_cast<std::size_t>(g.cutoff)].rc;
  const double* fc = nb.fc.data() + static_cast<std::size_t>(g.cutoff) * nb.capacity;
  const double* dfc = nb.dfc.data() + static_cast<std::size_t>(g.cutoff) * nb.capacity;
  if (M.cap < e - b) {
    M.cap = e - b;
    for (auto* v : {&M.x, &M.y, &M.z, &M.r, &M.inv, &M.f, &M.df}) v->resize(M.cap);
    M.m.resize(M.cap);
  }
  std::size_t n = 0;
  for (std::size_t m = b; m < e; ++m) {
    if (!(nb.r[m] < rc)) continue;
    M.x[n] = nb.x[m];
    M.y[n] = nb.y[m];
    M.z[n] = nb.z[m];
    M.r[n] = nb.r[m];
    M.inv[n] = nb.inv_r[m];
    M.f[n] = fc[m];
    M.df[n] = dfc[m];
    M.m[n] = static_cast<int>(m);
    ++n;
  }
  M.n = n;
}

template <Mode M>
void radial_groups(const ElementPlan& plan, const NeighbourBlock& nb, KernelScratch& k, const double* w, double* q,
                   double* grad) {
  std::size_t most = 1;  // functions of the largest group: one row of Gaussians each
  for (const RadialGroup& g : plan.radial) most = std::max(most, g.functions.size());
  if (k.radial_e.size() < most * nb.count) k.radial_e.resize(most * nb.count);
  if (k.radial_s.size() < nb.count) k.radial_s.resize(nb.count);
  if (M == Mode::weighted) std::fill(k.radial_s.begin(), k.radial_s.begin() + static_cast<std::ptrdiff_t>(nb.count), 0.0);
  double* S = k.radial_s.data();
  for (const RadialGroup& g : plan.radial) {
    const std::size_t b = nb.slot_begin[static_cast<std::size_t>(g.slot)];
    const std::size_t n = nb.slot_begin[static_cast<std::size_t>(g.slot) + 1] - b;
    if (n == 0) continue;
    const double* r = nb.r.data() + b;
    const double* fc = nb.fc.data() + static_cast<std::size_t>(g.cutoff) * nb.capacity + b;
    const double* dfc = nb.dfc.data() + static_cast<std::size_t>(g.cutoff) * nb.capacity + b;
    // Gaussians exp(−η (r − r_s)²): the functions with their own exp first, then the integer powers of those.
    for (int derived = 0; derived < 2; ++derived) {
      for (std::size_t u = 0; u < g.functions.size(); ++u) {
        const RadialFunction& f = g.functions[u];
        if ((f.root >= 0) != (derived == 1)) continue;
        double* e = k.radial_e.data() + u * nb.count;
        if (derived) {
          small_power(k.radial_e.data() + static_cast<std::size_t>(f.root) * nb.count, n, f.power, e);
          continue;
        }
        const double eta = f.eta, rs = f.rshift;
#pragma omp simd
        for (std::size_t t = 0; t < n; ++t) {
          const double d = r[t] - rs;
          e[t] = -eta * d * d;
        }
        if (f.clamp) clamp_exp_argument(e, n);
#pragma omp simd
        for (std::size_t t = 0; t < n; ++t) e[t] = exp_core(e[t]);
      }
    }
    for (std::size_t u = 0; u < g.functions.size(); ++u) {
      const RadialFunction& f = g.functions[u];
      const double eta = f.eta, rs = f.rshift;
      const double* e = k.radial_e.data() + u * nb.count;
      if (M != Mode::weighted) q[f.row] += lane_dot(e, fc, n);
      if (M == Mode::weighted) {
        const double wk = w[f.row];
#pragma omp simd
        for (std::size_t t = 0; t < n; ++t) S[b + t] += wk * (e[t] * (dfc[t] - 2.0 * eta * (r[t] - rs) * fc[t]));
      } else if (M == Mode::dense) {
        double* gk = grad + (f.row * nb.count + b) * 3;
        const double* inv = nb.inv_r.data() + b;
        const double* x = nb.x.data() + b;
        const double* y = nb.y.data() + b;
        const double* z = nb.z.data() + b;
        for (std::size_t t = 0; t < n; ++t) {
          const double s = e[t] * (dfc[t] - 2.0 * eta * (r[t] - rs) * fc[t]) * inv[t];
          gk[3 * t] += s * x[t];
          gk[3 * t + 1] += s * y[t];
          gk[3 * t + 2] += s * z[t];
        }
      }
    }
  }
}

// Triplets of a group are processed in chunks of up to kChunk (a, b) pairs that pass the j–k cutoff, collected
// across several a: long arrays keep the many short passes below efficient.
constexpr std::size_t kChunk = 64;

#if MLP_ACSF_SQRT_WIDTH != 8
// Copies both members' data of the nt compacted triplets (ia, idx) into the chunk arrays (the generic and AVX2
// path; the AVX-512 path compacts the data itself, see compact_row).
void gather_chunk(const Members& A, const Members& B, KernelScratch& k, std::size_t nt, bool derivatives) {
  const std::size_t *ia = k.ia.data(), *ib = k.idx.data();
  double *ax = k.ax.data(), *ay = k.ay.data(), *az = k.az.data(), *ar = k.ar.data(), *ainv = k.ainv.data(),
         *af = k.af.data(), *adf = k.adf.data(), *br = k.br.data();
  double *tx = k.tx.data(), *ty = k.ty.data(), *tz = k.tz.data(), *tinv = k.tinv.data(), *tf = k.tf.data(),
         *tdf = k.tdf.data();
  // Gathers (vectorised on AVX2/AVX-512): the per-triplet copies of both members' data.
  {
    const double *Ax = A.x.data(), *Ay = A.y.data(), *Az = A.z.data(), *Ar = A.r.data(), *Ai = A.inv.data(),
                 *Af = A.f.data(), *Adf = A.df.data();
    const double *Bx = B.x.data(), *By = B.y.data(), *Bz = B.z.data(), *Br = B.r.data(), *Bi = B.inv.data(),
                 *Bf = B.f.data(), *Bdf = B.df.data();
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      const std::size_t a = ia[t], b = ib[t];
      ax[t] = Ax[a];
      ay[t] = Ay[a];
      az[t] = Az[a];
      ar[t] = Ar[a];
      ainv[t] = Ai[a];
      af[t] = Af[a];
      tx[t] = Bx[b];
      ty[t] = By[b];
      tz[t] = Bz[b];
      br[t] = Br[b];
      tinv[t] = Bi[b];
      tf[t] = Bf[b];
    }
    if (derivatives) {
#pragma omp simd
      for (std::size_t t = 0; t < nt; ++t) {
        adf[t] = Adf[ia[t]];
        tdf[t] = Bdf[ib[t]];
      }
    }
  }
}
#endif

template <Mode M>
void angular_chunk(const AngularGroup& g, const CutoffFunction& cut, const Members& A, const Members& B,
                   KernelScratch& k, std::size_t nt, double* v, double* grad, std::size_t count) {
  constexpr bool derivatives = M != Mode::values;
  const std::size_t U = g.terms.size(), C = g.powers.size(), F = g.functions.size();
  const std::size_t kc = kChunk;
  const std::size_t *ia = k.ia.data(), *ib = k.idx.data();
  double *ax = k.ax.data(), *ay = k.ay.data(), *az = k.az.data(), *ar = k.ar.data(), *ainv = k.ainv.data(),
         *af = k.af.data(), *adf = k.adf.data(), *br = k.br.data();
  double *tx = k.tx.data(), *ty = k.ty.data(), *tz = k.tz.data(), *tinv = k.tinv.data(), *tf = k.tf.data(),
         *tdf = k.tdf.data(), *rjk = k.rjk.data(), *inv_rjk = k.inv_rjk.data(), *fjk = k.fjk.data(),
         *dfjk = k.dfjk.data(), *cosv = k.cosv.data(), *fprod = k.fprod.data(), *arg = k.arg.data();
  // cos θ and f_c(r_ij) f_c(r_ik); the AVX-512 compaction has computed both for rows (the same expressions).
#if MLP_ACSF_SQRT_WIDTH == 8
  constexpr bool compacted = M == Mode::values;
#else
  constexpr bool compacted = false;
#endif
  double* fab = k.fab.data();
  if (!compacted) {
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      cosv[t] = (ax[t] * tx[t] + ay[t] * ty[t] + az[t] * tz[t]) * (ainv[t] * tinv[t]);
      fab[t] = af[t] * tf[t];
    }
  }
  if (g.narrow) {
    sqrt_array(k.r2c.data(), rjk, nt);
    cutoff_array(cut, rjk, nt, fjk, dfjk, derivatives, true);  // r_jk² < rc² from the compaction
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      fprod[t] = fab[t] * fjk[t];
      if (derivatives) inv_rjk[t] = 1.0 / rjk[t];
    }
  } else {
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      fprod[t] = fab[t];
      fjk[t] = 1.0;
      dfjk[t] = 0.0;
      inv_rjk[t] = 0.0;
    }
  }
  // Gaussians, one exp per triplet and distinct (η, r_s): E_u = exp(−η[(r_ij−r_s)² + (r_ik−r_s)² (+ (r_jk−r_s)²)])
  // (no cutoffs), and the logarithmic derivatives dga, dgb, dt = −2η(r − r_s) of its three factors. Terms that
  // are integer powers of another (AngularTerm::root) come second, from that one's E.
  for (int derived = 0; derived < 2; ++derived) {
    for (std::size_t u = 0; u < U; ++u) {
      const AngularTerm& term = g.terms[u];
      if ((term.root >= 0) != (derived == 1)) continue;
      const double eta = term.eta, rs = term.rshift;
      double* E = k.E.data() + u * kc;
      if (M == Mode::dense) {
        double* dga = k.dga.data() + u * kc;
        double* dgb = k.tdg.data() + u * kc;
        double* dt = k.dt.data() + u * kc;
#pragma omp simd
        for (std::size_t t = 0; t < nt; ++t) {
          dga[t] = -2.0 * eta * (ar[t] - rs);
          dgb[t] = -2.0 * eta * (br[t] - rs);
        }
        if (g.narrow) {
#pragma omp simd
          for (std::size_t t = 0; t < nt; ++t) dt[t] = -2.0 * eta * (rjk[t] - rs);
        } else {
          std::fill(dt, dt + nt, 0.0);
        }
      }
      if (derived) {
        const double* root = k.E.data() + static_cast<std::size_t>(term.root) * kc;
        small_power(root, nt, term.power, E);
        continue;
      }
      if (g.narrow) {
#pragma omp simd
        for (std::size_t t = 0; t < nt; ++t) {
          const double da = ar[t] - rs, db = br[t] - rs, dj = rjk[t] - rs;
          arg[t] = -eta * (da * da + db * db + dj * dj);
        }
      } else {
#pragma omp simd
        for (std::size_t t = 0; t < nt; ++t) {
          const double da = ar[t] - rs, db = br[t] - rs;
          arg[t] = -eta * (da * da + db * db);
        }
      }
      if (term.clamp) clamp_exp_argument(arg, nt);
#pragma omp simd
      for (std::size_t t = 0; t < nt; ++t) E[t] = exp_core(arg[t]);
    }
  }
  // Angular factors: pw = (1 + λ cos)^ζ, dpw = λ ζ (1 + λ cos)^(ζ−1); both 0 where 1 + λ cos <= 0.
  for (std::size_t c = 0; c < C; ++c) {
    const AngularPower& P = g.powers[c];
    double* pw = k.pw.data() + c * kc;
    double* dpw = k.dpw.data() + c * kc;
    double* lc = k.lc.data();
    const double lambda = P.lambda, lz = P.lambda * P.zeta;
    // One fused pass for the common ζ = 1..4 (the products in the order of the scalar square-and-multiply);
    // otherwise lc first, then the power by repeated squaring or std::pow.
    auto fused = [&](auto power) {
      if (!derivatives) {  // rows: pw only
#pragma omp simd
        for (std::size_t t = 0; t < nt; ++t) {
          const double x = 1.0 + lambda * cosv[t];
          const double ok = x > 0.0 ? 1.0 : 0.0;
          pw[t] = ok * (power(x) * x);
        }
        return;
      }
#pragma omp simd
      for (std::size_t t = 0; t < nt; ++t) {
        const double x = 1.0 + lambda * cosv[t];
        const double p = power(x);
        const double ok = x > 0.0 ? 1.0 : 0.0;  // masks, not branches: those would stop the vectoriser
        pw[t] = ok * (p * x);
        dpw[t] = ok * (lz * p);
      }
    };
    switch (P.integer_zeta) {
      case 1: fused([](double) { return 1.0; }); continue;
      case 2: fused([](double x) { return x; }); continue;
      case 3: fused([](double x) { return x * x; }); continue;
      case 4: fused([](double x) { return x * (x * x); }); continue;
      default: break;
    }
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) lc[t] = 1.0 + lambda * cosv[t];
    if (P.integer_zeta >= 1) {
      integer_power(lc, nt, P.integer_zeta - 1, dpw, k.base.data());
    } else {
      for (std::size_t t = 0; t < nt; ++t) dpw[t] = lc[t] > 0.0 ? std::pow(lc[t], P.zeta - 1.0) : 0.0;
    }
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      const double ok = lc[t] > 0.0 ? 1.0 : 0.0;
      pw[t] = ok * (dpw[t] * lc[t]);
      dpw[t] = ok * (lz * dpw[t]);
    }
  }
  // Values: acc_f += Σ_t pw E f_c f_c (f_c) (fixed partial sums per chunk), the prefactor applied to the sum
  // (angular_group); EF = E f_c f_c (f_c) once per term. The dense path adds the same sums, so that both give the
  // same bits.
  if (M != Mode::weighted) {
    for (std::size_t u = 0; u < U; ++u) {
      const double* E = k.E.data() + u * kc;
      double* EF = k.EF.data() + u * kc;
#pragma omp simd
      for (std::size_t t = 0; t < nt; ++t) EF[t] = E[t] * fprod[t];
    }
    for (std::size_t f = 0; f < F; ++f) {
      const AngularFunction& fn = g.functions[f];
      const double* pw = k.pw.data() + static_cast<std::size_t>(fn.power) * kc;
      const double* EF = k.EF.data() + static_cast<std::size_t>(fn.term) * kc;
      k.acc[f] += lane_dot(pw, EF, nt);
    }
    if (M == Mode::values) return;
  }
  const int *am = A.m.data(), *bm = B.m.data();
  double *aa = k.alpha_a.data(), *ab = k.alpha_b.data(), *be = k.beta.data();
  // v_a += α_a d_a + β d_b, v_b += α_b d_b + β d_a: the chain rule through cos θ, r_ij, r_ik and r_jk.
  // Vectorised products (c for the a members, e for the b members), then the scalar scatter (members repeat within
  // a chunk, so the scatter itself cannot be vectorised).
  double *cx = k.cx.data(), *cy = k.cy.data(), *cz = k.cz.data(), *ex = k.ex.data(), *ey = k.ey.data(),
         *ez = k.ez.data();
  auto products = [&] {
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      cx[t] = aa[t] * ax[t] + be[t] * tx[t];
      cy[t] = aa[t] * ay[t] + be[t] * ty[t];
      cz[t] = aa[t] * az[t] + be[t] * tz[t];
      ex[t] = ab[t] * tx[t] + be[t] * ax[t];
      ey[t] = ab[t] * ty[t] + be[t] * ay[t];
      ez[t] = ab[t] * tz[t] + be[t] * az[t];
    }
  };
  auto scatter = [&](double* out) {
    // b members: distinct within a row (an a), so consecutive updates rarely wait on each other's stores.
    for (std::size_t t = 0; t < nt; ++t) {
      double* vb = out + 3 * static_cast<std::size_t>(bm[ib[t]]);
      vb[0] += ex[t];
      vb[1] += ey[t];
      vb[2] += ez[t];
    }
    // a members: the triplets of one a are consecutive; one fixed-order sum per such run, not one store per triplet
    // (a chain of dependent read-modify-writes of the same three doubles).
    for (std::size_t t0 = 0; t0 < nt;) {
      const std::size_t a = ia[t0];
      std::size_t t1 = t0 + 1;
      while (t1 < nt && ia[t1] == a) ++t1;
      double* va = out + 3 * static_cast<std::size_t>(am[a]);
      double sum[3];
      lane_sum3(cx + t0, cy + t0, cz + t0, t1 - t0, sum);
      va[0] += sum[0];
      va[1] += sum[1];
      va[2] += sum[2];
      t0 = t1;
    }
  };
  if (M == Mode::weighted) {
    // With d ln g/dr = −2η(r − r_s) for each factor of E_u, the weighted sums over the functions k (term u(k),
    // power c(k)) need only T = Σ_k W_k pw_c E_u, Te = Σ_k η_u W_k pw_c E_u, Tes = Σ_k η_u r_s,u W_k pw_c E_u and
    // Ds = Σ_k W_k dpw_c E_u: d/dr_ij → −2(r_ij Te − Tes), the same for r_ik, r_jk. One pass per function
    // (cheaper than per-term sums of the functions first, then a pass per term).
    double *T = k.T.data(), *Te = k.Ta.data(), *Tes = k.Tb.data(), *Ds = k.Ds.data();
    bool shifted = false;
    for (const AngularTerm& term : g.terms) shifted = shifted || term.rshift != 0.0;
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) T[t] = Te[t] = Tes[t] = Ds[t] = 0.0;
    for (std::size_t f = 0; f < F; ++f) {
      const AngularFunction& fn = g.functions[f];
      const AngularTerm& term = g.terms[static_cast<std::size_t>(fn.term)];
      const double Wf = k.W[f], eta = term.eta, eta_rs = term.eta * term.rshift;
      const double* pw = k.pw.data() + static_cast<std::size_t>(fn.power) * kc;
      const double* dpw = k.dpw.data() + static_cast<std::size_t>(fn.power) * kc;
      const double* E = k.E.data() + static_cast<std::size_t>(fn.term) * kc;
      if (shifted) {
#pragma omp simd
        for (std::size_t t = 0; t < nt; ++t) {
          const double he = (Wf * pw[t]) * E[t];
          T[t] += he;
          Te[t] += eta * he;
          Tes[t] += eta_rs * he;
          Ds[t] += (Wf * dpw[t]) * E[t];
        }
      } else {
#pragma omp simd
        for (std::size_t t = 0; t < nt; ++t) {
          const double he = (Wf * pw[t]) * E[t];
          T[t] += he;
          Te[t] += eta * he;
          Ds[t] += (Wf * dpw[t]) * E[t];
        }
      }
    }
    const double narrow = g.narrow ? 1.0 : 0.0;
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      const double s_cos = Ds[t] * fprod[t];
      const double s_ij = -2.0 * (ar[t] * Te[t] - Tes[t]) * fprod[t] + T[t] * (adf[t] * tf[t] * fjk[t]);
      const double s_ik = -2.0 * (br[t] * Te[t] - Tes[t]) * fprod[t] + T[t] * (af[t] * tdf[t] * fjk[t]);
      const double s_jk =
          narrow * (-2.0 * (rjk[t] * Te[t] - Tes[t]) * fprod[t] + T[t] * (af[t] * tf[t] * dfjk[t])) * inv_rjk[t];
      const double b = s_cos * (ainv[t] * tinv[t]) - s_jk;
      const double a = (s_ij - s_cos * cosv[t] * ainv[t]) * ainv[t] + s_jk;
      const double c = (s_ik - s_cos * cosv[t] * tinv[t]) * tinv[t] + s_jk;
      cx[t] = a * ax[t] + b * tx[t];  // as products() below, without the round trip through memory
      cy[t] = a * ay[t] + b * ty[t];
      cz[t] = a * az[t] + b * tz[t];
      ex[t] = c * tx[t] + b * ax[t];
      ey[t] = c * ty[t] + b * ay[t];
      ez[t] = c * tz[t] + b * az[t];
    }
    scatter(v);
    return;
  }
  for (std::size_t f = 0; f < F; ++f) {  // dense: the same chain rule for every function
    const AngularFunction& fn = g.functions[f];
    const double P = fn.prefactor;
    const std::size_t u = static_cast<std::size_t>(fn.term);
    const double *pw = k.pw.data() + static_cast<std::size_t>(fn.power) * kc,
                 *dpw = k.dpw.data() + static_cast<std::size_t>(fn.power) * kc, *E = k.E.data() + u * kc,
                 *dga = k.dga.data() + u * kc, *tdg = k.tdg.data() + u * kc, *dt = k.dt.data() + u * kc;
#pragma omp simd
    for (std::size_t t = 0; t < nt; ++t) {
      const double base = P * pw[t] * E[t];  // everything but the cutoff functions
      const double term = base * fprod[t];
      const double s_cos = P * dpw[t] * E[t] * fprod[t];
      const double s_ij = term * dga[t] + base * (adf[t] * tf[t] * fjk[t]);
      const double s_ik = term * tdg[t] + base * (af[t] * tdf[t] * fjk[t]);
      const double s_jk = (term * dt[t] + base * (af[t] * tf[t] * dfjk[t])) * inv_rjk[t];
      be[t] = s_cos * (ainv[t] * tinv[t]) - s_jk;
      aa[t] = (s_ij - s_cos * cosv[t] * ainv[t]) * ainv[t] + s_jk;
      ab[t] = (s_ik - s_cos * cosv[t] * tinv[t]) * tinv[t] + s_jk;
    }
    products();
    scatter(grad + fn.row * count * 3);
  }
}

#if MLP_ACSF_SQRT_WIDTH == 8
// Where compact_block reads and writes: raw pointers taken once per group, so that the stores into the chunk
// arrays do not force the vectors' data pointers to be reloaded.
struct CompactTarget {
  const double *Ax, *Ay, *Az, *Ar, *Ai, *Af, *Adf, *Bx, *By, *Bz, *Br, *Bi, *Bf, *Bdf;
  double *ax, *ay, *az, *ar, *ainv, *af, *adf, *tx, *ty, *tz, *br, *tinv, *tf, *tdf, *r2c, *cosv, *fab;
  std::size_t *ia, *ib;
  CompactTarget(const Members& A, const Members& B, KernelScratch& k)
      : Ax(A.x.data()), Ay(A.y.data()), Az(A.z.data()), Ar(A.r.data()), Ai(A.inv.data()), Af(A.f.data()),
        Adf(A.df.data()), Bx(B.x.data()), By(B.y.data()), Bz(B.z.data()), Br(B.r.data()), Bi(B.inv.data()),
        Bf(B.f.data()), Bdf(B.df.data()), ax(k.ax.data()), ay(k.ay.data()), az(k.az.data()), ar(k.ar.data()),
        ainv(k.ainv.data()), af(k.af.data()), adf(k.adf.data()), tx(k.tx.data()), ty(k.ty.data()),
        tz(k.tz.data()), br(k.br.data()), tinv(k.tinv.data()), tf(k.tf.data()), tdf(k.tdf.data()),
        r2c(k.r2c.data()), cosv(k.cosv.data()), fab(k.fab.data()), ia(k.ia.data()), ib(k.idx.data()) {}
};

// Appends the triplets (a, b), b = b0 .. b0 + n − 1 (n <= 8), with r2[b − b0] < rc2 (all of them for wide groups)
// to the chunk arrays at nt, in order, and returns how many: the members' data are compressed in registers and
// stored as whole vectors (the arrays have 8 spare entries), instead of a scalar compaction loop and gathers.
// The chunk arrays end up as gather_chunk leaves them (the member indices only where derivatives need them).
template <bool derivatives>
inline __attribute__((always_inline)) std::size_t compact_block(const CompactTarget& c, std::size_t a, std::size_t b0,
                                                                std::size_t n, double rc2, bool narrow,
                                                                std::size_t nt) {
  const __mmask8 live = static_cast<__mmask8>(n >= 8 ? 0xffu : (1u << n) - 1u);
  __mmask8 keep = live;
  const __m512d bx = _mm512_maskz_loadu_pd(live, c.Bx + b0), by = _mm512_maskz_loadu_pd(live, c.By + b0),
                bz = _mm512_maskz_loadu_pd(live, c.Bz + b0);
  const __m512d ax = _mm512_set1_pd(c.Ax[a]), ay = _mm512_set1_pd(c.Ay[a]), az = _mm512_set1_pd(c.Az[a]);
  if (narrow) {  // r_jk² = |d_b − d_a|², as the generic path computes it (no contraction)
    const __m512d dx = _mm512_sub_pd(bx, ax), dy = _mm512_sub_pd(by, ay), dz = _mm512_sub_pd(bz, az);
    const __m512d r2 =
        _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(dx, dx), _mm512_mul_pd(dy, dy)), _mm512_mul_pd(dz, dz));
    keep = _mm512_mask_cmp_pd_mask(live, r2, _mm512_set1_pd(rc2), _CMP_LT_OQ);
    _mm512_storeu_pd(c.r2c + nt, _mm512_maskz_compress_pd(keep, r2));
  }
  if (!derivatives) {
    // Rows need of the members only cos θ, f_c(r_ij) f_c(r_ik) and the distances: computed here, as angular_chunk
    // computes them on the other paths (same expressions), and compressed like the rest, instead of twelve
    // per-triplet copies of member data. The r_ij are filled in by fill_member_a.
    const __m512d dot =
        _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(ax, bx), _mm512_mul_pd(ay, by)), _mm512_mul_pd(az, bz));
    const __m512d inv = _mm512_mul_pd(_mm512_set1_pd(c.Ai[a]), _mm512_maskz_loadu_pd(live, c.Bi + b0));
    _mm512_storeu_pd(c.cosv + nt, _mm512_maskz_compress_pd(keep, _mm512_mul_pd(dot, inv)));
    const __m512d fab = _mm512_mul_pd(_mm512_set1_pd(c.Af[a]), _mm512_maskz_loadu_pd(live, c.Bf + b0));
    _mm512_storeu_pd(c.fab + nt, _mm512_maskz_compress_pd(keep, fab));
    _mm512_storeu_pd(c.br + nt, _mm512_maskz_compress_pd(keep, _mm512_maskz_loadu_pd(live, c.Br + b0)));
  }
  if (derivatives) {  // the members of each triplet, for the gathers and the scatter
    const __m512i lanes = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i b = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(b0)), lanes);
    _mm512_storeu_si512(c.ib + nt, _mm512_maskz_compress_epi64(keep, b));
    _mm512_storeu_si512(c.ia + nt, _mm512_set1_epi64(static_cast<long long>(a)));
  }
  return static_cast<std::size_t>(__builtin_popcount(keep));
}

// The data of member a for the triplets [begin, end) of the chunk, all of them (a, ·): broadcast stores, cheaper
// than gathers (whole vectors: the arrays have 16 spare entries).
template <bool derivatives>
void fill_member_a(const CompactTarget& c, std::size_t a, std::size_t begin, std::size_t end) {
  auto fill = [&](double* dst, double x) {
    const __m512d v = _mm512_set1_pd(x);
    for (std::size_t t = begin; t < end; t += 8) _mm512_storeu_pd(dst + t, v);
  };
  fill(c.ar, c.Ar[a]);
  if (!derivatives) return;  // rows: the rest is in compact_block's cos θ and f_c products
  fill(c.ax, c.Ax[a]);
  fill(c.ay, c.Ay[a]);
  fill(c.az, c.Az[a]);
  fill(c.ainv, c.Ai[a]);
  fill(c.af, c.Af[a]);
  fill(c.adf, c.Adf[a]);
}

// The b members' data of the nt compacted triplets, by hardware gathers (the arrays have spare entries); for the
// derivatives only (rows take theirs from compact_block).
void gather_chunk_avx512(const CompactTarget& c, std::size_t nt) {
  for (std::size_t t = 0; t < nt; t += 8) {
    const __m512i b = _mm512_loadu_si512(c.ib + t);
    auto take = [&](double* dst, const double* src, __m512i idx) {
      // The masked form with an explicit zero source: the plain one trips -Wmaybe-uninitialized in GCC 12.
      _mm512_storeu_pd(dst + t, _mm512_mask_i64gather_pd(_mm512_setzero_pd(), 0xff, idx, src, 8));
    };
    take(c.tx, c.Bx, b);
    take(c.ty, c.By, b);
    take(c.tz, c.Bz, b);
    take(c.br, c.Br, b);
    take(c.tinv, c.Bi, b);
    take(c.tf, c.Bf, b);
    take(c.tdf, c.Bdf, b);
  }
}

// After a full chunk of kChunk triplets: moves the nt − kChunk (< 8) triplets compacted beyond it to the front.
inline std::size_t carry_over(KernelScratch& k, std::size_t nt) {
  const std::size_t rest = nt - kChunk;
  for (auto* v : {&k.ax, &k.ay, &k.az, &k.ar, &k.ainv, &k.af, &k.adf, &k.tx, &k.ty, &k.tz, &k.br, &k.tinv, &k.tf,
                  &k.tdf, &k.r2c, &k.cosv, &k.fab})
    std::copy(v->begin() + static_cast<std::ptrdiff_t>(kChunk), v->begin() + static_cast<std::ptrdiff_t>(nt), v->begin());
  for (auto* v : {&k.ia, &k.idx})
    std::copy(v->begin() + static_cast<std::ptrdiff_t>(kChunk), v->begin() + static_cast<std::ptrdiff_t>(nt), v->begin());
  return rest;
}
#endif

template <Mode M>
void angular_group(const ElementPlan& plan, const AngularGroup& g, NeighbourBlock& nb, KernelScratch& k,
                   const double* w, double* q, double* v, double* grad) {
  const CutoffFunction& cut = plan.cutoffs[static_cast<std::size_t>(g.cutoff)];
  const std::size_t F = g.functions.size();
  build_members(plan, nb, g.slot1, g, k.A);
  const bool same = g.slot1 == g.slot2;
  if (!same) build_members(plan, nb, g.slot2, g, k.B);
  const Members& A = k.A;
  const Members& B = same ? k.A : k.B;
  if (A.n == 0 || B.n == 0) return;
  k.reserve(std::max(kChunk + 16, B.n), g.terms.size(), g.powers.size(), F);  // spare: see compact_block
  if (M != Mode::weighted) std::fill(k.acc.begin(), k.acc.begin() + static_cast<std::ptrdiff_t>(F), 0.0);
  if (M == Mode::weighted)
    for (std::size_t f = 0; f < F; ++f) k.W[f] = w[g.functions[f].row] * g.functions[f].prefactor;
  const double rc2 = cut.rc * cut.rc;
  constexpr bool derivatives = M != Mode::values;
#if MLP_ACSF_SQRT_WIDTH == 8
  const CompactTarget target(A, B, k);
#else
  double* r2 = k.r2.data();
  std::size_t* ia = k.ia.data();
  std::size_t* ib = k.idx.data();
  double* r2c = k.r2c.data();
#endif
  std::size_t nt = 0;
  for (std::size_t a = 0; a < A.n; ++a) {
    const std::size_t b0 = same ? a + 1 : 0;
    if (b0 >= B.n) continue;
    const std::size_t nbc = B.n - b0;
#if MLP_ACSF_SQRT_WIDTH == 8
    std::size_t row = nt;  // the triplets (a, ·) start here; a's data are filled in once the row is compacted
    for (std::size_t j = 0; j < nbc; j += 8) {
      nt += compact_block<derivatives>(target, a, b0 + j, std::min<std::size_t>(8, nbc - j), rc2, g.narrow, nt);
      if (nt >= kChunk) {
        fill_member_a<derivatives>(target, a, row, nt);
        if (derivatives) gather_chunk_avx512(target, kChunk);
        angular_chunk<M>(g, cut, A, B, k, kChunk, v, grad, nb.count);
        nt = carry_over(k, nt);
        row = nt;  // the carried triplets have a's data already
      }
    }
    fill_member_a<derivatives>(target, a, row, nt);
#else
    const double ax = A.x[a], ay = A.y[a], az = A.z[a];
    const double *bx = B.x.data() + b0, *by = B.y.data() + b0, *bz = B.z.data() + b0;
    if (g.narrow) {
#pragma omp simd
      for (std::size_t j = 0; j < nbc; ++j) {
        const double dx = bx[j] - ax, dy = by[j] - ay, dz = bz[j] - az;
        r2[j] = dx * dx + dy * dy + dz * dz;
      }
    }
    for (std::size_t j = 0; j < nbc; ++j) {  // branch-free compaction of the pairs inside the j–k cutoff
      ia[nt] = a;
      ib[nt] = b0 + j;
      r2c[nt] = g.narrow ? r2[j] : 0.0;
      nt += !g.narrow || r2[j] < rc2 ? 1 : 0;
      if (nt == kChunk) {
        gather_chunk(A, B, k, nt, derivatives);
        angular_chunk<M>(g, cut, A, B, k, nt, v, grad, nb.count);
        nt = 0;
      }
    }
#endif
  }
  if (nt > 0) {
#if MLP_ACSF_SQRT_WIDTH == 8
    if (derivatives) {
      std::fill(k.idx.data() + nt, k.idx.data() + ((nt + 7) / 8) * 8, std::size_t{0});  // gathered below
      gather_chunk_avx512(target, nt);
    }
#else
    gather_chunk(A, B, k, nt, derivatives);
#endif
    angular_chunk<M>(g, cut, A, B, k, nt, v, grad, nb.count);
  }
  if (M != Mode::weighted)
    for (std::size_t f = 0; f < F; ++f)
      q[g.functions[f].row] += g.functions[f].prefactor * k.acc[f];
}


inline void centre_values(const ElementPlan& plan, Workspace& ws, double* q) {
  std::fill(q, q + plan.size, 0.0);
  radial_groups<Mode::values>(plan, ws.nb, *ws.scratch, nullptr, q, nullptr);
  for (const AngularGroup& g : plan.angular) angular_group<Mode::values>(plan, g, ws.nb, *ws.scratch, nullptr, q, nullptr, nullptr);
}

inline void centre_weighted(const ElementPlan& plan, Workspace& ws, const double* w, double* v) {
  const NeighbourBlock& nb = ws.nb;
  std::fill(v, v + 3 * nb.count, 0.0);
  KernelScratch& k = *ws.scratch;
  radial_groups<Mode::weighted>(plan, nb, k, w, nullptr, nullptr);
  for (std::size_t m = 0; m < nb.count; ++m) {
    const double s = k.radial_s[m] * nb.inv_r[m];
    v[3 * m] = s * nb.x[m];
    v[3 * m + 1] = s * nb.y[m];
    v[3 * m + 2] = s * nb.z[m];
  }
  for (const AngularGroup& g : plan.angular) angular_group<Mode::weighted>(plan, g, ws.nb, k, w, nullptr, v, nullptr);
}

inline void centre_dense(const ElementPlan& plan, Workspace& ws, double* q, double* grad) {
  std::fill(q, q + plan.size, 0.0);
  std::fill(grad, grad + plan.size * ws.nb.count * 3, 0.0);
  radial_groups<Mode::dense>(plan, ws.nb, *ws.scratch, nullptr, q, grad);
  for (const AngularGroup& g : plan.angular) angular_group<Mode::dense>(plan, g, ws.nb, *ws.scratch, nullptr, q, nullptr, grad);
}

