#include "mlp/model/stillinger_weber.hpp"

#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "spec_support.hpp"

namespace mlp {

namespace {

// x^e for the exponents p, q: a small non-negative integer (the usual 4 and 0) by multiplication, which is
// several times faster than std::pow and exact; anything else by std::pow.
struct Power {
  double e = 0.0;
  int n = -1;  // the exponent as an integer, or -1 when it is not a small non-negative integer
  explicit Power(double exponent) : e(exponent) {
    if (exponent >= 0.0 && exponent <= 16.0 && exponent == std::floor(exponent)) n = static_cast<int>(exponent);
  }
  double operator()(double x) const {
    if (n < 0) return std::pow(x, e);
    double y = 1.0;
    for (int k = 0; k < n; ++k) y *= x;
    return y;
  }
};

// One entry of the per-call short list: a neighbour j of atom i closer than the cutoff aσ, with everything the
// three-body loop needs precomputed once per pair instead of once per triplet (LAMMPS recomputes the two
// exponentials in every triplet).
struct Short {
  double ux, uy, uz;  // unit vector from i to j
  double r;           // Å
  double inv_r;       // 1/Å
  double g;           // exp(γσ/(r − aσ))
  double dg;          // dg/dr, 1/Å
  int j;
};
static_assert(sizeof(Short) == 64, "one cache line per short-list entry");

// True for exactly one of the two full-list entries of a pair: i < j, or for an atom and its own periodic image
// the entry whose first non-zero shift component is positive.
inline bool canonical(std::size_t i, int j, const std::array<int, 3>& shift) {
  const auto uj = static_cast<std::size_t>(j);
  if (i != uj) return i < uj;
  for (int c = 0; c < 3; ++c)
    if (shift[static_cast<std::size_t>(c)] != 0) return shift[static_cast<std::size_t>(c)] > 0;
  return false;
}

inline void add_sym(double* v, double s, double ax, double ay, double az, double bx, double by, double bz) {
  // Six components xx yy zz xy xz yz of s·(a ⊗ b), the LAMMPS layout.
  v[0] += s * ax * bx;
  v[1] += s * ay * by;
  v[2] += s * az * bz;
  v[3] += s * ax * by;
  v[4] += s * ax * bz;
  v[5] += s * ay * bz;
}

inline Mat3 from_sym(const double* v) {
  Mat3 m;
  m << v[0], v[3], v[4], v[3], v[1], v[5], v[4], v[5], v[2];
  return m;
}

// PerAtom: per-atom energies and virials; Virial: the global virial. Both are template flags so that the plain
// energy+forces evaluation (MD) carries no virial arithmetic in its triplet loop. With contributing flags c
// (EvalRequest::contributing, else null) a pair counts with weight (c_i + c_j)/2 and a triplet with
// (c_i + c_j + c_k)/3 in energy, forces and virial; the per-atom values stay unweighted.
template <bool PerAtom, bool Virial>
void sw_kernel(const StillingerWeber::Parameters& P, const Structure& s, const NeighborList& nl, double* f,
               double* atom_energy, double* atom_virial, double& energy, double* virial,
               const std::uint8_t* c = nullptr) {
  const std::size_t n = s.size();
  const double rc = P.a * P.sigma;
  const double gs = P.gamma * P.sigma;
  const double aeps = P.A * P.epsilon;
  const double leps = P.lambda * P.epsilon;
  const Power pw_p(P.p), pw_q(P.q);

  // Sized once for the worst case (every listed pair inside the cutoff) and filled through a pointer: no
  // growth checks or reallocation in the loop.
  std::vector<std::size_t> start(n + 1);
  std::vector<Short> list(nl.pairs());
  Short* out = list.data();

  double e2 = 0.0, e3 = 0.0;
  double w[6] = {0, 0, 0, 0, 0, 0};

  // Pass 1: short lists and the two-body term (each pair once, from its canonical entry).
  for (std::size_t i = 0; i < n; ++i) {
    start[i] = static_cast<std::size_t>(out - list.data());
    double fix = 0, fiy = 0, fiz = 0;
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.distance(k);
      if (r >= rc) continue;
      const int j = nl.neighbor(k);
      const Vec3& d = nl.vector(k);
      const double inv_r = 1.0 / r;
      const double x_inv = 1.0 / (r - rc);  // negative inside the cutoff
      const double g = std::exp(gs * x_inv);
      *out++ = Short{d[0] * inv_r, d[1] * inv_r, d[2] * inv_r, r, inv_r, g, -g * gs * x_inv * x_inv, j};
      if (!canonical(i, j, nl.shift(k))) continue;
      if (c && !c[i] && !c[static_cast<std::size_t>(j)]) continue;  // weight 0: two padding atoms
      const double sr = P.sigma * inv_r;
      const double rp = pw_p(sr), rq = pw_q(sr);
      const double ex = std::exp(P.sigma * x_inv);
      const double poly = P.B * rp - rq;
      const double e = aeps * poly * ex;
      // dφ2/dr = Aε[(−pB(σ/r)^p + q(σ/r)^q)/r − (Bσ^p/r^p − (σ/r)^q)·σ/(r − aσ)²]·exp(σ/(r − aσ))
      const double de = aeps * ex * ((-P.p * P.B * rp + P.q * rq) * inv_r - poly * P.sigma * x_inv * x_inv);
      const auto uj = static_cast<std::size_t>(j);
      const double wt = c ? 0.5 * (c[i] + c[uj]) : 1.0;
      e2 += wt * e;
      const double gx = de * d[0] * inv_r, gy = de * d[1] * inv_r, gz = de * d[2] * inv_r;  // dφ2/d(r_j − r_i)
      fix += wt * gx, fiy += wt * gy, fiz += wt * gz;
      f[3 * uj] -= wt * gx, f[3 * uj + 1] -= wt * gy, f[3 * uj + 2] -= wt * gz;
      if constexpr (!Virial && !PerAtom) continue;
      double v[6] = {0, 0, 0, 0, 0, 0};
      add_sym(v, -1.0, d[0], d[1], d[2], gx, gy, gz);  // W = F_j ⊗ d, F_j = −g
      for (int q = 0; q < 6; ++q) w[q] += wt * v[q];
      if constexpr (PerAtom) {
        atom_energy[i] += 0.5 * e;
        atom_energy[uj] += 0.5 * e;
        for (int q = 0; q < 6; ++q) {
          atom_virial[6 * i + static_cast<std::size_t>(q)] += 0.5 * v[q];
          atom_virial[6 * uj + static_cast<std::size_t>(q)] += 0.5 * v[q];
        }
      }
    }
    f[3 * i] += fix, f[3 * i + 1] += fiy, f[3 * i + 2] += fiz;
  }
  start[n] = static_cast<std::size_t>(out - list.data());

