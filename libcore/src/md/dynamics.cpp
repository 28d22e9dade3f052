#include "mlp/md/dynamics.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/md/units.hpp"
#include "mlp/model/predictions.hpp"
#include "mlp/util/error.hpp"

namespace mlp::md {

// ---- names ------------------------------------------------------------------------------------------------------

Ensemble parse_ensemble(const std::string& name) {
  if (name == "nve") return Ensemble::NVE;
  if (name == "langevin") return Ensemble::Langevin;
  if (name == "bussi" || name == "csvr") return Ensemble::Bussi;
  if (name == "nhc" || name == "nose-hoover") return Ensemble::NoseHoover;
  throw InputError("unknown ensemble '" + name + "' (nve, langevin, bussi, nhc)", "--ensemble");
}

std::string ensemble_name(Ensemble e) {
  switch (e) {
    case Ensemble::NVE: return "nve";
    case Ensemble::Langevin: return "langevin";
    case Ensemble::Bussi: return "bussi";
    case Ensemble::NoseHoover: return "nhc";
  }
  return "?";
}

Barostat parse_barostat(const std::string& name) {
  if (name == "none") return Barostat::None;
  if (name == "iso") return Barostat::Isotropic;
  if (name == "aniso") return Barostat::Anisotropic;
  throw InputError("unknown barostat '" + name + "' (none, iso, aniso)", "--barostat");
}

std::string barostat_name(Barostat b) {
  switch (b) {
    case Barostat::None: return "none";
    case Barostat::Isotropic: return "iso";
    case Barostat::Anisotropic: return "aniso";
  }
  return "?";
}

std::string thermo_header() {
  return "# step\ttime_ps\tT_K\tEpot_eV\tEkin_eV\tEtot_eV\tP_bar\tV_A3\tconserved_eV\tdrift_eV_per_atom\n";
}

std::string thermo_row(const Thermo& t) {
  char line[400];
  std::snprintf(line, sizeof line, "%zu\t%.10g\t%.10g\t%.10g\t%.10g\t%.10g\t%.10g\t%.10g\t%.10g\t%.10g\n", t.step,
                t.time / 1000.0, t.temperature, t.potential, t.kinetic, t.total, t.pressure * kBarPerEvA3, t.volume,
                t.conserved, t.drift);
  return line;
}

std::vector<bool> parse_atom_list(const std::string& text, std::size_t n, const std::string& what) {
  std::vector<bool> mask(n, false);
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto dash = item.find('-');
    char* end = nullptr;
    const unsigned long a = std::strtoul(item.c_str(), &end, 10);
    unsigned long b = a;
    bool ok = end != item.c_str() && !item.empty() && item[0] != '-';
    if (ok && dash != std::string::npos) {
      const char* rest = item.c_str() + dash + 1;
      b = std::strtoul(rest, &end, 10);
      ok = end != rest && end == item.c_str() + item.size() && b >= a;
    } else if (ok) {
      ok = end == item.c_str() + item.size();
    }
    if (!ok) throw InputError("cannot read '" + item + "' as an atom index or range (e.g. 0,3,7-9)", what);
    if (b >= n) throw InputError("atom index " + std::to_string(b) + " out of range (" + std::to_string(n) + " atoms)", what);
    for (unsigned long i = a; i <= b; ++i) mask[i] = true;
  }
  return mask;
}

// ---- random numbers ---------------------------------------------------------------------------------------------

double Random::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Random::gaussian() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1;
  do u1 = uniform();
  while (u1 == 0.0);
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double phi = 2.0 * M_PI * u2;
  spare_ = r * std::sin(phi);
  has_spare_ = true;
  return r * std::cos(phi);
}

