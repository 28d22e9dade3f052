// KIM-API 2.x model driver for every mlp model (see man/mlp-lammps.7).
//
// Parameter files of a portable model built on this driver (mlp-kim-install writes them):
//   1. settings: "key value" lines: species <symbols...> (required), hops <n> (default: the model's
//      Model::influence_hops(), 1 for pair potentials and descriptor models, 2 for SW and sums with it);
//   2. the mlp model file (one spec per line, the same file mlp-eval --model accepts).
//
// Compute: the particles KIM hands over (contributing and padding) become one non-periodic mlp Structure with
// positions as given; an mlp NeighborList is built on it and the model is evaluated through the Model interface
// with EvalRequest::contributing set, so the energy is the sum of the per-atom energies of the contributing
// atoms and the forces (on padding atoms too) are its exact gradient. Summed over MPI ranks this gives the
// total energy and forces, and LAMMPS's f·r virial over owned + ghost atoms gives the exact pressure. The
// influence distance is hops × cutoff (2 for a three-body model such as SW, whose per-atom energy depends on
// neighbours of neighbours; 1 for descriptor models, which also skip the environments of padding atoms).
#include <cmath>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "KIM_LogMacros.hpp"
#include "KIM_ModelDriverHeaders.hpp"
#include "mlp/core/elements.hpp"
#include "mlp/model/partial_evaluation.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/memory.hpp"

