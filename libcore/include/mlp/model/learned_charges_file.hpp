#pragma once
// Learned-charge model files: the MODL container (man/mlp-container.5) with
//   header {"model_type": "learned_charges", "descriptor": .., "descriptor_hash": .., "species": [..],
//           "hardness": {"Na": 7.0, ..} (eV/e²), "qmax": {"Na": 3.0, ..} (e), "bias": {"Na": -1.5, ..} (eV/e),
//           "electrostatics": {"sigma": 1.0 (Å), "rc": 12.0 (Å), "accuracy": 1e-8, "permittivity": 1.0},
//           "units": {..}, "provenance": {..}}
//   records (NamedArray): "weights/<symbol>" [descriptor size of the element] (eV/e per descriptor unit).
// Save → load is bit-exact (IEEE bits in records, shortest round-trip decimals in the header).
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "mlp/io/container.hpp"
#include "mlp/model/learned_charges.hpp"

namespace mlp {

constexpr std::uint32_t kLearnedChargesFileVersion = 1;

/// Throws InputError for invalid provenance JSON, IoError if the stream fails.
void save_learned_charges(std::ostream& out, const LearnedCharges& model, const std::string& provenance_json = "{}");
/// Read a learned-charge model whose header (model_type "learned_charges") `reader` has read. Throws InputError
/// naming `source` for a newer version, missing/duplicate/misshapen arrays, a descriptor that does not match its
/// hash.
std::unique_ptr<LearnedCharges> load_learned_charges(ContainerReader& reader, const std::string& source);

}  // namespace mlp
