#pragma once
// Molecular dynamics with any Model: velocity Verlet (NVE), Langevin (BAOAB), Bussi stochastic velocity
// rescaling, Nosé-Hoover chains, stochastic cell rescaling barostat; safe stops; bit-identical checkpoints.
//
// Units: positions Å, time fs, velocities Å/fs, masses amu, energies eV, temperature K, pressure eV/Å^3
// (see units.hpp for the conversions). The model is evaluated through mlp::evaluate with a caller-owned neighbour
// list built with cutoff + skin; the list is rebuilt only when an atom moved more than skin/2 since the last build
// (NeighborList::refresh), when the cell changed (barostat), and at checkpoint steps (see Checkpoints).
//
// Velocities in frames (input and output):
//   `velocities` (R:3): Å/fs. This is what frame() writes and what is read first.
//   `momenta` (R:3): ASE units, amu·Å/(ASE time unit), ASE time unit = Å·sqrt(amu/eV) ≈ 10.1805 fs; read only
//   (converted with the atom masses) when there is no `velocities` column.
// Masses: the `masses` column (R:1, amu) when present, else standard atomic weights.
// Fixed atoms: the `fixed` column (L:1, T = fixed) or an ASE `move_mask` (L:3, all F = fixed), or Options::fixed;
// fixed atoms keep their positions, their velocity is zero, they have no degrees of freedom.
// Every other key and column of the start frame is carried into every frame, except predictions (MLP_*), md_*
// state keys and the start frame's reference labels (energy, forces, stress, virial, free_energy, energies).
//
// Step order (one call to Simulation::step()):
//   thermostat half step (Bussi / NHC)  →  v += F/m·dt/2  →  x += v·dt  (Langevin: x += v·dt/2, O, x += v·dt/2)
//   → barostat (cell and positions rescaled with the pressure of the previous step)  →  forces
//   →  v += F/m·dt/2  →  thermostat half step  →  centre-of-mass drift removal.
//
// Checkpoints: an extxyz frame with positions, velocities, masses, fixed mask, cell, and the full integrator state
// (step, time, thermostat/barostat variables, bath energy, the random generator state) in `md_*` info keys, all
// reals in shortest round-trip form. The neighbour list is rebuilt from scratch at every checkpoint step in the
// running simulation, so a restarted run (which builds its list from the checkpoint positions) sums forces in
// the same order and continues bit-identically.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/model/model.hpp"

