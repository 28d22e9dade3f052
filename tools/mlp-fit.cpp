// mlp-fit: fit a model to labelled structures (energies, forces, stress) and write it as a model file (MODL).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/fit_bpnn.hpp"
#include "common/presets.hpp"
#include "common/progress.hpp"
#include "common/tool.hpp"
#include "mlp/core/elements.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/baseline.hpp"
#include "mlp/fit/bpnn_fit.hpp"
#include "mlp/fit/dataset.hpp"
#include "mlp/fit/charge_fit.hpp"
#include "mlp/fit/gap_fit.hpp"
#include "mlp/fit/inner_cutoff_fit.hpp"
#include "mlp/fit/linear_fit.hpp"
#include "mlp/fit/provenance.hpp"
#include "mlp/model/bpnn_model_file.hpp"
#include "mlp/model/gap_model.hpp"
#include "mlp/model/learned_charges_file.hpp"
#include "mlp/model/linear_model.hpp"
#include "mlp/model/model_file.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"

namespace {

const char* kDescription =
    "Fit a machine-learned interatomic potential to structures labelled with energies, forces and stresses "
    "(extended XYZ), and write it as a model file for mlp-eval, mlp-md and mlp-check. Model types: linear, "
    "E = sum over atoms of w_Z.q_i + E_Z on per-atom descriptors q (ACSF, SOAP), by ridge regression; gap, a sparse "
    "Gaussian process with the SOAP kernel delta^2 (q.x)^zeta on sparse points (CUR, FPS or random), optionally plus a "
    "two-body distance kernel (--two-body), with predictive variance; bpnn, a Behler-Parrinello neural network (one feed-forward network per element on standardised "
    "descriptors, trained with Adam and L-BFGS, optionally a committee). "
    "Energy per atom, force components and virial per atom enter the loss, each divided by its sigma. "
    "By default the model is Δ-learned on top of ZBL core repulsion, switched on fully below 0.8 times the "
    "shortest distance of each element pair in the input frames and off from that distance on (--zbl-radii "
    "covalent: between 0.5 and 0.8 times the sum of the covalent radii): the ZBL energy, forces and virial are "
    "subtracted from the labels, "
    "the remainder is fitted, and the model file stores ZBL so that the loaded model is learned + ZBL "
    "(reported as its own term); --no-zbl fits the labels as they are. "
    "Linear models also get an inner cutoff by default (--inner-cutoff for the other types, --no-inner-cutoff "
    "for none): each atom's learned energy is blended towards its free-atom value (keeping only a repulsive "
    "part) when a neighbour comes closer than the shortest distance of that element pair in the training data "
    "(over the last --inner-width fraction of it), so the model cannot invent binding where it has seen no data.";

const char* kExamples =
    "  mlp-fit --preset acsf-small train.xyz -o si.mlp\n"
    "  mlp-fit --params acsf.json --valid-fraction 0.1 --seed 7 --lambda auto train.xyz -o si.mlp\n"
    "  mlp-fit --model-type gap --preset soap-default --sparse-points 1000 --valid-fraction 0.1 train.xyz -o gap.mlp\n"
    "  mlp-fit --model-type gap --preset soap-default --two-body --two-body-delta 2 train.xyz -o gap2b.mlp\n"
    "  mlp-fit --preset acsf-small --no-zbl train.xyz -o plain.mlp     # no ZBL baseline\n"
    "  mlp-fit --model-type charges --preset acsf-small --charges-key hirshfeld_charges train.xyz -o q.mlp\n"
    "  mlp-fit --preset acsf-small --long-range q.mlp train.xyz -o short.mlp   # then: mlp-eval -m short.mlp+q.mlp\n"
    "  mlp-fit --preset soap-small --valid test.xyz --force-sigma 0.05 --sigma Liquid:force=0.2 train.xyz -o m.mlp\n"
    "  mlp-fit --model-type bpnn --preset acsf-default --layers 25,25 --valid-fraction 0.1 --epochs 100 \\\n"
    "          --lbfgs-iterations 200 --log curve.tsv --plot curve.svg train.xyz -o nn.mlp\n"
    "  mlp-fit --model-type bpnn --preset acsf-small --committee 4 --checkpoint nn.ckpt train.xyz -o nn.mlp\n"
    "  mlp-fit --model-type bpnn --init-model nn.mlp --lbfgs-iterations 2000 train.xyz -o nn2.mlp  # warm start\n"
    "  mlp-eval --model si.mlp test.xyz --table errors.tsv -o /dev/null\n";

struct Options {
  std::string model_type = "linear", preset, params, output, lambda = "1e-8";
  std::string atomic_energy_sigma = "10";  // linear: eV, or "none"
  std::vector<std::string> inputs, valid, sigma_overrides;
  std::string energy_sigma = "0.001", force_sigma = "0.1", virial_sigma = "0.05";
  double valid_fraction = 0.0;
  std::uint64_t seed = 1;
  std::size_t sparse_points = 100;  // GAP, per element
  std::string sparse_method = "cur";
  double delta = 1.0, jitter = 1e-8;  // eV; relative to delta^2
  int zeta = 4;
  bool two_body = false;  // GAP: add the two-body distance kernel
  mlp::GapTwoBodyFitOptions two_body_options;  // library defaults (mlp/model/gap_two_body.hpp)
  double two_body_cutoff = 0.0;  // Å; 0: the descriptor's cutoff
  mlp::LabelKeys labels;
  bool no_zbl = false;  // fit the labels as they are, store no baseline
  std::string zbl_radii = "data";  // ZBL switching radii: from the data's shortest distances, or covalent radii
  bool inner_cutoff = false;     // blend the learned part out below the shortest distances of the data
  bool no_inner_cutoff = false;  // not even by default (linear models with the atomic-energy prior)
  double inner_width = 0.2;      // inner cutoff: r_in = (1 - width) × shortest distance in the data
  mlp::tool::BpnnCliOptions bpnn;  // --model-type bpnn
  std::string long_range;  // a model (file) subtracted from the labels and not stored: evaluate OUT+LONG_RANGE
  // Learned charges (--model-type charges).
  std::string charges_key;
  double hardness = 10.0;                // eV/e², every element without --hardness-of
  std::vector<std::string> hardness_of;  // "O=12" (eV/e²)
  double qmax = 3.0;                     // e
  double charge_width = 1.0;             // Å, Gaussian width σ of every charge
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

mlp::LossWeights loss_weights(const Options& o) {
  mlp::LossWeights w;
  w.defaults = {mlp::parse_sigma(o.energy_sigma, "energy-sigma"), mlp::parse_sigma(o.force_sigma, "force-sigma"),
                mlp::parse_sigma(o.virial_sigma, "virial-sigma")};
  for (const auto& text : o.sigma_overrides) w.add_override(text);
  return w;
}

/// Everything both model types share: frames, split, descriptor, isolated-atom energies.
struct Problem {
  mlp::TrainingData data;
  std::size_t n_train_files = 0;
  mlp::Split split;
  std::vector<int> species;
  std::shared_ptr<const mlp::Descriptor> descriptor;
  mlp::IsolatedAtomEnergies isolated;
  std::size_t largest = 0;  // atoms in the largest frame
  mlp::tool::InitModels init;  // bpnn --init-model (warm start)
};

/// A fitted model, what to tell the user about the fit, and how to write it.
struct Fitted {
  std::unique_ptr<mlp::Model> model;
  std::string report;
  std::function<void(std::ostream&, const std::string& provenance, const mlp::Model* baseline)> save;
};

Fitted fit_linear_model(const Options& o, const Problem& p, mlp::tool::Progress& progress,
                        mlp::FitProvenance& provenance, mlp::LinearFitOptions& fit, mlp::LinearFitResult& result) {
  fit.labels = o.labels;
  fit.weights = loss_weights(o);
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
  if (o.atomic_energy_sigma == "none") {
    fit.atomic_energy_sigma = std::numeric_limits<double>::infinity();
  } else {
    std::size_t used = 0;
    try {
      fit.atomic_energy_sigma = std::stod(o.atomic_energy_sigma, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != o.atomic_energy_sigma.size() || !(fit.atomic_energy_sigma > 0.0) ||
        !std::isfinite(fit.atomic_energy_sigma))
      throw CLI::ValidationError("--atomic-energy-sigma",
                                 "must be a number > 0 (eV) or 'none', got '" + o.atomic_energy_sigma + "'");
  }
  result = mlp::fit_linear(*p.descriptor, p.data.frames, p.split, p.isolated.energy, fit, [&] {
#pragma omp critical(mlp_fit_progress)
    progress.step();
  });
  auto model = std::make_unique<mlp::LinearModel>(p.descriptor, result.weights, p.isolated.energy);
  std::string report;
  for (const auto& trial : result.trials)
    report += "  lambda " + format_lambda(trial.lambda) + ": validation loss " + format_lambda(trial.valid.total()) +
              (trial.lambda == result.lambda ? "  <- chosen" : "") + "\n";
  report += "lambda " + format_lambda(result.lambda) + " (absolute " + format_lambda(result.lambda_absolute) +
            ", ridge term " + format_lambda(result.regularisation) + ", atomic-energy prior " +
            format_lambda(result.atomic_prior) + ")" +
            (result.jitter > 0 ? ", jitter " + format_lambda(result.jitter) : std::string()) +
            "\nloss terms (sum of (residual/sigma)^2, observations):\n" + format_loss("train", result.train);
  if (!p.split.valid.empty()) report += "\n" + format_loss("valid", result.valid);
  provenance.options = &fit;
  provenance.fit = &result;
  const mlp::LinearModel* raw = model.get();
  return {std::move(model), report,
          [raw](std::ostream& out, const std::string& prov, const mlp::Model* baseline) {
            mlp::save_model_file(out, *raw, prov, baseline);
          }};
}

Fitted fit_gap_model(const Options& o, const Problem& p, mlp::tool::Tool& tool, mlp::tool::Progress& progress,
                     mlp::FitProvenance& provenance, mlp::GapFitOptions& fit, mlp::GapFitResult& result) {
  fit.labels = o.labels;
  fit.weights = loss_weights(o);
  fit.kernel.delta = o.delta;
  fit.kernel.zeta = o.zeta;
  fit.sparse_points = o.sparse_points;
  fit.selection = mlp::parse_sparse_selection(o.sparse_method);
  fit.jitter = o.jitter;
  fit.seed = o.seed;
  std::size_t sparse_total = o.sparse_points * p.species.size();
  std::string two_body_note;
  if (o.two_body) {
    fit.two_body = o.two_body_options;
    fit.two_body->kernel.cutoff = o.two_body_cutoff > 0.0 ? o.two_body_cutoff : p.descriptor->cutoff();
    const std::size_t pairs = p.species.size() * (p.species.size() + 1) / 2;
    sparse_total += pairs * fit.two_body->sparse_points;
    const mlp::GapTwoBodyKernel& k = fit.two_body->kernel;
    two_body_note = "; two-body term: " + std::to_string(fit.two_body->sparse_points) + " distances per pair, delta " +
                    format_lambda(k.delta) + " eV, theta " + format_lambda(k.theta) + " Å, cutoff " +
                    format_lambda(k.cutoff) + " Å (width " + format_lambda(k.cutoff_width) + " Å)";
  }
  std::size_t atoms = 0, d = 0;
  for (std::size_t f : p.split.train) atoms += p.data.frames[f].size();
  for (int z : p.species) d = std::max(d, p.descriptor->size(z));
  const double mib =
      static_cast<double>(mlp::gap_fit_memory_bytes(sparse_total, d, atoms, 0, p.largest)) / (1024.0 * 1024.0);
  tool.note("GAP: up to " + std::to_string(o.sparse_points) + " sparse points per element (" + o.sparse_method +
            "), delta " + format_lambda(o.delta) + " eV, zeta " + std::to_string(o.zeta) + two_body_note +
            "; about " + format_lambda(mib) + " MiB at the peak of the fit");
  result = mlp::fit_gap(p.descriptor, p.data.frames, p.split, p.isolated.energy, fit, [&] { progress.step(); });
  std::string report = "sparse points:";
  for (const auto& kv : result.sparse_points)
    report += " " + mlp::element_symbol(kv.first) + " " + std::to_string(kv.second) + " of " +
              std::to_string(result.candidates.at(kv.first)) + " distinct environments";
  for (const auto& kv : result.two_body_sparse_points)
    report += ", " + mlp::element_pair_name(kv.first) + " " + std::to_string(kv.second) + " distances";
  report += "; " + std::to_string(result.observations) + " observations, jitter " + format_lambda(result.jitter) +
            " eV^2, prior term " + format_lambda(result.regularisation) +
            "\nloss terms (sum of (residual/sigma)^2, observations):\n" + format_loss("train", result.train);
  if (!p.split.valid.empty()) report += "\n" + format_loss("valid", result.valid);
  provenance.gap_options = &fit;
  provenance.gap_fit = &result;
  const mlp::GapModel* raw = result.model.get();
  std::unique_ptr<mlp::Model> model = std::move(result.model);
  return {std::move(model), report,
          [raw](std::ostream& out, const std::string& prov, const mlp::Model* baseline) {
            mlp::save_gap_model(out, *raw, prov, baseline);
          }};
}

Fitted fit_charge_model(const Options& o, const Problem& p, mlp::tool::Progress& progress,
                        mlp::ChargeFitOptions& fit, mlp::ChargeFitResult& result) {
  fit.charges_key = o.charges_key;
  fit.default_hardness = o.hardness;
  for (const std::string& text : o.hardness_of) {
    const auto eq = text.find('=');
    const int z = eq == std::string::npos ? 0 : mlp::atomic_number(text.substr(0, eq));
    double value = 0.0;
    try {
      value = z ? std::stod(text.substr(eq + 1)) : 0.0;
    } catch (const std::exception&) {
      value = 0.0;
    }
    if (z == 0 || !(value > 0.0)) throw CLI::ValidationError("--hardness-of", "expected ELEMENT=J with J > 0 (eV/e^2), got '" + text + "'");
    fit.hardness[z] = value;
  }
  fit.qmax = o.qmax;
  fit.electrostatics.sigma = o.charge_width;
  fit.electrostatics.rcut = std::max(fit.electrostatics.rcut, 12.0 * o.charge_width);
  if (!(o.hardness > 0.0) || !(o.qmax > 0.0) || !(o.charge_width > 0.0))
    throw CLI::ValidationError("--hardness, --qmax and --charge-width must be > 0");
  auto model = mlp::fit_learned_charges(p.descriptor, p.data.frames, p.split, fit, result, [&] { progress.step(); });
  char line[256];
  std::snprintf(line, sizeof line,
                "learned charges (reference key %s): RMSE train %.4f e over %zu atoms, validation %s after %d "
                "Gauss-Newton steps",
                result.charges_key.c_str(), result.rmse_train, result.atoms_train,
                result.atoms_valid ? (std::to_string(result.rmse_valid).substr(0, 6) + " e over " +
                                      std::to_string(result.atoms_valid) + " atoms").c_str()
                                   : "-",
                result.iterations);
  const mlp::LearnedCharges* raw = model.get();
  return {std::move(model), line, [raw](std::ostream& out, const std::string& prov, const mlp::Model*) {
            mlp::save_learned_charges(out, *raw, prov);
          }};
}

Fitted fit_bpnn_model(const Options& o, const Problem& p, const mlp::tool::Tool& tool, mlp::BpnnFitOptions& fit,
                      mlp::BpnnFitResult& result) {
  fit = mlp::tool::bpnn_fit_options(o.bpnn);
  fit.weights = loss_weights(o);
  fit.labels = o.labels;
  fit.seed = o.seed;
  fit.initial = p.init.bpnn;
  for (const std::string& spec : o.bpnn.init_models) tool.note("warm start from " + spec);
  std::string layers;
  for (int h : fit.hidden) layers += (layers.empty() ? "" : ",") + std::to_string(h);
  tool.note("BPNN: hidden layers " + layers + " (" + o.bpnn.activation + "), optimizer " + o.bpnn.optimizer +
            ", committee " + std::to_string(fit.committee));
  result = mlp::tool::run_bpnn_fit(o.bpnn, fit, p.descriptor, p.data.frames, p.split, p.isolated.energy,
                                   !tool.quiet(), [&tool](const std::string& text) { tool.note(text); });
  const mlp::BpnnModel* raw = result.model.get();
  std::unique_ptr<mlp::Model> model = std::move(result.model);
  return {std::move(model), mlp::tool::bpnn_report(result, std::max(fit.member, 0)),
          [raw, &o, &fit, &result](std::ostream& out, const std::string& prov, const mlp::Model* baseline) {
            mlp::save_bpnn_model(out, *raw, mlp::tool::bpnn_provenance(prov, o.bpnn, fit, result), baseline);
          }};
}

// The inner cutoff is on by default for linear models with the atomic-energy prior: the prior makes their atomic
// energies an even, meaningful split, and without it the linear model's dimers dive just inside the data
// (bench/README.md, guardrails). GAP's kernel falls back to its prior mean away from the data by itself, and a BPNN
// with an inner cutoff ran away in 3000 K MD where it did not without one: off for them unless asked.
bool wants_inner_cutoff(const Options& o) {
  if (o.inner_cutoff && o.no_inner_cutoff)
    throw CLI::ValidationError("--inner-cutoff", "give either --inner-cutoff or --no-inner-cutoff, not both");
  if (o.inner_cutoff || o.no_inner_cutoff) return o.inner_cutoff;
  return o.model_type == "linear" && o.atomic_energy_sigma != "none";
}

int run(mlp::tool::Tool& tool, Options& o) {
  if (o.model_type != "linear" && o.model_type != "gap" && o.model_type != "charges" && o.model_type != "bpnn")
    throw CLI::ValidationError("--model-type",
                               "'" + o.model_type + "' is not available (available: linear, gap, charges, bpnn)");
  if (!o.bpnn.init_models.empty() && o.model_type != "bpnn")
    throw CLI::ValidationError("--init-model", "needs --model-type bpnn");
  Problem p;
  if (!o.bpnn.init_models.empty()) {  // first: its committee size is the default that --member is checked against
    p.init = mlp::tool::load_init_models(o.bpnn.init_models);
    mlp::tool::take_init_model_defaults(o.bpnn, p.init);
  }
  if (o.model_type == "bpnn") mlp::tool::bpnn_fit_options(o.bpnn);  // usage errors before any data is read
  if (o.two_body && o.model_type != "gap") throw CLI::ValidationError("--two-body", "needs --model-type gap");
  const bool inner_cutoff = wants_inner_cutoff(o);
  if (o.two_body && inner_cutoff)
    throw CLI::ValidationError("--two-body", "cannot be combined with --inner-cutoff (the inner cutoff blends each "
                                             "atom's descriptor energy; the pair term is not part of it)");
  if (o.model_type == "gap") try {
      mlp::parse_sparse_selection(o.sparse_method);
    } catch (const mlp::InputError& e) {
      throw CLI::ValidationError("--sparse-method", e.message());
    }
  // A warm start describes with its model's descriptor unless told otherwise (then the two must agree).
  const bool init_descriptor = !p.init.bpnn.empty() && o.preset.empty() && o.params.empty();
  std::string params_source;
  const std::string params =
      init_descriptor ? std::string() : mlp::tool::descriptor_params(o.preset, o.params, params_source);

  // Data: training files, then validation files (if any) after them in the same list of frames.
  read_all(mlp::tool::inputs_or_stdin(o.inputs), p.data);
  p.n_train_files = p.data.files.size();
  const std::size_t n_train_frames = p.data.frames.size();
  read_all(o.valid, p.data);
  if (!o.valid.empty()) {
    if (o.valid_fraction > 0.0) throw CLI::ValidationError("give either --valid or --valid-fraction, not both");
    for (std::size_t f = 0; f < p.data.frames.size(); ++f)
      (f < n_train_frames ? p.split.train : p.split.valid).push_back(f);
  } else {
    p.split = mlp::random_split(p.data.frames.size(), o.valid_fraction, o.seed);
  }
  p.species = mlp::species_of(p.data.frames);
  p.descriptor =
      init_descriptor ? p.init.bpnn.front()->descriptor_ptr() : mlp::make_descriptor(params, p.species, params_source);
  // Δ-learning (mlp/fit/baseline.hpp): the labels become reference − ZBL before anything is fitted to them, so
  // the isolated-atom energies, the fit and the error tables below all refer to the remainder (errors of the
  // learned term against it are those of learned + ZBL against the reference).
  std::unique_ptr<mlp::Model> baseline;
  std::string baseline_story = o.model_type == "charges" ? "charges fitted to reference charges (no baseline)"
                                                          : "no baseline (--no-zbl)";
  if (!o.long_range.empty()) {
    // A long-range model fitted before (learned charges): the short-range model learns what it leaves.
    const std::unique_ptr<mlp::Model> long_range = mlp::make_model(o.long_range);
    const mlp::BaselineSubtraction sub = mlp::subtract_baseline(*long_range, p.data.frames, o.labels);
    tool.note("long-range model " + o.long_range + " subtracted from the labels of " + std::to_string(sub.frames) +
              " frames; evaluate the result as " + o.output + "+" + o.long_range);
  }
  if (!o.no_zbl && o.model_type != "charges") {
    // Every element the model describes is guarded, also one the data lack (a warm start's model may have more):
    // pairs the frames do not hold take the covalent-radius defaults (mlp/model/zbl.hpp).
    std::vector<int> guarded = p.descriptor->elements();
    guarded.insert(guarded.end(), p.species.begin(), p.species.end());
    std::sort(guarded.begin(), guarded.end());
    guarded.erase(std::unique(guarded.begin(), guarded.end()), guarded.end());
    baseline = o.zbl_radii == "covalent"
                   ? mlp::default_zbl_baseline(guarded)
                   : mlp::data_zbl_baseline(p.data.frames, guarded, p.descriptor->cutoff());
    const mlp::BaselineSubtraction sub = mlp::subtract_baseline(*baseline, p.data.frames, o.labels);
    baseline_story = "baseline " + baseline->spec() + " subtracted from the labels of " +
                     std::to_string(sub.frames) + " frames (largest |E_zbl| " + format_lambda(sub.max_abs_energy) +
                     " eV)";
  }
  if (o.model_type != "charges")
    p.isolated = mlp::isolated_atom_energies(p.data.frames, p.split.train, p.species, p.descriptor->cutoff(), o.labels);
  for (const auto& s : p.data.frames) p.largest = std::max(p.largest, s.size());

  std::string story = std::to_string(p.split.train.size()) + " training and " + std::to_string(p.split.valid.size()) +
                      " validation frames; descriptor " + p.descriptor->type() + " (" +
                      descriptor_hash(*p.descriptor) + ")";
  if (o.model_type == "linear") {
    const std::size_t parameters = mlp::linear_parameter_count(*p.descriptor, p.species);
    const double mib =
        static_cast<double>(mlp::linear_fit_memory_bytes(parameters, 0, p.largest)) / (1024.0 * 1024.0);
    story += ", " + std::to_string(parameters) + " weights; about " + format_lambda(mib) +
             " MiB for the normal equations";
  }
  story += "\n  " + baseline_story;
  if (!p.isolated.energy.empty()) story += "\n  isolated-atom energies:";
  for (const auto& kv : p.isolated.energy)
    story += " " + mlp::element_symbol(kv.first) + " " + format_lambda(kv.second) + " eV (" +
             p.isolated.origin.at(kv.first) + ")";
  tool.note(story);

  mlp::FitProvenance provenance;
  mlp::LinearFitOptions linear_options;
  mlp::LinearFitResult linear_result;
  mlp::GapFitOptions gap_options;
  mlp::GapFitResult gap_result;
  mlp::ChargeFitOptions charge_options;
  mlp::ChargeFitResult charge_result;
  mlp::BpnnFitOptions bpnn_options;
  mlp::BpnnFitResult bpnn_result;
  mlp::tool::Progress progress("mlp-fit: frames", p.split.train.size() + p.split.valid.size(),
                               !tool.quiet() && o.model_type != "bpnn");  // bpnn: a bar over epochs instead
  Fitted fitted = o.model_type == "linear" ? fit_linear_model(o, p, progress, provenance, linear_options, linear_result)
                  : o.model_type == "gap"  ? fit_gap_model(o, p, tool, progress, provenance, gap_options, gap_result)
                  : o.model_type == "bpnn" ? fit_bpnn_model(o, p, tool, bpnn_options, bpnn_result)
                                           : fit_charge_model(o, p, progress, charge_options, charge_result);
  progress.finish();
  if (auto* learned = dynamic_cast<mlp::DescriptorModel*>(fitted.model.get()); learned && inner_cutoff) {
    // Set after the fit: r_out is the shortest distance in the data, so no training structure is affected.
    learned->set_inner_cutoff(
        mlp::data_inner_cutoff(p.data.frames, p.species, p.descriptor->cutoff(), o.inner_width));
    std::string ranges = "inner cutoff (learned energy off -> full, Å):";
    for (const auto& [pair, range] : learned->inner_cutoff().ranges())
      ranges += " " + mlp::element_symbol(pair.first) + "-" + mlp::element_symbol(pair.second) + " " +
                format_lambda(range.r_in) + "-" + format_lambda(range.r_out);
    tool.note(ranges);
  }

  // Energy and force errors of a charge model alone mean nothing (it is the long-range part only).
  const bool energies = o.model_type != "charges";
  const mlp::ErrorTable train_errors =
      energies ? mlp::evaluate_errors(*fitted.model, p.data.frames, p.split.train, o.labels) : mlp::ErrorTable{};
  const mlp::ErrorTable valid_errors =
      energies ? mlp::evaluate_errors(*fitted.model, p.data.frames, p.split.valid, o.labels) : mlp::ErrorTable{};
  std::string report = fitted.report;
  if (energies) report += "\ntraining set errors:\n" + train_errors.human();
  if (energies && !p.split.valid.empty()) report += "validation set errors:\n" + valid_errors.human();
  tool.note(report);

  provenance.tool = tool.name();
  provenance.version = MLP_VERSION " (git " MLP_GIT_HASH ")";
  provenance.command_line = tool.command_line();
  const auto split_at = p.data.files.begin() + static_cast<std::ptrdiff_t>(p.n_train_files);
  provenance.train_files.assign(p.data.files.begin(), split_at);
  provenance.valid_files.assign(split_at, p.data.files.end());
  provenance.valid_fraction = o.valid_fraction;
  provenance.seed = o.seed;
  provenance.isolated = &p.isolated;
  provenance.train_errors = &train_errors;
  provenance.valid_errors = &valid_errors;
  std::string provenance_json = mlp::fit_provenance_json(provenance);
  if (o.model_type == "charges") {
    nlohmann::json j = nlohmann::json::parse(provenance_json);
    j["charge_fit"] = {{"charges_key", charge_result.charges_key},
                       {"rmse_train_e", charge_result.rmse_train},
                       {"rmse_valid_e", charge_result.rmse_valid},
                       {"gauss_newton_steps", charge_result.iterations},
                       {"default_hardness_eV_per_e2", charge_options.default_hardness},
                       {"qmax_e", charge_options.qmax},
                       {"sigma_angstrom", charge_options.electrostatics.sigma}};
    provenance_json = j.dump();
  }

  mlp::tool::Output out(o.output, true);
  fitted.save(out.stream(), provenance_json, baseline.get());
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
  app.add_option("--model-type", o.model_type,
                 "Model type: linear (ridge), gap (sparse Gaussian process) or charges (learned electronegativities "
                 "+ charge equilibration, fitted to reference charges) or bpnn (Behler-Parrinello neural network)")
      ->capture_default_str();
  app.add_option("--preset", o.preset, "Descriptor preset NAME (share/mlp/presets/NAME.json)");
  app.add_option("--params", o.params,
                 "Descriptor parameters (ACSF or SOAP): a JSON file, or the JSON itself if it starts with {");
  app.add_option("--valid", o.valid, "Validation structures (extxyz[.gz]), not used for fitting (repeatable)")
      ->type_size(1)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--valid-fraction", o.valid_fraction, "Fraction of the frames held out for validation, in [0,1)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the random train/validation split (and of BPNN initialisation and shuffling)")
      ->capture_default_str();
  app.add_option("--lambda", o.lambda,
                 "Ridge parameter relative to mean diag(A^T A), >= 0, or 'auto' (grid 0, 1e-12..1e-1 on the "
                 "validation loss)")
      ->capture_default_str();
  app.add_option("--atomic-energy-sigma", o.atomic_energy_sigma,
                 "Linear: prior standard deviation (eV) of each training atom's learned energy, which fixes how the "
                 "total energy is split among the atoms (see mlp-fit(1)); 'none' for no prior")
      ->capture_default_str();
  app.add_option("--sparse-points", o.sparse_points, "GAP: sparse points per element")
      ->check(CLI::PositiveNumber)  // unsigned: without the check, -1 would wrap around
      ->capture_default_str();
  app.add_option("--sparse-method", o.sparse_method, "GAP: choice of sparse points: cur, fps or random")
      ->capture_default_str();
  app.add_option("--delta", o.delta, "GAP: energy scale delta of the kernel (eV)")->capture_default_str();
  app.add_option("--zeta", o.zeta, "GAP: exponent zeta of the SOAP dot-product kernel")->capture_default_str();
  app.add_option("--jitter", o.jitter, "GAP: jitter added to K_MM's diagonal, relative to delta^2")
      ->capture_default_str();
  auto* two_body = app.add_flag("--two-body", o.two_body,
                                "GAP: add a two-body term, a GP over pair distances with a squared-exponential "
                                "kernel, fitted jointly with SOAP (QUIP's distance_2b)");
  app.add_option("--two-body-delta", o.two_body_options.kernel.delta, "GAP two-body: energy scale delta (eV)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->needs(two_body);
  app.add_option("--two-body-theta", o.two_body_options.kernel.theta, "GAP two-body: length scale theta (Å)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->needs(two_body);
  app.add_option("--two-body-cutoff", o.two_body_cutoff, "GAP two-body: cutoff (Å); default the descriptor's")
      ->check(CLI::PositiveNumber)
      ->needs(two_body);
  app.add_option("--two-body-width", o.two_body_options.kernel.cutoff_width,
                 "GAP two-body: width of the cutoff switch below the cutoff (Å)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->needs(two_body);
  app.add_option("--two-body-sparse", o.two_body_options.sparse_points,
                 "GAP two-body: sparse distances per element pair, evenly spaced from the pair's shortest training "
                 "distance to the cutoff")
      ->capture_default_str()
      ->needs(two_body);
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
  app.add_flag("--no-zbl", o.no_zbl,
               "Fit the labels as they are, without the default ZBL core-repulsion baseline (the model file then "
               "stores no baseline)");
  app.add_option("--zbl-radii", o.zbl_radii,
                 "ZBL switching radii per pair: data (outer = shortest distance of the pair in the input frames, "
                 "inner = 0.8 × that; covalent for pairs never seen) or covalent (0.5 and 0.8 × the covalent-radius "
                 "sum)")
      ->check(CLI::IsMember({"data", "covalent"}))
      ->capture_default_str();
  app.add_flag("--inner-cutoff", o.inner_cutoff,
               "Blend each atom's learned energy towards the free atom below the shortest pair distances of the "
               "training data (see mlp-fit(1): safe only when atomic energies are well partitioned; default for "
               "linear models with the atomic-energy prior)");
  app.add_flag("--no-inner-cutoff", o.no_inner_cutoff, "No inner cutoff, not even the linear models' default");
  app.add_option("--inner-width", o.inner_width,
                 "Inner cutoff range as a fraction of the shortest distance of each pair in the data: the learned "
                 "energy is full at that distance and off at (1 - width) times it")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  app.add_option("--long-range", o.long_range,
                 "A long-range model (spec or file, e.g. learned charges) subtracted from the labels first; the "
                 "written model is the short-range rest: evaluate it as OUT+MODEL");
  app.add_option("--charges-key", o.charges_key,
                 "charges: reference charges key (e; default charges, initial_charges or hirshfeld_charges)");
  app.add_option("--hardness", o.hardness, "charges: hardness J of every element (eV/e^2)")->capture_default_str();
  app.add_option("--hardness-of", o.hardness_of, "charges: hardness of one element, EL=J (eV/e^2; repeatable)")
      ->type_size(1)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--qmax", o.qmax, "charges: largest charge magnitude of any atom (e)")->capture_default_str();
  app.add_option("--charge-width", o.charge_width, "charges: Gaussian width sigma of every charge (Å)")
      ->capture_default_str();
  app.add_option("--energy-key", o.labels.energy, "Reference energy key (eV)")->capture_default_str();
  app.add_option("--forces-key", o.labels.forces, "Reference forces key (eV/Å)")->capture_default_str();
  app.add_option("--stress-key", o.labels.stress, "Reference stress key (eV/Å^3, ASE sign)")->capture_default_str();
  app.add_option("--virial-key", o.labels.virial, "Reference virial key (eV), used without stress")
      ->capture_default_str();
  mlp::tool::add_bpnn_options(app, o.bpnn);
  tool.add_threads_option();
  return tool.run(argc, argv, [&] { return run(tool, o); });
}
