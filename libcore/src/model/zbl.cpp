#include "mlp/model/zbl.hpp"

#include <cmath>

#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "spec_support.hpp"

namespace mlp {

namespace {
// Universal screening function Φ(x) = Σ c_k exp(−d_k x) (ZBL 1985).
constexpr double kC[4] = {0.18175, 0.50986, 0.28022, 0.02817};
constexpr double kD[4] = {3.19980, 0.94229, 0.40290, 0.20162};
}  // namespace

Zbl::Zbl(Parameters parameters) : parameters_(parameters) {}

Zbl::PairParams Zbl::pair_params(int z1, int z2) const {
  PairParams pp;
  const double a_u = 0.8854 * kBohr / (std::pow(z1, 0.23) + std::pow(z2, 0.23));
  pp.p = {kCoulomb * z1 * z2, 1.0 / a_u, 0.0, 0.0};
  pp.cutoff = parameters_.outer;
  return pp;
}

void Zbl::phi(const PairParams& pp, double r, double& energy, double& denergy_dr) const {
  const double k = pp.p[0], inv_a = pp.p[1];
  const double x = r * inv_a;
  double screen = 0.0, dscreen_dx = 0.0;
  for (int m = 0; m < 4; ++m) {
    const double term = kC[m] * std::exp(-kD[m] * x);
    screen += term;
    dscreen_dx -= kD[m] * term;
  }
  const double e = k / r * screen;
  const double de = -e / r + k / r * dscreen_dx * inv_a;
  // Smootherstep switch S(t): S(0)=1, S(1)=0, S' and S'' vanish at both ends.
  const double width = parameters_.outer - parameters_.inner;
  double t = (r - parameters_.inner) / width;
  if (t <= 0.0) {
    energy = e;
    denergy_dr = de;
    return;
  }
  if (t >= 1.0) {
    energy = denergy_dr = 0.0;
    return;
  }
  const double S = 1.0 - t * t * t * (10.0 - 15.0 * t + 6.0 * t * t);
  const double dS = -30.0 * t * t * (1.0 - t) * (1.0 - t) / width;
  energy = e * S;
  denergy_dr = de * S + e * dS;
}

std::string Zbl::spec() const {
  return "zbl:inner=" + spec_support::format_real(parameters_.inner) +
         ",outer=" + spec_support::format_real(parameters_.outer);
}

std::unique_ptr<Model> Zbl::from_spec(const ModelSpec& spec) {
  SpecParams params(spec);
  Parameters P;
  P.inner = params.real("inner", P.inner);
  P.outer = params.real("outer", P.outer);
  spec_support::require(P.inner >= 0.0, spec, "inner", P.inner, "must not be negative");
  spec_support::require(P.outer > P.inner, spec, "outer", P.outer,
                        "must be larger than inner (" + spec_support::format_real(P.inner) + " Å)");
  spec_support::finish(params, spec, "inner, outer");
  return std::make_unique<Zbl>(P);
}

}  // namespace mlp
