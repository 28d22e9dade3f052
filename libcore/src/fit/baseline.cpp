#include "mlp/fit/baseline.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include "mlp/fit/inner_cutoff_fit.hpp"
#include "mlp/model/zbl.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

// The 3×3 stress/virial label back in the layout it was read in (9 row-major or 6 Voigt xx yy zz yz xz xy).
std::vector<double> same_layout(const Mat3& m, std::size_t size) {
  if (size == 6) return {m(0, 0), m(1, 1), m(2, 2), m(1, 2), m(0, 2), m(0, 1)};
  std::vector<double> v(9);
  for (int i = 0; i < 9; ++i) v[static_cast<std::size_t>(i)] = m(i / 3, i % 3);
  return v;
}

}  // namespace

void subtract_baseline(const Model& baseline, Structure& frame, const LabelKeys& labels,
                       BaselineSubtraction* counts) {
  const std::optional<double> energy = reference_energy(frame, labels);
  AtomArray* forces = frame.arrays.find(labels.forces);
  const bool has_forces = reference_forces(frame, labels).has_value();
  // Stress and virial labels count only for 3-D periodic frames with a volume (as in the fits, linear_fit.cpp,
  // gap_fit.cpp); elsewhere they are left as they are.
  const bool periodic = frame.pbc[0] && frame.pbc[1] && frame.pbc[2] && frame.volume() > 0.0;
  const auto stress = periodic ? frame.info.reals(labels.stress) : std::nullopt;
  const auto virial = !periodic || stress ? std::nullopt : frame.info.reals(labels.virial);
  const bool has_stress = stress && (stress->size() == 6 || stress->size() == 9);
  const bool has_virial = virial && (virial->size() == 6 || virial->size() == 9);
  if (counts) ++counts->frames;
  if (!energy && !has_forces && !has_stress && !has_virial) return;

  EvalRequest request;
  request.forces = has_forces;
  request.virial = has_stress || has_virial;
  const EvalResult b = evaluate(baseline, frame, request);
  if (energy) frame.info.set(labels.energy, *energy - b.energy);
  if (has_forces) {
    for (std::size_t i = 0; i < frame.size(); ++i)
      for (int k = 0; k < 3; ++k)
        forces->reals[3 * i + static_cast<std::size_t>(k)] -= b.forces(static_cast<Eigen::Index>(i), k);
  }
  if (has_stress) {
    const Mat3 ref = *reference_stress(frame, labels);
    frame.info.set(labels.stress, same_layout(ref - stress_from_virial(b.virial, frame.volume()), stress->size()));
  } else if (has_virial) {
    Mat3 w;
    if (virial->size() == 9) {
      for (int i = 0; i < 9; ++i) w(i / 3, i % 3) = (*virial)[static_cast<std::size_t>(i)];
    } else {
      const auto& v = *virial;
      w << v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2];
    }
    frame.info.set(labels.virial, same_layout(w - b.virial, virial->size()));
  }
  if (counts) {
    counts->energies += energy ? 1 : 0;
    counts->forces += has_forces ? 1 : 0;
    counts->stresses += (has_stress || has_virial) ? 1 : 0;
    counts->max_abs_energy = std::max(counts->max_abs_energy, std::abs(b.energy));
  }
}

BaselineSubtraction subtract_baseline(const Model& baseline, std::vector<Structure>& frames,
                                      const LabelKeys& labels) {
  const auto n = static_cast<std::ptrdiff_t>(frames.size());
  std::vector<BaselineSubtraction> per(frames.size());
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic)
  for (std::ptrdiff_t f = 0; f < n; ++f) {
    try {
      subtract_baseline(baseline, frames[static_cast<std::size_t>(f)], labels, &per[static_cast<std::size_t>(f)]);
    } catch (...) {
#pragma omp critical(mlp_subtract_baseline)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  BaselineSubtraction total;
  for (const auto& c : per) {
    total.frames += c.frames;
    total.energies += c.energies;
    total.forces += c.forces;
    total.stresses += c.stresses;
    total.max_abs_energy = std::max(total.max_abs_energy, c.max_abs_energy);
  }
  return total;
}

double baseline_isolated_atom_energy(const Model& baseline, int z) {
  Structure s;
  s.resize(1);
  s.numbers = {z};
  s.positions.setZero();
  EvalRequest request;
  request.forces = false;
  request.virial = false;
  return evaluate(baseline, s, request).energy;
}

std::unique_ptr<Model> data_zbl_baseline(const std::vector<Structure>& frames, const std::vector<int>& species,
                                         double cutoff, double inner_fraction) {
  if (!(inner_fraction >= 0.0 && inner_fraction < 1.0))
    throw InputError("ZBL inner fraction must be in [0, 1), got " + std::to_string(inner_fraction), "", 0,
                     "inner_fraction");
  Zbl::Parameters parameters;
  for (const auto& [pair, shortest] : shortest_pair_distances(frames, cutoff)) {
    if (!(shortest > 0.0)) continue;  // atoms on top of each other: left to evaluate() to report
    if (std::find(species.begin(), species.end(), pair.first) == species.end() ||
        std::find(species.begin(), species.end(), pair.second) == species.end())
      continue;
    parameters.pairs[pair] = {inner_fraction * shortest, shortest};
  }
  return std::make_unique<Zbl>(Zbl(std::move(parameters)).resolved(species));
}

}  // namespace mlp
