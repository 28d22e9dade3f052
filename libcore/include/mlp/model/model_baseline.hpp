#pragma once
// Baselines stored in model files (Δ-learning): a learned model fitted to reference − baseline is saved together
// with its baseline, and loading the file gives back the sum, so that no one can use the learned part without
// the physics it was fitted on top of (by default the ZBL core repulsion, mlp/model/zbl.hpp).
//
// In the MODL header (man/mlp-container.5) the baseline is the key
//   "baseline": {"<registry name>": {"<spec key>": <number or string>, ...}, ...}
// one entry per term, e.g. {"zbl": {"elements": "C_H_O", "inner_C_C": 0.73, "outer_C_C": 1.168, ...,
// "inner_factor": 0.5, "outer_factor": 0.8}} — the term's spec() (mlp/model/registry.hpp) as a JSON object,
// numbers as shortest round-trip decimals, so a loaded baseline is bit-identical to the saved one. Only
// registered analytic models (lj, morse, zbl, sw, charges, qeq) can be baselines; never files. A file with a
// baseline is written with container format version kBaselineFileVersion (or the type's own version if newer),
// so that readers that predate baselines refuse it instead of silently dropping the baseline.
//
// How a model type uses this (linear and gap do; a new learned type such as BPNN does the same):
//   saving:  header["baseline"] = nlohmann::json::parse(baseline_header_json(*baseline));   (if there is one)
//            version = baseline ? std::max(kTypeVersion, kBaselineFileVersion) : kTypeVersion;
//   loading: nothing to do in the type's own loader: load_model() (mlp/model/model_file.hpp) passes every
//            learned model through attach_stored_baseline(); the type's reader must accept version
//            kBaselineFileVersion.
//   fitting: subtract the baseline from the labels first (mlp/fit/baseline.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mlp/model/model.hpp"

namespace mlp {

/// First container format version of a model file that may hold a "baseline" header key.
constexpr std::uint32_t kBaselineFileVersion = 2;

/// The "baseline" header value of `baseline` as JSON text: one object per term of a SumModel (or the model
/// itself), keyed by the term's name(). Throws InputError if a term is not a registered analytic model, or two
/// terms have the same name.
std::string baseline_header_json(const Model& baseline);

/// The baseline described by a "baseline" header value (JSON text). `source` names the file in errors (field
/// "baseline"). Throws InputError for an unknown model name, a malformed entry or invalid parameters.
std::unique_ptr<Model> baseline_from_header_json(const std::string& baseline_json, const std::string& source);

/// If the model header `header_json` has a "baseline" key: SumModel(learned, baseline terms...) whose spec()
/// is `source` (the file recreates the whole sum) and whose term_energies list the learned term first, then
/// each baseline term under its own name ("zbl"). Otherwise `learned` unchanged (files written before
/// baselines existed, or fitted with --no-zbl). Throws InputError as baseline_from_header_json.
std::unique_ptr<Model> attach_stored_baseline(std::unique_ptr<Model> learned, const std::string& header_json,
                                              const std::string& source);

/// The baseline mlp-fit uses by default for a model of these elements: ZBL with the covalent-radius switching
/// radii (mlp/model/zbl.hpp), written out per pair and restricted to `species` (Zbl::resolved).
std::unique_ptr<Model> default_zbl_baseline(const std::vector<int>& species);

}  // namespace mlp
