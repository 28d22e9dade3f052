#pragma once
// Model files: the binary container (mlp/io/container.hpp, man/mlp-container.5) of kind MODL.
//
// Version 1 holds a LinearModel:
//   header JSON {"model_type": "linear",
//                "descriptor": <the descriptor's canonical JSON>, "descriptor_hash": "<16 hex>",
//                "species": ["Si", ...],
//                "isolated_atom_energies": {"Si": -0.16, ...}   (eV),
//                "units": {"energy": "eV", "length": "Angstrom", "weights": "eV per descriptor unit"},
//                "provenance": {...}}   (tool, version, command line, data files and hashes, fit metrics:
//                                        whatever the writer passed, kept verbatim)
//   records: type 1 (kModelArrayRecord), a NamedArray "weights/<symbol>" of shape [size of the element's row]
//            for every species, in the order of "species".
// Version 2 (kBaselineFileVersion) adds the optional header key "baseline" (mlp/model/model_baseline.hpp): the
// analytic model the weights were fitted on top of (Δ-learning; mlp-fit stores ZBL by default). A file is written
// as version 2 only when it has a baseline, so files without one stay readable by version-1 readers.
// Version 3 (kInnerCutoffFileVersion) adds the optional header key "inner_cutoff" (mlp/model/inner_cutoff.hpp),
// written only when the model has one.
// Doubles are stored as their IEEE bits (records) or shortest round-trip decimal (header), so save → load gives
// bit-identical predictions. A reader refuses other kinds, newer versions, unknown model types, a descriptor that
// does not match its hash, missing, duplicate or misshapen weights, and unknown non-ancillary records.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "mlp/model/linear_model.hpp"
#include "mlp/model/model_baseline.hpp"

namespace mlp {

/// Newest format version this build reads and writes (1 without a baseline, 2 with one, 3 with an inner cutoff).
constexpr std::uint32_t kModelFileVersion = kInnerCutoffFileVersion;
/// Record type of a NamedArray in a model file.
constexpr std::uint32_t kModelArrayRecord = 1;

/// Write `model` as a MODL container. `provenance_json` must be a JSON object (or empty: {}), stored under
/// "provenance". `baseline` (may be null): the analytic model `model` was fitted on top of, stored under
/// "baseline" so that load_model() returns their sum. Throws InputError for invalid provenance JSON or a
/// baseline that is not a registered analytic model, IoError if the stream fails.
void save_model_file(std::ostream& out, const LinearModel& model, const std::string& provenance_json = "{}",
                     const Model* baseline = nullptr);

/// Read the linear model of a MODL container — the learned term alone: a stored baseline is NOT added (use
/// load_model() for predictions). `source` names it in errors and becomes the model's spec(). The header
/// JSON is copied to `header_json` when non-null. Throws InputError (naming source and record) for anything it
/// does not understand or that does not check out.
std::unique_ptr<LinearModel> load_model_file(std::istream& in, const std::string& source,
                                             std::string* header_json = nullptr);
/// The same from a file by name. Throws IoError if it cannot be opened.
std::unique_ptr<LinearModel> load_model_file(const std::string& path, std::string* header_json = nullptr);

/// Any model file, by its header's "model_type": "linear" (above) or "gap" (mlp/model/gap_model.hpp). This is
/// what make_model() calls for a MODL file. A file with a "baseline" gives SumModel(learned, baseline terms)
/// with spec() = source (attach_stored_baseline, mlp/model/model_baseline.hpp); without one, the learned model.
std::unique_ptr<Model> load_model(std::istream& in, const std::string& source);
/// The same from a file by name. Throws IoError if it cannot be opened.
std::unique_ptr<Model> load_model(const std::string& path);

}  // namespace mlp
