#include "mlp/model/gap_model.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"
#include "atomic_energy_model.hpp"

namespace mlp {

double GapKernel::value(double c) const {
  double out = 1.0;
  for (int k = 0; k < zeta; ++k) out *= c;
  return out;
}

double GapKernel::derivative(double c) const {
  double out = static_cast<double>(zeta);
  for (int k = 1; k < zeta; ++k) out *= c;
  return out;
}

Eigen::MatrixXd gap_kmm_factor(const GapKernel& kernel, const Eigen::MatrixXd& points, double jitter) {
  const Eigen::MatrixXd c = points * points.transpose();
  Eigen::MatrixXd k = c.unaryExpr([&](double x) { return kernel.delta * kernel.delta * kernel.value(x); });
  k.diagonal().array() += jitter;
  const Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() != Eigen::Success)
    throw ComputeError("the kernel matrix of the sparse points is not positive definite (duplicate sparse points? "
                       "increase the jitter)",
                       "", 0, "jitter");
  return llt.matrixU();
}

namespace {

// Rows of `q` (DescriptorValues) of the listed atoms as an n × d matrix.
Eigen::MatrixXd gather_rows(const DescriptorValues& q, const std::vector<std::size_t>& atoms, Eigen::Index d) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(atoms.size()), d);
  for (std::size_t r = 0; r < atoms.size(); ++r)
    out.row(static_cast<Eigen::Index>(r)) = Eigen::Map<const Eigen::RowVectorXd>(q.row(atoms[r]), d);
  return out;
}

// Normalise rows in place and return their norms (a zero row stays zero: its kernel is 0).
Eigen::VectorXd normalise_rows(Eigen::MatrixXd& m) {
  Eigen::VectorXd norms = m.rowwise().norm();
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    if (norms[r] > 0.0) m.row(r) /= norms[r];
  return norms;
}

}  // namespace

GapModel::GapModel(std::shared_ptr<const Descriptor> descriptor, GapKernel kernel, std::map<int, GapSparseSet> sparse,
                   std::map<int, double> isolated_energies, Eigen::MatrixXd posterior_r, double jitter,
                   std::shared_ptr<const GapTwoBody> two_body)
    : descriptor_(std::move(descriptor)),
      kernel_(kernel),
      sparse_(std::move(sparse)),
      isolated_(std::move(isolated_energies)),
      posterior_r_(std::move(posterior_r)),
      jitter_(jitter),
      two_body_(std::move(two_body)) {
  if (!descriptor_) throw InputError("GAP model without a descriptor", "", 0, "descriptor");
  if (!(kernel_.delta > 0.0) || !std::isfinite(kernel_.delta))
    throw InputError("GAP kernel delta must be a positive number (eV)", "", 0, "delta");
  if (kernel_.zeta < 1 || kernel_.zeta > 64) throw InputError("GAP kernel zeta must lie in 1..64", "", 0, "zeta");
  if (!(jitter_ >= 0.0) || !std::isfinite(jitter_))
    throw InputError("GAP jitter must be a finite number >= 0", "", 0, "jitter");
  for (int z : descriptor_->elements()) {
    const std::string symbol = element_symbol(z);
    const auto it = sparse_.find(z);
    if (it == sparse_.end()) throw InputError("GAP model: no sparse points for " + symbol, "", 0, "sparse");
    GapSparseSet& set = it->second;
    const auto d = static_cast<Eigen::Index>(descriptor_->size(z));
    if (set.points.rows() == 0 || set.points.cols() != d || set.alpha.size() != set.points.rows())
      throw InputError("GAP model: sparse points of " + symbol + " must be M × " + std::to_string(d) +
                           " with M >= 1 and M weights",
                       "", 0, "sparse");
    if (!set.points.allFinite() || !set.alpha.allFinite())
      throw InputError("GAP model: non-finite sparse point or weight for " + symbol, "", 0, "sparse");
    // Rows already of unit length (to round-off) are kept bit for bit, so that a model read back from its file
    // (which stores the normalised rows) predicts exactly what the saved one did.
    for (Eigen::Index r = 0; r < set.points.rows(); ++r) {
      const double norm = set.points.row(r).norm();
      if (norm == 0.0) throw InputError("GAP model: a sparse point of " + symbol + " is a zero row", "", 0, "sparse");
      if (std::abs(norm - 1.0) > 1e-13) set.points.row(r) /= norm;
    }
    const auto b = isolated_.find(z);
    if (b == isolated_.end() || !std::isfinite(b->second))
      throw InputError("GAP model: no finite isolated-atom energy for " + symbol, "", 0, "isolated_atom_energies");
    offset_[z] = total_;
    total_ += set.points.rows();
  }
  for (const auto& kv : sparse_)
    if (descriptor_->size(kv.first) == 0)
      throw InputError("GAP model: sparse points for " + element_symbol(kv.first) +
                           ", which is not a centre element of the descriptor",
                       "", 0, "sparse");
  if (posterior_r_.size() > 0) {
    const Eigen::Index m = total_ + (two_body_ ? two_body_->sparse_count() : 0);
    if (posterior_r_.rows() != m || posterior_r_.cols() != m || !posterior_r_.allFinite())
      throw InputError("GAP model: posterior factor must be a finite " + std::to_string(m) + "² matrix", "", 0,
                       "posterior_r");
    if ((posterior_r_.diagonal().array() == 0.0).any())
      throw InputError("GAP model: posterior factor is singular", "", 0, "posterior_r");
    for (const auto& kv : sparse_) kmm_factor_[kv.first] = gap_kmm_factor(kernel_, kv.second.points, jitter_);
    if (two_body_)
      for (const auto& kv : two_body_->pairs()) pair_kmm_factor_[kv.first] = two_body_->kmm_factor(kv.first);
  }
}

