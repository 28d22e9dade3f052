#pragma once
// Δ-learning: fit a learned model to what a physical baseline (by default ZBL core repulsion, mlp/model/zbl.hpp)
// does not explain. mlp-fit subtracts the baseline's predictions from the reference labels of every frame, fits
// the learned model to the remainder, and saves the baseline in the model file (mlp/model/model_baseline.hpp),
// so that the loaded model is learned + baseline and is exactly the baseline where the learned part is flat
// (very short distances, which no training set samples).
//
// Usage by any fitting code (linear, gap, bpnn, ...):
//   std::unique_ptr<Model> zbl = default_zbl_baseline(species);        // or make_model("..."), or none
//   subtract_baseline(*zbl, data.frames, labels);                       // labels now hold reference − baseline
//   ... isolated-atom energies, fit, error tables on these frames ...   // errors of learned vs the remainder
//   save_<type>(out, learned, provenance, zbl.get());                   // are those of learned+baseline vs reference
//
// Isolated-atom energies stay consistent: a baseline that vanishes for a free atom (ZBL, any pair potential)
// leaves isolated-atom frames unchanged. subtract_baseline() does not check this; baseline_isolated_atom_energy()
// lets a caller do so.
#include <memory>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/model/model.hpp"

namespace mlp {

/// What was found and changed by subtract_baseline (counts of frames).
struct BaselineSubtraction {
  std::size_t frames = 0;    ///< frames seen
  std::size_t energies = 0;  ///< energy labels changed
  std::size_t forces = 0;    ///< force labels changed
  std::size_t stresses = 0;  ///< stress (or virial) labels changed
  double max_abs_energy = 0.0;  ///< eV, largest |baseline energy| of a frame (0: the baseline never acted)
};

/// Subtract `baseline`'s energy (eV), forces (eV/Å) and stress (eV/Å^3, under labels.stress) or virial (eV,
/// under labels.virial when there is no stress) from the labels of `frame`, in place, keeping each label's
/// layout (a 6-component Voigt stress stays Voigt). Stress and virial labels are used, and changed, only in 3-D
/// periodic frames (as the fits use them). Labels that are absent stay absent; a frame without labels is not
/// evaluated. Throws what evaluate() throws (InputError for an element the baseline does not support,
/// ComputeError for atoms on top of each other), naming the frame.
void subtract_baseline(const Model& baseline, Structure& frame, const LabelKeys& labels,
                       BaselineSubtraction* counts = nullptr);
/// The same for every frame (in parallel with OpenMP when available; the result does not depend on threads).
BaselineSubtraction subtract_baseline(const Model& baseline, std::vector<Structure>& frames,
                                      const LabelKeys& labels = {});

/// ZBL whose switching radii follow the training data (mlp-fit's default, the idea of pacemaker's core repulsion):
/// for every pair of `species` that comes within `cutoff` (Å) in `frames`, outer = the shortest distance of that
/// pair in the data and inner = inner_fraction × outer, so ZBL is exactly zero on every training structure and
/// fully on just below where the data end; pairs never seen keep the covalent-radius defaults (0.5 and 0.8 ×
/// (r_cov,a + r_cov,b)). Returns a Zbl restricted to `species` with every pair's radii written out.
std::unique_ptr<Model> data_zbl_baseline(const std::vector<Structure>& frames, const std::vector<int>& species,
                                         double cutoff, double inner_fraction = 0.8);

/// Energy (eV) of `baseline` for one free atom of element z (0 for ZBL and every pair potential).
double baseline_isolated_atom_energy(const Model& baseline, int z);

}  // namespace mlp
