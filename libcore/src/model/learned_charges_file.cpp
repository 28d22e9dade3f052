#include "mlp/model/learned_charges_file.hpp"

#include <ostream>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"
#include "model_file_support.hpp"

namespace mlp {

using nlohmann::json;

void save_learned_charges(std::ostream& out, const LearnedCharges& model, const std::string& provenance_json) {
  std::vector<int> species;
  for (const auto& kv : model.elements()) species.push_back(kv.first);
  json header = detail::descriptor_model_header("learned_charges", model.descriptor(), species);
  json hardness = json::object(), qmax = json::object(), bias = json::object();
  for (const auto& [z, e] : model.elements()) {
    hardness[element_symbol(z)] = e.hardness;
    qmax[element_symbol(z)] = e.qmax;
    bias[element_symbol(z)] = e.bias;
  }
  header["hardness"] = hardness;
  header["qmax"] = qmax;
  header["bias"] = bias;
  const ElectrostaticsOptions& o = model.electrostatics();
  header["electrostatics"] = {
      {"sigma", o.sigma}, {"rc", o.rcut}, {"accuracy", o.accuracy}, {"permittivity", o.permittivity}};
  header["units"] = {{"energy", "eV"}, {"length", "Angstrom"}, {"charge", "e"}, {"hardness", "eV/e^2"},
                     {"bias", "eV/e"}, {"weights", "eV/e per descriptor unit"}, {"sigma", "Angstrom"}};
  header["provenance"] = detail::parse_provenance(provenance_json);
  ContainerWriter writer(out, "MODL", kLearnedChargesFileVersion, header.dump());
  for (const auto& [z, e] : model.elements()) {
    NamedArray a{"weights/" + element_symbol(z), {static_cast<std::uint64_t>(e.weights.size())},
                 std::vector<double>(e.weights.data(), e.weights.data() + e.weights.size())};
    writer.write_record(1, encode_array(a));
  }
  writer.finish();
}

std::unique_ptr<LearnedCharges> load_learned_charges(ContainerReader& reader, const std::string& source) {
  if (reader.header().version > kLearnedChargesFileVersion)
    throw InputError("learned-charge model written by a newer mlp (format version " +
                         std::to_string(reader.header().version) + ", this reader knows <= " +
                         std::to_string(kLearnedChargesFileVersion) + ")",
                     source, 0, "version");
  const detail::DescriptorModelHeader h = detail::read_descriptor_model_header(reader, source, "learned_charges");
  try {
    std::map<int, LearnedChargeElement> elements;
    for (int z : h.species) {
      const std::string symbol = element_symbol(z);
      elements[z].hardness = h.field("hardness").at(symbol).get<double>();
      elements[z].qmax = h.field("qmax").at(symbol).get<double>();
      elements[z].bias = h.field("bias").at(symbol).get<double>();
    }
    const json& e = h.field("electrostatics");
    ElectrostaticsOptions o;
    o.sigma = e.at("sigma").get<double>();
    o.rcut = e.at("rc").get<double>();
    o.accuracy = e.at("accuracy").get<double>();
    o.permittivity = e.at("permittivity").get<double>();
    std::map<int, bool> seen;
    detail::for_each_model_array(reader, source, [&](const NamedArray& a, const std::string& where) {
      const int z = detail::array_element(a, "weights", h.species, where);
      if (z == 0) throw InputError("unknown array '" + a.name + "'", where, 0, a.name);
      if (seen[z]) throw InputError("array '" + a.name + "' appears twice", where, 0, a.name);
      if (a.shape.size() != 1) throw InputError("array '" + a.name + "' must have rank 1", where, 0, a.name);
      elements[z].weights = Eigen::Map<const Eigen::VectorXd>(a.data.data(), static_cast<Eigen::Index>(a.data.size()));
      seen[z] = true;
    });
    for (int z : h.species)
      if (!seen[z]) throw InputError("no weights for " + element_symbol(z), source, 0, "weights");
    auto model = std::make_unique<LearnedCharges>(h.descriptor, std::move(elements), o);
    model->set_spec(source);
    return model;
  } catch (const json::exception& ex) {
    throw InputError(std::string("model header: ") + ex.what(), source, 0, "header");
  } catch (const InputError& ex) {
    if (!ex.source().empty()) throw;
    throw InputError(ex.message(), source, ex.line(), ex.field());
  }
}

}  // namespace mlp