std::string GapModel::inner_cutoff_conflict() const {
  return two_body_ ? "a GAP model with a two-body term cannot have an inner cutoff" : std::string();
}

double GapModel::cutoff() const {
  return two_body_ ? std::max(descriptor_->cutoff(), two_body_->kernel().cutoff) : descriptor_->cutoff();
}

std::string GapModel::spec() const { return spec_.empty() ? "gap:descriptor=" + descriptor_hash(*descriptor_) : spec_; }

bool GapModel::supports(const std::vector<int>& numbers, std::string& why) const {
  for (int z : numbers)
    if (sparse_.find(z) == sparse_.end()) {
      why = "GAP model has no sparse points for element " + element_symbol(z) + " (it describes";
      for (int e : descriptor_->elements()) why += " " + element_symbol(e);
      why += ")";
      return false;
    }
  return true;
}

Eigen::MatrixXd GapModel::kernel_row(int Z, const Eigen::MatrixXd& q) const {
  Eigen::MatrixXd qn = q;
  normalise_rows(qn);
  const double d2 = kernel_.delta * kernel_.delta;
  return (qn * sparse_.at(Z).points.transpose()).unaryExpr([&](double c) { return d2 * kernel_.value(c); });
}

void GapModel::compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
                       EvalResult& result) const {
  const std::size_t n = s.size();
  std::string why;
  if (!supports(s.numbers, why)) throw InputError(why, s.source, s.line, "species");
  NeighborList restricted;  // with contributing flags: only flagged atoms' environments
  const NeighborList& list = detail::descriptor_list(nl, request, restricted);
  DescriptorGradients gradients;
  const DescriptorValues q = request.atom_virials ? descriptor_->compute(s, list, gradients) : descriptor_->compute(s, list);
  DescriptorValues dE_dq;
  dE_dq.offsets = q.offsets;
  dE_dq.data.assign(q.data.size(), 0.0);
  const double d2 = kernel_.delta * kernel_.delta;
  double energy = 0.0;
  std::vector<double> atom_energy(n, 0.0);
  for (const auto& kv : sparse_) {
    const int z = kv.first;
    std::vector<std::size_t> atoms;
    for (std::size_t i = 0; i < n; ++i)
      if (s.numbers[i] == z) atoms.push_back(i);
    if (atoms.empty()) continue;
    const auto d = static_cast<Eigen::Index>(descriptor_->size(z));
    Eigen::MatrixXd qn = gather_rows(q, atoms, d);
    const Eigen::VectorXd norms = normalise_rows(qn);
    const Eigen::MatrixXd c = qn * kv.second.points.transpose();  // n_Z × M_Z dot products
    const Eigen::MatrixXd k = c.unaryExpr([&](double x) { return kernel_.value(x); });
    // w_is = α_s ζ c_is^{ζ−1}: dk/dq̂_i = δ² Σ_s w_is x̂_s, projected onto the tangent space of the unit sphere.
    const Eigen::MatrixXd w =
        c.unaryExpr([&](double x) { return kernel_.derivative(x); }) * kv.second.alpha.asDiagonal();
    const Eigen::VectorXd local = d2 * (k * kv.second.alpha);
    const Eigen::MatrixXd v = w * kv.second.points;                  // n_Z × d
    const Eigen::VectorXd t = (w.array() * c.array()).rowwise().sum();  // Σ_s w_is c_is
    for (std::size_t r = 0; r < atoms.size(); ++r) {
      const auto row = static_cast<Eigen::Index>(r);
      const std::size_t i = atoms[r];
      atom_energy[i] = isolated_.at(z) + (norms[row] > 0.0 ? local[row] : 0.0);
      if (norms[row] > 0.0)
        Eigen::Map<Eigen::RowVectorXd>(dE_dq.row(i), d) = d2 / norms[row] * (v.row(row) - t[row] * qn.row(row));
    }
  }
  energy = detail::add_atomic_energy_result(*descriptor_, s, list, atom_energy, dE_dq, &gradients, request, result,
                                            this);
  result.term_energies.emplace_back(name(), energy);
  if (two_body_) result.term_energies.emplace_back("gap-2b", two_body_->add_to(s, nl, request, result));
  if (request.uncertainty && supports_uncertainty()) add_variance(s, nl, q, result);
}

