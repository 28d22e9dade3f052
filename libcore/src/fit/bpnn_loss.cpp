// BpnnProblem: the described, standardised frames and the loss with its exact parameter gradient
// (see mlp/fit/bpnn_fit.hpp for the formulas).
#include <algorithm>
#include <cmath>
#include <exception>
#include <random>

#include <omp.h>

#include "mlp/core/elements.hpp"
#include "mlp/fit/bpnn_fit.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

// Voigt-like order of the 6 independent virial components and their (a, b).
constexpr int kA[6] = {0, 1, 2, 1, 0, 0}, kB[6] = {0, 1, 2, 2, 2, 1};
// Chunks per parallel group (each chunk has its own gradient buffer) and the least atoms of a chunk.
constexpr std::size_t kGroup = 32;
constexpr std::size_t kChunkAtoms = 96;

struct Frame {
  std::size_t atoms = 0;
  std::vector<int> element;             // index into species per atom
  std::vector<Eigen::Index> column;     // column of the atom in X[element]
  std::vector<Eigen::MatrixXd> X;       // per element: inputs × atoms of that element (standardised)
  std::vector<std::size_t> offsets;     // descriptor row offsets (raw layout)
  DescriptorGradients g;                // gradients of x (scaled), empty without force/virial labels
  bool has_energy = false, has_forces = false, has_virial = false;
  double energy_ref = 0.0;              // eV, minus the isolated-atom energies
  Matrix3N forces_ref;                  // eV/Å
  double virial_ref[6] = {0, 0, 0, 0, 0, 0};  // eV
  Sigmas sigma;
  std::vector<double> raw;              // raw descriptor rows until standardised
};

void merge(ErrorStat& into, const ErrorStat& e) {
  into.count += e.count;
  into.sum_abs += e.sum_abs;
  into.sum_sq += e.sum_sq;
  into.max_abs = std::max(into.max_abs, e.max_abs);
}

}  // namespace

struct BpnnProblem::Impl {
  std::shared_ptr<const Descriptor> descriptor;
  std::vector<int> species;                  // descriptor elements, ascending
  std::map<int, int> index;                  // Z -> position in species
  std::vector<std::size_t> inputs;           // per element
  std::vector<std::size_t> param_offset;     // per element, into θ
  std::size_t parameters = 0;
  std::vector<Eigen::VectorXd> shift, scale; // per element
  std::vector<double> energy_shift;          // per element, eV
  std::vector<double> training_atoms;        // per element: its atoms in the training frames
  double energy_scale = 1.0, mean_energy = 0.0;  // eV, eV/atom
  std::vector<int> sizes;                    // network sizes without the input
  Activation activation = Activation::tanh;
  std::vector<Frame> frames;
  int threads = 0;

  std::vector<DenseNetwork> networks(const double* theta) const {
    std::vector<DenseNetwork> nets;
    for (std::size_t e = 0; e < species.size(); ++e) {
      std::vector<int> s{static_cast<int>(inputs[e])};
      s.insert(s.end(), sizes.begin(), sizes.end());
      std::vector<Activation> act(sizes.size(), activation);
      act.back() = Activation::linear;
      nets.emplace_back(s, act);
      nets.back().set_parameters(theta + param_offset[e]);
    }
    return nets;
  }

  // Loss of one frame; gradient (may be null) receives scale·∂L/∂θ.
  LossTerms frame_loss(const std::vector<DenseNetwork>& nets, const Frame& f, double* gradient, double gscale,
                       ErrorStat& e_stat, ErrorStat& f_stat) const;
};

