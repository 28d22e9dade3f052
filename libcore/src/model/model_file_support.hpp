#pragma once
// What every descriptor-based model file (MODL container) shares: the provenance object, the header keys
// model_type / descriptor / descriptor_hash / species, and the loop over NamedArray records. New model types use
// these so that checks and error messages stay the same everywhere.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mlp/desc/descriptor.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/descriptor_model.hpp"

namespace mlp::detail {

/// The provenance text as a JSON object ("" means {}). Throws InputError (field "provenance").
nlohmann::json parse_provenance(const std::string& provenance_json);

/// {"model_type": type, "descriptor": <canonical JSON>, "descriptor_hash": .., "species": [symbols]}.
nlohmann::json descriptor_model_header(const std::string& model_type, const Descriptor& descriptor,
                                       const std::vector<int>& species);

/// The parsed common part of a model header.
struct DescriptorModelHeader {
  nlohmann::json json;
  std::vector<int> species;
  std::shared_ptr<const Descriptor> descriptor;
  /// The value of a required key (InputError naming the key if absent).
  const nlohmann::json& field(const char* key) const;
  std::string source;
};

/// Parse and check the header of `reader` (model_type must equal `model_type`; descriptor must match its hash).
/// Throws InputError naming `source` and the field.
DescriptorModelHeader read_descriptor_model_header(const ContainerReader& reader, const std::string& source,
                                                   const std::string& model_type);

/// Call `use(array, where)` for every NamedArray record of `reader` (ancillary records skipped, any other record
/// type refused as written by a newer mlp).
void for_each_model_array(ContainerReader& reader, const std::string& source,
                          const std::function<void(const NamedArray&, const std::string&)>& use);

/// Store the model's inner cutoff (if any) under "inner_cutoff"; returns the container version to write: `version`,
/// or kInnerCutoffFileVersion when the key is written (older readers then refuse the file instead of ignoring it).
std::uint32_t write_inner_cutoff(nlohmann::json& header, const DescriptorModel& model, std::uint32_t version);
/// Give `model` the inner cutoff stored in the header (nothing if the key is absent). InputError naming `source`.
void read_inner_cutoff(const std::string& header_json, const std::string& source, DescriptorModel& model);

/// The element of an array named "<prefix>/<symbol>" (0 if the name has another prefix); InputError if the
/// symbol is not one of `species`.
int array_element(const NamedArray& array, const std::string& prefix, const std::vector<int>& species,
                  const std::string& where);

}  // namespace mlp::detail
