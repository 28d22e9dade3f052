#include "mlp/model/model_baseline.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "mlp/model/registry.hpp"
#include "mlp/model/sum_model.hpp"
#include "mlp/model/zbl.hpp"
#include "mlp/util/error.hpp"
#include "spec_support.hpp"

namespace mlp {

namespace {

using nlohmann::json;

const ModelInfo* registered(const std::string& name) {
  for (const auto& info : model_registry())
    if (info.name == name) return &info;
  return nullptr;
}

// A spec value as JSON: a number if the whole text is a finite decimal number, else the text.
json spec_value(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (end && *end == '\0' && end != text.c_str() && std::isfinite(x) && errno == 0 &&
      text.find_first_of("xXpP") == std::string::npos)
    return x;
  return text;
}

void add_term(const Model& term, json& out) {
  const ModelSpec spec = ModelSpec::parse(term.spec(), "baseline");
  if (!registered(spec.name) || spec.name != term.name())
    throw InputError("a baseline term must be a registered analytic model, not '" + term.spec() + "'", "", 0,
                     "baseline");
  if (out.contains(spec.name))
    throw InputError("baseline has two terms named '" + spec.name + "'", "", 0, "baseline");
  json params = json::object();
  for (const auto& [key, value] : spec.params) params[key] = spec_value(value);
  out[spec.name] = params;
}

}  // namespace

std::string baseline_header_json(const Model& baseline) {
  json out = json::object();
  if (const auto* sum = dynamic_cast<const SumModel*>(&baseline)) {
    for (const auto& t : sum->terms()) add_term(*t, out);
  } else {
    add_term(baseline, out);
  }
  return out.dump();
}

namespace {

std::vector<std::unique_ptr<Model>> baseline_terms(const std::string& baseline_json, const std::string& source) {
  const auto bad = [&](const std::string& why) { return InputError("\"baseline\": " + why, source, 0, "baseline"); };
  json value;
  try {
    value = json::parse(baseline_json);
  } catch (const json::exception& e) {
    throw bad(std::string("not valid JSON: ") + e.what());
  }
  if (!value.is_object() || value.empty()) throw bad("must be a non-empty object {\"<model>\": {parameters}}");
  std::vector<std::unique_ptr<Model>> terms;
  for (const auto& [name, params] : value.items()) {
    const ModelInfo* info = registered(name);
    if (!info) throw bad("unknown baseline model '" + name + "' (written by a newer mlp?)");
    if (!params.is_object()) throw bad("parameters of '" + name + "' must be an object");
    ModelSpec spec;
    spec.name = name;
    spec.source = source;
    for (const auto& [key, v] : params.items()) {
      if (v.is_number())
        spec.params.emplace_back(key, spec_support::format_real(v.get<double>()));
      else if (v.is_string())
        spec.params.emplace_back(key, v.get<std::string>());
      else
        throw bad("parameter '" + key + "' of '" + name + "' must be a number or a string");
    }
    try {
      terms.push_back(info->make(spec));
    } catch (const InputError& e) {
      throw InputError("\"baseline\": " + e.message(), source, 0, "baseline");
    }
  }
  return terms;
}

}  // namespace

std::unique_ptr<Model> baseline_from_header_json(const std::string& baseline_json, const std::string& source) {
  std::vector<std::unique_ptr<Model>> terms = baseline_terms(baseline_json, source);
  if (terms.size() == 1) return std::move(terms.front());
  return std::make_unique<SumModel>(std::move(terms));
}

std::unique_ptr<Model> attach_stored_baseline(std::unique_ptr<Model> learned, const std::string& header_json,
                                              const std::string& source) {
  json header;
  try {
    header = json::parse(header_json);
  } catch (const json::exception& e) {
    throw InputError(std::string("model header is not valid JSON: ") + e.what(), source, 0, "header");
  }
  if (!header.is_object() || !header.contains("baseline")) return learned;
  std::vector<std::unique_ptr<Model>> terms;
  terms.push_back(std::move(learned));
  for (auto& t : baseline_terms(header.at("baseline").dump(), source)) terms.push_back(std::move(t));
  auto model = std::make_unique<SumModel>(std::move(terms));
  model->set_spec(source);
  return model;
}

std::unique_ptr<Model> default_zbl_baseline(const std::vector<int>& species) {
  return std::make_unique<Zbl>(Zbl(Zbl::Parameters{}).resolved(species));
}

}  // namespace mlp
