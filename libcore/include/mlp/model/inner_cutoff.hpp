#pragma once
// Inner cutoff: the learned part of a descriptor model fades out where the training data never went.
//
// A learned model knows nothing about pair distances shorter than those in its training data, and its
// extrapolation there is arbitrary: often a dive into an unphysical minimum ("fusion"). The ZBL baseline repels at
// very short range, but a steep learned dive between the ZBL range and the data range can still beat it. With an
// inner cutoff, each atom's learned energy b_i = E_i − e_ref(Z_i) (e_ref: the free atom) is blended by the switch
//     s_i = Π_j S((r_ij − r_in,ab) / (r_out,ab − r_in,ab)),   S(x) = 0 (x ≤ 0), x³(10 − 15x + 6x²) (0 < x < 1), 1 (x ≥ 1),
// over the neighbours j of i (a, b the elements of i and j) into
//     E_i = e_ref + s_i · b_i + (1 − s_i) · T(b_i),   T(b) = (b + sqrt(b² + ε²)) / 2   (a smooth max(b, 0), ε = 0.1 eV):
// unchanged while every neighbour is at least r_out away; once one is closer than r_in, the free atom plus
// whatever repulsive (positive) part the learned energy had, the attractive part being gone; C² in between.
// Since T(b) ≥ b the blend never lowers an energy: it removes learned binding, it cannot create attraction
// (switching off a positive atomic energy would). ZBL, a separate term, supplies the repulsion. mlp-fit sets r_out
// to the shortest distance of the pair in the training data, which leaves every training structure exactly as it
// was fitted (the idea of pacemaker's inner cutoff).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/geom/neighbor_list.hpp"

namespace mlp {

/// Model files (linear, GAP, BPNN) with an inner cutoff are written with this container version; files without
/// one keep their older version.
constexpr std::uint32_t kInnerCutoffFileVersion = 3;

struct InnerCutoffRange {
  double r_in = 0.0;   ///< Å: the learned energy of both atoms is off when they are closer than this
  double r_out = 0.0;  ///< Å: and untouched when they are at least this far apart
};

/// E_i − e_ref of the blend above for learned energy `learned` (b, eV) and switch s, with its derivatives.
struct InnerCutoffBlend {
  double energy;     ///< eV
  double d_learned;  ///< dE/db
  double d_switch;   ///< dE/ds, eV (<= 0)
};
InnerCutoffBlend inner_cutoff_blend(double learned, double switch_value);

class InnerCutoff {
 public:
  /// No switching for any pair.
  InnerCutoff() = default;
  /// Set the range of element pair (a, b) (symmetric). Throws InputError unless 0 <= r_in < r_out, finite.
  void set(int a, int b, InnerCutoffRange range);
  /// The range of (a, b), or null when the pair is not switched.
  const InnerCutoffRange* find(int a, int b) const;
  bool empty() const { return ranges_.empty(); }
  const std::map<std::pair<int, int>, InnerCutoffRange>& ranges() const { return ranges_; }

  /// JSON array [{"pair": ["C", "H"], "r_in": 0.78, "r_out": 0.98}, ...] (Å), round-trip decimals.
  std::string to_json() const;
  /// Inverse of to_json(); throws InputError naming `source` and the field for anything malformed.
  static InnerCutoff from_json(const std::string& json, const std::string& source = "");

  /// Switch factor s_i of atom i; when `derivatives` is given, it receives (pair index k of the list, ds_i/dr_k in
  /// 1/Å) for every pair of i inside a switching range (r < r_out).
  double factor(const Structure& s, const NeighborList& nl, std::size_t i,
                std::vector<std::pair<std::size_t, double>>* derivatives) const;

 private:
  std::map<std::pair<int, int>, InnerCutoffRange> ranges_;  // key (min Z, max Z)
};

}  // namespace mlp
