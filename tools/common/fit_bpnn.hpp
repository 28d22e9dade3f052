#pragma once
// mlp-fit --model-type bpnn: its options, the learning-curve log (TSV) and plot (SVG), checkpoint files and the
// provenance it adds to the model file. The fitting itself is mlp::fit_bpnn (mlp/fit/bpnn_fit.hpp).
#include <CLI/CLI.hpp>
#include <string>

#include "common/progress.hpp"
#include "mlp/fit/bpnn_fit.hpp"

namespace mlp::tool {

struct BpnnCliOptions {
  std::string layers = "25,25", activation = "tanh", optimizer = "adam+lbfgs";
  int epochs = 100, batch_size = 4;
  double learning_rate = 1e-3, final_lr_ratio = 0.05, l2 = 1e-6;
  double input_sd_floor = 0.01;
  int lbfgs_iterations = 100, patience = 0, committee = 1, checkpoint_every = 10;
  bool bootstrap = false;
  std::string log, plot, checkpoint, restart;
  std::vector<std::string> init_models;  // warm start: BPNN model files or specs, their members in order
  int member = -1;                       // >= 0: train only this member of the committee
  // Set by add_bpnn_options: whether the user gave them (a warm start takes the model's otherwise).
  const CLI::Option *layers_option = nullptr, *activation_option = nullptr, *committee_option = nullptr;
};

/// A warm start's models (--init-model, repeatable): the BPNN part of what each spec loads (a model file, or a
/// spec such as n2p2:dir=...; a stored ZBL baseline or another sum term is left out).
struct InitModels {
  std::vector<std::unique_ptr<Model>> holders;
  std::vector<const BpnnModel*> bpnn;
};

/// Load every --init-model. Throws InputError (naming the spec, field "init-model") when one holds no BPNN model.
InitModels load_init_models(const std::vector<std::string>& specs);

/// --layers and --activation from the first warm-start model, --committee as the members of all of them, where
/// the user did not give them. Throws InputError (naming the model) when its networks are not all one
/// architecture with one hidden activation.
void take_init_model_defaults(BpnnCliOptions& o, const InitModels& init);

/// Add the BPNN options (all labelled "bpnn" in --help) to `app`.
void add_bpnn_options(CLI::App& app, BpnnCliOptions& o);

/// The library options from the command line; weights, labels and seed are filled by the caller. Throws
/// CLI::ValidationError (exit 2) for malformed --layers, --activation, --optimizer or out-of-range numbers.
BpnnFitOptions bpnn_fit_options(const BpnnCliOptions& o);

/// Run the fit with the tool's side effects: a progress bar over epochs, --log rows as epochs finish (the file is
/// written atomically and rewritten after every epoch, so it is always complete), checkpoints to --checkpoint
/// (atomically), a restart from --restart, and the --plot SVG at the end. `note` prints a line unless quiet.
BpnnFitResult run_bpnn_fit(const BpnnCliOptions& cli, BpnnFitOptions options,
                           std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
                           const Split& split, const std::map<int, double>& isolated, bool progress_bar,
                           const std::function<void(const std::string&)>& note);

/// One line per member on what was kept ("member 0: best epoch 57 of 160 ...") and the parameter count.
/// `first_member`: the committee index of the result's first member (--member K trains member K alone).
std::string bpnn_report(const BpnnFitResult& result, int first_member);

/// The provenance JSON of the model file with the BPNN settings added under "fit".
std::string bpnn_provenance(const std::string& provenance_json, const BpnnCliOptions& cli, const BpnnFitOptions& o,
                            const BpnnFitResult& result);

}  // namespace mlp::tool
