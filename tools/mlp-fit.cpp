// mlp-fit: fit a model to labelled structures (energies, forces, stress) and write it as a model file (MODL).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "common/presets.hpp"
#include "common/progress.hpp"
#include "common/tool.hpp"
#include "mlp/core/elements.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/fit/linear_fit.hpp"
#include "mlp/fit/provenance.hpp"
#include "mlp/model/linear_model.hpp"
#include "mlp/model/model_file.hpp"
#include "mlp/util/error.hpp"

namespace {

const char* kDescription =
    "Fit a machine-learned interatomic potential to structures labelled with energies, forces and stresses "
    "(extended XYZ), and write it as a model file for mlp-eval, mlp-md and mlp-check. Model type linear: "
    "E = sum over atoms of w_Z.q_i + E_Z on per-atom descriptors q (ACSF, SOAP), ridge regression on energy per "
    "atom, force components and virial per atom, each residual divided by its sigma.";

const char* kExamples =
    "  mlp-fit --preset acsf-small train.xyz -o si.mlp\n"
    "  mlp-fit --params acsf.json --valid-fraction 0.1 --seed 7 --lambda auto train.xyz -o si.mlp\n"
    "  mlp-fit --preset soap-small --valid test.xyz --force-sigma 0.05 --sigma Liquid:force=0.2 train.xyz -o m.mlp\n"
    "  mlp-eval --model si.mlp test.xyz --table errors.tsv -o /dev/null\n";

struct Options {
  std::string model_type = "linear", preset, params, output, lambda = "1e-8";
  std::vector<std::string> inputs, valid, sigma_overrides;
  std::string energy_sigma = "0.001", force_sigma = "0.1", virial_sigma = "0.05";
  double valid_fraction = 0.0;
  std::uint64_t seed = 1;
  mlp::LabelKeys labels;
};

void read_all(const std::vector<std::string>& paths, mlp::TrainingData& data) {
  for (const std::string& path : paths) {
    if (path == "-")
      mlp::append_frames(std::cin, "-", data);
    else
      mlp::append_frames_from_file(path, data);
  }
}

std::string format_loss(const char* set, const mlp::LossTerms& t) {
  char line[256];
  std::snprintf(line, sizeof line, "  %-5s  energy %11.4g (%zu)   forces %11.4g (%zu)   virial %11.4g (%zu)   sum %11.4g",
                set, t.energy, t.n_energy, t.force, t.n_force, t.virial, t.n_virial, t.total());
  return line;
}

std::string format_lambda(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", x);
  return text;
}

int run(mlp::tool::Tool& tool, Options& o) {
  if (o.model_type != "linear")
    throw CLI::ValidationError("--model-type", "'" + o.model_type + "' is not available yet (available: linear)");
  mlp::LinearFitOptions fit;
  fit.labels = o.labels;
  fit.weights.defaults = {mlp::parse_sigma(o.energy_sigma, "energy-sigma"),
                          mlp::parse_sigma(o.force_sigma, "force-sigma"),
                          mlp::parse_sigma(o.virial_sigma, "virial-sigma")};
  for (const auto& text : o.sigma_overrides) fit.weights.add_override(text);
  fit.auto_lambda = o.lambda == "auto";
  if (!fit.auto_lambda) {
    std::size_t used = 0;
    try {
      fit.lambda = std::stod(o.lambda, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != o.lambda.size() || !(fit.lambda >= 0.0) || !std::isfinite(fit.lambda))
      throw CLI::ValidationError("--lambda", "must be a number >= 0 or 'auto', got '" + o.lambda + "'");
  }
  std::string params_source;
  const std::string params = mlp::tool::descriptor_params(o.preset, o.params, params_source);

  // Data: training files, then validation files (if any) after them in the same list of frames.
  mlp::TrainingData data;
  read_all(mlp::tool::inputs_or_stdin(o.inputs), data);
  const std::size_t n_train_files = data.files.size(), n_train_frames = data.frames.size();
  read_all(o.valid, data);
  mlp::Split split;
  if (!o.valid.empty()) {
    if (o.valid_fraction > 0.0) throw CLI::ValidationError("give either --valid or --valid-fraction, not both");
    for (std::size_t f = 0; f < data.frames.size(); ++f) (f < n_train_frames ? split.train : split.valid).push_back(f);
  } else {
    split = mlp::random_split(data.frames.size(), o.valid_fraction, o.seed);
  }
  const std::vector<int> species = mlp::species_of(data.frames);
  const std::shared_ptr<const mlp::Descriptor> descriptor = mlp::make_descriptor(params, species, params_source);
  const mlp::IsolatedAtomEnergies isolated =
      mlp::isolated_atom_energies(data.frames, split.train, species, descriptor->cutoff(), o.labels);

  std::size_t largest = 0;
  for (const auto& s : data.frames) largest = std::max(largest, s.size());
  const std::size_t parameters = mlp::linear_parameter_count(*descriptor, species);
  const double mib =
      static_cast<double>(mlp::linear_fit_memory_bytes(parameters, 0, largest)) / (1024.0 * 1024.0);
  std::string story = std::to_string(split.train.size()) + " training and " + std::to_string(split.valid.size()) +
                      " validation frames; descriptor " + descriptor->type() + " (" + descriptor_hash(*descriptor) +
                      "), " + std::to_string(parameters) + " weights; about " + format_lambda(mib) +
                      " MiB for the normal equations\n  isolated-atom energies:";
  for (const auto& kv : isolated.energy)
    story += " " + mlp::element_symbol(kv.first) + " " + format_lambda(kv.second) + " eV (" +
             isolated.origin.at(kv.first) + ")";
  tool.note(story);

  mlp::tool::Progress progress("mlp-fit: frames", split.train.size() + split.valid.size(), !tool.quiet());
  const mlp::LinearFitResult result =
      mlp::fit_linear(*descriptor, data.frames, split, isolated.energy, fit, [&] {
#pragma omp critical(mlp_fit_progress)
        progress.step();
      });
  progress.finish();
  auto model = std::make_unique<mlp::LinearModel>(descriptor, result.weights, isolated.energy);

  std::string report;
  for (const auto& trial : result.trials)
    report += "  lambda " + format_lambda(trial.lambda) + ": validation loss " + format_lambda(trial.valid.total()) +
              (trial.lambda == result.lambda ? "  <- chosen" : "") + "\n";
  report += "lambda " + format_lambda(result.lambda) + " (absolute " + format_lambda(result.lambda_absolute) +
            ", ridge term " + format_lambda(result.regularisation) + ")" +
            (result.jitter > 0 ? ", jitter " + format_lambda(result.jitter) : std::string()) +
            "\nloss terms (sum of (residual/sigma)^2, observations):\n" + format_loss("train", result.train);
  if (!split.valid.empty()) report += "\n" + format_loss("valid", result.valid);
  const mlp::ErrorTable train_errors = mlp::evaluate_errors(*model, data.frames, split.train, o.labels);
  const mlp::ErrorTable valid_errors = mlp::evaluate_errors(*model, data.frames, split.valid, o.labels);
  report += "\ntraining set errors:\n" + train_errors.human();
  if (!split.valid.empty()) report += "validation set errors:\n" + valid_errors.human();
  tool.note(report);

  mlp::FitProvenance provenance;
  provenance.tool = tool.name();
  provenance.version = MLP_VERSION " (git " MLP_GIT_HASH ")";
  provenance.command_line = tool.command_line();
  provenance.train_files.assign(data.files.begin(), data.files.begin() + static_cast<std::ptrdiff_t>(n_train_files));
  provenance.valid_files.assign(data.files.begin() + static_cast<std::ptrdiff_t>(n_train_files), data.files.end());
  provenance.valid_fraction = o.valid_fraction;
  provenance.seed = o.seed;
  provenance.options = &fit;
  provenance.fit = &result;
  provenance.isolated = &isolated;
  provenance.train_errors = &train_errors;
  provenance.valid_errors = &valid_errors;

  mlp::tool::Output out(o.output, true);
  mlp::save_model_file(out.stream(), *model, mlp::fit_provenance_json(provenance));
  out.commit();
  tool.note("model written to " + o.output);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  mlp::tool::Tool tool("mlp-fit", kDescription, kExamples);
  Options o;
  CLI::App& app = tool.app();
  app.add_option("inputs", o.inputs, "Training structures (extxyz[.gz]) with labels; '-' or none = stdin");
  app.add_option("-o,--output", o.output, "Model file to write (MODL container; '-' = stdout)")->required();
  app.add_option("--model-type", o.model_type, "Model type (linear)")->capture_default_str();
  app.add_option("--preset", o.preset, "Descriptor preset NAME (share/mlp/presets/NAME.json)");
  app.add_option("--params", o.params, "Descriptor parameters, a JSON file (ACSF or SOAP)");
  app.add_option("--valid", o.valid, "Validation structures (extxyz[.gz]), not used for fitting (repeatable)")
      ->type_size(1)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--valid-fraction", o.valid_fraction, "Fraction of the frames held out for validation, in [0,1)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the random train/validation split")->capture_default_str();
  app.add_option("--lambda", o.lambda,
                 "Ridge parameter relative to mean diag(A^T A), >= 0, or 'auto' (grid 0, 1e-12..1e-1 on the "
                 "validation loss)")
      ->capture_default_str();
  app.add_option("--energy-sigma", o.energy_sigma, "Sigma of the energy per atom (eV/atom), or 'off'")
      ->capture_default_str();
  app.add_option("--force-sigma", o.force_sigma, "Sigma of force components (eV/Å), or 'off'")->capture_default_str();
  app.add_option("--virial-sigma", o.virial_sigma, "Sigma of virial components per atom (eV/atom), or 'off'")
      ->capture_default_str();
  app.add_option("--sigma", o.sigma_overrides,
                 "Per config_type sigmas CONFIG_TYPE:KEY=S,... with KEY energy, force or virial (units as above; "
                 "repeatable)")
      ->type_size(1)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--energy-key", o.labels.energy, "Reference energy key (eV)")->capture_default_str();
  app.add_option("--forces-key", o.labels.forces, "Reference forces key (eV/Å)")->capture_default_str();
  app.add_option("--stress-key", o.labels.stress, "Reference stress key (eV/Å^3, ASE sign)")->capture_default_str();
  app.add_option("--virial-key", o.labels.virial, "Reference virial key (eV), used without stress")
      ->capture_default_str();
  tool.add_threads_option();
  return tool.run(argc, argv, [&] { return run(tool, o); });
}