  // Pass 2: three-body terms, for each centre i every pair j < k of its short list.
  const double cos0 = P.costheta0;
  for (std::size_t i = 0; i < n; ++i) {
    const Short* const b = list.data() + start[i];
    const Short* const e = list.data() + start[i + 1];
    double fix = 0, fiy = 0, fiz = 0;
    for (const Short* J = b; J < e; ++J) {
      double fjx = 0, fjy = 0, fjz = 0;  // force on j accumulated over k
      const bool padding_ij = c && !c[i] && !c[static_cast<std::size_t>(J->j)];
      for (const Short* K = J + 1; K < e; ++K) {
        if (padding_ij && !c[static_cast<std::size_t>(K->j)]) continue;  // weight 0: three padding atoms
        const double cs = J->ux * K->ux + J->uy * K->uy + J->uz * K->uz;
        const double delta = cs - cos0;
        const double gg = J->g * K->g;
        const double ldg = leps * delta * gg;
        const double e3t = ldg * delta;
        const double dc = 2.0 * ldg;  // dE/dcos θ
        const double dej = leps * delta * delta * J->dg * K->g;  // ∂E/∂r_ij at fixed angle
        const double dek = leps * delta * delta * J->g * K->dg;
        // ∂E/∂d_j = dej·u_j + dc·(u_k − cos u_j)/r_ij (d_j = r_j − r_i), likewise for k.
        const double aj = dej - dc * cs * J->inv_r, bj = dc * J->inv_r;
        const double ak = dek - dc * cs * K->inv_r, bk = dc * K->inv_r;
        const double gjx = aj * J->ux + bj * K->ux, gjy = aj * J->uy + bj * K->uy, gjz = aj * J->uz + bj * K->uz;
        const double gkx = ak * K->ux + bk * J->ux, gky = ak * K->uy + bk * J->uy, gkz = ak * K->uz + bk * J->uz;
        const auto uk = static_cast<std::size_t>(K->j);
        const double wt = c ? (c[i] + c[static_cast<std::size_t>(J->j)] + c[uk]) * (1.0 / 3.0) : 1.0;
        e3 += wt * e3t;
        fix += wt * (gjx + gkx), fiy += wt * (gjy + gky), fiz += wt * (gjz + gkz);
        fjx -= wt * gjx, fjy -= wt * gjy, fjz -= wt * gjz;
        f[3 * uk] -= wt * gkx, f[3 * uk + 1] -= wt * gky, f[3 * uk + 2] -= wt * gkz;
        if constexpr (!Virial && !PerAtom) continue;
        // W = F_j ⊗ d_j + F_k ⊗ d_k with d = r·u and F = −∂E/∂d.
        double v[6] = {0, 0, 0, 0, 0, 0};
        add_sym(v, -J->r, J->ux, J->uy, J->uz, gjx, gjy, gjz);
        add_sym(v, -K->r, K->ux, K->uy, K->uz, gkx, gky, gkz);
        for (int q = 0; q < 6; ++q) w[q] += wt * v[q];
        if constexpr (PerAtom) {
          const auto uj = static_cast<std::size_t>(J->j);
          const double third = 1.0 / 3.0;
          atom_energy[i] += third * e3t;
          atom_energy[uj] += third * e3t;
          atom_energy[uk] += third * e3t;
          for (std::size_t q = 0; q < 6; ++q) {
            atom_virial[6 * i + q] += third * v[q];
            atom_virial[6 * uj + q] += third * v[q];
            atom_virial[6 * uk + q] += third * v[q];
          }
        }
      }
      const auto uj = static_cast<std::size_t>(J->j);
      f[3 * uj] += fjx, f[3 * uj + 1] += fjy, f[3 * uj + 2] += fjz;
    }
    f[3 * i] += fix, f[3 * i + 1] += fiy, f[3 * i + 2] += fiz;
  }
  energy = e2 + e3;
  for (int q = 0; q < 6; ++q) virial[q] = w[q];
}

}  // namespace

