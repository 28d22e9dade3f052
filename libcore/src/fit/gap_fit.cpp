#include "mlp/fit/gap_fit.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <mutex>
#include <vector>

#include <omp.h>

#include "mlp/core/elements.hpp"
#include "mlp/fit/inner_cutoff_fit.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/model/predictions.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Descriptor-gradient rows stacked for one product with the sparse points: enough to make packing the sparse
// points negligible, few enough to bound the memory (kStackRows × (descriptor size + sparse points) per thread).
constexpr Eigen::Index kStackRows = 2048;

// The σ-weighted rows of K_NM of one frame (and their targets).
struct FrameRows {
  Eigen::MatrixXd a;
  Eigen::VectorXd y;
};

struct SparseLayout {
  std::map<int, const Eigen::MatrixXd*> points;  // normalised rows
  std::map<int, Eigen::Index> offset;
  Eigen::Index soap = 0;                         // SOAP columns; the two-body columns follow
  const GapTwoBody* two_body = nullptr;          // its sparse distances (weights unused), or null
  Eigen::Index total = 0;
};

// Add the two-body term's columns of one frame to the unscaled energy, force and virial rows.
void add_two_body_rows(const Structure& s, const SparseLayout& layout, Eigen::RowVectorXd& e_row,
                       Eigen::MatrixXd* f_rows, Eigen::MatrixXd* w_rows, const int (&ka)[6], const int (&kb)[6]) {
  const GapTwoBody& tb = *layout.two_body;
  NeighborListOptions options;
  options.cutoff = tb.kernel().cutoff;
  const NeighborList nl(s, options);
  const Eigen::Index off = layout.soap, m2 = tb.sparse_count();
  Eigen::MatrixXd forces = f_rows ? Eigen::MatrixXd::Zero(f_rows->rows(), m2) : Eigen::MatrixXd();
  Eigen::MatrixXd virial = w_rows ? Eigen::MatrixXd::Zero(9, m2) : Eigen::MatrixXd();
  tb.add_design(s, nl, e_row.segment(off, m2), f_rows ? &forces : nullptr, w_rows ? &virial : nullptr);
  if (f_rows) f_rows->middleCols(off, m2) += forces;
  if (w_rows)
    for (int r = 0; r < 6; ++r)
      w_rows->block(r, off, 1, m2) += 0.5 * (virial.row(3 * ka[r] + kb[r]) + virial.row(3 * kb[r] + ka[r]));
}