double Random::gamma(double shape) {
  if (shape <= 0.0) return 0.0;
  if (shape < 1.0) {  // Gamma(a) = Gamma(a + 1)·U^(1/a)
    double u;
    do u = uniform();
    while (u == 0.0);
    return gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = gaussian();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

std::string Random::state() const {
  std::ostringstream out;
  out << engine_ << ' ' << (has_spare_ ? 1 : 0) << ' ' << format_real(spare_);
  return out.str();
}

void Random::set_state(const std::string& text) {
  std::istringstream in(text);
  int spare = 0;
  std::string value;
  in >> engine_ >> spare >> value;
  if (!in || (spare != 0 && spare != 1)) throw InputError("malformed random generator state", "", 0, "md_rng");
  has_spare_ = spare == 1;
  spare_ = std::strtod(value.c_str(), nullptr);
}

// ---- set-up -----------------------------------------------------------------------------------------------------

namespace {

const AtomArray* column(const Structure& s, const std::string& key, ColumnType type, int width) {
  const AtomArray* a = s.arrays.find(key);
  if (!a) return nullptr;
  if (a->type != type || a->width != width || a->atoms() != s.size())
    throw InputError("column '" + key + "' must be " + std::string(1, static_cast<char>(type)) + ":" +
                         std::to_string(width),
                     s.source, s.line, key);
  return a;
}

std::string atom_name(const Structure& s, std::size_t i) {
  return element_symbol(s.numbers[i]) + " " + std::to_string(i);
}

}  // namespace

Simulation::Simulation(const Model& model, Structure start, const Options& options)
    : model_(model), o_(options), s_(std::move(start)), rng_(options.seed) {
  const std::size_t n = s_.size();
  const auto rows = static_cast<Eigen::Index>(n);
  if (n == 0) throw InputError("the start frame has no atoms", s_.source, s_.line);
  if (!(o_.timestep > 0.0) || !std::isfinite(o_.timestep)) throw InputError("time step must be > 0 fs", "--timestep");
  if (!(o_.temperature >= 0.0) || !std::isfinite(o_.temperature))  // also NVE: the default initial temperature
    throw InputError("temperature must be a finite number >= 0 K", "--temperature");
  if (o_.ensemble != Ensemble::NVE && !(o_.temperature > 0.0))
    throw InputError("a thermostat needs a temperature > 0 K", "--temperature");
  if (!(o_.tau_t > 0.0)) throw InputError("thermostat time constant must be > 0 fs", "--tau-t");
  if (o_.barostat != Barostat::None) {
    if (!(s_.pbc[0] && s_.pbc[1] && s_.pbc[2])) throw InputError("a barostat needs a 3D-periodic cell", "--barostat");
    if (o_.ensemble == Ensemble::NVE) throw InputError("a barostat needs a thermostat (not nve)", "--barostat");
    if (!(o_.tau_p > 0.0)) throw InputError("barostat time constant must be > 0 fs", "--tau-p");
  }
  if (o_.chain_length < 1) throw InputError("Nosé-Hoover chain length must be >= 1", "--chain");
  if (o_.skin < 0.0) throw InputError("skin must be >= 0 Å", "--skin");
  std::string why;
  if (!model_.supports(s_.numbers, why)) throw InputError(why, s_.source, s_.line, "species");

  // Masses.
  m_.resize(rows);
  if (const AtomArray* a = column(s_, "masses", ColumnType::Real, 1)) {
    standard_masses_ = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!(a->reals[i] > 0.0) || !std::isfinite(a->reals[i]))
        throw InputError("mass of atom " + std::to_string(i) + " must be > 0 amu", s_.source, s_.line, "masses");
      m_[static_cast<Eigen::Index>(i)] = a->reals[i];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) m_[static_cast<Eigen::Index>(i)] = atomic_mass(s_.numbers[i]);
  }
  // Fixed atoms.
  fixed_.assign(n, false);
  if (const AtomArray* a = column(s_, "fixed", ColumnType::Logical, 1))
    for (std::size_t i = 0; i < n; ++i) fixed_[i] = a->logicals[i] != 0;
  if (const AtomArray* a = column(s_, "move_mask", ColumnType::Logical, 3))
    for (std::size_t i = 0; i < n; ++i) {
      const int free = a->logicals[3 * i] + a->logicals[3 * i + 1] + a->logicals[3 * i + 2];
      if (free != 0 && free != 3)
        throw InputError("atom " + std::to_string(i) + ": partially fixed atoms (move_mask) are not supported",
                         s_.source, s_.line, "move_mask");
      if (free == 0) fixed_[i] = true;
    }
  if (!o_.fixed.empty()) {
    if (o_.fixed.size() != n) throw InputError("fixed-atom mask has the wrong length", "--fix");
    for (std::size_t i = 0; i < n; ++i) fixed_[i] = fixed_[i] || o_.fixed[i];
  }
  std::size_t n_fixed = 0;
  for (bool f : fixed_) n_fixed += f ? 1 : 0;
  any_fixed_ = n_fixed > 0;
  remove_com_ = o_.remove_drift && !any_fixed_ && n > 1;
  dof_ = 3 * (n - n_fixed) - (remove_com_ ? 3 : 0);
  inv_m_.resize(rows);
  for (Eigen::Index i = 0; i < rows; ++i)
    inv_m_[i] = fixed_[static_cast<std::size_t>(i)] ? 0.0 : 1.0 / (m_[i] * kAmuA2PerFs2);

  // Velocities: `velocities` (Å/fs) or ASE `momenta`.
  v_ = Matrix3N::Zero(rows, 3);
  if (const AtomArray* a = column(s_, "velocities", ColumnType::Real, 3)) {
    input_velocities_ = true;
    for (std::size_t i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c) v_(static_cast<Eigen::Index>(i), c) = a->reals[3 * i + static_cast<std::size_t>(c)];
  } else if (const AtomArray* p = column(s_, "momenta", ColumnType::Real, 3)) {
    input_velocities_ = true;
    const double to_fs = 1.0 / ase_time_unit_fs();
    for (std::size_t i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c)
        v_(static_cast<Eigen::Index>(i), c) =
            p->reals[3 * i + static_cast<std::size_t>(c)] / m_[static_cast<Eigen::Index>(i)] * to_fs;
  }
  if (!v_.allFinite()) throw InputError("non-finite velocities", s_.source, s_.line, "velocities");
  // Dropped from the working frame: what the MD writes itself (velocities, masses and fixed mask are written back
  // by frame()), predictions (MLP_*) and reference labels of the start frame (energy, forces, stress, virial,
  // free_energy, charges), which would be stale in every later frame, and md_* state keys.
  const auto stale = [](const std::string& key) {
    static const char* const keys[] = {"velocities", "momenta", "masses", "fixed", "move_mask", "energy",
                                       "forces", "stress", "virial", "free_energy", "energies"};
    for (const char* k : keys)
      if (key == k) return true;
    return key.compare(0, 4, "MLP_") == 0 || key.compare(0, 3, "md_") == 0;
  };
  std::vector<std::string> drop;
  for (const auto& item : s_.arrays.items())
    if (stale(item.first)) drop.push_back(item.first);
  for (const auto& key : drop) s_.arrays.erase(key);
  drop.clear();
  for (const auto& item : s_.info.items())
    if (stale(item.first)) drop.push_back(item.first);
  for (const auto& key : drop) s_.info.erase(key);
  apply_fixed();
  if (remove_com_) remove_com();

  // Safe-stop thresholds.
  radii_.resize(n);
  double rmax = 0.0;
  for (std::size_t i = 0; i < n; ++i) rmax = std::max(rmax, radii_[i] = covalent_radius(s_.numbers[i]));
  max_threshold_ = o_.min_distance >= 0.0 ? o_.min_distance : o_.min_distance_factor * 2.0 * rmax;

  // Forces at the start.
  if (o_.ensemble == Ensemble::NoseHoover) {
    xi_.assign(static_cast<std::size_t>(o_.chain_length), 0.0);
    pxi_.assign(static_cast<std::size_t>(o_.chain_length), 0.0);
  }
  NeighborListOptions nlo;
  nlo.cutoff = model_.cutoff();
  nlo.skin = o_.skin;
  nlo.full = true;
  nl_.build(s_, nlo);
  request_.forces = true;
  request_.virial = true;
  if (o_.max_uncertainty >= 0.0 && !model_.supports_uncertainty())
    throw InputError("model '" + model_.name() + "' has no uncertainty, so max_uncertainty cannot be checked", "",
                     0, "max_uncertainty");
  compute(false);
  reference_temperature_ = std::max(o_.ensemble == Ensemble::NVE ? temperature() : o_.temperature, 10.0);
  bath_ = 0.0;  // the conserved quantity starts at the total energy
  save_good();
  if (auto stop = check()) throw ComputeError("start frame: " + stop->reason, s_.source, s_.line);
}