StillingerWeber::StillingerWeber(Parameters parameters) : parameters_(parameters) {}

bool StillingerWeber::supports(const std::vector<int>& numbers, std::string& why) const {
  for (int z : numbers)
    if (z != parameters_.element) {
      why = "model 'sw' has parameters for " + element_symbol(parameters_.element) + " only, the structure holds " +
            (z >= 1 && z <= kMaxAtomicNumber ? element_symbol(z) : "Z=" + std::to_string(z));
      return false;
    }
  return true;
}

void StillingerWeber::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                              EvalResult& result) const {
  const std::size_t n = s.size();
  // Forces are always accumulated (they cost little next to the energy); without a request they go to scratch.
  std::vector<double> scratch;
  double* f = nullptr;
  if (request.forces) {
    f = result.forces.data();
  } else {
    scratch.assign(3 * n, 0.0);
    f = scratch.data();
  }
  double energy = 0.0, w[6];
  const std::uint8_t* c = request.contributing ? request.contributing->data() : nullptr;
  if (request.atom_energies || request.atom_virials) {
    std::vector<double> ae(n, 0.0), av(6 * n, 0.0);
    sw_kernel<true, true>(parameters_, s, nl, f, ae.data(), av.data(), energy, w, c);
    for (std::size_t i = 0; i < n; ++i) {
      if (request.atom_energies) result.atom_energies[static_cast<Eigen::Index>(i)] += ae[i];
      if (request.atom_virials) result.atom_virials[i] += from_sym(&av[6 * i]);
    }
  } else if (request.virial) {
    sw_kernel<false, true>(parameters_, s, nl, f, nullptr, nullptr, energy, w, c);
  } else {
    sw_kernel<false, false>(parameters_, s, nl, f, nullptr, nullptr, energy, w, c);
  }
  result.energy += energy;
  if (request.virial) result.virial += from_sym(w);
  result.term_energies.emplace_back(name(), energy);
}

std::string StillingerWeber::spec() const {
  using spec_support::format_real;
  const Parameters& P = parameters_;
  return "sw:element=" + element_symbol(P.element) + ",epsilon=" + format_real(P.epsilon) +
         ",sigma=" + format_real(P.sigma) + ",a=" + format_real(P.a) + ",lambda=" + format_real(P.lambda) +
         ",gamma=" + format_real(P.gamma) + ",costheta0=" + format_real(P.costheta0) + ",A=" + format_real(P.A) +
         ",B=" + format_real(P.B) + ",p=" + format_real(P.p) + ",q=" + format_real(P.q);
}

std::unique_ptr<Model> StillingerWeber::from_spec(const ModelSpec& spec) {
  SpecParams params(spec);
  Parameters P;
  const std::string symbol = params.text("element", "Si");
  P.element = atomic_number(symbol);
  if (P.element == 0)
    throw InputError("model 'sw': parameter 'element': '" + symbol + "' is not an element symbol", spec.source, 0,
                     "element");
  if (P.element != 14 && !(params.has("epsilon") && params.has("sigma")))
    throw InputError("model 'sw': element " + symbol +
                         " needs its own parameters (at least epsilon and sigma; the defaults are silicon's)",
                     spec.source, 0, "element");
  P.epsilon = params.real("epsilon", P.epsilon);
  P.sigma = params.real("sigma", P.sigma);
  P.a = params.real("a", P.a);
  P.lambda = params.real("lambda", P.lambda);
  P.gamma = params.real("gamma", P.gamma);
  P.costheta0 = params.real("costheta0", P.costheta0);
  P.A = params.real("A", P.A);
  P.B = params.real("B", P.B);
  P.p = params.real("p", P.p);
  P.q = params.real("q", P.q);
  using spec_support::require;
  require(P.epsilon > 0, spec, "epsilon", P.epsilon, "must be positive");
  require(P.sigma > 0, spec, "sigma", P.sigma, "must be positive");
  require(P.a > 0, spec, "a", P.a, "must be positive");
  require(P.gamma >= 0, spec, "gamma", P.gamma, "must not be negative");
  require(P.costheta0 >= -1 && P.costheta0 <= 1, spec, "costheta0", P.costheta0, "must lie in [-1, 1]");
  spec_support::finish(params, spec, "element, epsilon, sigma, a, lambda, gamma, costheta0, A, B, p, q");
  return std::make_unique<StillingerWeber>(P);
}

}  // namespace mlp
