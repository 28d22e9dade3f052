// Descriptor factory, parameter hash and the neighbour-list convenience wrapper.
#include "mlp/desc/descriptor.hpp"

#include <nlohmann/json.hpp>

#include "mlp/desc/acsf.hpp"
#include "mlp/desc/soap.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/hash.hpp"

namespace mlp {

std::unique_ptr<Descriptor> make_descriptor(const std::string& text, const std::vector<int>& species,
                                            const std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("descriptor parameters are not valid JSON: ") + e.what(), source);
  }
  if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string())
    throw InputError("descriptor parameters must be a JSON object with \"type\": \"acsf\" or \"soap\"", source, 0,
                     "type");
  const std::string type = doc["type"].get<std::string>();
  try {
    if (type == "acsf") return std::make_unique<Acsf>(Acsf::from_json(text, species));
    if (type == "soap") return std::make_unique<Soap>(Soap::from_json(text, species));
  } catch (const InputError& e) {
    if (!e.source().empty() || source.empty()) throw;
    throw InputError(e.message(), source, e.line(), e.field());
  }
  throw InputError("unknown descriptor type \"" + type + "\" (known: acsf, soap)", source, 0, "type");
}

std::string descriptor_hash(const Descriptor& d) { return hex16(fnv1a64(d.to_json())); }

DescriptorValues compute_descriptors(const Descriptor& d, const Structure& s, DescriptorGradients* gradients) {
  NeighborListOptions o;
  o.cutoff = d.cutoff();
  const NeighborList nl(s, o);
  return gradients ? d.compute(s, nl, *gradients) : d.compute(s, nl);
}

}  // namespace mlp
