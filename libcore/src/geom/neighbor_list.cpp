#include "mlp/geom/neighbor_list.hpp"

#include <Eigen/Geometry>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {

// One atom as stored in the bin-sorted array: wrapped Cartesian position and original index.
// 32 bytes, so the inner loop over a bin streams through contiguous cache lines.
struct BinnedAtom {
  double x, y, z;
  int index;
};

// Floor division for possibly negative numerators (C++ '/' truncates toward zero).
inline int floor_div(int a, int n) {
  const int q = a / n;
  return (a % n != 0 && ((a < 0) != (n < 0))) ? q - 1 : q;
}

using IntMat3 = std::array<std::array<long long, 3>, 3>;

// Lattice reduction of the periodic rows of the cell: returns an integer matrix U with det ±1 (identity on the
// non-periodic rows) such that the rows U·cell span the same lattice but are as short and as orthogonal as
// possible (Minkowski-reduced for three periodic directions, Lagrange-reduced for two). Binning works on the
// reduced rows: a strongly skewed cell, whose plane distances are far smaller than its vectors, would otherwise
// need a stencil of millions of image bins for a few pairs. Shifts are mapped back to the original rows.
IntMat3 reduce_lattice(const Mat3& cell, const std::array<bool, 3>& pbc) {
  IntMat3 u{};
  for (int k = 0; k < 3; ++k) u[k][k] = 1;
  int p[3], m = 0;
  for (int k = 0; k < 3; ++k)
    if (pbc[k]) p[m++] = k;
  if (m < 2) return u;
  Vec3 b[3];
  for (int a = 0; a < m; ++a) b[a] = cell.row(p[a]).transpose();
  // Replace b[a] by b[a] + sum of c·b[other] when that is strictly shorter. Every accepted step shrinks
  // sum |b|², so the loop ends; the iteration cap only guards against pathological round-off.
  auto try_replace = [&](int a, const Vec3& candidate, const std::array<long long, 3>& coefficients) {
    if (candidate.squaredNorm() >= b[a].squaredNorm() * (1.0 - 1e-12)) return false;
    b[a] = candidate;
    for (int k = 0; k < 3; ++k) u[p[a]][k] = coefficients[k];
    return true;
  };
  for (int iteration = 0; iteration < 10000; ++iteration) {
    bool changed = false;
    for (int a = 0; a < m; ++a)
      for (int c = 0; c < m; ++c) {
        if (a == c) continue;
        const double q = std::round(b[a].dot(b[c]) / b[c].squaredNorm());
        if (q == 0 || !(std::abs(q) < 1e9)) continue;
        const auto qi = static_cast<long long>(q);
        std::array<long long, 3> coefficients;
        for (int k = 0; k < 3; ++k) coefficients[k] = u[p[a]][k] - qi * u[p[c]][k];
        changed |= try_replace(a, b[a] - q * b[c], coefficients);
      }
    if (m == 3)  // Minkowski's extra conditions in 3D: |b_a| <= |b_a ± b_c ± b_d|
      for (int a = 0; a < 3; ++a) {
        const int c = (a + 1) % 3, d = (a + 2) % 3;
        for (int s1 : {-1, 1})
          for (int s2 : {-1, 1}) {
            std::array<long long, 3> coefficients;
            for (int k = 0; k < 3; ++k) coefficients[k] = u[p[a]][k] + s1 * u[p[c]][k] + s2 * u[p[d]][k];
            changed |= try_replace(a, b[a] + s1 * b[c] + s2 * b[d], coefficients);
          }
      }
    if (!changed) break;
  }
  return u;
}

