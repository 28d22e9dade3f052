#pragma once
// Deliberately broken models for the tests of mlp-check (never in the registry): each violates exactly one
// physical requirement, so the battery must flag exactly the expected checks.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "mlp/model/model.hpp"
#include "mlp/model/registry.hpp"

namespace mlp::test {

/// A sum over pairs (each once) of e(d), d = r_j - r_i (Å), with gradient de/dd; zero beyond `rc`.
class PairTerm : public Model {
 public:
  using Fn = std::function<double(const Vec3& d, Vec3& grad)>;
  PairTerm(std::string name, double rc, Fn fn) : name_(std::move(name)), rc_(rc), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  double cutoff() const override { return rc_; }
  std::string spec() const override { return name_; }
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& q, EvalResult& r) const override {
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
        if (nl.distance(k) >= rc_) continue;
        Vec3 g;
        const double e = 0.5 * fn_(nl.vector(k), g);  // each pair is seen twice
        g *= 0.5;
        const auto j = static_cast<Eigen::Index>(nl.neighbor(k));
        const auto ii = static_cast<Eigen::Index>(i);
        r.energy += e;
        if (q.atom_energies) {
          r.atom_energies[ii] += 0.5 * e;
          r.atom_energies[j] += 0.5 * e;
        }
        if (q.forces) {
          r.forces.row(ii) += g.transpose();
          r.forces.row(j) -= g.transpose();
        }
        if (q.virial) r.virial -= g * nl.vector(k).transpose();
      }
  }

 private:
  std::string name_;
  double rc_;
  Fn fn_;
};

/// A model plus a PairTerm, or a model whose result is changed after the fact by `post`.
class Modified : public Model {
 public:
  using Post = std::function<void(const Structure&, EvalResult&)>;
  Modified(std::string name, std::unique_ptr<Model> base, std::unique_ptr<Model> extra, Post post = nullptr)
      : name_(std::move(name)), base_(std::move(base)), extra_(std::move(extra)), post_(std::move(post)) {}
  std::string name() const override { return name_; }
  double cutoff() const override { return std::max(base_->cutoff(), extra_ ? extra_->cutoff() : 0.0); }
  bool long_range() const override { return base_->long_range(); }
  std::string spec() const override { return name_; }
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& q, EvalResult& r) const override {
    base_->compute(s, nl, q, r);
    if (extra_) extra_->compute(s, nl, q, r);
    if (post_) post_(s, r);
  }

 private:
  std::string name_;
  std::unique_ptr<Model> base_, extra_;
  Post post_;
};

/// (1 - (r/rc)^2)^3 and its derivative: a C²-smooth switch to 0 at rc.
inline double smooth_switch(double r, double rc, double& ds) {
  const double x = 1 - (r / rc) * (r / rc);
  ds = -6 * x * x * r / (rc * rc);
  return x * x * x;
}

inline const char* kArgon = "lj:epsilon=0.0104,sigma=3.4,cutoff=7.0";

/// Forces 1% larger than -dE/dr (not a gradient). Expected failures: conservative (5), NVE (8).
inline std::unique_ptr<Model> non_gradient_forces() {
  return std::make_unique<Modified>("non-gradient", make_model(kArgon), nullptr,
                                    [](const Structure&, EvalResult& r) { r.forces *= 1.01; });
}

/// + 1e-4 eV · s(r) (d_z/r)^2 per pair: conservative but not rotation invariant. Expected failure: rotation (2).
inline std::unique_ptr<Model> rotation_dependent() {
  const double rc = 7.0, c = 1e-4;
  auto term = std::make_unique<PairTerm>("zterm", rc, [=](const Vec3& d, Vec3& g) {
    const double r = d.norm();
    double ds;
    const double s = smooth_switch(r, rc, ds);
    const double u = d.z() * d.z() / (r * r);
    g = c * (ds * u * d / r + s * (2 * d.z() / (r * r) * Vec3::UnitZ() - 2 * d.z() * d.z() / (r * r * r * r) * d));
    return c * s * u;
  });
  return std::make_unique<Modified>("rotation-dependent", make_model(kArgon), std::move(term));
}

