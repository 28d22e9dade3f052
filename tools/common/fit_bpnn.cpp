#include "common/fit_bpnn.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mlp/core/elements.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/model/sum_model.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/svg_plot.hpp"

namespace mlp::tool {

void add_bpnn_options(CLI::App& app, BpnnCliOptions& o) {
  const char* g = "BPNN (--model-type bpnn)";
  o.layers_option =
      app.add_option("--layers", o.layers, "BPNN: hidden layer widths, comma-separated")->capture_default_str()->group(g);
  o.activation_option = app.add_option("--activation", o.activation,
                 "BPNN: activation of the hidden layers: tanh, silu, shifted_softplus, softplus, sigmoid, gaussian, "
                 "cos, ... (the output layer is linear)")
      ->capture_default_str()
      ->group(g);
  app.add_option("--optimizer", o.optimizer,
                 "BPNN: adam (minibatches), lbfgs (full batch) or adam+lbfgs (Adam, then L-BFGS from its best "
                 "parameters)")
      ->capture_default_str()
      ->group(g);
  app.add_option("--epochs", o.epochs, "BPNN: Adam epochs (passes over the training frames)")
      ->capture_default_str()
      ->group(g);
  app.add_option("--batch-size", o.batch_size, "BPNN: frames per Adam step")
      ->capture_default_str()
      ->group(g);
  app.add_option("--learning-rate", o.learning_rate,
                 "BPNN: Adam's initial learning rate; it decays exponentially to --final-lr-ratio times this value "
                 "at the last epoch")
      ->capture_default_str()
      ->group(g);
  app.add_option("--final-lr-ratio", o.final_lr_ratio, "BPNN: learning rate at the last Adam epoch / initial, (0,1]")
      ->capture_default_str()
      ->group(g);
  app.add_option("--lbfgs-iterations", o.lbfgs_iterations, "BPNN: L-BFGS iterations (each counted as an epoch)")
      ->capture_default_str()
      ->group(g);
  app.add_option("--l2", o.l2, "BPNN: lambda of the L2 penalty lambda*|theta|^2 on the mean loss per frame")
      ->capture_default_str()
      ->group(g);
  app.add_option("--input-sd-floor", o.input_sd_floor,
                 "BPNN: inputs are standardised by their standard deviation over the training atoms, but at least "
                 "this fraction of the element's largest one, in [0,1] (0: pure standardisation)")
      ->capture_default_str()
      ->group(g);
  app.add_option("--patience", o.patience,
                 "BPNN: end an optimiser phase after this many epochs without a lower validation loss (0 = never); "
                 "the best parameters are kept either way")
      ->capture_default_str()
      ->group(g);
  o.committee_option =
      app.add_option("--committee", o.committee, "BPNN: networks per element (committee; uncertainty in mlp-eval)")
      ->capture_default_str()
      ->group(g);
  app.add_flag("--bootstrap", o.bootstrap, "BPNN: each committee member trains on a bootstrap resample of the frames")
      ->group(g);
  app.add_option("--log", o.log, "BPNN: learning curve, one TSV row per epoch")->group(g);
  app.add_option("--plot", o.plot, "BPNN: learning curve as an SVG figure")->group(g);
  app.add_option("--checkpoint", o.checkpoint, "BPNN: write a checkpoint to this file (atomically)")->group(g);
  app.add_option("--checkpoint-every", o.checkpoint_every, "BPNN: epochs between checkpoints")
      ->capture_default_str()
      ->group(g);
  app.add_option("--restart", o.restart,
                 "BPNN: continue from a checkpoint written with the same data and options (bit-identical)")
      ->group(g);
  app.add_option("--init-model", o.init_models,
                 "BPNN: warm start: member k starts from network set k of this BPNN model (file, or spec such as "
                 "n2p2:dir=...; repeatable: the members of all, in order); the descriptor, --layers, --activation "
                 "and --committee default to the model's")
      ->type_size(1)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group(g);
  app.add_option("--member", o.member,
                 "BPNN: train only member K (from 0) of the --committee, as a job of its own: the same network as in "
                 "the whole committee's run; join the members with --init-model A --init-model B ... "
                 "--lbfgs-iterations 0")
      ->check(CLI::NonNegativeNumber)
      ->group(g);
}

InitModels load_init_models(const std::vector<std::string>& specs) {
  InitModels init;
  for (const std::string& spec : specs) {
    init.holders.push_back(make_model(spec));
    const Model* model = init.holders.back().get();
    const BpnnModel* bpnn = dynamic_cast<const BpnnModel*>(model);
    if (const auto* sum = dynamic_cast<const SumModel*>(model))
      for (const auto& term : sum->terms())
        if (!bpnn) bpnn = dynamic_cast<const BpnnModel*>(term.get());
    if (!bpnn)
      throw InputError("not a BPNN model (it is '" + model->name() + "'): a warm start needs one", spec, 0,
                       "init-model");
    init.bpnn.push_back(bpnn);
  }
  return init;
}

void take_init_model_defaults(BpnnCliOptions& o, const InitModels& init) {
  const BpnnModel& model = *init.bpnn.front();
  const DenseNetwork& first = model.elements().begin()->second.committee.front();
  const std::vector<int> sizes(first.sizes().begin() + 1, first.sizes().end() - 1);
  const std::vector<Activation> hidden(first.activations().begin(), first.activations().end() - 1);
  bool uniform = first.activations().back() == Activation::linear;
  for (Activation a : hidden) uniform = uniform && a == hidden.front();
  for (const auto& [z, element] : model.elements())
    for (const DenseNetwork& net : element.committee)
      uniform = uniform && net.activations() == first.activations() && net.sizes().size() == sizes.size() + 2 &&
                std::equal(sizes.begin(), sizes.end(), net.sizes().begin() + 1);
  if (!uniform || sizes.empty())
    throw InputError("its networks are not all of one architecture with one hidden activation and a linear output "
                     "(what mlp-fit trains)",
                     model.spec(), 0, "init-model");
  if (o.layers_option->count() == 0) {
    o.layers.clear();
    for (int h : sizes) o.layers += (o.layers.empty() ? "" : ",") + std::to_string(h);
  }
  if (o.activation_option->count() == 0) o.activation = activation_name(hidden.front());
  if (o.committee_option->count() == 0) {
    o.committee = 0;
    for (const BpnnModel* m : init.bpnn) o.committee += static_cast<int>(m->committee_size());
  }
}

BpnnFitOptions bpnn_fit_options(const BpnnCliOptions& c) {
  BpnnFitOptions o;
  o.hidden.clear();
  std::stringstream in(c.layers);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int width = 0;
    try {
      width = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || width < 1 || width > 100000)
      throw CLI::ValidationError("--layers", "expected positive integers separated by commas, got '" + c.layers + "'");
    o.hidden.push_back(width);
  }
  try {
    o.activation = activation_from_name(c.activation);
  } catch (const InputError& e) {
    throw CLI::ValidationError("--activation", e.message());
  }
  try {
    o.optimizer = optimizer_from_name(c.optimizer);
  } catch (const InputError& e) {
    throw CLI::ValidationError("--optimizer", e.message());
  }
  const auto need = [](bool ok, const char* option, const char* what) {
    if (!ok) throw CLI::ValidationError(option, what);
  };
  need(c.epochs >= 0, "--epochs", "must be >= 0");
  need(c.batch_size >= 1, "--batch-size", "must be >= 1");
  need(c.learning_rate > 0 && std::isfinite(c.learning_rate), "--learning-rate", "must be > 0");
  need(c.final_lr_ratio > 0 && c.final_lr_ratio <= 1, "--final-lr-ratio", "must be in (0, 1]");
  need(c.l2 >= 0 && std::isfinite(c.l2), "--l2", "must be >= 0");
  need(c.input_sd_floor >= 0 && c.input_sd_floor <= 1, "--input-sd-floor", "must be in [0, 1]");
  need(c.lbfgs_iterations >= 0, "--lbfgs-iterations", "must be >= 0");
  need(c.patience >= 0, "--patience", "must be >= 0");
  need(c.committee >= 1, "--committee", "must be >= 1");
  need(c.checkpoint_every >= 1, "--checkpoint-every", "must be >= 1");
  need(c.member < c.committee, "--member", "must be below --committee (members count from 0)");
  o.epochs = c.epochs;
  o.batch_size = static_cast<std::size_t>(c.batch_size);
  o.learning_rate = c.learning_rate;
  o.final_lr_ratio = c.final_lr_ratio;
  o.l2 = c.l2;
  o.input_sd_floor = c.input_sd_floor;
  o.lbfgs_iterations = c.lbfgs_iterations;
  o.patience = c.patience;
  o.committee = c.committee;
  o.member = c.member;
  o.bootstrap = c.bootstrap;
  o.checkpoint_every = c.checkpoint.empty() ? 0 : c.checkpoint_every;
  return o;
}