FrameRows assemble_frame(const Descriptor& d, const Structure& s, const SparseLayout& layout, const GapKernel& kernel,
                         const std::map<int, double>& isolated, const GapFitOptions& o) {
  FrameRows out;
  const Sigmas sigma = o.weights.sigmas(s);
  const auto energy = std::isfinite(sigma.energy) ? reference_energy(s, o.labels) : std::nullopt;
  const auto forces = std::isfinite(sigma.force) ? reference_forces(s, o.labels) : std::nullopt;
  const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2];
  const auto stress = std::isfinite(sigma.virial) && periodic ? reference_stress(s, o.labels) : std::nullopt;
  if (!energy && !forces && !stress) return out;
  const std::size_t n = s.size();
  const double atoms = static_cast<double>(n);
  const Eigen::Index m = layout.total;
  DescriptorGradients g;
  const bool need_gradients = forces || stress;
  const DescriptorValues q = need_gradients ? compute_descriptors(d, s, &g) : compute_descriptors(d, s);

  // Unscaled rows: energy (1), forces (3N), virial (6 independent components of the symmetrised tensor).
  static constexpr int kA[6] = {0, 1, 2, 1, 0, 0}, kB[6] = {0, 1, 2, 2, 2, 1};
  const auto force_rows = static_cast<Eigen::Index>(3 * n);
  Eigen::RowVectorXd e_row = Eigen::RowVectorXd::Zero(m);
  Eigen::MatrixXd f_rows = forces ? Eigen::MatrixXd::Zero(force_rows, m) : Eigen::MatrixXd();
  Eigen::MatrixXd w_rows = stress ? Eigen::MatrixXd::Zero(6, m) : Eigen::MatrixXd();
  const double d2 = kernel.delta * kernel.delta;
  // Per element, the atoms' descriptor-gradient rows (dq_i/dr_j transposed for each entry j, then the 9 strain
  // rows) are stacked, up to kStackRows rows at a time, and multiplied by the sparse points in one product, so that
  // X̂ is packed once per stack, not once per atom. With J = ∂k(q_i, x_s)/∂q_i as columns s,
  // δ²/|q_i| (x̂_s − c_s q̂_i) ζ c_s^{ζ−1}, atom i's block G of rows contributes
  // G J = δ²/|q_i| (G X̂ᵀ − (G q̂_i) cᵀ) diag(w), w_s = ζ c_s^{ζ−1}: one shared product and a rank-one correction
  // (J itself, dim × mz per atom, is never formed).
  struct AtomBlock {
    std::size_t atom;
    Eigen::Index rows;      // its force rows, then (with stress) 9 strain rows
    Eigen::VectorXd qn;     // q̂_i
    Eigen::RowVectorXd c;   // x̂_s · q̂_i
    double norm;            // |q_i|
  };
  std::map<int, std::vector<AtomBlock>> blocks;
  for (std::size_t i = 0; i < n; ++i) {
    const int z = s.numbers[i];
    const Eigen::MatrixXd& x = *layout.points.at(z);
    const Eigen::Index off = layout.offset.at(z), mz = x.rows();
    const auto dim = static_cast<Eigen::Index>(q.row_size(i));
    const Eigen::Map<const Eigen::VectorXd> qi(q.row(i), dim);
    const double norm = qi.norm();
    if (norm == 0.0) continue;  // k = 0 for a zero row (mlp/model/gap_model.hpp)
    const Eigen::VectorXd qn = qi / norm;
    const Eigen::RowVectorXd c = (x * qn).transpose();
    e_row.segment(off, mz) += d2 * c.unaryExpr([&](double t) { return kernel.value(t); });
    if (!need_gradients) continue;
    const auto entries = static_cast<Eigen::Index>(g.entry_offsets[i + 1] - g.entry_offsets[i]);
    const Eigen::Index rows = (forces ? 3 * entries : 0) + (stress ? 9 : 0);
    blocks[z].push_back({i, rows, qn, c, norm});
  }
  for (const auto& [z, atoms_z] : blocks) {
    const Eigen::MatrixXd& x = *layout.points.at(z);
    const Eigen::Index off = layout.offset.at(z), dim = x.cols(), mz = x.rows();
    for (std::size_t begin = 0; begin < atoms_z.size();) {
      std::size_t end = begin;
      Eigen::Index total = 0;
      do total += atoms_z[end++].rows;
      while (end < atoms_z.size() && total + atoms_z[end].rows <= kStackRows);
      RowMajorMatrix stacked(total, dim);
      Eigen::Index row = 0;
      for (std::size_t a = begin; a < end; ++a) {
        const std::size_t i = atoms_z[a].atom;
        if (forces)
          for (std::size_t e = g.entry_offsets[i]; e < g.entry_offsets[i + 1]; ++e, row += 3)
            stacked.middleRows(row, 3) =
                Eigen::Map<const RowMajorMatrix>(g.position.data() + g.data_offsets[e], dim, 3).transpose();
        if (stress) {
          stacked.middleRows(row, 9) =
              Eigen::Map<const RowMajorMatrix>(g.strain.data() + q.offsets[i] * 9, dim, 9).transpose();
          row += 9;
        }
      }
      const Eigen::MatrixXd product = stacked * x.transpose();  // total × mz
      row = 0;
      for (std::size_t a = begin; a < end; ++a) {
        const AtomBlock& b = atoms_z[a];
        const auto mine = stacked.middleRows(row, b.rows);
        const Eigen::RowVectorXd w = (d2 / b.norm) * b.c.unaryExpr([&](double t) { return kernel.derivative(t); });
        Eigen::MatrixXd gj = product.middleRows(row, b.rows);
        gj.noalias() -= (mine * b.qn) * b.c;
        gj.array().rowwise() *= w.array();
        const std::size_t first = g.entry_offsets[b.atom];
        const std::size_t entries = forces ? g.entry_offsets[b.atom + 1] - first : 0;
        for (std::size_t e = 0; e < entries; ++e) {
          const auto atom = static_cast<Eigen::Index>(g.atom[first + e]);
          f_rows.block(3 * atom, off, 3, mz) -= gj.middleRows(static_cast<Eigen::Index>(3 * e), 3);
        }
        if (stress) {
          const auto strain = gj.bottomRows(9);
          for (int r = 0; r < 6; ++r)
            w_rows.block(r, off, 1, mz) -= 0.5 * (strain.row(3 * kA[r] + kB[r]) + strain.row(3 * kB[r] + kA[r]));
        }
        row += b.rows;
      }
      begin = end;
    }
  }
  if (layout.two_body)
    add_two_body_rows(s, layout, e_row, forces ? &f_rows : nullptr, stress ? &w_rows : nullptr, kA, kB);
  const Eigen::Index rows = (energy ? 1 : 0) + (forces ? force_rows : 0) + (stress ? 6 : 0);
  out.a.resize(rows, m);
  out.y.resize(rows);
  Eigen::Index r = 0;
  if (energy) {
    double y = *energy;
    for (std::size_t i = 0; i < n; ++i) y -= isolated.at(s.numbers[i]);
    const double scale = 1.0 / (atoms * sigma.energy);
    out.a.row(r) = e_row * scale;
    out.y[r] = y * scale;
    ++r;
  }
  if (forces) {
    const double scale = 1.0 / sigma.force;
    out.a.middleRows(r, force_rows) = f_rows * scale;
    for (std::size_t j = 0; j < n; ++j)
      for (int a = 0; a < 3; ++a)
        out.y[r + static_cast<Eigen::Index>(3 * j) + a] = (*forces)(static_cast<Eigen::Index>(j), a) * scale;
    r += force_rows;
  }
  if (stress) {
    const double scale = 1.0 / (atoms * sigma.virial);
    const Mat3 w_ref = -*stress * s.volume();
    out.a.middleRows(r, 6) = w_rows * scale;
    for (int k = 0; k < 6; ++k) out.y[r + k] = 0.5 * (w_ref(kA[k], kB[k]) + w_ref(kB[k], kA[k])) * scale;
  }
  return out;
}

