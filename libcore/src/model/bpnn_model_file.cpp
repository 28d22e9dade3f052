// BPNN model files: the MODL container with "model_type": "bpnn" (layout in mlp/model/bpnn_model_file.hpp).
#include "mlp/model/bpnn_model_file.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ostream>
#include <set>

#include "mlp/core/elements.hpp"
#include "mlp/model/model_baseline.hpp"
#include "mlp/util/error.hpp"
#include "model_file_support.hpp"

namespace mlp {

using nlohmann::json;

namespace {
constexpr std::uint32_t kArrayRecord = 1;  // NamedArray (mlp/model/model_file.hpp: kModelArrayRecord)

NamedArray vector_array(const std::string& name, const double* data, std::size_t n) {
  return NamedArray{name, {static_cast<std::uint64_t>(n)}, std::vector<double>(data, data + n)};
}
}  // namespace

void save_bpnn_model(std::ostream& out, const BpnnModel& model, const std::string& provenance_json,
                     const Model* baseline) {
  const json provenance = detail::parse_provenance(provenance_json);
  const std::vector<int> species = model.species();
  json header = detail::descriptor_model_header("bpnn", model.descriptor(), species);
  header["committee_size"] = model.committee_size();
  json networks = json::object();
  for (int z : species) {
    const BpnnElement& e = model.elements().at(z);
    const DenseNetwork& first = e.committee.front();
    for (const DenseNetwork& net : e.committee)
      if (net.sizes() != first.sizes() || net.activations() != first.activations())
        throw InputError("bpnn model file: the committee members of " + element_symbol(z) +
                             " have different architectures (one architecture per element can be stored)",
                         "", 0, "networks");
    json activations = json::array();
    for (Activation a : first.activations()) activations.push_back(activation_name(a));
    networks[element_symbol(z)] = {{"layers", first.sizes()},
                                   {"activations", activations},
                                   {"energy_scale", e.energy_scale},
                                   {"energy_shift", e.energy_shift},
                                   {"input_offset", e.input_offset}};
  }
  header["networks"] = networks;
  header["units"] = {{"energy", "eV"},
                     {"length", "Angstrom"},
                     {"energy_scale", "eV per network output"},
                     {"energy_shift", "eV per atom"},
                     {"input_shift", "units of the descriptor"},
                     {"input_scale", "1/units of the descriptor"},
                     {"weights", "dimensionless; per layer W (out x in, row-major) then b"}};
  header["provenance"] = provenance;
  if (baseline) header["baseline"] = json::parse(baseline_header_json(*baseline));
  const std::uint32_t version = detail::write_inner_cutoff(header, model, baseline ? kBaselineFileVersion : 1);
  ContainerWriter writer(out, "MODL", version, header.dump());
  for (int z : species) {
    const std::string symbol = element_symbol(z);
    const BpnnElement& e = model.elements().at(z);
    writer.write_record(kArrayRecord, encode_array(vector_array("input_shift/" + symbol, e.input_shift.data(),
                                                                static_cast<std::size_t>(e.input_shift.size()))));
    writer.write_record(kArrayRecord, encode_array(vector_array("input_scale/" + symbol, e.input_scale.data(),
                                                                static_cast<std::size_t>(e.input_scale.size()))));
    for (std::size_t m = 0; m < e.committee.size(); ++m) {
      const std::vector<double> p = e.committee[m].parameters();
      writer.write_record(kArrayRecord,
                          encode_array(vector_array("weights/" + symbol + "/" + std::to_string(m), p.data(), p.size())));
    }
  }
  writer.finish();
}

std::unique_ptr<Model> load_bpnn_model(ContainerReader& reader, const std::string& source) {
  if (reader.header().version > kBpnnModelFileVersion)
    throw InputError("bpnn model written by a newer mlp (format version " + std::to_string(reader.header().version) +
                         ", this reader knows <= " + std::to_string(kBpnnModelFileVersion) + ")",
                     source, 0, "version");
  const detail::DescriptorModelHeader h = detail::read_descriptor_model_header(reader, source, "bpnn");
  try {
    const json& counts = h.field("committee_size");
    if (!counts.is_number_unsigned() || counts.get<std::size_t>() < 1 || counts.get<std::size_t>() > 100000)
      throw InputError("committee_size must be a positive integer", source, 0, "committee_size");
    const std::size_t members = counts.get<std::size_t>();
    const json& nets = h.field("networks");
    std::map<int, BpnnElement> elements;
    std::map<int, std::vector<int>> sizes;
    std::map<int, std::vector<Activation>> activations;
    for (int z : h.species) {
      const std::string symbol = element_symbol(z);
      if (!nets.contains(symbol))
        throw InputError("no \"networks\" entry for " + symbol, source, 0, "networks");
      const json& n = nets.at(symbol);
      BpnnElement& e = elements[z];
      e.energy_scale = n.at("energy_scale").get<double>();
      e.energy_shift = n.at("energy_shift").get<double>();
      e.input_offset = n.at("input_offset").get<double>();
      sizes[z] = n.at("layers").get<std::vector<int>>();
      for (const auto& a : n.at("activations")) {
        try {
          activations[z].push_back(activation_from_name(a.get<std::string>()));
        } catch (const InputError& ex) {
          throw InputError(ex.message(), source, 0, "networks/" + symbol + "/activations");
        }
      }
      if (sizes[z].empty() || sizes[z].front() != static_cast<int>(h.descriptor->size(z)))
        throw InputError("network of " + symbol + " does not take the " + std::to_string(h.descriptor->size(z)) +
                             " descriptor values of the element",
                         source, 0, "networks/" + symbol + "/layers");
      const DenseNetwork check(sizes[z], activations[z]);  // the architecture is valid (else InputError)
      (void)check;
      e.committee.resize(members);
    }
    if (nets.size() != h.species.size())
      throw InputError("\"networks\" has entries for elements not in \"species\"", source, 0, "networks");
    std::set<std::string> seen;
    detail::for_each_model_array(reader, source, [&](const NamedArray& a, const std::string& where) {
      const auto bad = [&](const std::string& why) { return InputError("array '" + a.name + "' " + why, where, 0, a.name); };
      if (!seen.insert(a.name).second) throw bad("appears twice");
      if (a.shape.size() != 1) throw bad("must have rank 1");
      const std::size_t slash = a.name.find('/');
      if (slash == std::string::npos) throw bad("is unknown");
      const std::string kind = a.name.substr(0, slash);
      std::string rest = a.name.substr(slash + 1), member;
      if (kind == "weights") {
        const std::size_t s2 = rest.find('/');
        if (s2 == std::string::npos) throw bad("needs a member index (weights/<El>/<m>)");
        member = rest.substr(s2 + 1);
        rest = rest.substr(0, s2);
      } else if (kind != "input_shift" && kind != "input_scale") {
        throw bad("is unknown");
      }
      const int z = atomic_number(rest);
      if (z == 0 || !elements.count(z)) throw bad("is not for an element of \"species\"");
      BpnnElement& e = elements[z];
      const Eigen::Map<const Eigen::VectorXd> v(a.data.data(), static_cast<Eigen::Index>(a.data.size()));
      if (kind != "weights") {
        if (a.data.size() != h.descriptor->size(z))
          throw bad("has " + std::to_string(a.data.size()) + " values, the descriptor of the element " +
                    std::to_string(h.descriptor->size(z)));
        (kind == "input_shift" ? e.input_shift : e.input_scale) = v;
        return;
      }
      std::size_t m = members;
      if (member.empty() || member.size() > 6 || !std::all_of(member.begin(), member.end(), ::isdigit) ||
          (m = std::stoul(member)) >= members || std::to_string(m) != member)
        throw bad("has a member index outside 0.." + std::to_string(members - 1));
      DenseNetwork net(sizes[z], activations[z]);
      if (a.data.size() != net.parameter_count())
        throw bad("has " + std::to_string(a.data.size()) + " values, the architecture " +
                  std::to_string(net.parameter_count()));
      net.set_parameters(a.data.data());
      e.committee[m] = std::move(net);
    });
    for (const auto& [z, e] : elements) {
      const std::string symbol = element_symbol(z);
      if (!seen.count("input_shift/" + symbol) || !seen.count("input_scale/" + symbol))
        throw InputError("no input scaling for " + symbol, source, 0, "input_shift");
      for (std::size_t m = 0; m < members; ++m)
        if (!seen.count("weights/" + symbol + "/" + std::to_string(m)))
          throw InputError("no weights for member " + std::to_string(m) + " of " + symbol, source, 0, "weights");
    }
    auto model = std::make_unique<BpnnModel>(h.descriptor, std::move(elements));
    model->set_spec(source);
    detail::read_inner_cutoff(reader.header().json, source, *model);
    return model;
  } catch (const json::exception& ex) {
    throw InputError(std::string("model header: ") + ex.what(), source, 0, "header");
  } catch (const InputError& ex) {
    if (!ex.source().empty()) throw;
    throw InputError(ex.message(), source, ex.line(), ex.field());
  }
}

}  // namespace mlp