namespace {

const char* kLogHeader =
    "member\tepoch\tphase\tseconds\tlearning_rate\ttrain_loss_energy\ttrain_loss_force\ttrain_loss_virial\t"
    "valid_loss_energy\tvalid_loss_force\tvalid_loss_virial\tregularisation\ttrain_energy_rmse_eV_per_atom\t"
    "train_force_rmse_eV_per_A\tvalid_energy_rmse_eV_per_atom\tvalid_force_rmse_eV_per_A\tbest\n";

std::string log_row(const BpnnEpochMetrics& m) {
  char line[512];
  std::snprintf(line, sizeof line, "%d\t%d\t%s\t%.3f\t%.6g\t%.8g\t%.8g\t%.8g\t%.8g\t%.8g\t%.8g\t%.6g\t%.8g\t%.8g\t%.8g\t%.8g\t%d\n",
                m.member, m.epoch, m.phase.c_str(), m.seconds, m.learning_rate, m.train.energy, m.train.force,
                m.train.virial, m.valid.energy, m.valid.force, m.valid.virial, m.regularisation, m.train_energy_rmse,
                m.train_force_rmse, m.valid_energy_rmse, m.valid_force_rmse, m.best ? 1 : 0);
  return line;
}

std::string learning_curve_svg(const std::vector<BpnnEpochMetrics>& history, bool has_valid) {
  SvgPanel energy{"Energy RMSE", "wall time (s)", "log10 RMSE (meV/atom)", {}, false, ""};
  SvgPanel force{"Force RMSE", "wall time (s)", "log10 RMSE (meV/Å)", {}, false, ""};
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  int members = 0;
  for (const auto& m : history) members = std::max(members, m.member + 1);
  for (int member = 0; member < members; ++member) {
    SvgSeries te, ve, tf, vf;
    const std::string suffix = members > 1 ? " #" + std::to_string(member) : "";
    te.label = tf.label = "train" + suffix;
    ve.label = vf.label = "valid" + suffix;
    te.color = tf.color = colors[(2 * member) % 6];
    ve.color = vf.color = colors[(2 * member + 1) % 6];
    te.line = ve.line = tf.line = vf.line = true;
    for (const auto& m : history) {
      if (m.member != member) continue;
      const auto lg = [](double x) { return std::log10(std::max(x, 1e-12) * 1000.0); };
      te.x.push_back(m.seconds);
      te.y.push_back(lg(m.train_energy_rmse));
      tf.x.push_back(m.seconds);
      tf.y.push_back(lg(m.train_force_rmse));
      ve.x.push_back(m.seconds);
      ve.y.push_back(lg(m.valid_energy_rmse));
      vf.x.push_back(m.seconds);
      vf.y.push_back(lg(m.valid_force_rmse));
    }
    energy.series.push_back(te);
    force.series.push_back(tf);
    if (has_valid) {
      energy.series.push_back(ve);
      force.series.push_back(vf);
    }
  }
  if (!history.empty()) {
    char title[128];
    const auto& last = history.back();
    const char* set = has_valid ? "valid" : "train";
    std::snprintf(title, sizeof title, "Energy RMSE (last %s %.3g meV/atom)", set,
                  1000 * (has_valid ? last.valid_energy_rmse : last.train_energy_rmse));
    energy.title = title;
    std::snprintf(title, sizeof title, "Force RMSE (last %s %.3g meV/Å)", set,
                  1000 * (has_valid ? last.valid_force_rmse : last.train_force_rmse));
    force.title = title;
  }
  return render_svg({energy, force});
}

}  // namespace