// Householder update of the triangular factor: [R; B] → [R'; 0] and [z; y] → [z'; ·], with R'ᵀR' = RᵀR + BᵀB.
// Column k's reflector v = [v0 e_k; b_k] touches only row k of R and the rows of B (R is already triangular
// below row k). Blocked as LAPACK's triangular-pentagonal QR (dtpqrt): the reflectors of a panel of kPanel
// columns are found column by column, updating only the panel, and are then applied to the columns to its right
// and to [z; y] at once in compact WY form, H_1 ⋯ H_p = I − V T Vᵀ (T upper triangular), so that the bulk of the
// work is matrix products instead of one pass over B per column (three fifths of a 4200-point fit was the
// unblocked update).
void fold_rows(Eigen::MatrixXd& r, Eigen::VectorXd& z, Eigen::MatrixXd& b, Eigen::VectorXd& y) {
  constexpr Eigen::Index kPanel = 32;
  const Eigen::Index m = r.rows(), rows = b.rows();
  Eigen::MatrixXd vb(rows, kPanel), t(kPanel, kPanel);
  Eigen::VectorXd v0(kPanel), tau(kPanel);
  for (Eigen::Index k0 = 0; k0 < m; k0 += kPanel) {
    const Eigen::Index width = std::min(kPanel, m - k0);
    v0.setZero();
    tau.setZero();
    bool any = false;
    for (Eigen::Index p = 0; p < width; ++p) {
      const Eigen::Index k = k0 + p;
      vb.col(p) = b.col(k);
      const double tail = vb.col(p).squaredNorm();
      if (tail == 0.0) continue;  // H_k = I: v = 0, τ = 0
      any = true;
      const double x0 = r(k, k);
      const double alpha = x0 >= 0.0 ? -std::sqrt(x0 * x0 + tail) : std::sqrt(x0 * x0 + tail);
      v0[p] = x0 - alpha;
      tau[p] = 2.0 / (v0[p] * v0[p] + tail);
      const Eigen::Index rest = width - p - 1;  // panel columns right of k
      if (rest > 0) {
        Eigen::RowVectorXd w = v0[p] * r.row(k).segment(k + 1, rest);
        w.noalias() += vb.col(p).transpose() * b.middleCols(k + 1, rest);
        r.row(k).segment(k + 1, rest) -= (tau[p] * v0[p]) * w;
        b.middleCols(k + 1, rest).noalias() -= (tau[p] * vb.col(p)) * w;
      }
      r(k, k) = alpha;
      b.col(k).setZero();
    }
    if (!any) continue;
    // T of H_1 ⋯ H_p (forward): T_pp = τ_p, T_{<p,p} = −τ_p T_{<p,<p} V_{<p}ᵀ v_p, with V_jᵀ v_p = vb_jᵀ vb_p
    // for j < p (the R parts v0_j e_j and v0_p e_p are orthogonal).
    t.setZero();
    for (Eigen::Index p = 0; p < width; ++p) {
      t(p, p) = tau[p];
      if (p == 0 || tau[p] == 0.0) continue;
      const Eigen::VectorXd u = vb.leftCols(p).transpose() * vb.col(p);
      const Eigen::VectorXd tu = t.topLeftCorner(p, p).triangularView<Eigen::Upper>() * u;
      t.col(p).head(p) = -tau[p] * tu;
    }
    const auto tt = t.topLeftCorner(width, width).triangularView<Eigen::Upper>().transpose();
    const auto v_b = vb.leftCols(width);
    const auto v_r = v0.head(width).asDiagonal();
    // [C_R; C_B] ← (I − V Tᵀ Vᵀ) [C_R; C_B] for the columns right of the panel, then for [z; y].
    const Eigen::Index rest = m - k0 - width;
    if (rest > 0) {
      auto c_r = r.block(k0, k0 + width, width, rest);
      auto c_b = b.rightCols(rest);
      Eigen::MatrixXd w = v_r * c_r;
      w.noalias() += v_b.transpose() * c_b;
      const Eigen::MatrixXd tw = tt * w;
      c_r -= v_r * tw;
      c_b.noalias() -= v_b * tw;
    }
    Eigen::VectorXd wz = v_r * z.segment(k0, width);
    wz.noalias() += v_b.transpose() * y;
    const Eigen::VectorXd twz = tt * wz;
    z.segment(k0, width) -= v_r * twz;
    y.noalias() -= v_b * twz;
  }
}