void Simulation::set_maxwell_boltzmann(double t) {
  if (!(t >= 0.0) || !std::isfinite(t))
    throw InputError("initial temperature must be a finite number >= 0 K", "--initial-temperature");
  const auto n = static_cast<Eigen::Index>(s_.size());
  for (Eigen::Index i = 0; i < n; ++i) {
    const double sd = std::sqrt(kBoltzmann * t * inv_m_[i]);
    for (int c = 0; c < 3; ++c) v_(i, c) = sd * rng_.gaussian();
  }
  apply_fixed();
  if (remove_com_) remove_com();
  const double k = kinetic_energy();
  if (k > 0.0 && dof_ > 0) v_ *= std::sqrt(0.5 * static_cast<double>(dof_) * kBoltzmann * t / k);
  bath_ = 0.0;
  conserved0_ = thermo().conserved;
  if (o_.ensemble == Ensemble::NVE) reference_temperature_ = std::max(t, 10.0);
  save_good();
}

// ---- observables ------------------------------------------------------------------------------------------------

double Simulation::kinetic_energy() const {
  const double* v = v_.data();
  const double* m = m_.data();
  const Eigen::Index n = v_.rows();
  double k = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) k += m[i] * (v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1] + v[3 * i + 2] * v[3 * i + 2]);
  return 0.5 * kAmuA2PerFs2 * k;
}