namespace {

// Verlet skin (Å) of the driver's own neighbour list, which could be reused between calls while no particle index
// moved more than half of it. Measured on 8000-atom SW Si: a 1 Å skin (twice the pairs to skip in every call)
// is ~20% slower than a rebuild per call, so the list is rebuilt (skin 0).
constexpr double kSkin = 0.0;

struct Buffer {
  std::unique_ptr<mlp::Model> model;
  std::vector<int> code_to_z;      // KIM species code -> atomic number
  double length = 1.0;             // requested length unit per Å
  double energy = 1.0;             // requested energy unit per eV
  double influence = 0.0;          // requested length unit
  double cutoff = 0.0;             // requested length unit
  int no_padding_lists = 1;
  // Scratch reused between calls.
  mlp::Structure s;
  mlp::NeighborList nl;
  std::vector<std::uint8_t> contributing;
};

#undef KIM_LOGGER_OBJECT_NAME
#define KIM_LOGGER_OBJECT_NAME mdc

// Errors go to the KIM log (kim.log) and to stderr, so that they show next to LAMMPS's own ERROR line.
void report(const std::string& message) { std::cerr << "mlp KIM driver: " << message << std::endl; }

int fail_create(KIM::ModelDriverCreate* const mdc, const std::string& message) {
  LOG_ERROR("mlp KIM driver: " + message);
  report(message);
  return 1;
}

int destroy(KIM::ModelDestroy* const md) {
  Buffer* b = nullptr;
  md->GetModelBufferPointer(reinterpret_cast<void**>(&b));
  delete b;
  return 0;
}

int compute_arguments_create(KIM::ModelCompute const* const, KIM::ModelComputeArgumentsCreate* const mcac) {
  using namespace KIM::COMPUTE_ARGUMENT_NAME;
  const auto opt = KIM::SUPPORT_STATUS::optional;
  return mcac->SetArgumentSupportStatus(partialEnergy, opt) ||
         mcac->SetArgumentSupportStatus(partialForces, opt) ||
         mcac->SetArgumentSupportStatus(partialParticleEnergy, opt) ||
         mcac->SetArgumentSupportStatus(partialVirial, opt) ||
         mcac->SetArgumentSupportStatus(partialParticleVirial, opt);
}

int compute_arguments_destroy(KIM::ModelCompute const* const, KIM::ModelComputeArgumentsDestroy* const) { return 0; }

#undef KIM_LOGGER_OBJECT_NAME
#define KIM_LOGGER_OBJECT_NAME mca

int compute(KIM::ModelCompute const* const mc, KIM::ModelComputeArguments const* const mca) {
  Buffer* b = nullptr;
  mc->GetModelBufferPointer(reinterpret_cast<void**>(&b));
  const int* n_ptr = nullptr;
  const int* species = nullptr;
  const int* contributing = nullptr;
  const double* x = nullptr;
  double* energy = nullptr;
  double* forces = nullptr;
  double* atom_energy = nullptr;
  double* virial = nullptr;
  double* atom_virial = nullptr;
  using namespace KIM::COMPUTE_ARGUMENT_NAME;
  if (mca->GetArgumentPointer(numberOfParticles, &n_ptr) || mca->GetArgumentPointer(particleSpeciesCodes, &species) ||
      mca->GetArgumentPointer(particleContributing, &contributing) || mca->GetArgumentPointer(coordinates, &x) ||
      mca->GetArgumentPointer(partialEnergy, &energy) || mca->GetArgumentPointer(partialForces, &forces) ||
      mca->GetArgumentPointer(partialParticleEnergy, &atom_energy) ||
      mca->GetArgumentPointer(partialVirial, &virial) ||
      mca->GetArgumentPointer(partialParticleVirial, &atom_virial)) {
    LOG_ERROR("mlp KIM driver: cannot get the compute arguments");
    return 1;
  }
  const std::size_t n = static_cast<std::size_t>(*n_ptr);
  try {
    mlp::Structure& s = b->s;
    s.resize(n);
    s.pbc = {false, false, false};
    s.cell.setZero();
    b->contributing.assign(n, 0);
    const double to_A = 1.0 / b->length;
    for (std::size_t i = 0; i < n; ++i) {
      const int code = species[i];
      if (code < 0 || static_cast<std::size_t>(code) >= b->code_to_z.size()) {
        LOG_ERROR("mlp KIM driver: unknown species code " + std::to_string(code));
        return 1;
      }
      s.numbers[i] = b->code_to_z[static_cast<std::size_t>(code)];
      for (int c = 0; c < 3; ++c)
        s.positions(static_cast<Eigen::Index>(i), c) = x[3 * i + static_cast<std::size_t>(c)] * to_A;
      b->contributing[i] = contributing[i] ? 1 : 0;
    }
    mlp::EvalRequest request;
    request.forces = forces != nullptr;
    request.virial = virial != nullptr;
    request.atom_energies = atom_energy != nullptr;
    request.atom_virials = atom_virial != nullptr;
    const mlp::EvalResult r = mlp::evaluate_contributing(*b->model, s, b->nl, b->contributing, request, kSkin);
    const double eF = b->energy, fF = b->energy * b->length;
    if (energy) *energy = r.energy * eF;
    if (forces)
      for (std::size_t i = 0; i < n; ++i)
        for (int c = 0; c < 3; ++c)
          forces[3 * i + static_cast<std::size_t>(c)] = r.forces(static_cast<Eigen::Index>(i), c) * fF;
    if (atom_energy)
      for (std::size_t i = 0; i < n; ++i)
        atom_energy[i] = contributing[i] ? r.atom_energies[static_cast<Eigen::Index>(i)] * eF : 0.0;
    // KIM virials are dE/dε = −W, Voigt order xx yy zz yz xz xy.
    const auto voigt = [eF](const mlp::Mat3& w, double* out) {
      out[0] = -w(0, 0) * eF, out[1] = -w(1, 1) * eF, out[2] = -w(2, 2) * eF;
      out[3] = -w(1, 2) * eF, out[4] = -w(0, 2) * eF, out[5] = -w(0, 1) * eF;
    };
    if (virial) voigt(r.virial, virial);
    if (atom_virial)
      for (std::size_t i = 0; i < n; ++i) {
        if (contributing[i])
          voigt(r.atom_virials[i], atom_virial + 6 * i);
        else
          for (int c = 0; c < 6; ++c) atom_virial[6 * i + static_cast<std::size_t>(c)] = 0.0;
      }
  } catch (const std::exception& e) {
    LOG_ERROR(std::string("mlp KIM driver: ") + e.what());
    report(e.what());
    return 1;
  }
  return 0;
}

#undef KIM_LOGGER_OBJECT_NAME
#define KIM_LOGGER_OBJECT_NAME mdc

}  // namespace