BpnnFitResult run_bpnn_fit(const BpnnCliOptions& cli, BpnnFitOptions options,
                           std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
                           const Split& split, const std::map<int, double>& isolated, bool progress_bar,
                           const std::function<void(const std::string&)>& note) {
  std::string restart;
  if (!cli.restart.empty()) {
    std::ifstream in(cli.restart, std::ios::binary);
    if (!in) throw IoError("cannot open the checkpoint", cli.restart, 0, "restart");
    restart.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    options.restart = &restart;
    note("restarting from checkpoint " + cli.restart);
  }
  const std::size_t per_member =
      static_cast<std::size_t>((options.optimizer != BpnnOptimizer::lbfgs ? options.epochs : 0) +
                               (options.optimizer != BpnnOptimizer::adam ? options.lbfgs_iterations : 0));
  const int members = options.member >= 0 ? 1 : options.committee;
  Progress progress("mlp-fit: epochs", per_member * static_cast<std::size_t>(members), progress_bar);
  std::string log = kLogHeader;
  BpnnFitCallbacks callbacks;
  callbacks.epoch = [&](const BpnnEpochMetrics& m) {
    progress.step();
    if (!cli.log.empty()) {
      log += log_row(m);
      AtomicFile file(cli.log);
      file.stream() << log;
      file.commit();
    }
  };
  if (!cli.checkpoint.empty())
    callbacks.checkpoint = [&](const std::string& bytes) {
      AtomicFile file(cli.checkpoint, true);
      file.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      file.commit();
    };
  BpnnFitResult result;
  try {
    result = fit_bpnn(std::move(descriptor), frames, split, isolated, options, callbacks);
  } catch (const InputError& e) {
    if (e.field() != "init-model" || !e.source().empty()) throw;
    std::string models;  // name the models the warm start came from
    for (const std::string& spec : cli.init_models) models += (models.empty() ? "" : " + ") + spec;
    throw InputError(e.message(), models, 0, "init-model");
  }
  progress.finish();
  if (!cli.log.empty() && result.history.empty()) {  // nothing trained (e.g. a restart after the end): header only
    AtomicFile file(cli.log);
    file.stream() << log;
    file.commit();
  }
  if (!cli.plot.empty()) {
    AtomicFile file(cli.plot);
    file.stream() << learning_curve_svg(result.history, !split.valid.empty());
    file.commit();
  }
  return result;
}

