// SOAP kernels: per-atom expansion, power spectrum, explicit gradients and accumulate(), OpenMP over centre atoms.
// Formulas in mlp/desc/soap.hpp.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "mlp/desc/soap.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

struct Neighbour {
  Vec3 d;            // r_j + shift·cell − r_i, Å
  double r;          // |d|, Å
  int atom;          // j
  int species;       // index in species
  std::size_t pair;  // index in the neighbour list
};

// Per-thread work arrays, reused from atom to atom.
struct Scratch {
  std::vector<Neighbour> nb;
  std::vector<double> Y, dY;  // per neighbour: Y_lm [m·L2 + lm], ∇Y_lm [(m·L2 + lm)·3 + a]
  std::vector<double> A, B;   // per neighbour and (n, l): f' I + f I' and f I
  std::vector<double> I, dI;
  std::vector<double> c;      // c^a_{nlm}: [(a·n_max + n)·L2 + lm]
  std::vector<double> p;      // power spectrum (then normalised)
  std::vector<double> y, g;   // per neighbour contractions y^b_{n'l}, g^b_{n'l}: [(b·n_max + n')·L + l] (·3 for g)
  std::vector<double> dp;     // dq_k/dd of the current neighbour: [a·K + k]; dE/dp in accumulate()
  std::vector<double> G;      // dE/dc, layout of c
};

