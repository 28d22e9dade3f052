#include "mlp/model/model.hpp"

#include <cmath>

#include "mlp/util/error.hpp"

namespace mlp {

void EvalResult::reset(std::size_t n, const EvalRequest& request) {
  const auto rows = static_cast<Eigen::Index>(n);
  energy = 0.0;
  atom_energies = request.atom_energies ? Eigen::VectorXd::Zero(rows) : Eigen::VectorXd();
  forces = request.forces ? Matrix3N(Matrix3N::Zero(rows, 3)) : Matrix3N();
  virial.setZero();
  atom_virials.assign(request.atom_virials ? n : 0, Mat3::Zero());
  term_energies.clear();
  has_uncertainty = false;
  energy_variance = 0.0;
  atom_energy_variance = request.uncertainty ? Eigen::VectorXd::Zero(rows) : Eigen::VectorXd();
  forces_variance.resize(0, 3);
  has_charges = false;
  charges.resize(0);
}

bool Model::supports(const std::vector<int>&, std::string&) const { return true; }

Mat3 stress_from_virial(const Mat3& virial, double volume) { return -virial / volume; }

namespace {

std::string frame_name(const Structure& s) { return "frame " + std::to_string(s.frame); }

// Closest pair of atoms, to explain why a model produced a non-finite number.
std::string closest_pair(const NeighborList& nl) {
  double best = INFINITY;
  std::size_t bi = 0, bk = 0;
  for (std::size_t i = 0; i < nl.atoms(); ++i)
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k)
      if (nl.distance(k) < best) best = nl.distance(k), bi = i, bk = k;
  if (!std::isfinite(best)) return "";
  return " (closest pair: atoms " + std::to_string(bi) + " and " + std::to_string(nl.neighbor(bk)) + " at " +
         std::to_string(best) + " Å)";
}

void check_finite(const Structure& s, const NeighborList& nl, const EvalResult& r, const Model& model) {
  const auto fail = [&](const std::string& what) {
    throw ComputeError(frame_name(s) + ": model '" + model.name() + "' gave a non-finite " + what +
                           closest_pair(nl),
                       s.source, s.line);
  };
  if (!std::isfinite(r.energy)) fail("energy");
  for (Eigen::Index i = 0; i < r.forces.rows(); ++i)
    if (!r.forces.row(i).allFinite()) fail("force on atom " + std::to_string(i));
  for (Eigen::Index i = 0; i < r.atom_energies.size(); ++i)
    if (!std::isfinite(r.atom_energies[i])) fail("energy of atom " + std::to_string(i));
  if (!r.virial.allFinite()) fail("virial");
  if (!std::isfinite(r.energy_variance)) fail("energy uncertainty");
  for (Eigen::Index i = 0; i < r.atom_energy_variance.size(); ++i)
    if (!std::isfinite(r.atom_energy_variance[i])) fail("energy uncertainty of atom " + std::to_string(i));
  for (Eigen::Index i = 0; i < r.forces_variance.rows(); ++i)
    if (!r.forces_variance.row(i).allFinite()) fail("force uncertainty on atom " + std::to_string(i));
}

}  // namespace

EvalResult evaluate(const Model& model, const Structure& s, NeighborList& nl, const EvalRequest& request) {
  std::string why;
  if (!model.supports(s.numbers, why)) throw InputError(frame_name(s) + ": " + why, s.source, s.line, "species");
  validate_geometry(s);
  if (nl.atoms() != s.size() || nl.options().cutoff < model.cutoff() || !nl.options().full) {
    NeighborListOptions options = nl.options();
    options.cutoff = model.cutoff();
    options.full = true;
    nl.build(s, options);
  } else {
    nl.refresh(s);
  }
  EvalResult result;
  result.reset(s.size(), request);
  model.compute(s, nl, request, result);
  check_finite(s, nl, result, model);
  return result;
}

EvalResult evaluate(const Model& model, const Structure& s, const EvalRequest& request) {
  NeighborList nl;
  return evaluate(model, s, nl, request);
}

}  // namespace mlp
