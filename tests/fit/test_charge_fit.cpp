// Learned charges (mlp/model/learned_charges.hpp) and their fit (mlp/fit/charge_fit.hpp): forces and virial of the
// model against finite differences (with the Σ q ∂χ/∂r term), invariance, total charge, and recovery of a known
// electronegativity model from the charges it produces.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "mlp/desc/descriptor.hpp"
#include "mlp/fit/charge_fit.hpp"
#include "mlp/model/learned_charges.hpp"
#include "mlp/model/learned_charges_file.hpp"
#include <sstream>
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
using mlp::test::max_rel_diff;

namespace {

std::shared_ptr<const Descriptor> acsf() {
  return make_descriptor(R"({"type": "acsf", "auto": {"elements": ["Na", "Cl"], "rcut": 4.5, "radial": 4,
                             "angular_eta": [0.02], "angular_zeta": [1.0]}})");
}

LearnedCharges known_model(const std::shared_ptr<const Descriptor>& d) {
  std::map<int, LearnedChargeElement> elements;
  for (int z : d->elements()) {
    LearnedChargeElement e;
    e.weights.resize(static_cast<Eigen::Index>(d->size(z)));
    for (Eigen::Index k = 0; k < e.weights.size(); ++k) e.weights[k] = 0.3 * std::sin(1.3 * static_cast<double>(k) + z);
    e.bias = z == 11 ? -1.5 : 2.0;
    e.hardness = z == 11 ? 7.0 : 9.0;
    e.qmax = 3.0;
    elements[z] = e;
  }
  ElectrostaticsOptions o;
  o.sigma = 1.0;
  o.rcut = 12.0;
  return LearnedCharges(d, elements, o);
}

Structure cluster(std::mt19937_64& rng, std::size_t n = 8) {
  return test::random_structure(rng, n, {11, 17}, Mat3::Identity() * 6.5, {false, false, false}, 2.0);
}

}  // namespace

TEST_CASE("learned charges: forces and virial equal finite differences, invariant, exact total charge",
          "[fit][charges]") {
  std::mt19937_64 rng(23);
  const LearnedCharges model = known_model(acsf());
  const auto energy = [&](const Structure& t) {
    EvalRequest q;
    q.forces = q.virial = false;
    return evaluate(model, t, q).energy;
  };
  EvalRequest all;
  all.forces = all.virial = all.atom_energies = true;
  Structure mol = cluster(rng);
  mol.info.set("total_charge", -1.0);
  EvalResult r = evaluate(model, mol, all);
  REQUIRE(r.has_charges);
  CHECK(r.charges.sum() == Approx(-1.0).margin(1e-12));
  CHECK(r.atom_energies.sum() == Approx(r.energy).epsilon(1e-12));
  CHECK(max_rel_diff(r.forces, test::fd_forces(energy, mol, 1e-5)) < 1e-7);
  CHECK(max_rel_diff(r.virial, test::fd_virial(energy, mol, 1e-6)) < 1e-7);
  Structure cell = test::random_structure(rng, 8, {11, 17}, test::random_cell(rng, 6.5, 7.5), {true, true, true}, 2.0);
  r = evaluate(model, cell, all);
  CHECK(max_rel_diff(r.forces, test::fd_forces(energy, cell, 1e-5)) < 1e-7);
  CHECK(max_rel_diff(r.virial, test::fd_virial(energy, cell, 1e-6)) < 1e-7);
  // Rotation and translation of the molecule.
  Structure t = mol;
  const Mat3 R = test::random_rotation(rng);
  t.positions = (mol.positions * R.transpose()).rowwise() + Eigen::RowVector3d(0.3, 2.0, -1.0);
  const EvalResult a = evaluate(model, mol, all), b = evaluate(model, t, all);
  CHECK(std::abs(a.energy - b.energy) < 1e-10 * std::abs(a.energy));
  CHECK((a.charges - b.charges).cwiseAbs().maxCoeff() < 1e-10);
  CHECK(max_rel_diff(b.forces, a.forces * R.transpose()) < 1e-10);
}

TEST_CASE("charge fit recovers the charges of a known electronegativity model", "[fit][charges]") {
  std::mt19937_64 rng(29);
  const auto d = acsf();
  const LearnedCharges truth = known_model(d);
  std::vector<Structure> frames;
  for (int k = 0; k < 24; ++k) {
    Structure s = cluster(rng, 6 + static_cast<std::size_t>(k % 4));
    s.info.set("total_charge", static_cast<double>(k % 3) - 1.0);
    const EvalResult r = evaluate(truth, s, EvalRequest{});
    AtomArray q;
    q.type = ColumnType::Real;
    q.width = 1;
    q.reals.assign(r.charges.data(), r.charges.data() + r.charges.size());
    s.arrays.set("hirshfeld_charges", q);
    s.frame = static_cast<std::size_t>(k);
    frames.push_back(s);
  }
  Split split;
  for (std::size_t k = 0; k < frames.size(); ++k) (k % 4 == 3 ? split.valid : split.train).push_back(k);
  ChargeFitOptions o;
  o.electrostatics = truth.electrostatics();
  o.hardness = {{11, 7.0}, {17, 9.0}};
  o.qmax = 3.0;
  o.lambda = 1e-12;
  ChargeFitResult result;
  const auto fitted = fit_learned_charges(d, frames, split, o, result);
  INFO("RMSE train " << result.rmse_train << " e, valid " << result.rmse_valid << " e, " << result.iterations
                     << " Gauss-Newton steps");
  CHECK(result.charges_key == "hirshfeld_charges");
  CHECK(result.rmse_train < 1e-6);
  CHECK(result.rmse_valid < 1e-5);
  // A frame without reference charges is refused.
  frames[0].arrays.erase("hirshfeld_charges");
  CHECK_THROWS_AS(fit_learned_charges(d, frames, split, o, result), InputError);
}

TEST_CASE("learned-charge model files round-trip bit-exactly and refuse damage", "[fit][charges]") {
  const auto d = acsf();
  const LearnedCharges model = known_model(d);
  std::stringstream buffer;
  save_learned_charges(buffer, model, R"({"tool": "test"})");
  const std::string bytes = buffer.str();
  std::istringstream in(bytes);
  ContainerReader reader(in, "mem", "MODL", kLearnedChargesFileVersion);
  const auto loaded = load_learned_charges(reader, "mem");
  std::mt19937_64 rng(31);
  const Structure s = cluster(rng);
  EvalRequest all;
  all.forces = all.virial = true;
  const EvalResult a = evaluate(model, s, all), b = evaluate(*loaded, s, all);
  CHECK(a.energy == b.energy);
  CHECK(a.forces == b.forces);
  CHECK(a.charges == b.charges);
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x20;
  std::istringstream bad(damaged);
  CHECK_THROWS_AS(([&] {
                    ContainerReader r(bad, "mem", "MODL", kLearnedChargesFileVersion);
                    load_learned_charges(r, "mem");
                  }()),
                  InputError);
}