namespace mlp::md {

enum class Ensemble { NVE, Langevin, Bussi, NoseHoover };
enum class Barostat { None, Isotropic, Anisotropic };

/// "nve", "langevin", "bussi" (alias "csvr"), "nhc" (alias "nose-hoover"); InputError otherwise.
Ensemble parse_ensemble(const std::string& name);
std::string ensemble_name(Ensemble e);
/// "none", "iso", "aniso".
Barostat parse_barostat(const std::string& name);
std::string barostat_name(Barostat b);

struct Options {
  double timestep = 1.0;          ///< fs
  Ensemble ensemble = Ensemble::NVE;
  double temperature = 300.0;     ///< K: thermostat target
  double tau_t = 100.0;           ///< fs: thermostat time constant (Langevin friction γ = 1/tau_t)
  int chain_length = 3;           ///< Nosé-Hoover chain length
  Barostat barostat = Barostat::None;
  double pressure = 0.0;          ///< eV/Å^3, target (isotropic) pressure
  double tau_p = 1000.0;          ///< fs: barostat time constant
  double compressibility = 4.5e-5 / 1.602176634e6;  ///< Å^3/eV (default 4.5e-5 /bar, water-like, as GROMACS)
  double skin = 1.0;              ///< Å: Verlet skin of the neighbour list
  bool remove_drift = true;       ///< remove the centre-of-mass velocity every step (not with fixed atoms)
  std::vector<bool> fixed;        ///< extra fixed atoms (or'ed with the frame's `fixed`/`move_mask`); may be empty
  std::uint64_t seed = 42;        ///< random generator seed (Langevin, Bussi, barostat, Maxwell-Boltzmann)
  // Safe stops.
  double min_distance = -1.0;     ///< Å; < 0: per pair min_distance_factor·(covalent radius i + j)
  double min_distance_factor = 0.5;
  double max_temperature_factor = 10.0;  ///< stop when T > factor·max(target or initial T, 10 K); <= 0: off
  double max_uncertainty = -1.0;         ///< eV: per-atom energy standard deviation above which the run stops
                                         ///< (or, with collect, the step is reported); < 0: off. Needs a model
                                         ///< with an uncertainty (Model::supports_uncertainty)
  std::size_t uncertainty_every = 1;     ///< steps: compute the uncertainty on multiples of this
  bool collect = false;                  ///< active-learning mode: keep running past the uncertainty threshold and
                                         ///< report each such step through Simulation::uncertain()
  std::size_t checkpoint_every = 1000;   ///< steps: checkpoints may be written at multiples of this; the list is
                                         ///< rebuilt there in every run (0: never), see Checkpoints
  std::size_t virial_every = 1;          ///< compute the virial (pressure, MLP_stress) on steps that are multiples
                                         ///< of this (always with a barostat); other steps: energy and forces only
};

/// Why a run stopped early.
struct Stop {
  std::size_t step = 0;
  std::string reason;               ///< one line, names the atoms involved
  std::vector<std::size_t> atoms;   ///< 0-based indices
};

/// Instantaneous observables.
struct Thermo {
  std::size_t step = 0;
  double time = 0.0;         ///< fs
  double temperature = 0.0;  ///< K
  double potential = 0.0;    ///< eV
  double kinetic = 0.0;      ///< eV
  double total = 0.0;        ///< eV
  double pressure = 0.0;     ///< eV/Å^3 (NaN when not periodic in 3D)
  double volume = 0.0;       ///< Å^3 (0 when not periodic in 3D)
  double conserved = 0.0;    ///< eV: the conserved quantity of the ensemble
  double drift = 0.0;        ///< eV/atom: conserved − its value at step 0 of the run (or of the original run)
};

/// Thermo table (TSV): header line (starts with '#', names the units) and one row per Thermo. Columns: step,
/// time_ps, T_K, Epot_eV, Ekin_eV, Etot_eV, P_bar (nan when not computed or not 3D periodic), V_A3, conserved_eV,
/// drift_eV_per_atom. Reals in %.10g.
std::string thermo_header();
std::string thermo_row(const Thermo& t);

/// Atom indices "0,3,7-9" (0-based, ranges inclusive) as a mask of n atoms; InputError naming `what` otherwise.
std::vector<bool> parse_atom_list(const std::string& text, std::size_t n, const std::string& what);

/// Random numbers whose complete state can be saved (no hidden caches, unlike std::normal_distribution).
class Random {
 public:
  explicit Random(std::uint64_t seed = 42) : engine_(seed) {}
  double uniform();   ///< [0, 1)
  double gaussian();  ///< standard normal (Box-Muller; the second number is kept and saved with the state)
  double gamma(double shape);  ///< Gamma(shape, 1) (Marsaglia-Tsang)
  std::string state() const;
  void set_state(const std::string& text);  ///< InputError if malformed

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

class Simulation {
 public:
  /// Takes the start frame (masses, velocities, fixed atoms read from its columns as described above; a frame
  /// without velocities starts at rest unless set_maxwell_boltzmann() is called), evaluates the model once.
  /// Throws InputError for an unsupported element, bad columns or options, ComputeError if the start is bad.
  Simulation(const Model& model, Structure start, const Options& options);

  /// Maxwell-Boltzmann velocities at `temperature` (K) from the simulation's random generator, zero total
  /// momentum (when drift removal applies), rescaled to exactly that temperature.
  void set_maxwell_boltzmann(double temperature);
  /// True if the start frame carried velocities or momenta.
  bool has_input_velocities() const { return input_velocities_; }

  /// Advance one step. On a safe stop returns it and the state is the offending frame (last_good() the one before).
  std::optional<Stop> step();
  /// Run until `steps` steps in total (the step counter) or a stop; `every` is called after each step.
  template <class F>
  std::optional<Stop> run(std::size_t steps, F&& every) {
    while (step_ < steps) {
      if (auto stop = step()) return stop;
      every();
    }
    return std::nullopt;
  }

