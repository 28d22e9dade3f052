// mlp-eval: evaluate a model on structures; write predictions as extxyz and error tables against labels.
#include <fstream>
#include <iostream>

#include "common/progress.hpp"
#include "common/tool.hpp"
#include "mlp/fit/charge_fit.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/io/structure_reader.hpp"
#include "mlp/model/error_metrics.hpp"
#include "mlp/model/predictions.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/svg_plot.hpp"

namespace {

const char* kDescription =
    "Evaluate a model on structures. Writes extended XYZ with predictions under MLP_* keys (MLP_energy, "
    "MLP_forces, MLP_stress; optional per-atom and per-term energies) and, when the input carries reference "
    "labels (energy, forces, stress/virial), error tables and parity plots.";

const char* kExamples =
    "  mlp-eval --model sw si.xyz > predicted.xyz\n"
    "  mlp-eval --model 'lj:epsilon=0.0104,sigma=3.4' --per-atom argon.xyz -o out.xyz\n"
    "  mlp-eval --model zbl+lj --terms frames.xyz.gz -o out.xyz\n"
    "  mlp-eval --model sw --table errors.tsv --plot parity.svg -o /dev/null test.xyz\n"
    "  cat test.xyz | mlp-eval --model sw - | grep MLP_energy\n";

struct Options {
  std::string model;
  std::vector<std::string> inputs;
  std::string output = "-";
  std::string table, plot, format;
  std::string charges_key;  // reference charges (e); empty: charges, initial_charges or hirshfeld_charges
  bool per_atom = false, terms = false, uncertainty = false;
  mlp::PredictionKeys keys;
  mlp::LabelKeys labels;
};

void save_text(const std::string& path, const std::string& text) {
  mlp::tool::Output out(path);
  out.stream() << text;
  out.commit();
}

std::vector<mlp::SvgPanel> parity_panels(const mlp::ErrorTable& errors) {
  const auto& p = errors.parity();
  const auto& all = errors.overall();
  char note[96];
  std::vector<mlp::SvgPanel> panels;
  if (!p.energy_ref.empty()) {
    std::snprintf(note, sizeof note, "RMSE %.3f meV/atom, %zu frames", 1000 * all.energy.rmse(), p.energy_ref.size());
    panels.push_back({"Energy", "reference (eV/atom)", "predicted (eV/atom)",
                      {{p.energy_ref, p.energy_pred, "", "#1f77b4", false}}, true, note});
  }
  if (!p.force_ref.empty()) {
    std::snprintf(note, sizeof note, "RMSE %.3f meV/A, %zu components", 1000 * all.force.rmse(), p.force_ref.size());
    panels.push_back({"Force components", "reference (eV/A)", "predicted (eV/A)",
                      {{p.force_ref, p.force_pred, "", "#d62728", false}}, true, note});
  }
  return panels;
}

int run(mlp::tool::Tool& tool, Options& o) {
  const auto model = mlp::make_model(o.model);
  o.keys.atom_energies = o.per_atom;
  o.keys.terms = o.terms;
  mlp::EvalRequest request;
  request.atom_energies = o.per_atom;
  request.uncertainty = o.uncertainty;
  if (o.uncertainty && !model->supports_uncertainty())
    throw mlp::InputError("model '" + model->name() + "' has no uncertainty (GAP models and committees do)",
                          "--uncertainty");

  mlp::tool::Output out(o.output);
  mlp::ErrorTable errors;
  mlp::tool::Progress progress("mlp-eval: frames", 0, !tool.quiet());
  std::size_t frames = 0;
  for (const std::string& input : mlp::tool::inputs_or_stdin(o.inputs)) {
    mlp::StructureReader reader(input, o.format);
    mlp::Structure s;
    std::size_t frames_here = 0;
    while (reader.read(s)) {
      ++frames_here;
      const mlp::EvalResult r = mlp::evaluate(*model, s, request);
      errors.add(s.info.string("config_type").value_or(""), s.size(), mlp::reference_energy(s, o.labels), r.energy,
                 mlp::reference_forces(s, o.labels), r.forces, mlp::reference_stress(s, o.labels),
                 mlp::predicted_stress(s, r));
      if (r.has_charges)
        if (const mlp::AtomArray* q = mlp::reference_charges(s, o.charges_key))
          errors.add_charges(s.info.string("config_type").value_or(""), q->reals, r.charges);
      mlp::attach_predictions(s, r, o.keys, o.labels);
      mlp::write_extxyz(out.stream(), s);
      ++frames;
      progress.step();
    }
    if (frames_here == 0) throw mlp::InputError("no frames found (empty input)", input, 1);
  }
  progress.finish();
  out.commit();

  if (!o.table.empty()) save_text(o.table, errors.tsv());
  if (!o.plot.empty()) save_text(o.plot, mlp::render_svg(parity_panels(errors)));
  if (errors.overall().energy.count + errors.overall().force.count + errors.overall().charge.count > 0)
    tool.note(std::to_string(frames) + " frames, model " + model->spec() + "\n" + errors.human());
  else
    tool.note(std::to_string(frames) + " frames evaluated (no reference labels found, no error table)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  mlp::tool::Tool tool("mlp-eval", kDescription, kExamples);
  Options o;
  CLI::App& app = tool.app();
  app.add_option("--model,-m", o.model, "Model: name[:key=value,...] (sw, lj, morse, zbl, charges, qeq; a+b sums) or model file (mlp-fit)")
      ->required();
  app.add_option("inputs", o.inputs, "Structure files (extxyz[.gz], CIF, PDB, mmCIF); '-' or none = stdin");
  app.add_option("-o,--output", o.output, "Output extxyz with predictions ('-' = stdout)")->capture_default_str();
  app.add_option("--table", o.table, "Write the error table (TSV) to this file");
  app.add_option("--plot", o.plot, "Write energy and force parity plots (SVG) to this file");
  app.add_option("--format", o.format, "Input format if not detectable: extxyz, cif, pdb, mmcif");
  app.add_flag("--per-atom", o.per_atom, "Also write per-atom energies (<prefix>energies, eV)");
  app.add_flag("--uncertainty", o.uncertainty,
               "Also write predictive standard deviations (<prefix>energy_std, <prefix>energies_std, eV)");
  app.add_flag("--terms", o.terms, "Also write the energy of each model term (<prefix>energy_<term>, eV)");
  app.add_option("--prefix", o.keys.prefix, "Prefix of prediction keys")->capture_default_str();
  app.add_option("--energy-key", o.labels.energy, "Reference energy key (eV)")->capture_default_str();
  app.add_option("--forces-key", o.labels.forces, "Reference forces key (eV/Å)")->capture_default_str();
  app.add_option("--stress-key", o.labels.stress, "Reference stress key (eV/Å^3, ASE sign)")->capture_default_str();
  app.add_option("--charges-key", o.charges_key,
                 "Reference charges key (e), compared with the charges of charge models (default: charges, "
                 "initial_charges or hirshfeld_charges)");
  app.add_option("--virial-key", o.labels.virial, "Reference virial key (eV), used without stress")
      ->capture_default_str();
  tool.add_threads_option();
  return tool.run(argc, argv, [&] { return run(tool, o); });
}
