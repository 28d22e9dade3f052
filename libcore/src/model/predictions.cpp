#include "mlp/model/predictions.hpp"

#include <cmath>

#include "mlp/util/error.hpp"

namespace mlp {

std::optional<Mat3> predicted_stress(const Structure& s, const EvalResult& r) {
  if (!(s.pbc[0] && s.pbc[1] && s.pbc[2])) return std::nullopt;
  return stress_from_virial(r.virial, s.volume());
}

namespace {
void guard(const std::string& key, const LabelKeys& labels) {
  if (key == labels.energy || key == labels.forces || key == labels.stress || key == labels.virial)
    throw InputError("prediction key '" + key + "' would overwrite a reference label; choose another prefix");
}

AtomArray real_column(const double* data, std::size_t atoms, int width) {
  AtomArray a;
  a.type = ColumnType::Real;
  a.width = width;
  a.reals.assign(data, data + atoms * static_cast<std::size_t>(width));
  return a;
}
}  // namespace

void attach_predictions(Structure& s, const EvalResult& r, const PredictionKeys& keys, const LabelKeys& labels) {
  const std::string energy_key = keys.prefix + "energy", forces_key = keys.prefix + "forces",
                    stress_key = keys.prefix + "stress", energies_key = keys.prefix + "energies";
  for (const auto* k : {&energy_key, &forces_key, &stress_key, &energies_key}) guard(*k, labels);

  s.info.set(energy_key, r.energy);
  if (r.forces.rows() == static_cast<Eigen::Index>(s.size()))
    s.arrays.set(forces_key, real_column(r.forces.data(), s.size(), 3));
  if (const auto stress = predicted_stress(s, r)) {
    std::vector<double> flat(9);
    for (int i = 0; i < 9; ++i) flat[static_cast<std::size_t>(i)] = (*stress)(i / 3, i % 3);
    s.info.set(stress_key, flat);
  }
  if (keys.atom_energies && r.atom_energies.size() == static_cast<Eigen::Index>(s.size()))
    s.arrays.set(energies_key, real_column(r.atom_energies.data(), s.size(), 1));
  if (r.has_uncertainty) {  // standard deviations, in the units of the predictions
    const std::string std_key = energy_key + "_std", atom_std_key = energies_key + "_std",
                      forces_std_key = forces_key + "_std";
    for (const auto* k : {&std_key, &atom_std_key, &forces_std_key}) guard(*k, labels);
    s.info.set(std_key, std::sqrt(r.energy_variance));
    if (r.atom_energy_variance.size() == static_cast<Eigen::Index>(s.size())) {
      const Eigen::VectorXd sd = r.atom_energy_variance.cwiseSqrt();
      s.arrays.set(atom_std_key, real_column(sd.data(), s.size(), 1));
    }
    if (r.forces_variance.rows() == static_cast<Eigen::Index>(s.size())) {
      const Matrix3N sd = r.forces_variance.cwiseSqrt();
      s.arrays.set(forces_std_key, real_column(sd.data(), s.size(), 3));
    }
  }
  if (r.has_charges && r.charges.size() == static_cast<Eigen::Index>(s.size())) {  // e per atom
    const std::string charges_key = keys.prefix + "charges";
    guard(charges_key, labels);
    s.arrays.set(charges_key, real_column(r.charges.data(), s.size(), 1));
  }
  if (keys.terms)
    for (const auto& [term, energy] : r.term_energies) {
      const std::string key = keys.prefix + "energy_" + term;
      guard(key, labels);
      s.info.set(key, energy);
    }
}

}  // namespace mlp
