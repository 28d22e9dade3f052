// mlp-md: molecular dynamics with any model; trajectory extxyz, thermo table, checkpoints and safe stops.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <sstream>

#include "common/tool.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/io/structure_reader.hpp"
#include "mlp/md/dynamics.hpp"
#include "mlp/md/units.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/memory.hpp"
#include "mlp/util/svg_plot.hpp"

namespace {

const char* kDescription =
    "Molecular dynamics with any model: velocity Verlet (nve), Langevin (BAOAB), Bussi stochastic velocity "
    "rescaling, Nose-Hoover chains, and a stochastic cell rescaling barostat. Units: Å, fs, K, eV, amu; pressure "
    "with its unit (1bar, 1.5GPa). Writes an extxyz trajectory (positions, velocities in Å/fs, MLP_energy, "
    "MLP_forces, MLP_stress) and a thermo table; stops with exit 1 and the last good and offending frames when atoms "
    "come too close, numbers become NaN/Inf, the temperature runs away or the model's uncertainty exceeds a limit "
    "(or, with --collect, writes those frames for relabelling).";

const char* kExamples =
    "  mlp-md --model sw --temperature 1000 --steps 2000 si.xyz > traj.xyz\n"
    "  mlp-md --model sw --ensemble bussi --temperature 600 --thermo thermo.tsv --plot md.svg si.xyz -o traj.xyz\n"
    "  mlp-md --model sw --ensemble langevin --barostat iso --pressure 1bar --temperature 300 si.xyz | gzip > t.xyz.gz\n"
    "  mlp-md --model sw --steps 5000 --checkpoint run.ckpt si.xyz -o a.xyz\n"
    "  mlp-md --model sw --steps 10000 --restart run.ckpt -o b.xyz\n"
    "  mlp-md --model sw --steps 100 --traj-every 10 si.xyz | mlp-eval --model sw -q - > reevaluated.xyz\n";

struct Options {
  std::string model, input, output = "-", thermo, plot, checkpoint, restart, fix;
  std::string stop_file = "mlp-md-stop.xyz", ensemble = "nve", barostat = "none", pressure = "1bar", format;
  std::string collect;
  std::size_t steps = 1000, traj_every = 10, thermo_every = 10;
  double initial_temperature = -1.0, compressibility = 4.5e-5;  // 1/bar
  bool no_drift_removal = false;
  mlp::md::Options md;
};

mlp::Structure read_first(const std::string& path, const std::string& format) {
  mlp::StructureReader reader(path, format);
  mlp::Structure s;
  if (!reader.read(s)) throw mlp::InputError("no frames found (empty input)", path, 1);
  return s;
}

void save_text(const std::string& path, const std::string& text) {
  mlp::tool::Output out(path);
  out.stream() << text;
  out.commit();
}

void save_checkpoint(const std::string& path, const mlp::md::Simulation& sim) {
  mlp::tool::Output out(path);
  sim.write_checkpoint(out.stream());
  out.commit();
}

// One progress line on stderr when it is a terminal: step, ns/day and ETA, redrawn at most twice a second.
class Progress {
 public:
  Progress(std::size_t first, std::size_t last, double dt_fs, bool enabled)
      : first_(first), last_(last), dt_(dt_fs), enabled_(enabled && mlp::tool::is_terminal(2)) {}
  ~Progress() {
    if (drawn_) std::fprintf(stderr, "\r%*s\r", 70, "");
  }
  void update(std::size_t step) {
    if (!enabled_ || step <= first_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - drawn_at_ < std::chrono::milliseconds(500)) return;
    const double s = std::chrono::duration<double>(now - start_).count(), done = double(step - first_);
    std::fprintf(stderr, "\rmlp-md: step %zu/%zu, %.4g ns/day, ETA %.0f s   ", step, last_,
                 done * dt_ * 1e-6 / (s / 86400.0), double(last_ > step ? last_ - step : 0) * s / done);
    drawn_ = true;
    drawn_at_ = now;
  }

 private:
  std::size_t first_, last_;
  double dt_;
  bool enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), drawn_at_;
};

// Energies and temperature against time, two panels.
std::string plot(const std::vector<mlp::md::Thermo>& rows) {
  mlp::SvgSeries epot{{}, {}, "potential", "#1f77b4", true}, etot{{}, {}, "total", "#2ca02c", true},
      cons{{}, {}, "conserved", "#d62728", true}, temp{{}, {}, "T", "#ff7f0e", true};
  for (const auto& r : rows) {
    const double t = r.time / 1000.0, e0 = rows.front().potential;
    epot.x.push_back(t), epot.y.push_back(r.potential - e0);
    etot.x.push_back(t), etot.y.push_back(r.total - e0);
    cons.x.push_back(t), cons.y.push_back(r.conserved - e0);
    temp.x.push_back(t), temp.y.push_back(r.temperature);
  }
  char note[96];
  std::snprintf(note, sizeof note, "drift %.3g eV/atom", rows.back().drift);
  return mlp::render_svg({{"Energies", "time (ps)", "E - Epot(0) (eV)", {epot, etot, cons}, false, note},
                          {"Temperature", "time (ps)", "T (K)", {temp}, false, ""}});
}