// The binning frame: rows are the (reduced) lattice vectors of the periodic directions; a non-periodic
// direction gets a unit vector orthogonal to the periodic ones instead of its (possibly zero or arbitrary) cell
// vector. Only the periodic rows are translations, so the choice for the others just has to span space;
// orthonormal completions keep the bins of those directions cubic-ish and the frame well conditioned.
Mat3 binning_frame(const Mat3& lattice, const std::array<bool, 3>& pbc) {
  Mat3 frame = Mat3::Zero();
  int periodic[3], free_dirs[3], np = 0, nf = 0;
  for (int k = 0; k < 3; ++k) {
    if (pbc[k]) {
      periodic[np++] = k;
      frame.row(k) = lattice.row(k);
    } else {
      free_dirs[nf++] = k;
    }
  }
  if (np == 2) {
    const Vec3 n = Vec3(lattice.row(periodic[0])).cross(Vec3(lattice.row(periodic[1])));
    frame.row(free_dirs[0]) = n.normalized().transpose();
  } else if (np == 1) {
    const Vec3 a = Vec3(lattice.row(periodic[0])).normalized();
    // The Cartesian axis least aligned with a gives a well-conditioned first perpendicular.
    int axis = 0;
    for (int k = 1; k < 3; ++k)
      if (std::abs(a[k]) < std::abs(a[axis])) axis = k;
    const Vec3 u = a.cross(Vec3::Unit(axis)).normalized();
    const Vec3 v = a.cross(u).normalized();
    frame.row(free_dirs[0]) = u.transpose();
    frame.row(free_dirs[1]) = v.transpose();
  } else if (np == 0) {
    frame = Mat3::Identity();
  }
  return frame;
}

}  // namespace

