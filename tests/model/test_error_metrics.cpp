#include <catch2/catch.hpp>

#include "mlp/model/error_metrics.hpp"
#include "mlp/model/predictions.hpp"
#include "mlp/util/error.hpp"

using namespace mlp;

TEST_CASE("error table: hand-computed MAE and RMSE, per config_type, missing labels skipped") {
  ErrorTable t;
  Matrix3N f_ref(2, 3), f_pred(2, 3);
  f_ref << 0, 0, 0, 1, 1, 1;
  f_pred << 3, 4, 0, 1, 1, 1;  // error vector (3,4,0) on atom 0: norm 5
  t.add("bulk", 2, -10.0, -9.0, f_ref, f_pred, std::nullopt, std::nullopt);      // energy error 0.5 eV/atom
  t.add("surface", 4, -20.0, -22.0, std::nullopt, f_pred, std::nullopt, std::nullopt);  // -0.5 eV/atom, no forces
  t.add("", 1, std::nullopt, 0.0, std::nullopt, Matrix3N(), Mat3::Zero(), Mat3(Mat3::Identity() * 2.0));
  const ErrorGroup& all = t.overall();
  CHECK(all.frames == 3);
  CHECK(all.energy.count == 2);
  CHECK(all.energy.mae() == Approx(0.5));
  CHECK(all.energy.rmse() == Approx(0.5));
  CHECK(all.force.count == 6);
  CHECK(all.force.mae() == Approx(7.0 / 6.0));
  CHECK(all.force.rmse() == Approx(std::sqrt(25.0 / 6.0)));
  CHECK(all.force_vec.count == 2);
  CHECK(all.force_vec.mae() == Approx(2.5));
  CHECK(all.force_vec.max_abs == Approx(5.0));
  CHECK(all.stress.count == 9);
  CHECK(all.stress.rmse() == Approx(std::sqrt(12.0 / 9.0)));
  REQUIRE(t.by_config_type().size() == 2);
  CHECK(t.by_config_type().at("surface").energy.mae() == Approx(0.5));
  CHECK(t.by_config_type().at("surface").force.count == 0);
  CHECK(t.parity().energy_ref.size() == 2);
  CHECK(t.parity().force_ref.size() == 6);
  const std::string tsv = t.tsv();
  CHECK(tsv.find("all\tenergy\teV/atom\t2\t0.5\t0.5\t0.5\n") != std::string::npos);
  CHECK(tsv.find("surface\tenergy") != std::string::npos);
  CHECK(tsv.find("surface\tforce") == std::string::npos);
  CHECK(t.human().find("bulk") != std::string::npos);
}

TEST_CASE("predictions go under their own keys and never over labels") {
  Structure s;
  s.resize(2);
  s.numbers = {14, 14};
  s.cell = Mat3::Identity() * 4.0;
  s.pbc = {true, true, true};
  s.info.set("energy", -1.0);
  EvalResult r;
  r.reset(2, EvalRequest{true, true, true, false});
  r.energy = -2.0;
  r.forces << 1, 2, 3, -1, -2, -3;
  r.virial = Mat3::Identity() * 64.0;  // stress = -virial / V = -1
  r.atom_energies << -1.5, -0.5;
  r.term_energies = {{"sw", -2.0}};
  PredictionKeys keys;
  keys.atom_energies = keys.terms = true;
  attach_predictions(s, r, keys, LabelKeys{});
  CHECK(*s.info.real("energy") == -1.0);
  CHECK(*s.info.real("MLP_energy") == -2.0);
  CHECK(*s.info.real("MLP_energy_sw") == -2.0);
  CHECK((*s.info.reals("MLP_stress"))[0] == -1.0);
  CHECK(s.arrays.reals("MLP_forces", 3)->reals[5] == -3.0);
  CHECK(s.arrays.reals("MLP_energies", 1)->reals[0] == -1.5);
  keys.prefix = "";
  CHECK_THROWS_AS(attach_predictions(s, r, keys, LabelKeys{}), InputError);
  // No stress for a slab.
  s.pbc = {true, true, false};
  CHECK_FALSE(predicted_stress(s, r).has_value());
}

TEST_CASE("error table: charge errors of charge models", "[model][errors]") {
  ErrorTable t;
  t.add("", 2, std::nullopt, 0.0, std::nullopt, Matrix3N(), std::nullopt, std::nullopt);
  Eigen::VectorXd predicted(2);
  predicted << 0.3, -0.3;
  t.add_charges("ions", {0.5, -0.5}, predicted);
  t.add_charges("ions", {0.5}, predicted);  // size mismatch: ignored
  CHECK(t.overall().charge.count == 2);
  CHECK(t.overall().charge.rmse() == Approx(0.2));
  CHECK(t.by_config_type().at("ions").charge.mae() == Approx(0.2));
  CHECK(t.tsv().find("all\tcharge\te\t2\t") != std::string::npos);
  CHECK(t.human().find("Q RMSE me") != std::string::npos);
}
