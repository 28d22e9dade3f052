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
// Doubles are stored as their IEEE bits (records) or shortest round-trip decimal (header), so save → load gives
// bit-identical predictions. A reader refuses other kinds, newer versions, unknown model types, a descriptor that
// does not match its hash, missing, duplicate or misshapen weights, and unknown non-ancillary records.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "mlp/model/linear_model.hpp"

namespace mlp {

/// Format version this build writes (and the newest it reads).
constexpr std::uint32_t kModelFileVersion = 1;
/// Record type of a NamedArray in a model file.
constexpr std::uint32_t kModelArrayRecord = 1;

/// Write `model` as a MODL container. `provenance_json` must be a JSON object (or empty: {}), stored under
/// "provenance". Throws InputError for invalid provenance JSON, IoError if the stream fails.
void save_model_file(std::ostream& out, const LinearModel& model, const std::string& provenance_json = "{}");

/// Read a model from a MODL container; `source` names it in errors and becomes the model's spec(). The header
/// JSON is copied to `header_json` when non-null. Throws InputError (naming source and record) for anything it
/// does not understand or that does not check out.
std::unique_ptr<LinearModel> load_model_file(std::istream& in, const std::string& source,
                                             std::string* header_json = nullptr);
/// The same from a file by name. Throws IoError if it cannot be opened.
std::unique_ptr<LinearModel> load_model_file(const std::string& path, std::string* header_json = nullptr);

/// Any model file, by its header's "model_type": "linear" (above) or "gap" (mlp/model/gap_model.hpp). This is
/// what make_model() calls for a MODL file.
std::unique_ptr<Model> load_model(std::istream& in, const std::string& source);
/// The same from a file by name. Throws IoError if it cannot be opened.
std::unique_ptr<Model> load_model(const std::string& path);

}  // namespace mlp