/// - 1e-4 eV per pair closer than the cutoff, no force: a hard (discontinuous) cutoff. Expected failures:
/// cutoff (6), NVE (8).
inline std::unique_ptr<Model> hard_cutoff() {
  auto term = std::make_unique<PairTerm>("step", 7.0, [](const Vec3&, Vec3& g) {
    g.setZero();
    return -1e-4;
  });
  return std::make_unique<Modified>("hard-cutoff", make_model(kArgon), std::move(term));
}

/// E + 0.1 E^2 / N: every atom feels the total energy (non-local but extensive). Expected failure: locality (7).
inline std::unique_ptr<Model> non_local() {
  return std::make_unique<Modified>("non-local", make_model(kArgon), nullptr, [](const Structure& s, EvalResult& r) {
    const double n = static_cast<double>(s.size()), e = r.energy, k = 1 + 0.2 * e / n;
    r.energy = e + 0.1 * e * e / n;
    r.forces *= k;
    r.virial *= k;
    r.atom_energies.resize(0);  // no per-atom energies
  });
}

/// Morse (copper) times 1 - exp(-(r/0.8)^6) with a smooth cutoff: the energy falls again below ~1 Å, as an ML
/// model without repulsion may. Expected failure: fusion (9).
inline std::unique_ptr<Model> spurious_minimum() {
  const double rc = 6.0, D = 0.3429, a = 1.3588, r0 = 2.866;
  return std::make_unique<PairTerm>("spurious-minimum", rc, [=](const Vec3& d, Vec3& g) {
    const double r = d.norm();
    const double x = std::exp(-a * (r - r0));
    const double m = D * (x * x - 2 * x), dm = D * (-2 * a * x * x + 2 * a * x);
    const double y = std::pow(r / 0.8, 6), s = 1 - std::exp(-y), dsr = std::exp(-y) * 6 * y / r;
    double dw;
    const double w = smooth_switch(r, rc, dw);
    const double de = dm * s * w + m * dsr * w + m * s * dw;
    g = de * d / r;
    return m * s * w;
  });
}

/// Adds noise of 1e-13 relative that changes from call to call. Expected failure: determinism (10).
inline std::unique_ptr<Model> non_deterministic() {
  auto counter = std::make_shared<std::atomic<unsigned>>(0);
  return std::make_unique<Modified>("non-deterministic", make_model(kArgon), nullptr,
                                    [counter](const Structure&, EvalResult& r) {
                                      const unsigned k = (*counter)++;
                                      const double u = ((k * 2654435761u) % 1000) / 500.0 - 1.0;
                                      r.energy *= 1 + 1e-13 * u;
                                      r.forces *= 1 + 1e-13 * u;
                                    });
}

}  // namespace mlp::test

namespace mlp::test {

/// Charge equilibration for Na/Cl clusters with a core repulsion (a correct long-range model).
inline const char* kNaClQeq = "zbl+qeq:chi_Na=-2.0,J_Na=8.0,qmax_Na=1.5,chi_Cl=3.0,J_Cl=10.0,qmax_Cl=1.5";

/// Charges that grow with the cube of the applied field (energies untouched): a polarisation catastrophe as a
/// learned charge model without damping could show. Expected failure: charge response (11).
inline std::unique_ptr<Model> runaway_polarisation() {
  return std::make_unique<Modified>("runaway-polarisation", make_model(kNaClQeq), nullptr,
                                    [](const Structure& s, EvalResult& r) {
                                      const auto f = s.info.reals("external_field");
                                      if (!f || !r.has_charges) return;
                                      const Vec3 field((*f)[0], (*f)[1], (*f)[2]);
                                      const Eigen::RowVector3d centre = s.positions.colwise().mean();
                                      for (Eigen::Index i = 0; i < r.charges.size(); ++i) {
                                        const double u = (s.positions.row(i) - centre).dot(field.transpose());
                                        r.charges(i) += 0.01 * u * u * u;
                                      }
                                    });
}

}  // namespace mlp::test
