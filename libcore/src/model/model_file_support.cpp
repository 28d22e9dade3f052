#include "model_file_support.hpp"

#include <algorithm>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"

namespace mlp::detail {

using nlohmann::json;

json parse_provenance(const std::string& provenance_json) {
  json provenance;
  try {
    provenance = provenance_json.empty() ? json::object() : json::parse(provenance_json);
  } catch (const json::exception& e) {
    throw InputError(std::string("provenance is not valid JSON: ") + e.what(), "", 0, "provenance");
  }
  if (!provenance.is_object()) throw InputError("provenance must be a JSON object", "", 0, "provenance");
  return provenance;
}

json descriptor_model_header(const std::string& model_type, const Descriptor& descriptor,
                             const std::vector<int>& species) {
  json header;
  header["model_type"] = model_type;
  header["descriptor"] = json::parse(descriptor.to_json());
  header["descriptor_hash"] = descriptor_hash(descriptor);
  json symbols = json::array();
  for (int z : species) symbols.push_back(element_symbol(z));
  header["species"] = symbols;
  return header;
}

const json& DescriptorModelHeader::field(const char* key) const {
  if (!json.is_object() || !json.contains(key))
    throw InputError(std::string("model header has no \"") + key + "\"", source, 0, key);
  return json.at(key);
}

DescriptorModelHeader read_descriptor_model_header(const ContainerReader& reader, const std::string& source,
                                                   const std::string& model_type) {
  DescriptorModelHeader h;
  h.source = source;
  try {
    h.json = json::parse(reader.header().json);
  } catch (const json::exception& e) {
    throw InputError(std::string("model header is not valid JSON: ") + e.what(), source, 0, "header");
  }
  try {
    if (h.field("model_type").get<std::string>() != model_type)
      throw InputError("not a " + model_type + " model (model_type " + h.field("model_type").dump() + ")", source, 0,
                       "model_type");
    for (const auto& symbol : h.field("species")) {
      const int z = atomic_number(symbol.get<std::string>());
      if (z == 0) throw InputError("unknown element '" + symbol.get<std::string>() + "'", source, 0, "species");
      h.species.push_back(z);
    }
    h.descriptor = make_descriptor(h.field("descriptor").dump(), h.species, source);
    const std::string hash = h.field("descriptor_hash").get<std::string>();
    if (descriptor_hash(*h.descriptor) != hash)
      throw InputError("descriptor parameters do not match their hash " + hash + " (damaged or edited file)", source,
                       0, "descriptor_hash");
  } catch (const json::exception& e) {
    throw InputError(std::string("model header: ") + e.what(), source, 0, "header");
  }
  return h;
}

void for_each_model_array(ContainerReader& reader, const std::string& source,
                          const std::function<void(const NamedArray&, const std::string&)>& use) {
  std::uint32_t type_id = 0;
  std::string payload;
  while (reader.next(type_id, payload)) {
    const std::string where = source + " record " + std::to_string(reader.records());
    if (type_id != 1) {  // kModelArrayRecord
      if (is_ancillary_record(type_id)) continue;
      throw InputError("unknown record type " + std::to_string(type_id) + " (written by a newer mlp?)", where);
    }
    use(decode_array(payload, where), where);
  }
}

int array_element(const NamedArray& array, const std::string& prefix, const std::vector<int>& species,
                  const std::string& where) {
  if (array.name.compare(0, prefix.size() + 1, prefix + "/") != 0) return 0;
  const int z = atomic_number(array.name.substr(prefix.size() + 1));
  if (z == 0 || std::find(species.begin(), species.end(), z) == species.end())
    throw InputError("array '" + array.name + "' is not for an element of \"species\"", where, 0, array.name);
  return z;
}

std::uint32_t write_inner_cutoff(json& header, const DescriptorModel& model, std::uint32_t version) {
  if (model.inner_cutoff().empty()) return version;
  header["inner_cutoff"] = json::parse(model.inner_cutoff().to_json());
  header["units"]["inner_cutoff"] = "Angstrom";
  return std::max(version, kInnerCutoffFileVersion);
}

void read_inner_cutoff(const std::string& header_json, const std::string& source, DescriptorModel& model) {
  json header;
  try {
    header = json::parse(header_json);
  } catch (const json::exception& e) {
    throw InputError(std::string("model header is not valid JSON: ") + e.what(), source, 0, "header");
  }
  if (header.is_object() && header.contains("inner_cutoff"))
    model.set_inner_cutoff(InnerCutoff::from_json(header.at("inner_cutoff").dump(), source));
}

}  // namespace mlp::detail