LossTerms BpnnProblem::Impl::frame_loss(const std::vector<DenseNetwork>& nets, const Frame& f, double* gradient,
                                        double gscale, ErrorStat& e_stat, ErrorStat& f_stat) const {
  LossTerms terms;
  const std::size_t n = f.atoms;
  const double N = static_cast<double>(n);
  const std::size_t ne = species.size();
  // Forward: outputs and input gradients per element.
  std::vector<Eigen::VectorXd> y(ne);
  std::vector<Eigen::MatrixXd> dy(ne);
  double energy = 0.0;
  for (std::size_t e = 0; e < ne; ++e) {
    if (f.X[e].cols() == 0) continue;
    nets[e].evaluate(f.X[e], y[e], &dy[e]);
    energy += y[e].sum();
  }
  energy *= energy_scale;
  double e_res = 0.0;
  if (f.has_energy) {
    e_res = (energy - f.energy_ref) / (N * f.sigma.energy);
    terms.energy = e_res * e_res;
    terms.n_energy = 1;
    e_stat.add((energy - f.energy_ref) / N);
  }
  const bool derivatives = f.has_forces || f.has_virial;
  Matrix3N r;  // force residuals / σ_F
  double rho[6] = {0, 0, 0, 0, 0, 0};
  if (derivatives) {
    Matrix3N F = Matrix3N::Zero(static_cast<Eigen::Index>(n), 3);
    double W[6] = {0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < n; ++i) {
      const int e = f.element[i];
      const double* gi = dy[e].col(f.column[i]).data();
      const std::size_t m = inputs[e];
      for (std::size_t k = f.g.entry_offsets[i]; k < f.g.entry_offsets[i + 1]; ++k) {
        const double* block = f.g.position.data() + f.g.data_offsets[k];
        double s0 = 0, s1 = 0, s2 = 0;
        for (std::size_t v = 0; v < m; ++v) {
          s0 += block[3 * v] * gi[v];
          s1 += block[3 * v + 1] * gi[v];
          s2 += block[3 * v + 2] * gi[v];
        }
        const auto j = static_cast<Eigen::Index>(f.g.atom[k]);
        F(j, 0) -= energy_scale * s0;
        F(j, 1) -= energy_scale * s1;
        F(j, 2) -= energy_scale * s2;
      }
      if (f.has_virial) {
        const double* strain = f.g.strain.data() + f.offsets[i] * 9;
        for (std::size_t v = 0; v < m; ++v)
          for (int c = 0; c < 6; ++c)
            W[c] -= energy_scale * gi[v] * 0.5 * (strain[9 * v + 3 * kA[c] + kB[c]] + strain[9 * v + 3 * kB[c] + kA[c]]);
      }
    }
    if (f.has_forces) {
      r = (F - f.forces_ref) / f.sigma.force;
      terms.force = r.squaredNorm();
      terms.n_force = 3 * n;
      for (Eigen::Index j = 0; j < r.rows(); ++j)
        for (int a = 0; a < 3; ++a) f_stat.add(F(j, a) - f.forces_ref(j, a));
    }
    if (f.has_virial) {
      for (int c = 0; c < 6; ++c) {
        rho[c] = (W[c] - f.virial_ref[c]) / (N * f.sigma.virial);
        terms.virial += rho[c] * rho[c];
      }
      terms.n_virial = 6;
    }
  }
  if (!gradient) return terms;

  const double c_seed = f.has_energy ? gscale * 2.0 * e_res * energy_scale / (N * f.sigma.energy) : 0.0;
  const double t_seed = derivatives ? -2.0 * energy_scale * gscale : 0.0;
  Eigen::VectorXd v;
  for (std::size_t i = 0; i < n; ++i) {
    const int e = f.element[i];
    const std::size_t m = inputs[e];
    const double* x = f.X[e].col(f.column[i]).data();
    double* grad = gradient + param_offset[e];
    if (!derivatives) {
      if (c_seed != 0.0) nets[e].accumulate_parameter_gradient(x, nullptr, c_seed, 0.0, grad);
      continue;
    }
    v.setZero(static_cast<Eigen::Index>(m));
    if (f.has_forces) {
      const double inv = 1.0 / f.sigma.force;
      for (std::size_t k = f.g.entry_offsets[i]; k < f.g.entry_offsets[i + 1]; ++k) {
        const double* block = f.g.position.data() + f.g.data_offsets[k];
        const auto j = static_cast<Eigen::Index>(f.g.atom[k]);
        const double r0 = r(j, 0) * inv, r1 = r(j, 1) * inv, r2 = r(j, 2) * inv;
        for (std::size_t q = 0; q < m; ++q)
          v[static_cast<Eigen::Index>(q)] += block[3 * q] * r0 + block[3 * q + 1] * r1 + block[3 * q + 2] * r2;
      }
    }
    if (f.has_virial) {
      const double inv = 1.0 / (N * f.sigma.virial);
      const double* strain = f.g.strain.data() + f.offsets[i] * 9;
      for (std::size_t q = 0; q < m; ++q)
        for (int c = 0; c < 6; ++c)
          v[static_cast<Eigen::Index>(q)] +=
              rho[c] * inv * 0.5 * (strain[9 * q + 3 * kA[c] + kB[c]] + strain[9 * q + 3 * kB[c] + kA[c]]);
    }
    nets[e].accumulate_parameter_gradient(x, v.data(), c_seed, t_seed, grad);
  }
  return terms;
}