void NeighborList::build(const Structure& s, const NeighborListOptions& options,
                         const std::vector<std::uint8_t>* centres) {
  validate_geometry(s);
  // Structure keeps numbers and positions separately; a mismatch would make the loops below read out of bounds.
  if (static_cast<std::size_t>(s.positions.rows()) != s.size())
    throw InputError("frame " + std::to_string(s.frame) + ": " + std::to_string(s.size()) + " atomic numbers but " +
                         std::to_string(s.positions.rows()) + " positions",
                     s.source, s.line, "pos");
  if (!std::isfinite(options.cutoff) || options.cutoff < 0.0)
    throw InputError("neighbour list: cutoff must be a finite non-negative number, got " +
                         std::to_string(options.cutoff),
                     s.source, s.line, "cutoff");
  if (!std::isfinite(options.skin) || options.skin < 0.0)
    throw InputError("neighbour list: skin must be a finite non-negative number, got " + std::to_string(options.skin),
                     s.source, s.line, "skin");

  if (centres && centres->size() != s.size())
    throw InputError(std::to_string(centres->size()) + " centre flags for " + std::to_string(s.size()) + " atoms",
                     s.source, s.line);

  options_ = options;
  if (centres)
    centres_ = *centres;
  else
    centres_.clear();
  cell_ = s.cell;
  pbc_ = s.pbc;
  reference_positions_ = s.positions;
  ++builds_;

  const std::size_t n = s.size();
  offsets_.assign(n + 1, 0);
  neighbors_.clear();
  shifts_.clear();
  vectors_.clear();
  distances_.clear();
  if (n == 0) return;
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw InputError("neighbour list: too many atoms (" + std::to_string(n) + ")", s.source, s.line);

  const double rc = options.cutoff + options.skin;
  const double rc2 = rc * rc;
  // Bins, stencil and the screen work in wrapped coordinates and the (reduced) binning frame; the stored vector
  // is then recomputed from the original positions and cell, and that decides. The two differ by round-off,
  // which grows with the size of the shifts (up to ~1e-9 Å for absurdly skewed cells written with 10^4 Å
  // vectors), so binning and screening use a radius 1e-6 Å larger: they never drop a pair the exact test keeps.
  const double rc_bin = rc * (1.0 + 1e-10) + 1e-6;
  const double rc2_screen = rc_bin * rc_bin;

  // Reduced periodic rows, recomputed exactly as integer combinations of the original rows.
  const IntMat3 unimodular = reduce_lattice(s.cell, s.pbc);
  Mat3 lattice = s.cell;
  bool reduced = false;
  for (int k = 0; k < 3; ++k) {
    if (!s.pbc[k]) continue;
    Vec3 row = Vec3::Zero();
    for (int m = 0; m < 3; ++m) {
      if (unimodular[k][m] != (k == m ? 1 : 0)) reduced = true;
      if (std::abs(unimodular[k][m]) > 1000000)
        throw InputError("neighbour list: the periodic cell is too close to degenerate to reduce", s.source, s.line,
                         "Lattice");
      row += static_cast<double>(unimodular[k][m]) * s.cell.row(m).transpose();
    }
    lattice.row(k) = row.transpose();
  }

  // Fractional coordinates in the binning frame: r = f · frame, so f = r · frame^{-1}.
  const Mat3 frame = binning_frame(lattice, s.pbc);
  const Mat3 inv = frame.inverse();
  // Distance between neighbouring lattice planes of direction k: 1 / |column k of frame^{-1}|. This, not the
  // vector length, bounds how far apart two atoms in bins d apart along k are, also for skewed cells.
  double height[3];
  for (int k = 0; k < 3; ++k) height[k] = 1.0 / inv.col(k).norm();

  const auto ni = static_cast<Eigen::Index>(n);
  Matrix3N frac(ni, 3);
  for (Eigen::Index i = 0; i < ni; ++i) frac.row(i) = s.positions.row(i) * inv;

  // Periodic directions: wrap into [0, 1) and remember the integer wrap. Non-periodic: bounding box.
  std::vector<std::array<int, 3>> wrap(n, {0, 0, 0});
  double lo[3] = {0, 0, 0}, span[3] = {1, 1, 1};
  for (int k = 0; k < 3; ++k) {
    if (s.pbc[k]) {
      for (Eigen::Index i = 0; i < ni; ++i) {
        const double w = std::floor(frac(i, k));
        // A wrap that does not fit an int means a position absurdly far outside the cell.
        if (std::abs(w) > 1e9)
          throw InputError("frame " + std::to_string(s.frame) + ": atom " + std::to_string(i) +
                               " lies more than 1e9 cells outside the periodic cell",
                           s.source, s.line, "pos");
        wrap[static_cast<std::size_t>(i)][k] = static_cast<int>(w);
        frac(i, k) -= w;
      }
    } else {
      const double mn = frac.col(k).minCoeff(), mx = frac.col(k).maxCoeff();
      lo[k] = mn;
      span[k] = mx - mn;
    }
  }

  // Number of bins per direction: each bin at least rc_bin thick (perpendicular to its faces).
  const double extent_limit = 1e15;
  std::array<long long, 3> nbins{1, 1, 1};
  for (int k = 0; k < 3; ++k) {
    const double thickness = s.pbc[k] ? height[k] : span[k] * height[k];
    const double count = rc > 0 ? std::floor(thickness / rc_bin) : 1.0;
    nbins[k] = static_cast<long long>(std::clamp(count, 1.0, extent_limit));
  }
  // Sparse systems (a few atoms spread far apart in vacuum, or a huge cell) would otherwise get more bins than
  // atoms: cap the total near 2N. Wider bins stay correct because the stencil reach is recomputed from the width.
  const long long max_bins = std::max<long long>(27, 2 * static_cast<long long>(n));
  while (static_cast<double>(nbins[0]) * static_cast<double>(nbins[1]) * static_cast<double>(nbins[2]) >
         static_cast<double>(max_bins)) {
    const int k = static_cast<int>(std::max_element(nbins.begin(), nbins.end()) - nbins.begin());
    nbins[k] = std::max<long long>(1, nbins[k] / 2);
  }
  const int nb[3] = {static_cast<int>(nbins[0]), static_cast<int>(nbins[1]), static_cast<int>(nbins[2])};

  // Stencil reach per direction: atoms in bins d apart are more than (|d| - 1)·width apart, so bins up to
  // ceil(rc / width) away must be visited. For a periodic cell thinner than rc this is the number of images.
  int reach[3];
  for (int k = 0; k < 3; ++k) {
    const double width = (s.pbc[k] ? height[k] : span[k] * height[k]) / nb[k];
    double r = 0.0;
    if (rc > 0) r = width > 0 ? std::ceil(rc_bin / width) : static_cast<double>(nb[k]);
    if (!s.pbc[k]) r = std::min(r, static_cast<double>(nb[k] - 1));  // no bins beyond the box
    if (r > 1e6)
      throw InputError("neighbour list: cutoff " + std::to_string(rc) + " Å needs more than 1e6 periodic images",
                       s.source, s.line, "cutoff");
    reach[k] = static_cast<int>(r);
  }
  // A nearly flat periodic cell (allowed by validate_geometry) with an ordinary cutoff can ask for billions of
  // image bins: refuse with a message instead of running out of memory.
  const double stencil_size = (2.0 * reach[0] + 1) * (2.0 * reach[1] + 1) * (2.0 * reach[2] + 1);
  if (stencil_size > 2e7)
    throw InputError("neighbour list: cutoff " + std::to_string(rc) + " Å spans about " +
                         std::to_string(static_cast<long long>(stencil_size)) +
                         " periodic images of a cell this thin; the cell is nearly degenerate",
                     s.source, s.line, "cutoff");

  // Bin every atom; counting sort into a bin-ordered array.
  const std::size_t total_bins = static_cast<std::size_t>(nb[0]) * nb[1] * nb[2];
  std::vector<int> bin_of(n);
  std::vector<std::size_t> bin_start(total_bins + 1, 0);
  std::vector<BinnedAtom> wrapped_pos(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    int b[3];
    for (int k = 0; k < 3; ++k) {
      const double t = s.pbc[k] ? frac(ii, k) : (span[k] > 0 ? (frac(ii, k) - lo[k]) / span[k] : 0.0);
      b[k] = std::clamp(static_cast<int>(std::floor(t * nb[k])), 0, nb[k] - 1);
    }
    bin_of[i] = (b[2] * nb[1] + b[1]) * nb[0] + b[0];
    ++bin_start[static_cast<std::size_t>(bin_of[i]) + 1];
    // Wrapped position = original - wrap·cell (only periodic rows have non-zero wraps).
    const auto& w = wrap[i];
    const Vec3 p = s.positions.row(ii).transpose() - lattice.transpose() * Vec3(w[0], w[1], w[2]);
    wrapped_pos[i] = {p[0], p[1], p[2], static_cast<int>(i)};
  }
  for (std::size_t b = 0; b < total_bins; ++b) bin_start[b + 1] += bin_start[b];
  std::vector<BinnedAtom> sorted(n);
  {
    std::vector<std::size_t> fill(bin_start.begin(), bin_start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) sorted[fill[static_cast<std::size_t>(bin_of[i])]++] = wrapped_pos[i];
  }

  // Reserve for the expected number of pairs (density × sphere volume) so that growth rarely reallocates;
  // capacity is kept across builds, so an MD run allocates only on its first builds.
  if (rc > 0) {
    double volume = 1.0;
    for (int k = 0; k < 3; ++k) volume *= std::max(s.pbc[k] ? height[k] : span[k] * height[k], rc);
    const double sphere = 4.18879020478639 * rc * rc * rc;
    // Flat or point-like atom clouds have a zero-volume box: the cap keeps the estimate finite and sane.
    const double per_atom = volume > 0 ? std::min(static_cast<double>(n) * sphere / volume, 1e4) : 0.0;
    const double centre_count =
        centres ? static_cast<double>(n - static_cast<std::size_t>(std::count(centres->begin(), centres->end(), 0)))
                : static_cast<double>(n);
    double expected = centre_count * per_atom *
                      (options.full ? 1.0 : 0.5) * 1.1;
    expected = std::min(expected, 4e8);
    const auto want = static_cast<std::size_t>(expected);
    if (neighbors_.capacity() < want) {
      neighbors_.reserve(want);
      shifts_.reserve(want);
      vectors_.reserve(want);
      distances_.reserve(want);
    }
  }

  // Images in the stencil are steps along the reduced rows; stored shifts and vectors use the original cell.
  const Vec3 l0 = lattice.row(0).transpose(), l1 = lattice.row(1).transpose(), l2 = lattice.row(2).transpose();
  const Vec3 a0 = s.cell.row(0).transpose(), a1 = s.cell.row(1).transpose(), a2 = s.cell.row(2).transpose();
  const bool half = !options.full;

  // The stencil of a bin: the box of bins within reach, each as a range of the bin-sorted array plus the image
  // it is seen through (a periodic bin index outside [0, nb) is an image, whose integer offset becomes part of
  // the shift). Every (bin, image) combination appears once. Bins that follow each other in memory and share an
  // image are merged into one range (typically the 3 bins along x), so the distance loop runs long and the
  // per-range overhead is paid 9 instead of 27 times per atom.
  struct Range {
    std::size_t begin, end;
    double ox, oy, oz;  // image·cell
    int ix, iy, iz;     // image
  };
  std::vector<Range> stencil;
  stencil.reserve(static_cast<std::size_t>(std::min(stencil_size, 4096.0)));
  int stencil_bin = -1;
  auto make_stencil = [&](int bin) {
    stencil.clear();
    stencil_bin = bin;
    const int bx = bin % nb[0], by = (bin / nb[0]) % nb[1], bz = bin / (nb[0] * nb[1]);
    for (int dz = -reach[2]; dz <= reach[2]; ++dz) {
      int cz = bz + dz, iz = 0;
      if (s.pbc[2]) {
        iz = floor_div(cz, nb[2]);
        cz -= iz * nb[2];
      } else if (cz < 0 || cz >= nb[2]) {
        continue;
      }
      for (int dy = -reach[1]; dy <= reach[1]; ++dy) {
        int cy = by + dy, iy = 0;
        if (s.pbc[1]) {
          iy = floor_div(cy, nb[1]);
          cy -= iy * nb[1];
        } else if (cy < 0 || cy >= nb[1]) {
          continue;
        }
        for (int dx = -reach[0]; dx <= reach[0]; ++dx) {
          int cx = bx + dx, ix = 0;
          if (s.pbc[0]) {
            ix = floor_div(cx, nb[0]);
            cx -= ix * nb[0];
          } else if (cx < 0 || cx >= nb[0]) {
            continue;
          }
          const std::size_t c = (static_cast<std::size_t>(cz) * nb[1] + cy) * nb[0] + cx;
          const std::size_t b0 = bin_start[c], b1 = bin_start[c + 1];
          if (b0 == b1) continue;
          if (!stencil.empty()) {
            Range& last = stencil.back();
            if (last.end == b0 && last.ix == ix && last.iy == iy && last.iz == iz) {
              last.end = b1;
              continue;
            }
          }
          const Vec3 image = ix * l0 + iy * l1 + iz * l2;
          stencil.push_back({b0, b1, image[0], image[1], image[2], ix, iy, iz});
        }
      }
    }
  };

  // Atoms in their original order, so the list comes out atom by atom (CSR) in one pass. Consecutive atoms
  // usually share a bin (structures are rarely in random order), so the stencil is rebuilt only on a change.
  const BinnedAtom* const binned = sorted.data();
  // Candidates of one atom that passed the screen: position in the bin-sorted array and stencil range. Sized
  // for the whole stencil (more than n when a small cell puts the same atom in several image ranges).
  std::vector<unsigned> hit_atom, hit_range;
  for (std::size_t i = 0; i < n; ++i) {
    if (!centres_.empty() && !centres_[i]) {  // not a centre: no neighbours of its own
      offsets_[i + 1] = neighbors_.size();
      continue;
    }
    if (bin_of[i] != stencil_bin) {
      make_stencil(bin_of[i]);
      std::size_t total = 0;
      for (const Range& r : stencil) total += r.end - r.begin;
      if (hit_atom.size() < total) {
        hit_atom.resize(total);
        hit_range.resize(total);
      }
    }
    const BinnedAtom& pi = wrapped_pos[i];
    const int ii = static_cast<int>(i);
    // A half list never keeps j < i: filter that in the screen too, so half the hits need no further work.
    const int min_j = half ? ii : 0;

    // Screen every range first without branching on the result (a data-dependent branch here is mispredicted
    // for roughly every accepted pair), collecting the hits; then treat only those.
    std::size_t found = 0;
    for (std::size_t q = 0; q < stencil.size(); ++q) {
      const Range& r = stencil[q];
      // Candidate vector = wrapped_j + image·cell - wrapped_i = wrapped_j - base.
      const double basex = pi.x - r.ox, basey = pi.y - r.oy, basez = pi.z - r.oz;
      for (std::size_t k = r.begin; k < r.end; ++k) {
        const double ex = binned[k].x - basex, ey = binned[k].y - basey, ez = binned[k].z - basez;
        hit_atom[found] = static_cast<unsigned>(k);
        hit_range[found] = static_cast<unsigned>(q);
        found += (ex * ex + ey * ey + ez * ez < rc2_screen) & (binned[k].index >= min_j);
      }
    }

    // Grow the output once per atom and write in place (cheaper than four push_backs per pair); the unused
    // tail is cut afterwards. Capacity is kept, so this does not allocate once the list has reached its size.
    const std::size_t old_size = neighbors_.size();
    neighbors_.resize(old_size + found);
    shifts_.resize(old_size + found);
    vectors_.resize(old_size + found);
    distances_.resize(old_size + found);
    std::size_t m = old_size;
    const auto& wi = wrap[i];
    const Vec3 ri = s.positions.row(static_cast<Eigen::Index>(i)).transpose();
    for (std::size_t h = 0; h < found; ++h) {
      const Range& r = stencil[hit_range[h]];
      const int j = binned[hit_atom[h]].index;
      if (j == ii && r.ix == 0 && r.iy == 0 && r.iz == 0) continue;  // an atom is not its own neighbour
      const auto& wj = wrap[static_cast<std::size_t>(j)];
      // Shift relative to the ORIGINAL positions (wrapped_x = x - wrap_x·lattice), in reduced rows, then
      // in the original rows: S·lattice = S·U·cell.
      std::array<int, 3> original{0, 0, 0}, shift{r.ix + wi[0] - wj[0], r.iy + wi[1] - wj[1], r.iz + wi[2] - wj[2]};
      if (reduced) {
        for (int col = 0; col < 3; ++col) {
          long long x = 0;
          for (int k = 0; k < 3; ++k) x += shift[k] * unimodular[k][col];
          if (std::abs(x) > std::numeric_limits<int>::max())
            throw InputError("neighbour list: image shift does not fit an int (degenerate cell)", s.source, s.line,
                             "Lattice");
          original[col] = static_cast<int>(x);
        }
        shift = original;
      }
      if (half && j == ii) {
        // Same atom, non-zero shift: keep the image whose first non-zero shift component is positive.
        const int lead = shift[0] != 0 ? shift[0] : (shift[1] != 0 ? shift[1] : shift[2]);
        if (lead < 0) continue;
      }
      // The stored vector is recomputed from the original positions, exactly as update() does, so build and
      // update give bit-identical results for the same positions.
      const Vec3 v = s.positions.row(j).transpose() + (shift[0] * a0 + shift[1] * a1 + shift[2] * a2) - ri;
      const double d2_exact = v.squaredNorm();
      if (d2_exact >= rc2) continue;
      neighbors_[m] = j;
      shifts_[m] = shift;
      vectors_[m] = v;
      distances_[m] = std::sqrt(d2_exact);
      ++m;
    }
    neighbors_.resize(m);
    shifts_.resize(m);
    vectors_.resize(m);
    distances_.resize(m);
    offsets_[i + 1] = m;
  }
}

