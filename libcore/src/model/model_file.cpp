#include "mlp/model/model_file.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "mlp/core/elements.hpp"
#include "mlp/io/container.hpp"
#include "mlp/model/bpnn_model_file.hpp"
#include "mlp/model/gap_model.hpp"
#include "mlp/model/learned_charges_file.hpp"
#include "mlp/util/error.hpp"
#include "model_file_support.hpp"

namespace mlp {

namespace {

using nlohmann::json;

const char* kWeightsPrefix = "weights/";

}  // namespace

void save_model_file(std::ostream& out, const LinearModel& model, const std::string& provenance_json,
                     const Model* baseline) {
  const json provenance = detail::parse_provenance(provenance_json);
  const Descriptor& d = model.descriptor();
  json header;
  header["model_type"] = "linear";
  header["descriptor"] = json::parse(d.to_json());
  header["descriptor_hash"] = descriptor_hash(d);
  json species = json::array(), energies = json::object();
  for (int z : model.species()) {
    species.push_back(element_symbol(z));
    energies[element_symbol(z)] = model.isolated_energies().at(z);
  }
  header["species"] = species;
  header["isolated_atom_energies"] = energies;
  header["units"] = {{"energy", "eV"}, {"length", "Angstrom"}, {"isolated_atom_energies", "eV"},
                     {"weights", "eV per descriptor unit"}};
  header["provenance"] = provenance;
  if (baseline) header["baseline"] = json::parse(baseline_header_json(*baseline));
  const std::uint32_t version = detail::write_inner_cutoff(header, model, baseline ? kBaselineFileVersion : 1);
  ContainerWriter writer(out, "MODL", version, header.dump());
  for (int z : model.species()) {
    const Eigen::VectorXd& w = model.weights().at(z);
    NamedArray array{kWeightsPrefix + element_symbol(z), {static_cast<std::uint64_t>(w.size())},
                     std::vector<double>(w.data(), w.data() + w.size())};
    writer.write_record(kModelArrayRecord, encode_array(array));
  }
  writer.finish();
}

namespace {

std::string model_type_of(const ContainerReader& reader, const std::string& source) {
  try {
    const json header = json::parse(reader.header().json);
    if (!header.is_object() || !header.contains("model_type") || !header.at("model_type").is_string())
      throw InputError("model header has no \"model_type\"", source, 0, "model_type");
    return header.at("model_type").get<std::string>();
  } catch (const json::exception& e) {
    throw InputError(std::string("model header is not valid JSON: ") + e.what(), source, 0, "header");
  }
}

std::unique_ptr<LinearModel> load_linear(ContainerReader& reader, const std::string& source,
                                         std::string* header_json) {
  json header;
  try {
    header = json::parse(reader.header().json);
  } catch (const json::exception& e) {
    throw InputError(std::string("model header is not valid JSON: ") + e.what(), source, 0, "header");
  }
  const auto field = [&](const char* key) -> const json& {
    if (!header.is_object() || !header.contains(key))
      throw InputError(std::string("model header has no \"") + key + "\"", source, 0, key);
    return header.at(key);
  };
  try {
    const std::string type = field("model_type").get<std::string>();
    if (type != "linear")
      throw InputError("unknown model type '" + type + "' (this build reads: linear, gap, bpnn, learned_charges)", source, 0, "model_type");
    std::vector<int> species;
    for (const auto& symbol : field("species")) {
      const int z = atomic_number(symbol.get<std::string>());
      if (z == 0) throw InputError("unknown element '" + symbol.get<std::string>() + "'", source, 0, "species");
      species.push_back(z);
    }
    auto descriptor = std::shared_ptr<const Descriptor>(make_descriptor(field("descriptor").dump(), species, source));
    const std::string hash = field("descriptor_hash").get<std::string>();
    if (descriptor_hash(*descriptor) != hash)
      throw InputError("descriptor parameters do not match their hash " + hash + " (damaged or edited file)", source,
                       0, "descriptor_hash");
    std::map<int, double> energies;
    for (const auto& kv : field("isolated_atom_energies").items()) {
      const int z = atomic_number(kv.key());
      if (z == 0) throw InputError("unknown element '" + kv.key() + "'", source, 0, "isolated_atom_energies");
      energies[z] = kv.value().get<double>();
    }
    std::map<int, Eigen::VectorXd> weights;
    std::uint32_t type_id = 0;
    std::string payload;
    while (reader.next(type_id, payload)) {
      const std::string where = source + " record " + std::to_string(reader.records());
      if (type_id != kModelArrayRecord) {
        if (is_ancillary_record(type_id)) continue;
        throw InputError("unknown record type " + std::to_string(type_id) + " (written by a newer mlp?)", where);
      }
      const NamedArray array = decode_array(payload, where);
      if (array.name.compare(0, std::string(kWeightsPrefix).size(), kWeightsPrefix) != 0)
        throw InputError("unknown array '" + array.name + "'", where, 0, array.name);
      const int z = atomic_number(array.name.substr(std::string(kWeightsPrefix).size()));
      if (z == 0 || std::find(species.begin(), species.end(), z) == species.end())
        throw InputError("array '" + array.name + "' is not for an element of \"species\"", where, 0, array.name);
      if (array.shape.size() != 1)
        throw InputError("array '" + array.name + "' must have rank 1", where, 0, array.name);
      if (weights.count(z)) throw InputError("array '" + array.name + "' appears twice", where, 0, array.name);
      weights[z] = Eigen::Map<const Eigen::VectorXd>(array.data.data(), static_cast<Eigen::Index>(array.data.size()));
    }
    auto model = std::make_unique<LinearModel>(std::move(descriptor), std::move(weights), std::move(energies));
    model->set_spec(source);
    detail::read_inner_cutoff(reader.header().json, source, *model);
    if (header_json) *header_json = reader.header().json;
    return model;
  } catch (const json::exception& e) {
    throw InputError(std::string("model header: ") + e.what(), source, 0, "header");
  } catch (const InputError& e) {
    // Errors of the model's own checks carry no source: name the file.
    if (!e.source().empty()) throw;
    throw InputError(e.message(), source, e.line(), e.field());
  }
}

}  // namespace

std::unique_ptr<LinearModel> load_model_file(std::istream& in, const std::string& source, std::string* header_json) {
  ContainerReader reader(in, source, "MODL", std::max({kModelFileVersion, kGapModelFileVersion, kLearnedChargesFileVersion, kBpnnModelFileVersion}));
  if (reader.header().version > kModelFileVersion)
    throw InputError("linear model written by a newer mlp (format version " + std::to_string(reader.header().version) +
                         ", this reader knows <= " + std::to_string(kModelFileVersion) + ")",
                     source, 0, "version");
  return load_linear(reader, source, header_json);
}

std::unique_ptr<Model> load_model(std::istream& in, const std::string& source) {
  ContainerReader reader(in, source, "MODL", std::max({kModelFileVersion, kGapModelFileVersion, kLearnedChargesFileVersion, kBpnnModelFileVersion}));
  const std::string type = model_type_of(reader, source);
  if (type == "learned_charges") return load_learned_charges(reader, source);
  std::unique_ptr<Model> learned;
  if (type == "gap") {
    learned = load_gap_model(reader, source);
  } else if (type == "bpnn") {
    learned = load_bpnn_model(reader, source);
  } else {
    if (reader.header().version > kModelFileVersion)
      throw InputError("model written by a newer mlp (format version " + std::to_string(reader.header().version) +
                           ", this reader knows <= " + std::to_string(kModelFileVersion) + ")",
                       source, 0, "version");
    learned = load_linear(reader, source, nullptr);
  }
  // A Δ-learned model comes back with the baseline it was fitted on top of (mlp/model/model_baseline.hpp).
  return attach_stored_baseline(std::move(learned), reader.header().json, source);
}

std::unique_ptr<Model> load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open model file", path);
  return load_model(in, path);
}

std::unique_ptr<LinearModel> load_model_file(const std::string& path, std::string* header_json) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open model file", path);
  return load_model_file(in, path, header_json);
}

}  // namespace mlp
