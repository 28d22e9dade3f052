#pragma once
// BPNN model files: the MODL container (mlp/io/container.hpp, man/mlp-container.5) with
//   header {"model_type": "bpnn", "descriptor": <canonical JSON>, "descriptor_hash": "<16 hex>",
//           "species": ["H", "O"],
//           "committee_size": M,
//           "networks": {"H": {"layers": [27, 25, 25, 1], "activations": ["tanh", "tanh", "linear"],
//                              "energy_scale": .. (eV per network output), "energy_shift": .. (eV),
//                              "input_offset": .. (dimensionless)}, ...},
//           "units": {...}, "provenance": {...}, optional "baseline" (mlp/model/model_baseline.hpp)}
//   records (type 1, NamedArray), per species: "input_shift/<El>" [descriptor size] (units of the descriptor),
//   "input_scale/<El>" [descriptor size] (1/units of the descriptor), and "weights/<El>/<m>" for members
//   m = 0..M−1 [parameter count] in DenseNetwork's flat layout (per layer W row-major (out × in), then b).
// Every member of an element has the element's architecture. Doubles are IEEE bits (records) or shortest
// round-trip decimals (header): save → load is bit-exact. Version 1 without a baseline, kBaselineFileVersion
// (2) with one.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "mlp/io/container.hpp"
#include "mlp/model/bpnn_model.hpp"

namespace mlp {

/// Newest BPNN model file version this build reads and writes (1 without a baseline, 2 with one).
constexpr std::uint32_t kBpnnModelFileVersion = kInnerCutoffFileVersion;

/// Write `model` as a MODL container. `provenance_json`: a JSON object (or empty), stored under "provenance".
/// `baseline` (may be null): the analytic model `model` was fitted on top of (Δ-learning), stored under
/// "baseline". Throws InputError for invalid provenance or baseline, or committee members of one element with
/// different architectures; IoError if the stream fails.
void save_bpnn_model(std::ostream& out, const BpnnModel& model, const std::string& provenance_json = "{}",
                     const Model* baseline = nullptr);

/// Read the BPNN model of a MODL container whose header `reader` has read ("model_type": "bpnn"). Refuses a
/// version newer than kBpnnModelFileVersion, unknown, missing, duplicate or misshapen arrays, a header that does
/// not match the arrays, a descriptor that does not match its hash (InputError naming `source`, the record and
/// the field). `source` becomes the model's spec(). The stored baseline is not added (load_model() does that).
std::unique_ptr<Model> load_bpnn_model(ContainerReader& reader, const std::string& source);

}  // namespace mlp
