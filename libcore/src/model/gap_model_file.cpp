// GAP model files: the MODL container with "model_type": "gap" (layout in mlp/model/gap_model.hpp).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "mlp/core/elements.hpp"
#include "mlp/model/gap_model.hpp"
#include "mlp/model/model_baseline.hpp"
#include "mlp/util/error.hpp"
#include "model_file_support.hpp"

namespace mlp {

namespace {

using nlohmann::json;

// Same record type as the linear model's arrays (mlp/model/model_file.hpp: kModelArrayRecord).
constexpr std::uint32_t kArrayRecord = 1;

NamedArray matrix_array(const std::string& name, const Eigen::MatrixXd& m) {
  NamedArray a{name, {static_cast<std::uint64_t>(m.rows()), static_cast<std::uint64_t>(m.cols())}, {}};
  a.data.reserve(static_cast<std::size_t>(m.size()));
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) a.data.push_back(m(r, c));  // C order
  return a;
}

Eigen::MatrixXd array_matrix(const NamedArray& a) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(a.shape[0]), static_cast<Eigen::Index>(a.shape[1]));
  std::size_t k = 0;
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) m(r, c) = a.data[k++];
  return m;
}

// The two-body term from its header object and its "two_body/..." arrays (all of them must be used).
std::shared_ptr<const GapTwoBody> read_two_body(const json& h, std::map<std::string, Eigen::VectorXd>& arrays,
                                                const std::string& source) {
  if (h.at("kernel").get<std::string>() != "squared_exponential")
    throw InputError("unknown two-body kernel " + h.at("kernel").dump(), source, 0, "two_body.kernel");
  GapTwoBodyKernel k;
  k.delta = h.at("delta").get<double>();
  k.theta = h.at("theta").get<double>();
  k.cutoff = h.at("cutoff").get<double>();
  k.cutoff_width = h.at("cutoff_width").get<double>();
  std::map<ElementPair, GapPairSparseSet> pairs;
  for (const auto& kv : h.at("sparse_points").items()) {
    const std::size_t dash = kv.key().find('-');
    const int z1 = dash == std::string::npos ? 0 : atomic_number(kv.key().substr(0, dash));
    const int z2 = dash == std::string::npos ? 0 : atomic_number(kv.key().substr(dash + 1));
    if (z1 == 0 || z2 == 0 || z1 > z2)
      throw InputError("two-body pair '" + kv.key() + "' is not an element pair like Si-Si", source, 0,
                       "two_body.sparse_points");
    GapPairSparseSet& set = pairs[{z1, z2}];
    for (const auto& [kind, target] : {std::pair<const char*, Eigen::VectorXd*>{"sparse", &set.points},
                                       std::pair<const char*, Eigen::VectorXd*>{"alpha", &set.alpha}}) {
      const auto it = arrays.find(std::string("two_body/") + kind + "/" + kv.key());
      if (it == arrays.end())
        throw InputError("no two-body " + std::string(kind) + " array for " + kv.key(), source, 0, "two_body");
      *target = std::move(it->second);
      arrays.erase(it);
    }
    if (set.points.size() != kv.value().get<Eigen::Index>())
      throw InputError("two-body sparse point count of " + kv.key() + " does not match the header", source, 0,
                       "two_body.sparse_points");
  }
  if (!arrays.empty())
    throw InputError("two-body array '" + arrays.begin()->first + "' is for no pair of the header", source, 0,
                     "two_body");
  return std::make_shared<const GapTwoBody>(k, std::move(pairs), h.at("jitter").get<double>());
}

}  // namespace