NeighborList NeighborList::restricted_to(const std::vector<std::uint8_t>& centres) const {
  if (centres.size() != atoms())
    throw InputError(std::to_string(centres.size()) + " centre flags for a list of " + std::to_string(atoms()) +
                     " atoms");
  NeighborList r;
  r.options_ = options_;
  r.reference_positions_ = reference_positions_;
  r.cell_ = cell_;
  r.pbc_ = pbc_;
  r.builds_ = builds_;
  r.centres_ = centres;
  if (!centres_.empty())
    for (std::size_t i = 0; i < atoms(); ++i) r.centres_[i] = centres[i] && centres_[i];
  r.offsets_.assign(1, 0);
  for (std::size_t i = 0; i < atoms(); ++i) {
    if (centres[i])
      for (std::size_t k = begin(i); k < end(i); ++k) {
        r.neighbors_.push_back(neighbors_[k]);
        r.shifts_.push_back(shifts_[k]);
        r.vectors_.push_back(vectors_[k]);
        r.distances_.push_back(distances_[k]);
      }
    r.offsets_.push_back(r.neighbors_.size());
  }
  return r;
}

bool NeighborList::update(const Structure& s) {
  if (builds_ == 0 || s.size() != atoms() || s.pbc != pbc_ || s.cell != cell_) return false;
  const double limit = 0.25 * options_.skin * options_.skin;  // (skin/2)^2
  const auto n = static_cast<Eigen::Index>(s.size());
  for (Eigen::Index i = 0; i < n; ++i) {
    const double d2 = (s.positions.row(i) - reference_positions_.row(i)).squaredNorm();
    if (!(d2 <= limit)) return false;  // also catches NaN: build() then reports it
  }
  const Vec3 a0 = cell_.row(0).transpose(), a1 = cell_.row(1).transpose(), a2 = cell_.row(2).transpose();
  for (std::size_t i = 0; i + 1 < offsets_.size(); ++i) {
    const Vec3 ri = s.positions.row(static_cast<Eigen::Index>(i)).transpose();
    for (std::size_t k = offsets_[i]; k < offsets_[i + 1]; ++k) {
      const auto& sh = shifts_[k];
      const Vec3 v = s.positions.row(neighbors_[k]).transpose() + (sh[0] * a0 + sh[1] * a1 + sh[2] * a2) - ri;
      vectors_[k] = v;
      distances_[k] = v.norm();
    }
  }
  return true;
}

bool NeighborList::refresh(const Structure& s) {
  if (update(s)) return false;
  build(s, options_);
  return true;
}

}  // namespace mlp
