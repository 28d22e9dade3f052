#pragma once
// The C² "smootherstep" used by every switching function here (ZBL's switch-off, the inner cutoff's switch-on):
// S(t) = t³(10 − 15t + 6t²) on [0, 1], 0 below, 1 above; S' and S'' vanish at both ends.

namespace mlp {

inline double smootherstep(double t) {
  return t <= 0.0 ? 0.0 : t >= 1.0 ? 1.0 : t * t * t * (10.0 - 15.0 * t + 6.0 * t * t);
}

/// dS/dt.
inline double smootherstep_derivative(double t) {
  return t <= 0.0 || t >= 1.0 ? 0.0 : 30.0 * t * t * (1.0 - t) * (1.0 - t);
}

}  // namespace mlp