  /// The current frame: positions, velocities (Å/fs), masses when not the standard ones, fixed mask when any,
  /// MLP_energy, MLP_forces, MLP_stress (3D-periodic), and info md_step, md_time (fs), md_temperature (K).
  Structure frame() const;
  /// The frame of the last step that passed the safe-stop checks (valid after a stop).
  Structure last_good() const;
  Thermo thermo() const;

  /// Checkpoint (extxyz frame with md_* keys); restore() replaces the state from one, after checking that the
  /// atoms and the ensemble match. Continuation is bit-identical.
  void write_checkpoint(std::ostream& out) const;
  void restore(const Structure& checkpoint);

  std::size_t step_count() const { return step_; }
  double time() const { return time_; }
  std::size_t degrees_of_freedom() const { return dof_; }
  std::size_t neighbor_list_builds() const { return nl_.builds(); }
  /// Wall-clock seconds spent in model evaluation (neighbour-list refresh included) since construction.
  double model_seconds() const { return model_seconds_; }
  const Structure& structure() const { return s_; }
  const Matrix3N& velocities() const { return v_; }
  Matrix3N& velocities() { return v_; }
  const Eigen::VectorXd& masses() const { return m_; }
  const EvalResult& result() const { return r_; }
  const Options& options() const { return o_; }
  double kinetic_energy() const;
  double temperature() const;
  /// Instantaneous pressure (eV/Å^3) from the kinetic energy and the model's virial; NaN unless 3D periodic.
  double pressure() const;
  /// Instantaneous pressure tensor (eV/Å^3, positive = compressive): (Σ m v⊗v + W) / V; NaN unless 3D periodic.
  Mat3 pressure_tensor() const;
  /// Threshold of the minimum-distance stop for atoms i, j (Å).
  double min_distance(std::size_t i, std::size_t j) const;
  /// In collect mode: set when the last step exceeded max_uncertainty (reason names the atom and its standard
  /// deviation), cleared at the next step; never set otherwise.
  const std::optional<Stop>& uncertain() const { return uncertain_; }
  /// Largest per-atom energy standard deviation (eV) of the last step that computed one, and its atom; -1 if none.
  double max_atom_uncertainty() const { return max_std_; }

 private:
  void compute(bool force_rebuild);
  void kick(double dt);
  void drift(double dt);
  void langevin_o(double dt);
  void bussi(double dt);
  void nhc(double dt);
  void barostat(double dt);
  void remove_com();
  void apply_fixed();
  std::optional<Stop> check();
  void save_good();
  void save_good_state();
  Structure make_frame(const Structure& s, const Matrix3N& v, const EvalResult& r, std::size_t step,
                       double time) const;

  const Model& model_;
  Options o_;
  Structure s_;
  Matrix3N v_;
  Eigen::VectorXd m_, inv_m_;
  std::vector<bool> fixed_;
  bool any_fixed_ = false, standard_masses_ = true, input_velocities_ = false, remove_com_ = false;
  std::size_t dof_ = 0;
  double model_seconds_ = 0.0;
  NeighborList nl_;
  EvalResult r_;
  EvalRequest request_;
  Random rng_;
  std::size_t step_ = 0;
  double time_ = 0.0;
  double bath_ = 0.0;          // eV: energy taken out of the system by thermostat, barostat and drift removal
  Vec3 last_deps_ = Vec3::Zero();  // strain increments of the last cell rescaling
  std::vector<double> xi_, pxi_;  // Nosé-Hoover chain positions and momenta (eV·fs)
  std::optional<double> conserved0_;
  double reference_temperature_ = 0.0;
  std::vector<double> radii_;
  double max_threshold_ = 0.0;
  std::optional<Stop> uncertain_;
  double max_std_ = -1.0;
  // Last good state.
  Structure good_s_;
  Matrix3N good_v_;
  EvalResult good_r_;
  std::size_t good_step_ = 0;
  double good_time_ = 0.0;
};

}  // namespace mlp::md
