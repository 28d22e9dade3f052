#include "mlp/model/gap_two_body.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/smooth_step.hpp"
#include "pair_sum.hpp"

namespace mlp {

void GapTwoBodyKernel::validate() const {
  const auto positive = [](double v, const char* field, const char* what) {
    if (!(v > 0.0) || !std::isfinite(v))
      throw InputError(std::string("two-body ") + what + " must be a positive number", "", 0, field);
  };
  positive(delta, "two_body.delta", "delta (eV)");
  positive(theta, "two_body.theta", "length scale theta (Å)");
  positive(cutoff, "two_body.cutoff", "cutoff (Å)");
  positive(cutoff_width, "two_body.cutoff_width", "cutoff width (Å)");
  if (cutoff_width > cutoff)
    throw InputError("two-body cutoff width must not exceed the cutoff", "", 0, "two_body.cutoff_width");
}

double GapTwoBodyKernel::covariance(double r, double x) const {
  const double u = (r - x) / theta;
  return delta * delta * std::exp(-0.5 * u * u);
}

double GapTwoBodyKernel::covariance_derivative(double r, double x) const {
  const double u = (r - x) / theta;
  return -delta * delta * std::exp(-0.5 * u * u) * u / theta;
}

double GapTwoBodyKernel::cutoff_function(double r, double* derivative) const {
  const double t = (r - cutoff + cutoff_width) / cutoff_width;
  if (derivative) *derivative = -smootherstep_derivative(t) / cutoff_width;
  return 1.0 - smootherstep(t);
}

ElementPair element_pair(int z1, int z2) { return {std::min(z1, z2), std::max(z1, z2)}; }

std::string element_pair_name(const ElementPair& p) {
  return element_symbol(p.first) + "-" + element_symbol(p.second);
}

GapTwoBody::GapTwoBody(GapTwoBodyKernel kernel, std::map<ElementPair, GapPairSparseSet> pairs, double jitter)
    : kernel_(kernel), pairs_(std::move(pairs)), jitter_(jitter) {
  kernel_.validate();
  if (!(jitter_ >= 0.0) || !std::isfinite(jitter_))
    throw InputError("two-body jitter must be a finite number >= 0", "", 0, "two_body.jitter");
  if (pairs_.empty()) throw InputError("two-body term without element pairs", "", 0, "two_body");
  for (const auto& kv : pairs_) {
    const std::string name = element_pair_name(kv.first);
    const GapPairSparseSet& set = kv.second;
    if (kv.first.first > kv.first.second || element_symbol(kv.first.first).empty())
      throw InputError("two-body pair " + name + " is not an ordered element pair", "", 0, "two_body");
    if (set.points.size() == 0 || set.alpha.size() != set.points.size())
      throw InputError("two-body pair " + name + " needs M >= 1 sparse distances and M weights", "", 0, "two_body");
    if (!set.alpha.allFinite())
      throw InputError("two-body pair " + name + " has a non-finite weight", "", 0, "two_body");
    for (Eigen::Index t = 0; t < set.points.size(); ++t)
      if (!(set.points[t] > 0.0) || !(set.points[t] <= kernel_.cutoff))
        throw InputError("two-body pair " + name + ": sparse distance outside (0, cutoff]", "", 0, "two_body");
    offsets_[kv.first] = total_;
    total_ += set.points.size();
  }
}

const GapPairSparseSet* GapTwoBody::find(int zi, int zj, Eigen::Index* offset) const {
  const ElementPair p = element_pair(zi, zj);
  const auto it = pairs_.find(p);
  if (it == pairs_.end()) return nullptr;
  if (offset) *offset = offsets_.at(p);
  return &it->second;
}

double GapTwoBody::add_to(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                          EvalResult& result) const {
  return detail::add_pair_sum(s, nl, request, result, [&](std::size_t i, std::size_t j, double r, double& e, double& de) {
    if (r >= kernel_.cutoff) return false;
    const GapPairSparseSet* set = find(s.numbers[i], s.numbers[j], nullptr);
    if (!set) return false;
    double g = 0.0, dg = 0.0;
    for (Eigen::Index t = 0; t < set->points.size(); ++t) {
      g += set->alpha[t] * kernel_.covariance(r, set->points[t]);
      dg += set->alpha[t] * kernel_.covariance_derivative(r, set->points[t]);
    }
    double dfc = 0.0;
    const double fc = kernel_.cutoff_function(r, &dfc);
    e = fc * g;
    de = dfc * g + fc * dg;
    return true;
  });
}

void GapTwoBody::add_design(const Structure& s, const NeighborList& nl, Eigen::Ref<Eigen::RowVectorXd> energy,
                            Eigen::MatrixXd* forces, Eigen::MatrixXd* virial) const {
  const double rc = kernel_.cutoff;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto row = static_cast<Eigen::Index>(3 * i);
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.distance(k);
      if (r >= rc) continue;
      Eigen::Index off = 0;
      const GapPairSparseSet* set = find(s.numbers[i], s.numbers[nl.neighbor(k)], &off);
      if (!set) continue;
      double dfc = 0.0;
      const double fc = kernel_.cutoff_function(r, &dfc);
      const Vec3& d = nl.vector(k);
      for (Eigen::Index t = 0; t < set->points.size(); ++t) {
        const double kv = kernel_.covariance(r, set->points[t]);
        const double de = dfc * kv + fc * kernel_.covariance_derivative(r, set->points[t]);
        energy[off + t] += 0.5 * fc * kv;
        const Vec3 grad = (de / r) * d;
        if (forces) forces->block(row, off + t, 3, 1) += grad;  // the whole force on i (j's occurrence gives j its own)
        if (virial)
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) (*virial)(3 * a + b, off + t) -= 0.5 * grad[a] * d[b];
      }
    }
  }
}