void check_elements(const Descriptor& d, const std::vector<Structure>& frames, const Split& split,
                    const std::map<int, double>& isolated) {
  for (const auto* list : {&split.train, &split.valid})
    for (std::size_t f : *list) {
      const Structure& s = frames.at(f);
      for (std::size_t i = 0; i < s.size(); ++i)
        if (d.size(s.numbers[i]) == 0 || !isolated.count(s.numbers[i]))
          throw InputError("frame " + std::to_string(s.frame) + " atom " + std::to_string(i) + ": element " +
                               element_symbol(s.numbers[i]) + " is not described by the descriptor",
                           s.source, s.line, "species");
    }
}

// Candidate environments per element: normalised rows of every atom of the training frames, repeats removed.
std::map<int, Eigen::MatrixXd> candidate_rows(const Descriptor& d, const std::vector<Structure>& frames,
                                              const std::vector<std::size_t>& train, int threads) {
  std::vector<DescriptorValues> values(train.size());
  std::exception_ptr failure;
  std::mutex failure_mutex;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::ptrdiff_t k = 0; k < static_cast<std::ptrdiff_t>(train.size()); ++k) {
    try {
      values[static_cast<std::size_t>(k)] = compute_descriptors(d, frames[train[static_cast<std::size_t>(k)]]);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  std::map<int, std::vector<const double*>> rows;
  for (std::size_t k = 0; k < train.size(); ++k) {
    const Structure& s = frames[train[k]];
    for (std::size_t i = 0; i < s.size(); ++i) rows[s.numbers[i]].push_back(values[k].row(i));
  }
  std::map<int, Eigen::MatrixXd> out;
  for (const auto& kv : rows) {
    const auto dim = static_cast<Eigen::Index>(d.size(kv.first));
    Eigen::MatrixXd all(static_cast<Eigen::Index>(kv.second.size()), dim);
    Eigen::Index used = 0;
    for (const double* row : kv.second) {
      const Eigen::Map<const Eigen::RowVectorXd> q(row, dim);
      const double norm = q.norm();
      if (norm > 0.0) all.row(used++) = q / norm;  // a zero row has no kernel: never a sparse point
    }
    all.conservativeResize(used, dim);
    const std::vector<std::size_t> keep = distinct_rows(all);
    Eigen::MatrixXd distinct(static_cast<Eigen::Index>(keep.size()), dim);
    for (std::size_t r = 0; r < keep.size(); ++r)
      distinct.row(static_cast<Eigen::Index>(r)) = all.row(static_cast<Eigen::Index>(keep[r]));
    out[kv.first] = std::move(distinct);
  }
  return out;
}

// The two-body term's sparse distances (weights zero) for every element pair closer than the cutoff in the
// training frames.
std::unique_ptr<GapTwoBody> two_body_layout(const std::vector<Structure>& frames, const Split& split,
                                            const GapTwoBodyFitOptions& o, double relative_jitter) {
  o.kernel.validate();
  if (o.sparse_points == 0) throw InputError("two-body sparse point count must be >= 1", "", 0, "two_body.sparse");
  std::map<ElementPair, GapPairSparseSet> pairs;
  for (const auto& kv : shortest_pair_distances(frames, o.kernel.cutoff, &split.train)) {
    GapPairSparseSet& set = pairs[kv.first];
    set.points = uniform_sparse_distances(kv.second, o.kernel.cutoff, o.sparse_points);
    set.alpha = Eigen::VectorXd::Zero(set.points.size());
  }
  if (pairs.empty())
    throw InputError("two-body term: no two atoms of the training frames are closer than its cutoff " +
                         std::to_string(o.kernel.cutoff) + " Å",
                     "", 0, "two_body.cutoff");
  return std::make_unique<GapTwoBody>(o.kernel, std::move(pairs), relative_jitter * o.kernel.delta * o.kernel.delta);
}

}  // namespace