int run(mlp::tool::Tool& tool, Options& o) {
  mlp::retain_freed_memory();  // every step reallocates the same buffers
  const auto model = mlp::make_model(o.model);
  o.md.collect = !o.collect.empty();
  if (o.md.collect && o.md.max_uncertainty < 0.0) throw CLI::ValidationError("--collect needs --max-uncertainty");
  if (o.md.collect && (o.collect == "-" || o.collect == o.output))
    throw CLI::ValidationError("--collect needs a file of its own");
  o.md.ensemble = mlp::md::parse_ensemble(o.ensemble);
  o.md.barostat = mlp::md::parse_barostat(o.barostat);
  o.md.pressure = mlp::md::parse_pressure(o.pressure, "--pressure");
  o.md.compressibility = o.compressibility * mlp::md::kBarPerEvA3;  // 1/bar → Å^3/eV
  o.md.remove_drift = !o.no_drift_removal;
  o.md.virial_every = std::gcd(o.traj_every, o.thermo_every);
  if (o.traj_every == 0 || o.thermo_every == 0) throw CLI::ValidationError("--traj-every/--thermo-every must be > 0");
  if (o.thermo == "-" && o.output == "-") throw CLI::ValidationError("--thermo - needs -o FILE for the trajectory");

  const bool restarting = !o.restart.empty();
  std::vector<std::string> given;
  if (!o.input.empty()) given.push_back(o.input);
  const std::string input = restarting ? o.restart : mlp::tool::inputs_or_stdin(given).front();
  mlp::Structure start = read_first(input, o.format);
  if (!o.fix.empty()) o.md.fixed = mlp::md::parse_atom_list(o.fix, start.size(), "--fix");
  mlp::md::Simulation sim(*model, start, o.md);
  if (restarting)
    sim.restore(start);
  else if (o.initial_temperature >= 0.0 || !sim.has_input_velocities())
    sim.set_maxwell_boltzmann(o.initial_temperature >= 0.0 ? o.initial_temperature : o.md.temperature);

  mlp::tool::Output traj(o.output);
  std::unique_ptr<mlp::tool::Output> collected;  // frames above the uncertainty threshold (collect mode)
  std::size_t collected_frames = 0;
  if (o.md.collect) collected = std::make_unique<mlp::tool::Output>(o.collect);
  std::unique_ptr<mlp::tool::Output> thermo;
  if (!o.thermo.empty()) {
    thermo = std::make_unique<mlp::tool::Output>(o.thermo);
    thermo->stream() << mlp::md::thermo_header();
  }
  std::vector<mlp::md::Thermo> rows;
  const auto record = [&] {
    const std::size_t step = sim.step_count();
    if (step % o.traj_every == 0) {
      mlp::write_extxyz(traj.stream(), sim.frame());
      if (traj.is_stdout()) traj.stream().flush();
    }
    if (step % o.thermo_every == 0) {
      rows.push_back(sim.thermo());
      if (thermo) thermo->stream() << mlp::md::thermo_row(rows.back());
    }
    if (collected && sim.uncertain()) {
      mlp::write_extxyz(collected->stream(), sim.frame());
      ++collected_frames;
    }
    if (!o.checkpoint.empty() && o.md.checkpoint_every > 0 && step % o.md.checkpoint_every == 0 && step > 0)
      save_checkpoint(o.checkpoint, sim);
  };

  tool.note(std::to_string(start.size()) + " atoms, model " + model->spec() + ", " + o.ensemble +
            (o.md.barostat != mlp::md::Barostat::None ? "+" + o.barostat + " barostat" : "") + ", " +
            std::to_string(sim.degrees_of_freedom()) + " degrees of freedom, steps " +
            std::to_string(sim.step_count()) + " to " + std::to_string(o.steps));
  const std::size_t first = sim.step_count();
  record();
  auto progress = std::make_unique<Progress>(first, o.steps, o.md.timestep, !tool.quiet());
  const auto t0 = std::chrono::steady_clock::now();
  const double model0 = sim.model_seconds();
  const auto stop = sim.run(o.steps, [&] {
    record();
    progress->update(sim.step_count());
  });
  progress.reset();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  traj.commit();
  if (thermo) thermo->commit();
  if (collected) {
    collected->commit();
    tool.note(std::to_string(collected_frames) + " frames above --max-uncertainty written to " + o.collect);
  }
  if (!o.plot.empty() && !rows.empty()) save_text(o.plot, plot(rows));

  if (stop) {
    std::ostringstream frames;
    mlp::write_extxyz(frames, sim.last_good());
    mlp::write_extxyz(frames, sim.frame());
    save_text(o.stop_file, frames.str());
    throw mlp::ComputeError("step " + std::to_string(stop->step) + ": " + stop->reason +
                            "; the last good frame (step " + std::to_string(stop->step - 1) +
                            ") and the offending frame are in " + o.stop_file);
  }
  const double done = static_cast<double>(sim.step_count() - first);
  if (done > 0) {
    char text[240];
    std::snprintf(text, sizeof text,
                  "%.0f steps in %.4g s: %.4g ns/day, %.4g µs/atom/step (model %.1f%%), %zu neighbour-list builds",
                  done, seconds, done * o.md.timestep * 1e-6 / (seconds / 86400.0),
                  seconds * 1e6 / done / static_cast<double>(start.size()),
                  100.0 * (sim.model_seconds() - model0) / seconds, sim.neighbor_list_builds());
    tool.note(text);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  mlp::tool::Tool tool("mlp-md", kDescription, kExamples);
  Options o;
  CLI::App& app = tool.app();
  app.add_option("--model,-m", o.model, "Model: name[:key=value,...] (sw, lj, morse, zbl, charges; a+b sums) or model file (mlp-fit)")
      ->required();
  app.add_option("input", o.input, "Start structure (first frame; extxyz[.gz], CIF, PDB); '-' or none = stdin");
  app.add_option("-o,--output", o.output, "Trajectory extxyz ('-' = stdout)")->capture_default_str();
  app.add_option("--steps,-n", o.steps, "Run until this step number (total, also after --restart)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--timestep,--dt", o.md.timestep, "Time step (fs)")->capture_default_str();
  app.add_option("--ensemble", o.ensemble, "nve, langevin (BAOAB), bussi (velocity rescaling), nhc (Nose-Hoover)")
      ->capture_default_str();
  app.add_option("--temperature,-T", o.md.temperature, "Thermostat target and default initial temperature (K)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--initial-temperature", o.initial_temperature,
                 "Maxwell-Boltzmann velocities at this temperature (K), even if the input has velocities")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tau-t", o.md.tau_t, "Thermostat time constant (fs); Langevin friction = 1/tau")
      ->capture_default_str();
  app.add_option("--chain", o.md.chain_length, "Nose-Hoover chain length")->capture_default_str();
  app.add_option("--barostat", o.barostat, "none, iso, aniso (stochastic cell rescaling; needs a thermostat)")
      ->capture_default_str();
  app.add_option("--pressure,-P", o.pressure, "Target pressure with unit: 1bar, 1.5GPa, 100MPa, 1atm")
      ->capture_default_str();
  app.add_option("--tau-p", o.md.tau_p, "Barostat time constant (fs)")->capture_default_str();
  app.add_option("--compressibility", o.compressibility, "Barostat compressibility (1/bar)")->capture_default_str();
  app.add_option("--seed", o.md.seed, "Random seed (velocities, Langevin, Bussi, barostat)")->capture_default_str();
  app.add_option("--skin", o.md.skin, "Neighbour-list skin (Å); rebuilt when an atom moved > skin/2")
      ->capture_default_str();
  app.add_flag("--no-drift-removal", o.no_drift_removal, "Keep the centre-of-mass velocity");
  app.add_option("--fix", o.fix, "Fixed atoms, 0-based: 0,3,7-9 (also the input's fixed/move_mask columns)");
  app.add_option("--traj-every", o.traj_every, "Write a trajectory frame every N steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--thermo", o.thermo, "Thermo table (TSV) file ('-' = stdout, needs -o FILE)");
  app.add_option("--thermo-every", o.thermo_every, "Thermo row every N steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--plot", o.plot, "SVG of energies and temperature against time");
  app.add_option("--checkpoint", o.checkpoint, "Write a checkpoint (extxyz with md_* state) to this file");
  app.add_option("--checkpoint-every", o.md.checkpoint_every,
                 "Checkpoint interval (steps); restarts are bit-identical with the same value")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--restart", o.restart, "Continue from a checkpoint (instead of an input structure)")
      ->excludes(app.get_option("input"));
  app.add_option("--min-distance", o.md.min_distance, "Stop when two atoms are closer (Å); default per pair")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--min-distance-factor", o.md.min_distance_factor,
                 "Default minimum distance = factor × (covalent radius i + j)")->capture_default_str();
  app.add_option("--max-temperature-factor", o.md.max_temperature_factor,
                 "Stop when T > factor × max(target or initial T, 10 K); 0 = off")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--max-uncertainty", o.md.max_uncertainty,
                 "Stop when an atom's energy standard deviation exceeds this (eV); models with uncertainty only")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--uncertainty-every", o.md.uncertainty_every, "Check the uncertainty every N steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--collect", o.collect,
                 "Active learning: keep running past --max-uncertainty and write those frames to this file");
  app.add_option("--stop-file", o.stop_file, "Where a safe stop writes the last good and offending frames")
      ->capture_default_str();
  app.add_option("--format", o.format, "Input format if not detectable: extxyz, cif, pdb, mmcif");
  tool.add_threads_option();
  return tool.run(argc, argv, [&] { return run(tool, o); });
}