double Simulation::temperature() const {
  return dof_ == 0 ? 0.0 : 2.0 * kinetic_energy() / (static_cast<double>(dof_) * kBoltzmann);
}

double Simulation::pressure() const {
  if (!(s_.pbc[0] && s_.pbc[1] && s_.pbc[2])) return NAN;
  return (2.0 * kinetic_energy() + r_.virial.trace()) / (3.0 * s_.volume());
}

Mat3 Simulation::pressure_tensor() const {
  if (!(s_.pbc[0] && s_.pbc[1] && s_.pbc[2])) return Mat3::Constant(NAN);
  Mat3 kin = Mat3::Zero();
  for (Eigen::Index i = 0; i < v_.rows(); ++i) kin += m_[i] * v_.row(i).transpose() * v_.row(i);
  return (kAmuA2PerFs2 * kin + r_.virial) / s_.volume();
}

double Simulation::min_distance(std::size_t i, std::size_t j) const {
  return o_.min_distance >= 0.0 ? o_.min_distance : o_.min_distance_factor * (radii_[i] + radii_[j]);
}

Thermo Simulation::thermo() const {
  Thermo t;
  t.step = step_;
  t.time = time_;
  t.kinetic = kinetic_energy();
  t.temperature = temperature();
  t.potential = r_.energy;
  t.total = t.kinetic + t.potential;
  const bool periodic = s_.pbc[0] && s_.pbc[1] && s_.pbc[2];
  t.volume = periodic ? s_.volume() : 0.0;
  t.pressure = request_.virial ? pressure() : NAN;
  t.conserved = t.total + bath_;
  if (o_.ensemble == Ensemble::NoseHoover) {
    const double kt = kBoltzmann * o_.temperature, q = kt * o_.tau_t * o_.tau_t;
    for (std::size_t j = 0; j < xi_.size(); ++j) {
      const double qj = j == 0 ? static_cast<double>(dof_) * q : q;
      t.conserved += 0.5 * pxi_[j] * pxi_[j] / qj + (j == 0 ? static_cast<double>(dof_) * kt : kt) * xi_[j];
    }
  }
  if (o_.barostat != Barostat::None) t.conserved += o_.pressure * t.volume;
  t.drift = conserved0_ ? (t.conserved - *conserved0_) / static_cast<double>(s_.size()) : 0.0;
  return t;
}

// ---- integration ------------------------------------------------------------------------------------------------

void Simulation::compute(bool force_rebuild) {
  if (force_rebuild) nl_.build(s_, nl_.options());
  request_.virial = o_.barostat != Barostat::None || o_.virial_every <= 1 || (step_ % o_.virial_every) == 0;
  request_.uncertainty =
      o_.max_uncertainty >= 0.0 && (o_.uncertainty_every <= 1 || (step_ % o_.uncertainty_every) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  std::swap(r_, good_r_);  // the previous result becomes the last good one (no copy)
  r_ = evaluate(model_, s_, nl_, request_);
  model_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Simulation::kick(double dt) {
  const Eigen::Index n = v_.rows();
  const double* f = r_.forces.data();
  double* v = v_.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double a = dt * inv_m_[i];
    v[3 * i] += a * f[3 * i];
    v[3 * i + 1] += a * f[3 * i + 1];
    v[3 * i + 2] += a * f[3 * i + 2];
  }
}

void Simulation::drift(double dt) {
  if (any_fixed_) {
    for (Eigen::Index i = 0; i < v_.rows(); ++i)
      if (!fixed_[static_cast<std::size_t>(i)]) s_.positions.row(i) += dt * v_.row(i);
  } else {
    s_.positions.noalias() += dt * v_;
  }
}

void Simulation::apply_fixed() {
  if (!any_fixed_) return;
  for (Eigen::Index i = 0; i < v_.rows(); ++i)
    if (fixed_[static_cast<std::size_t>(i)]) v_.row(i).setZero();
}

void Simulation::remove_com() {
  double* v = v_.data();
  const double* m = m_.data();
  const Eigen::Index n = v_.rows();
  double px = 0.0, py = 0.0, pz = 0.0, mt = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    px += m[i] * v[3 * i], py += m[i] * v[3 * i + 1], pz += m[i] * v[3 * i + 2];
    mt += m[i];
  }
  const double cx = px / mt, cy = py / mt, cz = pz / mt;
  for (Eigen::Index i = 0; i < n; ++i) v[3 * i] -= cx, v[3 * i + 1] -= cy, v[3 * i + 2] -= cz;
  bath_ += 0.5 * kAmuA2PerFs2 * mt * (cx * cx + cy * cy + cz * cz);  // K lost: ½·M·v_com²
}