BpnnProblem::BpnnProblem(std::shared_ptr<const Descriptor> descriptor, const std::vector<Structure>& frames,
                         const std::vector<std::size_t>& use, const std::vector<std::size_t>& train,
                         const std::map<int, double>& isolated, const BpnnFitOptions& o)
    : impl_(std::make_unique<Impl>()) {
  Impl& p = *impl_;
  p.descriptor = std::move(descriptor);
  p.species = p.descriptor->elements();
  p.activation = o.activation;
  p.threads = o.threads;
  for (int h : o.hidden)
    if (h < 1) throw InputError("bpnn: hidden layer widths must be positive", "", 0, "layers");
  p.sizes = o.hidden;
  p.sizes.push_back(1);
  for (std::size_t e = 0; e < p.species.size(); ++e) {
    const int z = p.species[e];
    p.index[z] = static_cast<int>(e);
    p.inputs.push_back(p.descriptor->size(z));
    p.param_offset.push_back(p.parameters);
    std::vector<int> s{static_cast<int>(p.inputs.back())};
    s.insert(s.end(), p.sizes.begin(), p.sizes.end());
    std::size_t count = 0;
    for (std::size_t l = 0; l + 1 < s.size(); ++l) count += static_cast<std::size_t>(s[l + 1]) * (s[l] + 1);
    p.parameters += count;
    const auto it = isolated.find(z);
    p.energy_shift.push_back(it == isolated.end() ? 0.0 : it->second);
  }

  // Describe every frame (in parallel; the first failure is rethrown).
  p.frames.resize(use.size());
  std::exception_ptr failure;
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::size_t k = 0; k < use.size(); ++k) {
    try {
      const Structure& s = frames[use[k]];
      Frame& f = p.frames[k];
      f.atoms = s.size();
      f.sigma = o.weights.sigmas(s);
      for (std::size_t i = 0; i < s.size(); ++i)
        if (p.index.find(s.numbers[i]) == p.index.end())
          throw InputError("bpnn fit: element " + element_symbol(s.numbers[i]) +
                               " is not described by the descriptor",
                           s.source, s.line, "species");
      const auto energy = std::isfinite(f.sigma.energy) ? reference_energy(s, o.labels) : std::nullopt;
      const auto forces = std::isfinite(f.sigma.force) ? reference_forces(s, o.labels) : std::nullopt;
      const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2];
      const auto stress =
          std::isfinite(f.sigma.virial) && periodic ? reference_stress(s, o.labels) : std::nullopt;
      if (energy) {
        f.has_energy = true;
        f.energy_ref = *energy;
        for (int z : s.numbers) f.energy_ref -= p.energy_shift[static_cast<std::size_t>(p.index.at(z))];
      }
      if (forces) {
        f.has_forces = true;
        f.forces_ref = *forces;
      }
      if (stress) {
        f.has_virial = true;
        const Mat3 w = -*stress * s.volume();
        for (int c = 0; c < 6; ++c) f.virial_ref[c] = 0.5 * (w(kA[c], kB[c]) + w(kB[c], kA[c]));
      }
      const DescriptorValues q =
          (f.has_forces || f.has_virial) ? compute_descriptors(*p.descriptor, s, &f.g) : compute_descriptors(*p.descriptor, s);
      f.offsets = q.offsets;
      f.raw = q.data;
      f.element.resize(s.size());
      f.column.resize(s.size());
      std::vector<Eigen::Index> count(p.species.size(), 0);
      for (std::size_t i = 0; i < s.size(); ++i) {
        f.element[i] = p.index.at(s.numbers[i]);
        f.column[i] = count[static_cast<std::size_t>(f.element[i])]++;
      }
      f.X.resize(p.species.size());
      for (std::size_t e = 0; e < p.species.size(); ++e)
        f.X[e].resize(static_cast<Eigen::Index>(p.inputs[e]), count[e]);
    } catch (...) {
#pragma omp critical(mlp_bpnn_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);

  // Standardisation from the training atoms (fixed order: frames, then atoms).
  const std::size_t ne = p.species.size();
  std::vector<Eigen::VectorXd> sum(ne), sum2(ne);
  std::vector<double> count(ne, 0.0);
  for (std::size_t e = 0; e < ne; ++e) {
    sum[e] = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(p.inputs[e]));
    sum2[e] = sum[e];
  }
  for (std::size_t k : train) {
    const Frame& f = p.frames.at(k);
    for (std::size_t i = 0; i < f.atoms; ++i) {
      const auto e = static_cast<std::size_t>(f.element[i]);
      const Eigen::Map<const Eigen::VectorXd> row(f.raw.data() + f.offsets[i], static_cast<Eigen::Index>(p.inputs[e]));
      sum[e] += row;
      sum2[e] += row.cwiseAbs2();
      count[e] += 1.0;
    }
  }
  p.training_atoms = count;
  p.shift.resize(ne);
  p.scale.resize(ne);
  for (std::size_t e = 0; e < ne; ++e) {
    const auto m = static_cast<Eigen::Index>(p.inputs[e]);
    p.shift[e] = Eigen::VectorXd::Zero(m);
    p.scale[e] = Eigen::VectorXd::Ones(m);
    if (count[e] == 0.0) continue;
    Eigen::VectorXd sd(m);
    for (Eigen::Index k = 0; k < m; ++k) {
      const double mean = sum[e][k] / count[e];
      p.shift[e][k] = mean;
      sd[k] = std::sqrt(std::max(0.0, sum2[e][k] / count[e] - mean * mean));
      if (sd[k] <= 1e-10 * std::max(1.0, std::abs(mean))) sd[k] = 0.0;  // constant up to rounding
    }
    const double floor = o.input_sd_floor * (m > 0 ? sd.maxCoeff() : 0.0);
    for (Eigen::Index k = 0; k < m; ++k) {
      const double s = std::max(sd[k], floor);
      if (s > 0.0) p.scale[e][k] = 1.0 / s;
    }
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::size_t k = 0; k < p.frames.size(); ++k) {
    Frame& f = p.frames[k];
    for (std::size_t i = 0; i < f.atoms; ++i) {
      const auto e = static_cast<std::size_t>(f.element[i]);
      const std::size_t m = p.inputs[e];
      const double* row = f.raw.data() + f.offsets[i];
      double* x = f.X[e].col(f.column[i]).data();
      for (std::size_t v = 0; v < m; ++v)
        x[v] = (row[v] - p.shift[e][static_cast<Eigen::Index>(v)]) * p.scale[e][static_cast<Eigen::Index>(v)];
      if (f.g.entry_offsets.empty()) continue;
      for (std::size_t en = f.g.entry_offsets[i]; en < f.g.entry_offsets[i + 1]; ++en) {
        double* block = f.g.position.data() + f.g.data_offsets[en];
        for (std::size_t v = 0; v < m; ++v)
          for (int a = 0; a < 3; ++a) block[3 * v + a] *= p.scale[e][static_cast<Eigen::Index>(v)];
      }
      if (f.has_virial) {
        double* strain = f.g.strain.data() + f.offsets[i] * 9;
        for (std::size_t v = 0; v < m; ++v)
          for (int c = 0; c < 9; ++c) strain[9 * v + c] *= p.scale[e][static_cast<Eigen::Index>(v)];
      }
    }
    if (!f.has_virial) f.g.strain.clear();
    f.g.strain.shrink_to_fit();
    f.raw.clear();
    f.raw.shrink_to_fit();
  }

  // Output scale: RMS per-atom energy (after the isolated-atom energies), at least 0.1 Å × RMS force component and
  // 1 meV; the output bias starts at the mean per-atom energy.
  double e_sum = 0.0, e_sum2 = 0.0, f_sum2 = 0.0, n_e = 0.0, n_f = 0.0;
  bool any_label = false;
  for (std::size_t k : train) {
    const Frame& f = p.frames[k];
    any_label = any_label || f.has_energy || f.has_forces || f.has_virial;
    if (f.has_energy) {
      const double per_atom = f.energy_ref / static_cast<double>(f.atoms);
      e_sum += per_atom;
      e_sum2 += per_atom * per_atom;
      n_e += 1.0;
    }
    if (f.has_forces) {
      f_sum2 += f.forces_ref.squaredNorm();
      n_f += static_cast<double>(f.forces_ref.size());
    }
  }
  if (!any_label) throw InputError("bpnn fit: no training frame holds an energy, force or stress label", "", 0, "labels");
  const double e_rms = n_e > 0 ? std::sqrt(e_sum2 / n_e) : 0.0;
  const double f_rms = n_f > 0 ? std::sqrt(f_sum2 / n_f) : 0.0;
  p.energy_scale = std::max({e_rms, 0.1 * f_rms, 1e-3});
  p.mean_energy = n_e > 0 ? e_sum / n_e : 0.0;
}