std::string bpnn_report(const BpnnFitResult& r, int first_member) {
  std::string out = std::to_string(r.parameters) + " parameters per committee member; energy scale " +
                    std::to_string(r.energy_scale) + " eV";
  for (std::size_t k = 0; k < r.best_epoch.size(); ++k) {
    const int m = first_member + static_cast<int>(k);
    out += "\n  member " + std::to_string(m) + ": kept the parameters of epoch " + std::to_string(r.best_epoch[k]);
    for (const auto& h : r.history)
      if (h.member == m && h.epoch == r.best_epoch[k]) {
        char line[200];
        std::snprintf(line, sizeof line, " (%s, %.1f s; loss train %.4g valid %.4g)", h.phase.c_str(), h.seconds,
                      h.train.total(), h.valid.total());
        out += line;
      }
  }
  for (int z : r.untouched_elements)
    out += "\n  no training frame holds " + element_symbol(z) + ": its networks stay as in the warm start's model";
  return out;
}

std::string bpnn_provenance(const std::string& provenance_json, const BpnnCliOptions& cli, const BpnnFitOptions& o,
                            const BpnnFitResult& r) {
  nlohmann::json j = nlohmann::json::parse(provenance_json);
  nlohmann::json& fit = j["fit"];
  fit["layers"] = o.hidden;
  fit["activation"] = activation_name(o.activation);
  fit["optimizer"] = optimizer_name(o.optimizer);
  fit["epochs"] = o.epochs;
  fit["batch_size"] = o.batch_size;
  fit["learning_rate"] = o.learning_rate;
  fit["final_lr_ratio"] = o.final_lr_ratio;
  fit["lbfgs_iterations"] = o.lbfgs_iterations;
  fit["l2"] = o.l2;
  fit["input_sd_floor"] = o.input_sd_floor;
  fit["patience"] = o.patience;
  fit["committee"] = o.committee;
  fit["bootstrap"] = o.bootstrap;
  fit["parameters"] = r.parameters;
  fit["energy_scale"] = r.energy_scale;
  fit["best_epoch"] = r.best_epoch;
  fit["restarted_from"] = cli.restart;
  fit["init_models"] = cli.init_models;
  fit["member"] = o.member;
  const auto sig = [](double s) { return std::isfinite(s) ? nlohmann::json(s) : nlohmann::json(nullptr); };
  nlohmann::json sigmas = {{"energy", sig(o.weights.defaults.energy)},
                           {"force", sig(o.weights.defaults.force)},
                           {"virial", sig(o.weights.defaults.virial)},
                           {"units", {{"energy", "eV/atom"}, {"force", "eV/Angstrom"}, {"virial", "eV/atom"}}}};
  nlohmann::json by = nlohmann::json::object();
  for (const auto& kv : o.weights.resolved())
    by[kv.first] = {{"energy", sig(kv.second.energy)}, {"force", sig(kv.second.force)}, {"virial", sig(kv.second.virial)}};
  sigmas["by_config_type"] = by;
  fit["sigmas"] = sigmas;
  return j.dump();
}

}  // namespace mlp::tool