void Simulation::langevin_o(double dt) {
  const double c1 = std::exp(-dt / o_.tau_t);
  const double c2 = std::sqrt((1.0 - c1 * c1) * kBoltzmann * o_.temperature);
  const double k0 = kinetic_energy();
  for (Eigen::Index i = 0; i < v_.rows(); ++i) {
    if (fixed_[static_cast<std::size_t>(i)]) continue;
    const double sd = c2 * std::sqrt(inv_m_[i]);
    for (int c = 0; c < 3; ++c) v_(i, c) = c1 * v_(i, c) + sd * rng_.gaussian();
  }
  bath_ += k0 - kinetic_energy();
}

// Bussi, Donadio, Parrinello, J. Chem. Phys. 126, 014101 (2007), appendix: exact resampling of the kinetic energy.
void Simulation::bussi(double dt) {
  if (dof_ == 0) return;
  const double k = kinetic_energy();
  if (!(k > 0.0)) return;
  const double nf = static_cast<double>(dof_);
  const double target = 0.5 * nf * kBoltzmann * o_.temperature;
  const double c = std::exp(-dt / o_.tau_t);
  const double r1 = rng_.gaussian();
  const double rest = dof_ > 1 ? 2.0 * rng_.gamma(0.5 * (nf - 1.0)) : 0.0;  // Σ of nf−1 squared normals
  const double k_new = k + (1.0 - c) * (target * (rest + r1 * r1) / nf - k) +
                       2.0 * r1 * std::sqrt(k * target / nf * (1.0 - c) * c);
  const double alpha = std::sqrt(std::max(k_new, 0.0) / k);
  v_ *= alpha;
  bath_ += k - alpha * alpha * k;
}

// Martyna, Tuckerman, Tobias, Klein, Mol. Phys. 87, 1117 (1996): Nosé-Hoover chain half step with a 3rd-order
// Suzuki-Yoshida factorisation. Q1 = Nf·kT·τ², Qj = kT·τ².
void Simulation::nhc(double dt) {
  if (dof_ == 0) return;
  const std::size_t m = xi_.size();
  const double kt = kBoltzmann * o_.temperature, nf = static_cast<double>(dof_);
  std::vector<double> q(m, kt * o_.tau_t * o_.tau_t);
  q[0] *= nf;
  const double w1 = 1.0 / (2.0 - std::cbrt(2.0));
  const double weights[3] = {w1, 1.0 - 2.0 * w1, w1};
  double k2 = 2.0 * kinetic_energy();  // 2K
  double scale = 1.0;
  const auto force = [&](std::size_t j) { return j == 0 ? k2 - nf * kt : pxi_[j - 1] * pxi_[j - 1] / q[j - 1] - kt; };
  for (double w : weights) {
    const double d = w * dt;
    pxi_[m - 1] += 0.5 * d * force(m - 1);
    for (std::size_t j = m - 1; j-- > 0;) {
      const double e = std::exp(-0.25 * d * pxi_[j + 1] / q[j + 1]);
      pxi_[j] = (pxi_[j] * e + 0.5 * d * force(j)) * e;
    }
    const double s = std::exp(-d * pxi_[0] / q[0]);
    scale *= s;
    k2 *= s * s;
    for (std::size_t j = 0; j < m; ++j) xi_[j] += d * pxi_[j] / q[j];
    for (std::size_t j = 0; j + 1 < m; ++j) {
      const double e = std::exp(-0.25 * d * pxi_[j + 1] / q[j + 1]);
      pxi_[j] = (pxi_[j] * e + 0.5 * d * force(j)) * e;
    }
    pxi_[m - 1] += 0.5 * d * force(m - 1);
  }
  v_ *= scale;
}