BpnnProblem::~BpnnProblem() = default;

std::size_t BpnnProblem::frames() const { return impl_->frames.size(); }
std::size_t BpnnProblem::parameter_count() const { return impl_->parameters; }
double BpnnProblem::energy_scale() const { return impl_->energy_scale; }

std::vector<double> BpnnProblem::initial_parameters(std::uint64_t seed) const {
  const Impl& p = *impl_;
  std::mt19937_64 rng(seed);
  const auto uniform01 = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<double> theta(p.parameters, 0.0);
  std::vector<DenseNetwork> nets = p.networks(theta.data());
  for (std::size_t e = 0; e < nets.size(); ++e) {
    nets[e].initialise(uniform01);
    nets[e].bias(nets[e].layers() - 1)[0] = p.mean_energy / p.energy_scale;
    const std::vector<double> w = nets[e].parameters();
    std::copy(w.begin(), w.end(), theta.begin() + static_cast<std::ptrdiff_t>(p.param_offset[e]));
  }
  return theta;
}

LossTerms BpnnProblem::loss(const std::vector<double>& theta, const std::vector<std::size_t>& subset, double* gradient,
                            double gradient_scale, ErrorStat* energy, ErrorStat* force) const {
  const Impl& p = *impl_;
  if (theta.size() != p.parameters)
    throw InputError("bpnn loss: " + std::to_string(theta.size()) + " parameters given, " +
                         std::to_string(p.parameters) + " expected",
                     "", 0, "parameters");
  const std::vector<DenseNetwork> nets = p.networks(theta.data());
  const int threads = p.threads > 0 ? p.threads : omp_get_max_threads();
  // Chunks of consecutive frames of at least kChunkAtoms atoms (a frame alone if larger): each chunk is summed
  // in frame order into its own buffer, the chunks in chunk order. The chunking depends only on the data.
  std::vector<std::size_t> chunk_start{0};
  std::size_t atoms = 0;
  for (std::size_t k = 0; k < subset.size(); ++k) {
    atoms += p.frames.at(subset[k]).atoms;
    if (atoms >= kChunkAtoms && k + 1 < subset.size()) {
      chunk_start.push_back(k + 1);
      atoms = 0;
    }
  }
  chunk_start.push_back(subset.size());
  const std::size_t chunks = chunk_start.size() - 1;
  LossTerms total;
  const std::size_t group = std::min(kGroup, chunks);
  std::vector<std::vector<double>> buffers(gradient ? group : 0, std::vector<double>(p.parameters));
  std::vector<LossTerms> terms(group);
  std::vector<ErrorStat> e_stats(group), f_stats(group);
  for (std::size_t start = 0; start < chunks; start += kGroup) {
    const std::size_t m = std::min(kGroup, chunks - start);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (m > 1)
    for (std::size_t c = 0; c < m; ++c) {
      e_stats[c] = ErrorStat();
      f_stats[c] = ErrorStat();
      terms[c] = LossTerms();
      double* buffer = nullptr;
      if (gradient) {
        std::fill(buffers[c].begin(), buffers[c].end(), 0.0);
        buffer = buffers[c].data();
      }
      for (std::size_t k = chunk_start[start + c]; k < chunk_start[start + c + 1]; ++k) {
        const LossTerms t = p.frame_loss(nets, p.frames.at(subset[k]), buffer, gradient_scale, e_stats[c], f_stats[c]);
        terms[c].energy += t.energy;
        terms[c].force += t.force;
        terms[c].virial += t.virial;
        terms[c].n_energy += t.n_energy;
        terms[c].n_force += t.n_force;
        terms[c].n_virial += t.n_virial;
      }
    }
    for (std::size_t c = 0; c < m; ++c) {
      total.energy += terms[c].energy;
      total.force += terms[c].force;
      total.virial += terms[c].virial;
      total.n_energy += terms[c].n_energy;
      total.n_force += terms[c].n_force;
      total.n_virial += terms[c].n_virial;
      if (energy) merge(*energy, e_stats[c]);
      if (force) merge(*force, f_stats[c]);
      if (gradient)
        for (std::size_t q = 0; q < p.parameters; ++q) gradient[q] += buffers[c][q];
    }
  }
  return total;
}

