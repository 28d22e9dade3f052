#include "mlp/fit/provenance.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mlp/core/elements.hpp"

namespace mlp {

namespace {

using nlohmann::json;

json files_json(const std::vector<TrainingData::File>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back({{"path", f.path}, {"fnv1a64", f.fnv1a}, {"frames", f.frames}});
  return out;
}

// JSON has no infinity: a term switched off ("off") is null.
json sigma_value(double s) { return std::isfinite(s) ? json(s) : json(nullptr); }

json sigmas_json(const Sigmas& s) {
  return {{"energy", sigma_value(s.energy)}, {"force", sigma_value(s.force)}, {"virial", sigma_value(s.virial)}};
}

json loss_json(const LossTerms& t) {
  return {{"energy", t.energy}, {"force", t.force},     {"virial", t.virial},
          {"n_energy", t.n_energy}, {"n_force", t.n_force}, {"n_virial", t.n_virial}};
}

json metrics_json(const ErrorTable& table) {
  const ErrorGroup& g = table.overall();
  json out = {{"frames", g.frames}};
  const auto put = [&](const char* name, const ErrorStat& s) {
    if (s.count == 0) return;
    out[std::string(name) + "_rmse"] = s.rmse();
    out[std::string(name) + "_mae"] = s.mae();
  };
  put("energy", g.energy);
  put("force", g.force);
  put("stress", g.stress);
  return out;
}

}  // namespace

std::string fit_provenance_json(const FitProvenance& p) {
  json out;
  out["tool"] = p.tool;
  out["version"] = p.version;
  out["command_line"] = p.command_line;
  out["data"] = {{"train", files_json(p.train_files)},
                 {"valid", files_json(p.valid_files)},
                 {"valid_fraction", p.valid_fraction},
                 {"seed", p.seed}};
  json fit = json::object();
  if (p.fit) {
    fit["lambda"] = p.fit->lambda;
    fit["lambda_absolute"] = p.fit->lambda_absolute;
    fit["jitter"] = p.fit->jitter;
    fit["parameters"] = p.fit->parameters;
    fit["loss"] = {{"train", loss_json(p.fit->train)}, {"valid", loss_json(p.fit->valid)},
                   {"regularisation", p.fit->regularisation}, {"atomic_prior", p.fit->atomic_prior}};
  }
  if (p.gap_fit) {
    fit["jitter"] = p.gap_fit->jitter;
    fit["observations"] = p.gap_fit->observations;
    json sparse = json::object(), candidates = json::object();
    for (const auto& kv : p.gap_fit->sparse_points) sparse[element_symbol(kv.first)] = kv.second;
    for (const auto& kv : p.gap_fit->candidates) candidates[element_symbol(kv.first)] = kv.second;
    fit["sparse_points"] = sparse;
    fit["candidates"] = candidates;
    if (!p.gap_fit->two_body_sparse_points.empty()) {
      json pairs = json::object();
      for (const auto& kv : p.gap_fit->two_body_sparse_points) pairs[element_pair_name(kv.first)] = kv.second;
      fit["two_body_sparse_points"] = pairs;
    }
    fit["loss"] = {{"train", loss_json(p.gap_fit->train)}, {"valid", loss_json(p.gap_fit->valid)},
                   {"regularisation", p.gap_fit->regularisation}};
  }
  const LossWeights* weights = p.options ? &p.options->weights : p.gap_options ? &p.gap_options->weights : nullptr;
  if (weights) {
    json sigmas = sigmas_json(weights->defaults);
    sigmas["units"] = {{"energy", "eV/atom"}, {"force", "eV/Angstrom"}, {"virial", "eV/atom"}};
    json by = json::object();
    for (const auto& kv : weights->resolved()) by[kv.first] = sigmas_json(kv.second);
    sigmas["by_config_type"] = by;
    fit["sigmas"] = sigmas;
  }
  if (p.options) {
    fit["lambda_auto"] = p.options->auto_lambda;
    // null when there is no prior (JSON has no infinity).
    if (std::isfinite(p.options->atomic_energy_sigma))
      fit["atomic_energy_sigma"] = p.options->atomic_energy_sigma;
    else
      fit["atomic_energy_sigma"] = nullptr;
  }
  if (p.gap_options) {
    fit["delta"] = p.gap_options->kernel.delta;
    fit["zeta"] = p.gap_options->kernel.zeta;
    fit["selection"] = to_string(p.gap_options->selection);
    if (const auto& tb = p.gap_options->two_body)
      fit["two_body"] = {{"delta", tb->kernel.delta},   {"theta", tb->kernel.theta},
                         {"cutoff", tb->kernel.cutoff}, {"cutoff_width", tb->kernel.cutoff_width},
                         {"sparse_points", tb->sparse_points}};
  }
  if (p.isolated) {
    json origin = json::object();
    for (const auto& kv : p.isolated->origin) origin[element_symbol(kv.first)] = kv.second;
    fit["isolated_atom_energies_origin"] = origin;
  }
  out["fit"] = fit;
  json metrics = json::object();
  metrics["units"] = {{"energy", "eV/atom"}, {"force", "eV/Angstrom"}, {"stress", "eV/Angstrom^3"}};
  if (p.train_errors) metrics["train"] = metrics_json(*p.train_errors);
  if (p.valid_errors && p.valid_errors->overall().frames > 0) metrics["valid"] = metrics_json(*p.valid_errors);
  out["metrics"] = metrics;
  return out.dump();
}

}  // namespace mlp