// Stochastic cell rescaling, Bernetti & Bussi, J. Chem. Phys. 153, 114107 (2020), Euler-Maruyama step of
// ε = ln V (isotropic) or ε_α = ln L_α along each Cartesian axis (anisotropic, mobility split in three so that the
// volume fluctuates as in the isotropic case). The pressure is that of the previous force evaluation. The change of
// K + P0·V is exact and goes into the bath; the change of U is estimated from the virials before and after the
// rescaling (trapezoidal rule), so the conserved quantity of NPT runs is approximate.
void Simulation::barostat(double dt) {
  const double v = s_.volume();
  const double kt = kBoltzmann * o_.temperature;
  const double beta = o_.compressibility;
  const double k0 = kinetic_energy();
  Vec3 deps;
  if (o_.barostat == Barostat::Isotropic) {
    const double p = (2.0 * k0 + r_.virial.trace()) / (3.0 * v);
    const double e = -beta / o_.tau_p * (o_.pressure - p - kt / v) * dt +
                     std::sqrt(2.0 * kt * beta * dt / (v * o_.tau_p)) * rng_.gaussian();
    deps = Vec3::Constant(e / 3.0);
  } else {
    Mat3 kin = Mat3::Zero();
    for (Eigen::Index i = 0; i < v_.rows(); ++i) kin += m_[i] * v_.row(i).transpose() * v_.row(i);
    kin *= kAmuA2PerFs2;
    for (int a = 0; a < 3; ++a) {
      const double p = (kin(a, a) + r_.virial(a, a)) / v;
      deps[a] = -beta / (3.0 * o_.tau_p) * (o_.pressure - p - kt / v) * dt +
                std::sqrt(2.0 * kt * beta * dt / (3.0 * v * o_.tau_p)) * rng_.gaussian();
    }
  }
  const Vec3 mu(std::exp(deps[0]), std::exp(deps[1]), std::exp(deps[2]));
  const double v_new = v * mu[0] * mu[1] * mu[2];
  for (Eigen::Index i = 0; i < s_.positions.rows(); ++i)
    if (!fixed_[static_cast<std::size_t>(i)])
      for (int c = 0; c < 3; ++c) s_.positions(i, c) *= mu[c];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) s_.cell(r, c) *= mu[c];
  for (Eigen::Index i = 0; i < v_.rows(); ++i)
    for (int c = 0; c < 3; ++c) v_(i, c) /= mu[c];
  // ΔU of the rescaling by the trapezoidal rule −½(W_before + W_after):dε; W_after is known only after the next
  // force evaluation, so here the first half and in step() the second.
  const double du = -0.5 * (r_.virial(0, 0) * deps[0] + r_.virial(1, 1) * deps[1] + r_.virial(2, 2) * deps[2]);
  bath_ -= (kinetic_energy() - k0) + du + o_.pressure * (v_new - v);
  last_deps_ = deps;
}

std::optional<Stop> Simulation::step() {
  save_good_state();  // compute() moves the current result into good_r_
  const double dt = o_.timestep;
  const std::size_t next = step_ + 1;
  if (o_.ensemble == Ensemble::Bussi) bussi(0.5 * dt);
  if (o_.ensemble == Ensemble::NoseHoover) nhc(0.5 * dt);
  kick(0.5 * dt);
  if (o_.ensemble == Ensemble::Langevin) {
    drift(0.5 * dt);
    langevin_o(dt);
    drift(0.5 * dt);
  } else {
    drift(dt);
  }
  if (o_.barostat != Barostat::None) barostat(dt);
  step_ = next;
  time_ = good_time_ + dt;
  // The offending frame of a stop carries NaN predictions (the model gave none for it).
  const auto no_predictions = [&] {
    r_.energy = NAN;
    r_.forces = Matrix3N::Constant(s_.positions.rows(), 3, NAN);
    r_.virial = Mat3::Constant(NAN);
  };
  if (!s_.positions.allFinite() || !v_.allFinite())
    for (Eigen::Index i = 0; i < s_.positions.rows(); ++i)
      if (!s_.positions.row(i).allFinite() || !v_.row(i).allFinite()) {
        std::swap(r_, good_r_);
        no_predictions();
        return Stop{step_, "non-finite position or velocity of atom " + atom_name(s_, static_cast<std::size_t>(i)),
                    {static_cast<std::size_t>(i)}};
      }
  try {
    compute(o_.checkpoint_every > 0 && step_ % o_.checkpoint_every == 0);
  } catch (const ComputeError& e) {
    no_predictions();
    return Stop{step_, e.message(), {}};
  } catch (const InputError& e) {  // e.g. a cell that became degenerate
    no_predictions();
    return Stop{step_, e.message(), {}};
  }
  if (o_.barostat != Barostat::None)  // second half of the trapezoidal ΔU of the cell rescaling
    bath_ -= -0.5 * (r_.virial(0, 0) * last_deps_[0] + r_.virial(1, 1) * last_deps_[1] +
                     r_.virial(2, 2) * last_deps_[2]);
  kick(0.5 * dt);
  if (o_.ensemble == Ensemble::NoseHoover) nhc(0.5 * dt);
  if (o_.ensemble == Ensemble::Bussi) bussi(0.5 * dt);
  if (remove_com_) remove_com();
  return check();
}