// First error by atom order, so that what is thrown does not depend on the thread schedule.
struct FirstError {
  std::size_t atom = std::numeric_limits<std::size_t>::max();
  std::exception_ptr error;
  void record(std::size_t i, std::exception_ptr e) {
#pragma omp critical(mlp_soap_error)
    if (i < atom) {
      atom = i;
      error = e;
    }
  }
  void rethrow() const {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace

// The per-atom machinery (a friend of Soap: it reads the spline, harmonics and centre coefficients).
class SoapKernel {
 public:
  explicit SoapKernel(const Soap& soap)
      : soap_(soap),
        p_(soap.parameters()),
        S_(static_cast<int>(p_.species.size())),
        N_(p_.n_max),
        L_(p_.l_max + 1),
        L2_(L_ * L_),
        K_(soap.features().size()) {}

  std::size_t features() const { return K_; }

  // Neighbours of i within r_cut whose element is a SOAP species.
  void gather(const Structure& s, const NeighborList& nl, std::size_t i, Scratch& sc) const {
    sc.nb.clear();
    for (std::size_t q = nl.begin(i); q < nl.end(i); ++q) {
      const double r = nl.distance(q);
      if (r >= p_.r_cut) continue;
      const int a = soap_.species_index(s.numbers[static_cast<std::size_t>(nl.neighbor(q))]);
      if (a < 0) continue;
      if (!(r > 0.0))
        throw ComputeError("atoms " + std::to_string(i) + " and " + std::to_string(nl.neighbor(q)) +
                           " are on top of each other");
      sc.nb.push_back({nl.vector(q), r, nl.neighbor(q), a, q});
    }
  }

  // c^a_{nlm} of the gathered neighbours (+ the centre's Gaussian); with Grad, also Y, ∇Y, A, B per neighbour.
  template <bool Grad>
  void expand(int centre_species, Scratch& sc) const {
    const std::size_t M = sc.nb.size();
    const auto NL = static_cast<std::size_t>(N_ * L_);
    const auto L2 = static_cast<std::size_t>(L2_);
    sc.c.assign(static_cast<std::size_t>(S_ * N_) * L2, 0.0);
    sc.I.resize(NL);
    sc.dI.resize(NL);
    sc.Y.resize(Grad ? M * L2 : L2);
    if (Grad) {
      sc.dY.resize(M * L2 * 3);
      sc.A.resize(M * NL);
      sc.B.resize(M * NL);
    }
    for (std::size_t m = 0; m < M; ++m) {
      const Neighbour& nb = sc.nb[m];
      double f, df;
      soap_.cutoff_function(nb.r, f, df);
      soap_.radial_integral().evaluate(nb.r, sc.I.data(), Grad ? sc.dI.data() : nullptr);
      double* Y = sc.Y.data() + (Grad ? m * L2 : 0);
      if (Grad) {
        harmonics().compute(nb.d, Y, sc.dY.data() + m * L2 * 3);
        double* A = sc.A.data() + m * NL;
        double* B = sc.B.data() + m * NL;
        for (std::size_t j = 0; j < NL; ++j) {
          A[j] = df * sc.I[j] + f * sc.dI[j];
          B[j] = f * sc.I[j];
        }
      } else {
        harmonics().compute(nb.d, Y);
      }
      double* c = sc.c.data() + static_cast<std::size_t>(nb.species * N_) * L2;
      for (int n = 0; n < N_; ++n) {
        double* cn = c + static_cast<std::size_t>(n) * L2;
        for (int l = 0; l < L_; ++l) {
          const double w = f * sc.I[static_cast<std::size_t>(n * L_ + l)];
          for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) cn[lm] += w * Y[lm];
        }
      }
    }
    if (centre_species >= 0) {
      double* c = sc.c.data() + static_cast<std::size_t>(centre_species * N_) * L2;
      for (int n = 0; n < N_; ++n) c[static_cast<std::size_t>(n) * L2] += soap_.central_[static_cast<std::size_t>(n)];
    }
  }

  // Power spectrum of sc.c into sc.p, normalised if asked; returns |p| (1 without normalisation).
  double power_spectrum(Scratch& sc) const {
    sc.p.resize(K_);
    const auto L2 = static_cast<std::size_t>(L2_);
    const auto& fs = soap_.features();
    for (std::size_t k = 0; k < K_; ++k) {
      const Soap::Feature& f = fs[k];
      const double* ca = sc.c.data() + static_cast<std::size_t>(f.a * N_ + f.n) * L2;
      const double* cb = sc.c.data() + static_cast<std::size_t>(f.b * N_ + f.np) * L2;
      double sum = 0.0;
      for (int lm = f.l * f.l; lm < (f.l + 1) * (f.l + 1); ++lm) sum += ca[lm] * cb[lm];
      sc.p[k] = f.factor * sum;
    }
    if (!p_.normalize) return 1.0;
    double norm2 = 0.0;
    for (double x : sc.p) norm2 += x * x;
    const double norm = std::sqrt(norm2);
    if (norm > 0.0)
      for (double& x : sc.p) x /= norm;
    return norm;
  }

  // dq_k/dd_m of neighbour m into sc.dp, component-major: [a·K + k] (sc.p already normalised, `norm` = |p|).
  void neighbour_gradient(std::size_t m, double norm, Scratch& sc) const {
    const auto L2 = static_cast<std::size_t>(L2_);
    const auto L = static_cast<std::size_t>(L_);
    const auto NL = static_cast<std::size_t>(N_ * L_);
    const Neighbour& nb = sc.nb[m];
    const double* Y = sc.Y.data() + m * L2;
    const double* dY = sc.dY.data() + m * L2 * 3;
    // y^b_{n'l} = Σ_m Y_lm c^b_{n'lm}, g^b_{n'l} = Σ_m ∇Y_lm c^b_{n'lm} (components stored one after another).
    const std::size_t SN = static_cast<std::size_t>(S_ * N_), SNL = SN * L;
    sc.y.resize(SNL);
    sc.g.resize(SNL * 3);
    double* gxs = sc.g.data();
    double* gys = gxs + SNL;
    double* gzs = gys + SNL;
    for (std::size_t bn = 0; bn < SN; ++bn) {
      const double* c = sc.c.data() + bn * L2;
      for (std::size_t l = 0; l < L; ++l) {
        double y = 0.0, gx = 0.0, gy = 0.0, gz = 0.0;
        for (std::size_t lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
          y += Y[lm] * c[lm];
          gx += dY[3 * lm] * c[lm];
          gy += dY[3 * lm + 1] * c[lm];
          gz += dY[3 * lm + 2] * c[lm];
        }
        sc.y[bn * L + l] = y;
        gxs[bn * L + l] = gx;
        gys[bn * L + l] = gy;
        gzs[bn * L + l] = gz;
      }
    }
    const double ux = nb.d[0] / nb.r, uy = nb.d[1] / nb.r, uz = nb.d[2] / nb.r;
    const double* A = sc.A.data() + m * NL;
    const double* B = sc.B.data() + m * NL;
    const int s = nb.species;
    sc.dp.resize(3 * K_);
    double* dx = sc.dp.data();
    double* dy = dx + K_;
    double* dz = dy + K_;
    const auto& fs = soap_.features();
    // Features come in blocks of L consecutive l for one (a, b, n, n'): Σ_m dc^a c^b + c^a dc^b per block.
    for (std::size_t k0 = 0; k0 < K_; k0 += L) {
      const Soap::Feature& f = fs[k0];
      double t[21] = {0.0}, hx[21] = {0.0}, hy[21] = {0.0}, hz[21] = {0.0};
      if (f.a == s) {
        const double* As = A + f.n * L_;
        const double* Bs = B + f.n * L_;
        const std::size_t o = static_cast<std::size_t>((f.b * N_ + f.np) * L_);
        for (std::size_t l = 0; l < L; ++l) {
          t[l] += As[l] * sc.y[o + l];
          hx[l] += Bs[l] * gxs[o + l];
          hy[l] += Bs[l] * gys[o + l];
          hz[l] += Bs[l] * gzs[o + l];
        }
      }
      if (f.b == s) {
        const double* As = A + f.np * L_;
        const double* Bs = B + f.np * L_;
        const std::size_t o = static_cast<std::size_t>((f.a * N_ + f.n) * L_);
        for (std::size_t l = 0; l < L; ++l) {
          t[l] += As[l] * sc.y[o + l];
          hx[l] += Bs[l] * gxs[o + l];
          hy[l] += Bs[l] * gys[o + l];
          hz[l] += Bs[l] * gzs[o + l];
        }
      }
      for (std::size_t l = 0; l < L; ++l) {
        const double F = fs[k0 + l].factor;
        dx[k0 + l] = F * (t[l] * ux + hx[l]);
        dy[k0 + l] = F * (t[l] * uy + hy[l]);
        dz[k0 + l] = F * (t[l] * uz + hz[l]);
      }
    }
    if (p_.normalize && norm > 0.0) {  // d(p/|p|) = (dp − q (q·dp))/|p|
      double ox = 0.0, oy = 0.0, oz = 0.0;
      for (std::size_t k = 0; k < K_; ++k) {
        ox += sc.p[k] * dx[k];
        oy += sc.p[k] * dy[k];
        oz += sc.p[k] * dz[k];
      }
      const double inv = 1.0 / norm;
      for (std::size_t k = 0; k < K_; ++k) {
        dx[k] = (dx[k] - sc.p[k] * ox) * inv;
        dy[k] = (dy[k] - sc.p[k] * oy) * inv;
        dz[k] = (dz[k] - sc.p[k] * oz) * inv;
      }
    }
  }

  // dE/dd of every neighbour into v (one Vec3 per neighbour), given w = dE/dq (sc.p normalised, |p| = norm).
  void backpropagate(const double* w, double norm, Scratch& sc, Vec3* v) const {
    const auto L2 = static_cast<std::size_t>(L2_);
    const auto NL = static_cast<std::size_t>(N_ * L_);
    // dE/dp.
    sc.dp.resize(K_);
    double* wp = sc.dp.data();
    if (p_.normalize && norm > 0.0) {
      double qw = 0.0;
      for (std::size_t k = 0; k < K_; ++k) qw += sc.p[k] * w[k];
      for (std::size_t k = 0; k < K_; ++k) wp[k] = (w[k] - sc.p[k] * qw) / norm;
    } else {
      for (std::size_t k = 0; k < K_; ++k) wp[k] = w[k];
    }
    // dE/dc^a_{nlm} = Σ_k wp_k factor_k (δ c^b_{n'lm} + δ c^a_{nlm}).
    sc.G.assign(sc.c.size(), 0.0);
    const auto& fs = soap_.features();
    for (std::size_t k = 0; k < K_; ++k) {
      const Soap::Feature& f = fs[k];
      const double x = wp[k] * f.factor;
      if (x == 0.0) continue;
      const std::size_t ia = static_cast<std::size_t>(f.a * N_ + f.n) * L2, ib = static_cast<std::size_t>(f.b * N_ + f.np) * L2;
      for (int lm = f.l * f.l; lm < (f.l + 1) * (f.l + 1); ++lm) {
        sc.G[ia + static_cast<std::size_t>(lm)] += x * sc.c[ib + static_cast<std::size_t>(lm)];
        sc.G[ib + static_cast<std::size_t>(lm)] += x * sc.c[ia + static_cast<std::size_t>(lm)];
      }
    }
    // Per neighbour: Σ_{nlm} G^s_{nlm} dc_{nlm}/dd = û Σ_nl A_nl Σ_m G Y + Σ_nl B_nl Σ_m G ∇Y.
    for (std::size_t m = 0; m < sc.nb.size(); ++m) {
      const Neighbour& nb = sc.nb[m];
      const double* Y = sc.Y.data() + m * L2;
      const double* dY = sc.dY.data() + m * L2 * 3;
      const double* A = sc.A.data() + m * NL;
      const double* B = sc.B.data() + m * NL;
      const double* G = sc.G.data() + static_cast<std::size_t>(nb.species * N_) * L2;
      double t = 0.0, gx = 0.0, gy = 0.0, gz = 0.0;
      for (int n = 0; n < N_; ++n) {
        const double* Gn = G + static_cast<std::size_t>(n) * L2;
        for (int l = 0; l < L_; ++l) {
          double y = 0.0, hx = 0.0, hy = 0.0, hz = 0.0;
          for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
            y += Gn[lm] * Y[lm];
            hx += Gn[lm] * dY[3 * lm];
            hy += Gn[lm] * dY[3 * lm + 1];
            hz += Gn[lm] * dY[3 * lm + 2];
          }
          const std::size_t nl = static_cast<std::size_t>(n * L_ + l);
          t += A[nl] * y;
          gx += B[nl] * hx;
          gy += B[nl] * hy;
          gz += B[nl] * hz;
        }
      }
      v[m] = t * (nb.d / nb.r) + Vec3(gx, gy, gz);
    }
  }