namespace {

// "27-32-32-1 (silu, silu, linear)"
std::string architecture(const DenseNetwork& net) {
  std::string text, acts;
  for (int n : net.sizes()) text += (text.empty() ? "" : "-") + std::to_string(n);
  for (Activation a : net.activations()) acts += (acts.empty() ? "" : ", ") + activation_name(a);
  return text + " (" + acts + ")";
}

}  // namespace

std::vector<int> BpnnProblem::untrained_elements() const {
  std::vector<int> out;
  for (std::size_t e = 0; e < impl_->species.size(); ++e)
    if (impl_->training_atoms[e] == 0.0) out.push_back(impl_->species[e]);
  return out;
}

std::vector<double> BpnnProblem::penalty_mask() const {
  const Impl& p = *impl_;
  std::vector<double> mask(p.parameters, 1.0);
  for (std::size_t e = 0; e < p.species.size(); ++e) {
    if (p.training_atoms[e] != 0.0) continue;
    const std::size_t end = e + 1 < p.species.size() ? p.param_offset[e + 1] : p.parameters;
    std::fill(mask.begin() + static_cast<std::ptrdiff_t>(p.param_offset[e]),
              mask.begin() + static_cast<std::ptrdiff_t>(end), 0.0);
  }
  return mask;
}

