// mlp-check: the physics test battery for any model, ours (--model) or an external program (--command).
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include "common/tool.hpp"
#include "mlp/check/checks.hpp"
#include "mlp/io/structure_reader.hpp"
#include "mlp/model/external_model.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"

namespace {

const char* kDescription =
    "Run the physics test battery on a model and a structure (the first frame of the input): 1 translation, "
    "2 rotation and inversion, 3 permutation, 4 periodic images and supercell extensivity, 5 forces and stress "
    "against finite differences, 6 smooth cutoff, 7 locality, 8 NVE energy conservation, 9 close contact "
    "(fusion), 10 determinism, 11 charge response. Prints a table on stderr; exit status 0 when all selected "
    "checks pass, else the bitmask of failed check classes (4 symmetry/periodicity, 8 gradients, 16 "
    "cutoff/locality, 32 energy conservation, 64 close contact/charge response, 128 determinism; 1: a check "
    "could not run, e.g. the external program crashed); 2 for usage errors.";

const char* kExamples =
    "  mlp-check --model sw si.xyz\n"
    "  mlp-check --model lj --checks rotation,conservative --report report.json argon.xyz\n"
    "  mlp-check --command 'python3 my_model.py' --cutoff 5 --timeout 10 molecule.xyz\n"
    "  mlp-check --model sw --tap --junit check.xml --plot plots/ si.xyz > check.tap\n"
    "  mlp-check --model morse --tolerance fd_force=1e-4 --checks 5,9 cu.xyz\n";

struct Options {
  std::string model, command, input, format, checks, report, junit, plot;
  std::vector<std::string> tolerances;
  bool all = false, tap = false;
  double timeout = 60.0;
  mlp::check::Options check;
};

std::vector<int> selected(const Options& o) {
  std::vector<int> ids;
  if (o.all || o.checks.empty()) {
    for (int id = 1; id <= mlp::check::kLastId; ++id) ids.push_back(id);
    return ids;
  }
  std::size_t pos = 0;
  while (pos <= o.checks.size()) {
    const std::size_t comma = std::min(o.checks.find(',', pos), o.checks.size());
    int id = 0;
    try {
      id = mlp::check::check_id(o.checks.substr(pos, comma - pos));
    } catch (const mlp::InputError& e) {
      throw CLI::ValidationError("--checks", e.message());
    }
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    pos = comma + 1;
  }
  return ids;
}

void save(const std::string& path, const std::string& text) {
  mlp::tool::Output out(path);
  out.stream() << text;
  out.commit();
}

int run(mlp::tool::Tool& tool, Options& o) {
  for (const std::string& t : o.tolerances) {
    const std::size_t eq = t.find('=');
    const std::string key = t.substr(0, eq);
    if (eq == std::string::npos || !o.check.tol.count(key))
      throw CLI::ValidationError("--tolerance", "expected name=value with a known name, got '" + t + "'");
    try {
      o.check.tol[key] = std::stod(t.substr(eq + 1));
    } catch (const std::exception&) {
      throw CLI::ValidationError("--tolerance", "cannot read a number in '" + t + "'");
    }
  }
  const std::vector<int> ids = selected(o);
  std::unique_ptr<mlp::Model> model;
  mlp::ExternalModel* external = nullptr;
  if (!o.command.empty()) {
    auto e = std::make_unique<mlp::ExternalModel>(o.command, o.timeout, std::max(o.check.cutoff, 0.0));
    external = e.get();
    model = std::move(e);
  } else {
    model = mlp::make_model(o.model);
  }
  const std::string path = mlp::tool::inputs_or_stdin(o.input.empty() ? std::vector<std::string>{}
                                                                      : std::vector<std::string>{o.input})[0];
  mlp::StructureReader reader(path, o.format);
  mlp::Structure s;
  if (!reader.read(s)) throw mlp::InputError("no frames found (empty input)", path, 1);
  std::string why;
  if (!model->supports(s.numbers, why)) throw mlp::InputError(why, path, s.line);

  const auto results = mlp::check::run_checks(*model, s, ids, o.check);

  const int status = mlp::check::exit_status(results);
  tool.note("model " + model->spec() + ", " + std::to_string(s.size()) + " atoms from " + path + "\n" +
            mlp::check::human_table(results) + "exit status " + std::to_string(status));
  if (external && tool.verbose() && external->frames() > 0) {
    char line[160];
    std::snprintf(line, sizeof line, "external program: %zu frames, %.3f ms per frame", external->frames(),
                  1000 * external->seconds() / static_cast<double>(external->frames()));
    tool.note(line);
  }
  if (!o.report.empty()) save(o.report, mlp::check::json_report(results, model->spec(), s.size()));
  if (!o.junit.empty()) save(o.junit, mlp::check::junit_report(results, model->spec()));
  if (o.tap) std::cout << mlp::check::tap_report(results) << std::flush;
  if (!o.plot.empty()) {
    ::mkdir(o.plot.c_str(), 0777);
    for (const auto& r : results)
      for (const auto& p : r.plots) save(o.plot + "/" + p.file, p.svg);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  mlp::tool::Tool tool("mlp-check", kDescription, kExamples);
  Options o;
  CLI::App& app = tool.app();
  auto* m = app.add_option("--model,-m", o.model, "Model: name[:key=value,...] (sw, lj, morse, zbl, charges; a+b) or model file (mlp-fit)");
  auto* c = app.add_option("--command", o.command, "External program (shell command line), see mlp-check(1)");
  m->excludes(c);
  app.add_option("input", o.input, "Structure file (first frame is used); '-' or none = stdin");
  app.add_option("--format", o.format, "Input format if not detectable: extxyz, cif, pdb, mmcif");
  app.add_option("--checks", o.checks, "Comma-separated checks by name or number (default: all)");
  app.add_flag("--all", o.all, "Run every check (the default)");
  app.add_option("--tolerance", o.tolerances, "name=value, overrides a default tolerance (see mlp-check(1))")
      ->allow_extra_args(false);
  app.add_option("--seed", o.check.seed, "Random seed")->capture_default_str();
  app.add_option("--cutoff", o.check.cutoff, "Å: cutoff to test (default: the model's; needed for --command)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--timeout", o.timeout, "Seconds the external program may take per frame")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--fd-atoms", o.check.fd_atoms, "Atoms displaced in the finite-difference check")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--nve-time", o.check.nve_time, "fs, length of each NVE run")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--nve-dt", o.check.nve_dt, "fs, the larger NVE time step (the other is half)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--temperature", o.check.nve_temperature, "K, NVE start temperature")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--threads", o.check.threads, "N of the 1-vs-N threads determinism check (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--report", o.report, "Write a JSON report to this file");
  app.add_flag("--tap", o.tap, "Write TAP (version 13) on stdout");
  app.add_option("--junit", o.junit, "Write a JUnit XML report to this file");
  app.add_option("--plot", o.plot, "Write SVG plots (FD error curves, cutoff and dimer curves, NVE traces) here");
  app.callback([&] {
    if (o.model.empty() && o.command.empty()) throw CLI::RequiredError("--model or --command");
  });
  return tool.run(argc, argv, [&] { return run(tool, o); });
}