std::size_t gap_fit_memory_bytes(std::size_t sparse_points_total, std::size_t descriptor_size,
                                 std::size_t candidates, std::size_t threads, std::size_t largest_frame_atoms) {
  if (threads == 0) threads = static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  const std::size_t m = sparse_points_total;
  const std::size_t rows = 1 + 3 * largest_frame_atoms + 6;
  // Per thread: the frame's rows and targets, its unscaled force/energy/virial rows (same size), and a stack of
  // descriptor-gradient rows with its product with the sparse points.
  const std::size_t stack = static_cast<std::size_t>(kStackRows);
  const std::size_t per_thread = 2 * rows * (m + 1) + stack * (descriptor_size + m);
  return sizeof(double) * (2 * m * m + 3 * candidates * descriptor_size + threads * per_thread);
}

GapFitResult fit_gap(std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
                     const Split& split, const std::map<int, double>& isolated, const GapFitOptions& o,
                     const std::function<void()>& frame_done) {
  if (!descriptor) throw InputError("GAP fit without a descriptor", "", 0, "descriptor");
  const Descriptor& d = *descriptor;
  check_elements(d, frames, split, isolated);
  if (!(o.jitter >= 0.0) || !std::isfinite(o.jitter))
    throw InputError("jitter must be a finite number >= 0", "", 0, "jitter");
  if (!(o.kernel.delta > 0.0) || !std::isfinite(o.kernel.delta))
    throw InputError("delta must be a positive number (eV)", "", 0, "delta");
  if (o.kernel.zeta < 1 || o.kernel.zeta > 64) throw InputError("zeta must lie in 1..64", "", 0, "zeta");
  if (split.train.empty()) throw InputError("no training frames", "", 0, "train");
  const int threads = std::max(1, o.threads > 0 ? o.threads : omp_get_max_threads());

  // Sparse points per element present in the training frames (elements of the descriptor that never occur
  // there get their given points, or none: then the model cannot be built and we say why).
  GapFitResult result;
  std::map<int, GapSparseSet> sparse;
  const std::map<int, Eigen::MatrixXd> candidates = candidate_rows(d, frames, split.train, threads);
  for (int z : d.elements()) {
    const auto given = o.given_sparse_points.find(z);
    const auto dim = static_cast<Eigen::Index>(d.size(z));
    const auto cand = candidates.find(z);
    if (cand != candidates.end()) result.candidates[z] = static_cast<std::size_t>(cand->second.rows());
    if (given != o.given_sparse_points.end()) {
      if (given->second.cols() != dim || given->second.rows() == 0)
        throw InputError("given sparse points of " + element_symbol(z) + " must have " + std::to_string(dim) +
                             " columns and at least one row",
                         "", 0, "sparse");
      sparse[z].points = given->second.rowwise().normalized();
    } else {
      if (cand == candidates.end() || cand->second.rows() == 0)
        throw InputError("element " + element_symbol(z) + " of the descriptor has no atom in the training frames "
                             "(give its sparse points, or drop it from the descriptor)",
                         "", 0, "species");
      const auto by = o.sparse_points_by_element.find(z);
      const std::size_t want = by != o.sparse_points_by_element.end() ? by->second : o.sparse_points;
      if (want == 0) throw InputError("sparse point count must be >= 1", "", 0, "sparse-points");
      const std::vector<std::size_t> pick = select_sparse_points(cand->second, want, o.selection, o.seed);
      sparse[z].points.resize(static_cast<Eigen::Index>(pick.size()), dim);
      for (std::size_t r = 0; r < pick.size(); ++r)
        sparse[z].points.row(static_cast<Eigen::Index>(r)) = cand->second.row(static_cast<Eigen::Index>(pick[r]));
    }
    result.sparse_points[z] = static_cast<std::size_t>(sparse[z].points.rows());
  }
  SparseLayout layout;
  for (const auto& kv : sparse) {
    layout.points[kv.first] = &kv.second.points;
    layout.offset[kv.first] = layout.total;
    layout.total += kv.second.points.rows();
  }
  layout.soap = layout.total;
  std::unique_ptr<GapTwoBody> two_body = o.two_body ? two_body_layout(frames, split, *o.two_body, o.jitter) : nullptr;
  if (two_body) {
    layout.two_body = two_body.get();
    layout.total += two_body->sparse_count();
    for (const auto& kv : two_body->pairs())
      result.two_body_sparse_points[kv.first] = static_cast<std::size_t>(kv.second.points.size());
  }
  const Eigen::Index m = layout.total;

  // R starts as U (block-diagonal over elements), z as 0: the prior rows [U; 0] of the stacked system.
  const double jitter = o.jitter * o.kernel.delta * o.kernel.delta;
  Eigen::MatrixXd r = Eigen::MatrixXd::Zero(m, m);
  for (const auto& kv : sparse) {
    const Eigen::Index mz = kv.second.points.rows(), off = layout.offset.at(kv.first);
    r.block(off, off, mz, mz) = gap_kmm_factor(o.kernel, kv.second.points, jitter);
  }
  if (two_body)
    for (const auto& kv : two_body->pairs()) {
      const Eigen::Index mp = kv.second.points.size(), off = layout.soap + two_body->offset(kv.first);
      r.block(off, off, mp, mp) = two_body->kmm_factor(kv.first);
    }
  Eigen::VectorXd z = Eigen::VectorXd::Zero(m);

  const auto wave = static_cast<std::size_t>(threads);
  std::vector<FrameRows> slots(wave);
  std::exception_ptr failure;
  std::mutex failure_mutex;
  for (std::size_t first = 0; first < split.train.size() && !failure; first += wave) {
    const std::size_t count = std::min(wave, split.train.size() - first);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (std::ptrdiff_t b = 0; b < static_cast<std::ptrdiff_t>(count); ++b) {
      const auto slot = static_cast<std::size_t>(b);
      try {
        slots[slot] = assemble_frame(d, frames[split.train[first + slot]], layout, o.kernel, isolated, o);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) break;
    for (std::size_t slot = 0; slot < count; ++slot) {
      FrameRows& rows = slots[slot];
      if (rows.a.rows() > 0) {
        if (!rows.a.allFinite() || !rows.y.allFinite()) {
          const Structure& s = frames[split.train[first + slot]];
          throw ComputeError("non-finite kernel row or label", s.source, s.line, "frame " + std::to_string(s.frame));
        }
        result.observations += static_cast<std::size_t>(rows.a.rows());
        fold_rows(r, z, rows.a, rows.y);
      }
      rows = FrameRows();
      if (frame_done) frame_done();
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (result.observations == 0)
    throw InputError("no training frame has a label (energy, forces or stress/virial) to fit", "", 0, "labels");

  const Eigen::VectorXd alpha = r.triangularView<Eigen::Upper>().solve(z);
  if (!alpha.allFinite()) throw ComputeError("the GAP fit gave non-finite weights (increase the jitter)", "", 0, "jitter");
  for (auto& kv : sparse) kv.second.alpha = alpha.segment(layout.offset.at(kv.first), kv.second.points.rows());
  for (const auto& kv : sparse) {
    const Eigen::MatrixXd u = gap_kmm_factor(o.kernel, kv.second.points, jitter);
    result.regularisation += (u * kv.second.alpha).squaredNorm();
  }
  std::shared_ptr<const GapTwoBody> fitted_two_body;
  if (two_body) {
    std::map<ElementPair, GapPairSparseSet> pairs = two_body->pairs();
    for (auto& kv : pairs) {
      kv.second.alpha = alpha.segment(layout.soap + two_body->offset(kv.first), kv.second.points.size());
      result.regularisation += (two_body->kmm_factor(kv.first) * kv.second.alpha).squaredNorm();
    }
    fitted_two_body = std::make_shared<const GapTwoBody>(two_body->kernel(), std::move(pairs), two_body->jitter());
  }
  result.jitter = jitter;
  result.model = std::make_unique<GapModel>(std::move(descriptor), o.kernel, std::move(sparse), isolated, std::move(r),
                                            jitter, std::move(fitted_two_body));
  result.train = model_loss(*result.model, frames, split.train, o.weights, o.labels, threads);
  result.valid = model_loss(*result.model, frames, split.valid, o.weights, o.labels, threads);
  return result;
}

LossTerms model_loss(const Model& model, const std::vector<Structure>& frames, const std::vector<std::size_t>& use,
                     const LossWeights& weights, const LabelKeys& labels, int threads) {
  threads = std::max(1, threads > 0 ? threads : omp_get_max_threads());
  std::vector<LossTerms> per_frame(use.size());
  std::exception_ptr failure;
  std::mutex failure_mutex;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::ptrdiff_t k = 0; k < static_cast<std::ptrdiff_t>(use.size()); ++k) {
    try {
      const Structure& s = frames.at(use[static_cast<std::size_t>(k)]);
      const Sigmas sigma = weights.sigmas(s);
      const auto energy = std::isfinite(sigma.energy) ? reference_energy(s, labels) : std::nullopt;
      const auto forces = std::isfinite(sigma.force) ? reference_forces(s, labels) : std::nullopt;
      const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2];
      const auto stress = std::isfinite(sigma.virial) && periodic ? reference_stress(s, labels) : std::nullopt;
      if (!energy && !forces && !stress) continue;
      EvalRequest request;
      request.forces = forces.has_value();
      request.virial = stress.has_value();
      const EvalResult p = evaluate(model, s, request);
      const double atoms = static_cast<double>(s.size());
      LossTerms& t = per_frame[static_cast<std::size_t>(k)];
      if (energy) {
        const double e = (p.energy - *energy) / (atoms * sigma.energy);
        t.energy = e * e;
        t.n_energy = 1;
      }
      if (forces) {
        t.force = ((p.forces - *forces) / sigma.force).squaredNorm();
        t.n_force = 3 * s.size();
      }
      if (stress) {
        const Mat3 w = (p.virial - (-*stress * s.volume())) / (atoms * sigma.virial);
        const Mat3 sym = 0.5 * (w + w.transpose());
        t.virial = sym(0, 0) * sym(0, 0) + sym(1, 1) * sym(1, 1) + sym(2, 2) * sym(2, 2) + sym(1, 2) * sym(1, 2) +
                   sym(0, 2) * sym(0, 2) + sym(0, 1) * sym(0, 1);
        t.n_virial = 6;
      }
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  LossTerms total;  // summed in frame order: independent of the thread count
  for (const LossTerms& t : per_frame) {
    total.energy += t.energy;
    total.force += t.force;
    total.virial += t.virial;
    total.n_energy += t.n_energy;
    total.n_force += t.n_force;
    total.n_virial += t.n_virial;
  }
  return total;
}

}  // namespace mlp