std::optional<Stop> Simulation::check() {
  if (!v_.allFinite())
    for (Eigen::Index i = 0; i < v_.rows(); ++i)
      if (!v_.row(i).allFinite())
        return Stop{step_, "non-finite velocity of atom " + atom_name(s_, static_cast<std::size_t>(i)),
                  {static_cast<std::size_t>(i)}};
  if (!conserved0_) conserved0_ = thermo().conserved;
  // Minimum distance: a branch-free scan for any pair closer than the largest threshold, then a close look.
  double closest[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
  const std::size_t pairs = nl_.pairs();
  std::size_t k = 0;
  for (; k + 4 <= pairs; k += 4)
    for (std::size_t l = 0; l < 4; ++l) closest[l] = std::min(closest[l], nl_.distance(k + l));
  for (; k < pairs; ++k) closest[0] = std::min(closest[0], nl_.distance(k));
  if (std::min(std::min(closest[0], closest[1]), std::min(closest[2], closest[3])) < max_threshold_)
    for (std::size_t i = 0; i < nl_.atoms(); ++i)
      for (std::size_t q = nl_.begin(i); q < nl_.end(i); ++q) {
        const double d = nl_.distance(q);
        const auto j = static_cast<std::size_t>(nl_.neighbor(q));
        const double t = min_distance(i, j);
        if (d < t) {
          char text[160];
          std::snprintf(text, sizeof text, "atoms %s and %s are %.4g Å apart (minimum distance %.4g Å)",
                        atom_name(s_, i).c_str(), atom_name(s_, j).c_str(), d, t);
          return Stop{step_, text, {i, j}};
        }
      }
  uncertain_.reset();
  if (r_.has_uncertainty && r_.atom_energy_variance.size() > 0) {
    Eigen::Index worst = 0;
    max_std_ = std::sqrt(r_.atom_energy_variance.maxCoeff(&worst));
    if (max_std_ > o_.max_uncertainty) {
      char text[200];
      std::snprintf(text, sizeof text, "energy uncertainty of atom %s is %.4g eV (maximum %.4g eV)",
                    atom_name(s_, static_cast<std::size_t>(worst)).c_str(), max_std_, o_.max_uncertainty);
      Stop event{step_, text, {static_cast<std::size_t>(worst)}};
      if (!o_.collect) return event;
      uncertain_ = std::move(event);
    }
  }
  if (o_.max_temperature_factor > 0.0) {
    const double t = temperature();
    if (!(t <= o_.max_temperature_factor * reference_temperature_)) {
      // Name the atoms with the largest kinetic energy.
      std::size_t hot = 0;
      double best = -1.0;
      for (Eigen::Index i = 0; i < v_.rows(); ++i) {
        const double e = m_[i] * v_.row(i).squaredNorm();
        if (e > best) best = e, hot = static_cast<std::size_t>(i);
      }
      char text[200];
      std::snprintf(text, sizeof text,
                    "temperature %.4g K exceeds %.4g × %.4g K (runaway); hottest atom %s (%.4g eV kinetic)", t,
                    o_.max_temperature_factor, reference_temperature_, atom_name(s_, hot).c_str(),
                    0.5 * kAmuA2PerFs2 * best);
      return Stop{step_, text, {hot}};
    }
  }
  return std::nullopt;
}

void Simulation::save_good() {
  save_good_state();
  good_r_.energy = r_.energy;
  good_r_.forces = r_.forces;
  good_r_.virial = r_.virial;
}

void Simulation::save_good_state() {
  good_s_.positions = s_.positions;
  good_s_.cell = s_.cell;
  good_v_ = v_;
  good_step_ = step_;
  good_time_ = time_;
}

// ---- frames and checkpoints -------------------------------------------------------------------------------------

Structure Simulation::make_frame(const Structure& s, const Matrix3N& v, const EvalResult& r, std::size_t step,
                                 double time) const {
  Structure f = s;
  const std::size_t n = s.size();
  AtomArray vel;
  vel.type = ColumnType::Real;
  vel.width = 3;
  vel.reals.assign(v.data(), v.data() + 3 * n);
  f.arrays.set("velocities", std::move(vel));
  if (!standard_masses_) {
    AtomArray mass;
    mass.reals.assign(m_.data(), m_.data() + n);
    f.arrays.set("masses", std::move(mass));
  }
  if (any_fixed_) {
    AtomArray fx;
    fx.type = ColumnType::Logical;
    for (bool b : fixed_) fx.logicals.push_back(b ? 1 : 0);
    f.arrays.set("fixed", std::move(fx));
  }
  f.info.set("md_step", static_cast<std::int64_t>(step));
  f.info.set("md_time", time);
  EvalResult shown;
  shown.energy = r.energy;
  shown.forces = r.forces;
  shown.virial = r.virial;
  shown.has_uncertainty = r.has_uncertainty;  // MLP_energy_std, MLP_energies_std on steps that computed them
  shown.energy_variance = r.energy_variance;
  shown.atom_energy_variance = r.atom_energy_variance;
  shown.forces_variance = r.forces_variance;
  attach_predictions(f, shown, PredictionKeys{}, LabelKeys{});
  if (!request_.virial) f.info.erase("MLP_stress");  // no virial on this step: no stress rather than a wrong one
  return f;
}

Structure Simulation::frame() const { return make_frame(s_, v_, r_, step_, time_); }

Structure Simulation::last_good() const {
  Structure s = s_;
  s.positions = good_s_.positions;
  s.cell = good_s_.cell;
  return make_frame(s, good_v_, good_r_, good_step_, good_time_);
}

void Simulation::write_checkpoint(std::ostream& out) const {
  Structure f = frame();
  f.info.set("md_ensemble", ensemble_name(o_.ensemble));
  f.info.set("md_barostat", barostat_name(o_.barostat));
  f.info.set("md_timestep", o_.timestep);
  f.info.set("md_checkpoint_every", static_cast<std::int64_t>(o_.checkpoint_every));
  f.info.set("md_bath", bath_);
  f.info.set("md_conserved0", conserved0_.value_or(NAN));
  f.info.set("md_reference_temperature", reference_temperature_);
  f.info.set("md_rng", rng_.state());
  if (!xi_.empty()) {
    f.info.set("md_nhc_xi", xi_);
    f.info.set("md_nhc_p", pxi_);
  }
  write_extxyz(out, f);
}

void Simulation::restore(const Structure& c) {
  const auto need_real = [&](const std::string& key) {
    auto x = c.info.real(key);
    if (!x) throw InputError("checkpoint has no '" + key + "'", c.source, c.line, key);
    return *x;
  };
  const auto need_text = [&](const std::string& key) {
    auto x = c.info.string(key);
    if (!x) throw InputError("checkpoint has no '" + key + "'", c.source, c.line, key);
    return *x;
  };
  if (c.size() != s_.size() || c.numbers != s_.numbers)
    throw InputError("checkpoint atoms differ from the simulation's", c.source, c.line);
  if (need_text("md_ensemble") != ensemble_name(o_.ensemble) || need_text("md_barostat") != barostat_name(o_.barostat))
    throw InputError("checkpoint was written by a " + need_text("md_ensemble") + "/" + need_text("md_barostat") +
                         " run, this run is " + ensemble_name(o_.ensemble) + "/" + barostat_name(o_.barostat),
                     c.source, c.line, "md_ensemble");
  if (need_real("md_checkpoint_every") != static_cast<double>(o_.checkpoint_every))
    throw InputError("checkpoint was written with checkpoint interval " + format_real(need_real("md_checkpoint_every")) +
                         ", this run uses " + std::to_string(o_.checkpoint_every),
                     c.source, c.line, "md_checkpoint_every");
  if (need_real("md_timestep") != o_.timestep)
    throw InputError("checkpoint time step differs from --timestep", c.source, c.line, "md_timestep");
  const AtomArray* vel = column(c, "velocities", ColumnType::Real, 3);
  if (!vel) throw InputError("checkpoint has no velocities", c.source, c.line, "velocities");
  s_.positions = c.positions;
  s_.cell = c.cell;
  for (std::size_t i = 0; i < c.size(); ++i)
    for (int k = 0; k < 3; ++k) v_(static_cast<Eigen::Index>(i), k) = vel->reals[3 * i + static_cast<std::size_t>(k)];
  const double step = need_real("md_step");
  step_ = static_cast<std::size_t>(step);
  time_ = need_real("md_time");
  bath_ = need_real("md_bath");
  const double c0 = need_real("md_conserved0");
  conserved0_ = std::isfinite(c0) ? std::optional<double>(c0) : std::nullopt;
  reference_temperature_ = need_real("md_reference_temperature");
  rng_.set_state(need_text("md_rng"));
  if (!xi_.empty()) {
    auto xi = c.info.reals("md_nhc_xi"), p = c.info.reals("md_nhc_p");
    if (!xi || !p || xi->size() != xi_.size() || p->size() != pxi_.size())
      throw InputError("checkpoint Nosé-Hoover chain does not match --chain", c.source, c.line, "md_nhc_xi");
    xi_ = *xi;
    pxi_ = *p;
  }
  nl_.build(s_, nl_.options());
  compute(false);
  save_good();
}

}  // namespace mlp::md