double GapTwoBody::variance_columns(const Structure& s, const NeighborList& nl, Eigen::MatrixXd& columns,
                                    Eigen::VectorXd& atom_prior) const {
  const auto n = static_cast<Eigen::Index>(s.size());
  columns = Eigen::MatrixXd::Zero(total_, n);
  atom_prior = Eigen::VectorXd::Zero(n);
  struct Occurrence {
    double r, weight;  // distance (Å) and ½ f_c(r)
  };
  std::map<ElementPair, std::vector<Occurrence>> all;  // every occurrence of every atom, by element pair
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::map<ElementPair, std::vector<Occurrence>> own;
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.distance(k);
      if (r >= kernel_.cutoff) continue;
      const int zj = s.numbers[static_cast<std::size_t>(nl.neighbor(k))];
      Eigen::Index off = 0;
      const GapPairSparseSet* set = find(s.numbers[i], zj, &off);
      if (!set) continue;
      const Occurrence o{r, 0.5 * kernel_.cutoff_function(r)};
      for (Eigen::Index t = 0; t < set->points.size(); ++t)
        columns(off + t, static_cast<Eigen::Index>(i)) += o.weight * kernel_.covariance(r, set->points[t]);
      own[element_pair(s.numbers[i], zj)].push_back(o);
    }
    double prior = 0.0;
    for (const auto& kv : own) {
      for (const Occurrence& a : kv.second)
        for (const Occurrence& b : kv.second) prior += a.weight * b.weight * kernel_.covariance(a.r, b.r);
      auto& list = all[kv.first];
      list.insert(list.end(), kv.second.begin(), kv.second.end());
    }
    atom_prior[static_cast<Eigen::Index>(i)] = prior;
  }
  double total = 0.0;
  for (const auto& kv : all)
    for (const Occurrence& a : kv.second)
      for (const Occurrence& b : kv.second) total += a.weight * b.weight * kernel_.covariance(a.r, b.r);
  return total;
}

Eigen::MatrixXd GapTwoBody::kmm_factor(const ElementPair& p) const {
  const Eigen::VectorXd& x = pairs_.at(p).points;
  Eigen::MatrixXd k(x.size(), x.size());
  for (Eigen::Index a = 0; a < x.size(); ++a)
    for (Eigen::Index b = 0; b < x.size(); ++b) k(a, b) = kernel_.covariance(x[a], x[b]);
  k.diagonal().array() += jitter_;
  const Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() != Eigen::Success)
    throw ComputeError("the two-body kernel matrix of " + element_pair_name(p) +
                           " is not positive definite (sparse distances too close for theta? increase the jitter)",
                       "", 0, "jitter");
  return llt.matrixU();
}

Eigen::VectorXd uniform_sparse_distances(double r_min, double cutoff, std::size_t count) {
  if (count == 0) throw InputError("two-body sparse point count must be >= 1", "", 0, "two_body.sparse");
  if (!(r_min > 0.0) || !(r_min <= cutoff))
    throw InputError("two-body sparse range must satisfy 0 < r_min <= cutoff", "", 0, "two_body");
  if (count == 1) return Eigen::VectorXd::Constant(1, r_min);
  return Eigen::VectorXd::LinSpaced(static_cast<Eigen::Index>(count), r_min, cutoff);
}

}  // namespace mlp