void save_gap_model(std::ostream& out, const GapModel& model, const std::string& provenance_json,
                    const Model* baseline) {
  const json provenance = detail::parse_provenance(provenance_json);
  const Descriptor& d = model.descriptor();
  json header;
  header["model_type"] = "gap";
  header["descriptor"] = json::parse(d.to_json());
  header["descriptor_hash"] = descriptor_hash(d);
  json species = json::array(), energies = json::object(), counts = json::object();
  for (int z : model.species()) {
    species.push_back(element_symbol(z));
    energies[element_symbol(z)] = model.isolated_energies().at(z);
    counts[element_symbol(z)] = model.sparse().at(z).points.rows();
  }
  header["species"] = species;
  header["isolated_atom_energies"] = energies;
  header["sparse_points"] = counts;
  header["kernel"] = {{"type", "dot_product"}, {"delta", model.kernel().delta}, {"zeta", model.kernel().zeta}};
  header["jitter"] = model.jitter();
  header["units"] = {{"energy", "eV"},
                     {"length", "Angstrom"},
                     {"isolated_atom_energies", "eV"},
                     {"delta", "eV"},
                     {"alpha", "dimensionless (E = delta^2 sum alpha k)"},
                     {"sparse", "normalised descriptor rows"}};
  header["provenance"] = provenance;
  if (baseline) header["baseline"] = json::parse(baseline_header_json(*baseline));
  std::uint32_t version = detail::write_inner_cutoff(header, model, baseline ? kBaselineFileVersion : 1);
  if (const GapTwoBody* tb = model.two_body()) {
    const GapTwoBodyKernel& k = tb->kernel();
    json counts2 = json::object();
    for (const auto& kv : tb->pairs()) counts2[element_pair_name(kv.first)] = kv.second.points.size();
    header["two_body"] = {{"kernel", "squared_exponential"}, {"delta", k.delta},          {"theta", k.theta},
                          {"cutoff", k.cutoff},             {"cutoff_width", k.cutoff_width}, {"jitter", tb->jitter()},
                          {"sparse_points", counts2}};
    version = std::max(version, kGapTwoBodyFileVersion);
  }
  ContainerWriter writer(out, "MODL", version, header.dump());
  for (int z : model.species()) {
    const GapSparseSet& set = model.sparse().at(z);
    writer.write_record(kArrayRecord, encode_array(matrix_array("sparse/" + element_symbol(z), set.points)));
    NamedArray alpha{"alpha/" + element_symbol(z), {static_cast<std::uint64_t>(set.alpha.size())},
                     std::vector<double>(set.alpha.data(), set.alpha.data() + set.alpha.size())};
    writer.write_record(kArrayRecord, encode_array(alpha));
  }
  if (const GapTwoBody* tb = model.two_body())
    for (const auto& kv : tb->pairs()) {
      const std::string name = element_pair_name(kv.first);
      for (const auto& [kind, v] : {std::pair<const char*, const Eigen::VectorXd*>{"sparse", &kv.second.points},
                                    std::pair<const char*, const Eigen::VectorXd*>{"alpha", &kv.second.alpha}})
        writer.write_record(kArrayRecord, encode_array(NamedArray{std::string("two_body/") + kind + "/" + name,
                                                                  {static_cast<std::uint64_t>(v->size())},
                                                                  std::vector<double>(v->data(), v->data() + v->size())}));
    }
  if (model.posterior_r().size() > 0)
    writer.write_record(kArrayRecord, encode_array(matrix_array("posterior_r", model.posterior_r())));
  writer.finish();
}