std::vector<double> BpnnProblem::parameters_from(const BpnnModel& model, std::size_t member) const {
  const Impl& p = *impl_;
  const auto bad = [](const std::string& why) { throw InputError("warm start: " + why, "", 0, "init-model"); };
  if (descriptor_hash(model.descriptor()) != descriptor_hash(*p.descriptor))
    bad("the model's descriptor (" + descriptor_hash(model.descriptor()) + ") is not the fit's (" +
        descriptor_hash(*p.descriptor) + ")");
  if (member >= model.committee_size())
    bad("the model has " + std::to_string(model.committee_size()) + " committee member(s), member " +
        std::to_string(member) + " was asked for");
  std::vector<double> theta(p.parameters, 0.0);
  std::vector<DenseNetwork> nets = p.networks(theta.data());
  for (std::size_t e = 0; e < p.species.size(); ++e) {
    const std::string symbol = element_symbol(p.species[e]);
    const auto found = model.elements().find(p.species[e]);
    if (found == model.elements().end()) bad("the model has no network for " + symbol);
    const BpnnElement& old = found->second;
    const DenseNetwork& from = old.committee.at(member);
    DenseNetwork& to = nets[e];
    if (from.sizes() != to.sizes() || from.activations() != to.activations())
      bad("the network of " + symbol + " is " + architecture(from) + ", the fit's " + architecture(to));
    for (std::size_t l = 0; l < to.layers(); ++l) {
      to.weight(l) = from.weight(l);
      to.bias(l) = from.bias(l);
    }
    // Input map. The model sees x_k = o + (q_k − a_k)·b_k, this problem x'_k = (q_k − a'_k)·b'_k; so
    // x_k = (b_k/b'_k)·x'_k + o + (a'_k − a_k)·b_k, folded into the first layer's weights and bias.
    const Eigen::VectorXd& a = old.input_shift;
    const Eigen::VectorXd& b = old.input_scale;
    const Eigen::VectorXd d = (p.shift[e] - a).cwiseProduct(b).array() + old.input_offset;
    to.bias(0) += from.weight(0) * d;
    to.weight(0) = from.weight(0) * b.cwiseQuotient(p.scale[e]).asDiagonal();
    // Output map. E_i = s·y + h for the model, s'·y' + h' here: y' = (s/s')·y + (h − h')/s', a linear output.
    const std::size_t last = to.layers() - 1;
    const double ratio = old.energy_scale / p.energy_scale;
    to.weight(last) *= ratio;
    to.bias(last) = to.bias(last) * ratio;
    to.bias(last)[0] += (old.energy_shift - p.energy_shift[e]) / p.energy_scale;
    const std::vector<double> w = to.parameters();
    for (double x : w)
      if (!std::isfinite(x)) bad("the network of " + symbol + " does not map onto the fit's input scaling (not finite)");
    std::copy(w.begin(), w.end(), theta.begin() + static_cast<std::ptrdiff_t>(p.param_offset[e]));
  }
  return theta;
}

std::unique_ptr<BpnnModel> BpnnProblem::make_model(const std::vector<std::vector<double>>& members) const {
  const Impl& p = *impl_;
  std::map<int, BpnnElement> elements;
  for (std::size_t e = 0; e < p.species.size(); ++e) {
    BpnnElement el;
    el.input_shift = p.shift[e];
    el.input_scale = p.scale[e];
    el.energy_scale = p.energy_scale;
    el.energy_shift = p.energy_shift[e];
    for (const auto& theta : members) el.committee.push_back(p.networks(theta.data())[e]);
    elements.emplace(p.species[e], std::move(el));
  }
  return std::make_unique<BpnnModel>(p.descriptor, std::move(elements));
}

}  // namespace mlp