  const RealSphericalHarmonics& harmonics() const { return soap_.harmonics_; }

 private:
  const Soap& soap_;
  const SoapParameters& p_;
  int S_, N_, L_, L2_;
  std::size_t K_;
};

namespace {

std::vector<std::size_t> row_offsets(const Soap& soap, const Structure& s) {
  std::vector<std::size_t> off(s.size() + 1, 0);
  for (std::size_t i = 0; i < s.size(); ++i) off[i + 1] = off[i] + soap.size(s.numbers[i]);
  return off;
}

}  // namespace

std::vector<double> Soap::coefficients(const Structure& s, const NeighborList& nl, std::size_t i) const {
  check_list(s, nl);
  if (i >= s.size()) throw InputError("atom index " + std::to_string(i) + " out of range");
  const SoapKernel kernel(*this);
  Scratch sc;
  kernel.gather(s, nl, i, sc);
  kernel.expand<false>(species_index(s.numbers[i]), sc);
  return sc.c;
}

DescriptorValues Soap::compute(const Structure& s, const NeighborList& nl) const {
  check_list(s, nl);
  DescriptorValues out;
  out.offsets = row_offsets(*this, s);
  out.data.assign(out.offsets.back(), 0.0);
  const SoapKernel kernel(*this);
  FirstError err;
  const auto n = static_cast<long long>(s.size());
  const std::vector<std::uint8_t>& centres = nl.centres();  // empty: every atom; else rows of others stay zero
#pragma omp parallel
  {
    Scratch sc;
#pragma omp for schedule(dynamic, 4)
    for (long long ii = 0; ii < n; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      const int a = species_index(s.numbers[i]);
      if (a < 0 || (!centres.empty() && !centres[i])) continue;
      try {
        kernel.gather(s, nl, i, sc);
        kernel.expand<false>(a, sc);
        kernel.power_spectrum(sc);
        std::copy(sc.p.begin(), sc.p.end(), out.row(i));
      } catch (...) {
        err.record(i, std::current_exception());
      }
    }
  }
  err.rethrow();
  return out;
}