std::unique_ptr<GapModel> load_gap_model(ContainerReader& reader, const std::string& source) {
  if (reader.header().version > kGapModelFileVersion)
    throw InputError("GAP model written by a newer mlp (format version " + std::to_string(reader.header().version) +
                         ", this reader knows <= " + std::to_string(kGapModelFileVersion) + ")",
                     source, 0, "version");
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
    if (field("model_type").get<std::string>() != "gap")
      throw InputError("not a GAP model (model_type " + field("model_type").dump() + ")", source, 0, "model_type");
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
    const json& k = field("kernel");
    if (k.at("type").get<std::string>() != "dot_product")
      throw InputError("unknown GAP kernel type " + k.at("type").dump(), source, 0, "kernel");
    GapKernel kernel;
    kernel.delta = k.at("delta").get<double>();
    kernel.zeta = k.at("zeta").get<int>();
    const double jitter = field("jitter").get<double>();

    std::map<int, GapSparseSet> sparse;
    std::map<int, bool> have_points, have_alpha;
    Eigen::MatrixXd posterior;
    std::map<std::string, Eigen::VectorXd> two_body_arrays;
    std::uint32_t type_id = 0;
    std::string payload;
    while (reader.next(type_id, payload)) {
      const std::string where = source + " record " + std::to_string(reader.records());
      if (type_id != kArrayRecord) {
        if (is_ancillary_record(type_id)) continue;
        throw InputError("unknown record type " + std::to_string(type_id) + " (written by a newer mlp?)", where);
      }
      const NamedArray a = decode_array(payload, where);
      const auto bad = [&](const std::string& why) { return InputError("array '" + a.name + "' " + why, where, 0, a.name); };
      if (a.name == "posterior_r") {
        if (posterior.size() > 0) throw bad("appears twice");
        if (a.shape.size() != 2 || a.shape[0] != a.shape[1] || a.shape[0] == 0) throw bad("must be a square matrix");
        posterior = array_matrix(a);
        continue;
      }
      if (a.name.rfind("two_body/", 0) == 0) {
        if (!header.contains("two_body")) throw bad("needs the header key \"two_body\"");
        if (a.shape.size() != 1) throw bad("must have rank 1");
        if (two_body_arrays.count(a.name)) throw bad("appears twice");
        two_body_arrays[a.name] = Eigen::Map<const Eigen::VectorXd>(a.data.data(), static_cast<Eigen::Index>(a.data.size()));
        continue;
      }
      const std::size_t slash = a.name.find('/');
      const std::string kind = slash == std::string::npos ? a.name : a.name.substr(0, slash);
      const int z = slash == std::string::npos ? 0 : atomic_number(a.name.substr(slash + 1));
      if ((kind != "sparse" && kind != "alpha")) throw bad("is unknown");
      if (z == 0 || std::find(species.begin(), species.end(), z) == species.end())
        throw bad("is not for an element of \"species\"");
      if (kind == "sparse") {
        if (have_points[z]) throw bad("appears twice");
        if (a.shape.size() != 2) throw bad("must have rank 2");
        sparse[z].points = array_matrix(a);
        have_points[z] = true;
      } else {
        if (have_alpha[z]) throw bad("appears twice");
        if (a.shape.size() != 1) throw bad("must have rank 1");
        sparse[z].alpha = Eigen::Map<const Eigen::VectorXd>(a.data.data(), static_cast<Eigen::Index>(a.data.size()));
        have_alpha[z] = true;
      }
    }
    for (int z : species)
      if (!have_points[z] || !have_alpha[z])
        throw InputError("no sparse points or weights for " + element_symbol(z), source, 0, "sparse");
    const json& counts = field("sparse_points");
    for (int z : species)
      if (counts.at(element_symbol(z)).get<Eigen::Index>() != sparse[z].points.rows())
        throw InputError("sparse point count of " + element_symbol(z) + " does not match the header", source, 0,
                         "sparse_points");
    std::shared_ptr<const GapTwoBody> two_body;
    if (header.contains("two_body")) two_body = read_two_body(header.at("two_body"), two_body_arrays, source);
    // The stored points are unit rows, which the constructor leaves untouched: the loaded model has the bits saved.
    auto model = std::make_unique<GapModel>(std::move(descriptor), kernel, std::move(sparse), std::move(energies),
                                            std::move(posterior), jitter, std::move(two_body));
    model->set_spec(source);
    detail::read_inner_cutoff(reader.header().json, source, *model);
    return model;
  } catch (const json::exception& e) {
    throw InputError(std::string("model header: ") + e.what(), source, 0, "header");
  } catch (const InputError& e) {
    if (!e.source().empty()) throw;
    throw InputError(e.message(), source, e.line(), e.field());
  }
}

}  // namespace mlp