extern "C" int mlp_kim_driver_create(KIM::ModelDriverCreate* const mdc, KIM::LengthUnit const length_unit,
                                     KIM::EnergyUnit const energy_unit, KIM::ChargeUnit const charge_unit,
                                     KIM::TemperatureUnit const temperature_unit, KIM::TimeUnit const time_unit) {
  auto b = std::make_unique<Buffer>();
  mlp::retain_freed_memory();  // LAMMPS calls Compute every step with buffers of the same sizes
  try {
    int files = 0;
    mdc->GetNumberOfParameterFiles(&files);
    if (files != 2) return fail_create(mdc, "expected 2 parameter files (settings, model), got " + std::to_string(files));
    std::string const* dir = nullptr;
    std::string const* settings_name = nullptr;
    std::string const* model_name = nullptr;
    mdc->GetParameterFileDirectoryName(&dir);
    if (mdc->GetParameterFileBasename(0, &settings_name) || mdc->GetParameterFileBasename(1, &model_name))
      return fail_create(mdc, "cannot get the parameter file names");
    const std::string settings_path = *dir + "/" + *settings_name;
    std::ifstream in(settings_path);
    if (!in) return fail_create(mdc, "cannot read the settings file " + *settings_name);
    std::vector<std::string> symbols;
    double hops = 0;  // 0: the model's own influence_hops()
    std::string line;
    while (std::getline(in, line)) {
      const auto hash = line.find('#');
      if (hash != std::string::npos) line.erase(hash);
      std::istringstream ls(line);
      std::string key;
      if (!(ls >> key)) continue;
      if (key == "species") {
        std::string sym;
        while (ls >> sym) symbols.push_back(sym);
      } else if (key == "hops") {
        if (!(ls >> hops) || hops < 1 || hops != std::floor(hops))
          return fail_create(mdc, "settings: 'hops' must be a positive integer");
      } else {
        return fail_create(mdc, "settings: unknown key '" + key + "'");
      }
    }
    if (symbols.empty()) return fail_create(mdc, "settings: no 'species' line");
    b->model = mlp::make_model(*dir + "/" + *model_name);
    if (!b->model->supports_contributing())
      return fail_create(mdc, "model '" + b->model->name() +
                                  "' does not support evaluation with contributing/padding atoms (needed for KIM)");
    for (std::size_t k = 0; k < symbols.size(); ++k) {
      const int z = mlp::atomic_number(symbols[k]);
      if (z == 0) return fail_create(mdc, "settings: '" + symbols[k] + "' is not an element symbol");
      std::string why;
      if (!b->model->supports({z}, why)) return fail_create(mdc, why);
      if (mdc->SetSpeciesCode(KIM::SpeciesName(symbols[k]), static_cast<int>(k)))
        return fail_create(mdc, "KIM does not know the species '" + symbols[k] + "'");
      b->code_to_z.push_back(z);
    }
    // Units: the model works in Å and eV; convert to what the simulator asks for.
    const auto convert = [&](double le, double ee, double& out) {
      return KIM::ModelDriverCreate::ConvertUnit(KIM::LENGTH_UNIT::A, KIM::ENERGY_UNIT::eV, KIM::CHARGE_UNIT::e,
                                                 KIM::TEMPERATURE_UNIT::K, KIM::TIME_UNIT::ps, length_unit,
                                                 energy_unit, charge_unit, temperature_unit, time_unit, le, ee, 0.0,
                                                 0.0, 0.0, &out);
    };
    if (convert(1.0, 0.0, b->length) || convert(0.0, 1.0, b->energy))
      return fail_create(mdc, "cannot convert units");
    if (mdc->SetUnits(length_unit, energy_unit, KIM::CHARGE_UNIT::unused, KIM::TEMPERATURE_UNIT::unused,
                      KIM::TIME_UNIT::unused))
      return fail_create(mdc, "cannot set units");
    if (mdc->SetModelNumbering(KIM::NUMBERING::zeroBased)) return fail_create(mdc, "cannot set numbering");
    // The driver builds its own neighbour list on the particles it is given and never reads KIM's, but LAMMPS
    // needs a list cutoff larger than its skin: the model cutoff.
    b->cutoff = b->model->cutoff() * b->length;
    if (hops == 0) hops = b->model->influence_hops();
    b->influence = hops * b->cutoff;
    mdc->SetInfluenceDistancePointer(&b->influence);
    mdc->SetNeighborListPointers(1, &b->cutoff, &b->no_padding_lists);
    using namespace KIM::MODEL_ROUTINE_NAME;
    const auto cpp = KIM::LANGUAGE_NAME::cpp;
    if (mdc->SetRoutinePointer(Destroy, cpp, true, reinterpret_cast<KIM::Function*>(destroy)) ||
        mdc->SetRoutinePointer(Compute, cpp, true, reinterpret_cast<KIM::Function*>(compute)) ||
        mdc->SetRoutinePointer(ComputeArgumentsCreate, cpp, true,
                               reinterpret_cast<KIM::Function*>(compute_arguments_create)) ||
        mdc->SetRoutinePointer(ComputeArgumentsDestroy, cpp, true,
                               reinterpret_cast<KIM::Function*>(compute_arguments_destroy)))
      return fail_create(mdc, "cannot register the routines");
  } catch (const std::exception& e) {
    return fail_create(mdc, e.what());
  }
  mdc->SetModelBufferPointer(b.release());
  return 0;
}