DescriptorValues Soap::compute(const Structure& s, const NeighborList& nl, DescriptorGradients& gr) const {
  check_list(s, nl);
  DescriptorValues out;
  out.offsets = row_offsets(*this, s);
  out.data.assign(out.offsets.back(), 0.0);
  const std::size_t K = features_.size();
  // Pass 1 (serial, cheap): the entries of every atom (centre first, then each neighbour atom once in list order)
  // and the entry of every neighbour pair, so that pass 2 writes into fixed places whatever the thread schedule.
  // The vectors are cleared rather than replaced so that a reused DescriptorGradients keeps its memory.
  gr.entry_offsets.assign(1, 0);
  gr.atom.clear();
  gr.data_offsets.clear();
  std::vector<long> pair_entry(nl.pairs(), -1);
  std::vector<long> slot(s.size(), -1);
  std::size_t data = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (species_index(s.numbers[i]) < 0) {
      gr.entry_offsets.push_back(gr.atom.size());
      continue;
    }
    const std::size_t first = gr.atom.size();
    auto entry_of = [&](int atom) {
      long& e = slot[static_cast<std::size_t>(atom)];
      if (e < static_cast<long>(first)) {
        e = static_cast<long>(gr.atom.size());
        gr.atom.push_back(atom);
        gr.data_offsets.push_back(data);
        data += 3 * K;
      }
      return e;
    };
    entry_of(static_cast<int>(i));
    for (std::size_t q = nl.begin(i); q < nl.end(i); ++q)
      if (nl.distance(q) < p_.r_cut && species_index(s.numbers[static_cast<std::size_t>(nl.neighbor(q))]) >= 0)
        pair_entry[q] = entry_of(nl.neighbor(q));
    gr.entry_offsets.push_back(gr.atom.size());
  }
  // resize, not assign: every atom zeroes its own blocks in pass 2 (in parallel, while they are in cache), and a
  // reused DescriptorGradients then costs no serial memset of the whole array.
  gr.position.resize(data);
  gr.strain.resize(out.offsets.back() * 9);

  const SoapKernel kernel(*this);
  FirstError err;
  const auto n = static_cast<long long>(s.size());