void GapModel::add_variance(const Structure& s, const NeighborList& nl, const DescriptorValues& q,
                            EvalResult& result) const {
  const std::size_t n = s.size();
  const double d2 = kernel_.delta * kernel_.delta;
  // Columns k_i of every atom (zero outside its element's block), and their sum s.
  const Eigen::Index m = posterior_r_.rows();
  Eigen::MatrixXd kall = Eigen::MatrixXd::Zero(m, static_cast<Eigen::Index>(n));
  Eigen::VectorXd prior(static_cast<Eigen::Index>(n));     // k(q_i, q_i)
  Eigen::VectorXd nystrom(static_cast<Eigen::Index>(n));   // |U⁻ᵀ k_i|²
  double prior_total = 0.0, nystrom_total = 0.0;
  for (const auto& kv : sparse_) {
    const int z = kv.first;
    std::vector<std::size_t> atoms;
    for (std::size_t i = 0; i < n; ++i)
      if (s.numbers[i] == z) atoms.push_back(i);
    if (atoms.empty()) continue;
    const auto d = static_cast<Eigen::Index>(descriptor_->size(z));
    Eigen::MatrixXd qn = gather_rows(q, atoms, d);
    const Eigen::VectorXd norms = normalise_rows(qn);
    const Eigen::MatrixXd k = kernel_row(z, qn);  // n_Z × M_Z
    const Eigen::MatrixXd& u = kmm_factor_.at(z);
    const Eigen::MatrixXd projected = u.transpose().triangularView<Eigen::Lower>().solve(k.transpose());
    const Eigen::VectorXd sum_k = k.colwise().sum().transpose();
    nystrom_total += u.transpose().triangularView<Eigen::Lower>().solve(sum_k).squaredNorm();
    // Σ_{i,j of element Z} k(q_i, q_j): the prior variance of the element's share of the energy.
    prior_total += (qn * qn.transpose()).unaryExpr([&](double x) { return d2 * kernel_.value(x); }).sum();
    for (std::size_t r = 0; r < atoms.size(); ++r) {
      const auto row = static_cast<Eigen::Index>(r);
      const auto col = static_cast<Eigen::Index>(atoms[r]);
      kall.block(offset_.at(z), col, k.cols(), 1) = k.row(row).transpose();
      prior[col] = norms[row] > 0.0 ? d2 : 0.0;
      nystrom[col] = projected.col(row).squaredNorm();
    }
  }
  if (two_body_) {
    // The pair shares: an independent GP in its own block (offset total_), so priors and Nyström terms add.
    Eigen::MatrixXd columns;
    Eigen::VectorXd atom_prior;
    prior_total += two_body_->variance_columns(s, nl, columns, atom_prior);
    prior += atom_prior;
    kall.bottomRows(columns.rows()) = columns;
    const Eigen::VectorXd sum_columns = columns.rowwise().sum();
    for (const auto& kv : pair_kmm_factor_) {
      const Eigen::Index off = two_body_->offset(kv.first), mp = kv.second.rows();
      const auto ut = kv.second.transpose().triangularView<Eigen::Lower>();
      nystrom += ut.solve(columns.middleRows(off, mp)).colwise().squaredNorm().transpose();
      nystrom_total += ut.solve(sum_columns.segment(off, mp)).squaredNorm();
    }
  }
  const auto rt = posterior_r_.transpose().triangularView<Eigen::Lower>();
  const Eigen::MatrixXd posterior = rt.solve(kall);
  const Eigen::VectorXd posterior_sum = rt.solve(kall.rowwise().sum());
  // Each bracket is a Nyström residual, >= 0 exactly; round-off may leave it a few ulps below zero: clamp.
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<Eigen::Index>(i);
    result.atom_energy_variance[c] += std::max(0.0, prior[c] - nystrom[c]) + posterior.col(c).squaredNorm();
  }
  result.energy_variance += std::max(0.0, prior_total - nystrom_total) + posterior_sum.squaredNorm();
  result.has_uncertainty = true;
}

}  // namespace mlp