#pragma omp parallel
  {
    Scratch sc;
#pragma omp for schedule(dynamic, 4)
    for (long long ii = 0; ii < n; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      const int a = species_index(s.numbers[i]);
      if (a < 0) continue;
      try {
        kernel.gather(s, nl, i, sc);
        kernel.expand<true>(a, sc);
        const double norm = kernel.power_spectrum(sc);
        std::copy(sc.p.begin(), sc.p.end(), out.row(i));
        double* self = gr.position.data() + gr.data_offsets[gr.entry_offsets[i]];
        double* strain = gr.strain.data() + out.offsets[i] * 9;
        std::fill(self, self + (gr.entry_offsets[i + 1] - gr.entry_offsets[i]) * 3 * K, 0.0);
        std::fill(strain, strain + 9 * K, 0.0);
        for (std::size_t m = 0; m < sc.nb.size(); ++m) {
          kernel.neighbour_gradient(m, norm, sc);
          const Neighbour& nb = sc.nb[m];
          double* block = gr.position.data() + gr.data_offsets[static_cast<std::size_t>(pair_entry[nb.pair])];
          const double dx = nb.d[0], dy = nb.d[1], dz = nb.d[2];
          const double* px = sc.dp.data();
          const double* py = px + K;
          const double* pz = py + K;
          for (std::size_t k = 0; k < K; ++k) {
            const double gx = px[k], gy = py[k], gz = pz[k];
            block[3 * k] += gx;
            block[3 * k + 1] += gy;
            block[3 * k + 2] += gz;
            self[3 * k] -= gx;
            self[3 * k + 1] -= gy;
            self[3 * k + 2] -= gz;
            double* st = strain + 9 * k;
            st[0] += gx * dx;
            st[1] += gx * dy;
            st[2] += gx * dz;
            st[3] += gy * dx;
            st[4] += gy * dy;
            st[5] += gy * dz;
            st[6] += gz * dx;
            st[7] += gz * dy;
            st[8] += gz * dz;
          }
        }
      } catch (...) {
        err.record(i, std::current_exception());
      }
    }
  }
  err.rethrow();
  return out;
}

void Soap::accumulate(const Structure& s, const NeighborList& nl, const DescriptorValues& dE_dq, Matrix3N& forces,
                      Mat3& virial) const {
  check_list(s, nl);
  if (dE_dq.offsets != row_offsets(*this, s)) throw InputError("dE/dq does not have the layout of the descriptor rows");
  if (static_cast<std::size_t>(forces.rows()) != s.size()) throw InputError("forces must have one row per atom");
  // dE/dd per neighbour pair, filled in parallel, summed serially in list order (thread-count independent).
  std::vector<Vec3> pair_v(nl.pairs(), Vec3::Zero());
  const SoapKernel kernel(*this);
  FirstError err;
  const auto n = static_cast<long long>(s.size());
#pragma omp parallel
  {
    Scratch sc;
    std::vector<Vec3> v;
#pragma omp for schedule(dynamic, 4)
    for (long long ii = 0; ii < n; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      const int a = species_index(s.numbers[i]);
      if (a < 0) continue;
      // A zero row (an atom whose energy does not count, e.g. padding in domain decomposition) exerts no force.
      const double* de = dE_dq.row(i);
      if (std::all_of(de, de + dE_dq.row_size(i), [](double x) { return x == 0.0; })) continue;
      try {
        kernel.gather(s, nl, i, sc);
        kernel.expand<true>(a, sc);
        const double norm = kernel.power_spectrum(sc);
        v.resize(sc.nb.size());
        kernel.backpropagate(dE_dq.row(i), norm, sc, v.data());
        for (std::size_t m = 0; m < sc.nb.size(); ++m) pair_v[sc.nb[m].pair] = v[m];
      } catch (...) {
        err.record(i, std::current_exception());
      }
    }
  }
  err.rethrow();
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t q = nl.begin(i); q < nl.end(i); ++q) {
      const Vec3& v = pair_v[q];
      if (v[0] == 0.0 && v[1] == 0.0 && v[2] == 0.0) continue;
      forces.row(nl.neighbor(q)) -= v.transpose();
      forces.row(static_cast<Eigen::Index>(i)) += v.transpose();
      virial -= v * nl.vector(q).transpose();
    }
}

}  // namespace mlp
