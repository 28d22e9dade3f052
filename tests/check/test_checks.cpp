// mlp-check battery: no false alarm on correct models, exactly the expected failure on each broken one.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "broken_models.hpp"
#include "mlp/check/checks.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
using namespace mlp::check;

namespace {

std::vector<int> checks_1_to_10() {
  std::vector<int> ids;
  for (int id = 1; id <= 10; ++id) ids.push_back(id);
  return ids;
}

Structure sample(const std::vector<int>& elements, std::size_t n, double box, double dmin, bool periodic,
                 unsigned seed = 5) {
  std::mt19937_64 rng(seed);
  const Mat3 cell = Mat3::Identity() * box + (Mat3() << 0, 0.7, 0, 0, 0, -0.4, 0.5, 0, 0).finished();
  return test::random_structure(rng, n, elements, cell, {periodic, periodic, periodic}, dmin);
}

Structure argon(bool periodic = true) { return sample({18}, 20, 10.5, 3.2, periodic); }

std::set<int> failed(const std::vector<Result>& results) {
  std::set<int> f;
  for (const Result& r : results) {
    INFO(r.id << " " << check_name(r.id) << ": " << status_name(r.status) << " " << r.message);
    CHECK(r.status != Status::Error);
    if (r.status == Status::Fail) f.insert(r.id);
  }
  return f;
}

void expect_failures(const Model& m, const Structure& s, const std::set<int>& expected) {
  const auto results = run_checks(m, s, checks_1_to_10(), Options{});
  INFO("model " << m.name() << "\n" << human_table(results));
  CHECK(failed(results) == expected);
}

}  // namespace

TEST_CASE("correct analytic models pass every check (no false alarm)", "[check]") {
  struct Case {
    std::string model;
    Structure s;
  };
  const std::vector<Case> cases{
      {"lj", argon()},
      {"lj", argon(false)},
      {"morse", sample({29}, 20, 8.0, 2.2, true)},
      {"zbl", sample({14, 6}, 16, 7.0, 1.1, true)},
      {"sw", sample({14}, 20, 8.5, 2.2, true)},
      {"sw", sample({14}, 12, 8.0, 2.2, false)},
      {"zbl+lj:epsilon=0.02,sigma=2.1", sample({14, 8}, 16, 8.0, 1.5, true)},
  };
  for (const Case& c : cases) {
    const auto m = make_model(c.model);
    INFO(c.model << (c.s.any_periodic() ? " periodic" : " cluster"));
    expect_failures(*m, c.s, {});
  }
}

TEST_CASE("forces that are not the gradient fail checks 5 (and 8) only", "[check]") {
  expect_failures(*test::non_gradient_forces(), argon(), {kConservative, kEnergyConservation});
}

TEST_CASE("a small rotation-dependent energy fails check 2 only", "[check]") {
  const auto m = test::rotation_dependent();
  expect_failures(*m, argon(), {kRotation});
  // The broken term is itself conservative: its forces agree with finite differences.
  const Result r = run_check(*m, argon(), kConservative, Options{});
  CHECK(r.status == Status::Pass);
}

TEST_CASE("a hard cutoff fails checks 6 (and 8) only", "[check]") {
  expect_failures(*test::hard_cutoff(), argon(), {kCutoff, kEnergyConservation});
}

TEST_CASE("a non-local term fails check 7 only", "[check]") {
  expect_failures(*test::non_local(), argon(), {kLocality});
}

TEST_CASE("a spurious short-range minimum fails check 9 only", "[check]") {
  const auto m = test::spurious_minimum();
  expect_failures(*m, sample({29}, 20, 8.0, 2.2, true), {kFusion});
  const Result r = run_check(*m, sample({29}, 20, 8.0, 2.2, true), kFusion, Options{});
  CHECK(r.message.find("Cu-Cu") != std::string::npos);
}

TEST_CASE("a non-deterministic model fails check 10 only", "[check]") {
  expect_failures(*test::non_deterministic(), argon(), {kDeterminism});
}

TEST_CASE("names, exit bits and reports", "[check]") {
  CHECK(check_id("rotation") == 2);
  CHECK(check_id("10") == 10);
  CHECK_THROWS_AS(check_id("nonsense"), InputError);
  CHECK(exit_bit(kTranslation) == 4);
  CHECK(exit_bit(kConservative) == 8);
  CHECK(exit_bit(kDeterminism) == 128);
  const auto m = test::non_deterministic();
  const auto results = run_checks(*m, argon(), {kTranslation, kDeterminism, kChargeResponse}, Options{});
  CHECK(results[2].status == Status::Skip);
  CHECK(exit_status(results) == 128);
  const std::string json = json_report(results, "x", 20);
  CHECK(json.find("\"exit_status\": 128") != std::string::npos);
  CHECK(json.find("\"name\": \"determinism\"") != std::string::npos);
  const std::string tap = tap_report(results);
  CHECK(tap.find("1..3") != std::string::npos);
  CHECK(tap.find("not ok 2 - 10 determinism") != std::string::npos);
  CHECK(tap.find("ok 3 - 11 charge # SKIP") != std::string::npos);
  const std::string junit = junit_report(results, "x");
  CHECK(junit.find("failures=\"1\"") != std::string::npos);
  CHECK(junit.find("<failure") != std::string::npos);
  CHECK(human_table(results).find("FAIL") != std::string::npos);
}

TEST_CASE("a model error is reported as an error, never a pass", "[check]") {
  struct Throwing : Model {
    std::string name() const override { return "throwing"; }
    double cutoff() const override { return 3.0; }
    std::string spec() const override { return "throwing"; }
    void compute(const Structure&, const NeighborList&, const EvalRequest&, EvalResult&) const override {
      throw ComputeError("model died");
    }
  } m;
  const auto results = run_checks(m, argon(), {kTranslation}, Options{});
  CHECK(results[0].status == Status::Error);
  CHECK(results[0].message.find("model died") != std::string::npos);
  CHECK(exit_status(results) == kErrorBit);
}

TEST_CASE("bare opposite charges collapse: fusion (and NVE) fail, not error", "[check]") {
  const auto m = make_model("charges:q_Na=1,q_Cl=-1");
  Structure s;
  s.resize(2);
  s.numbers = {11, 17};
  s.positions << 0, 0, 0, 2.8, 0, 0;
  const auto results = run_checks(*m, s, {kFusion, kEnergyConservation}, Options{});
  CHECK(results[0].status == Status::Fail);
  CHECK(results[0].message.find("collapse") != std::string::npos);
  CHECK(results[1].status == Status::Fail);
  CHECK(results[1].message.find("stopped") != std::string::npos);
  CHECK(exit_status(results) == 64 + 32);
}

TEST_CASE("an energy-shifted cutoff (force jumps at rc) fails check 6, force-shifted passes", "[check]") {
  Structure s;
  s.resize(2);
  s.numbers = {18, 18};
  s.positions << 0, 0, 0, 3.8, 0, 0;
  const Result shifted = run_check(*make_model("lj:shift=energy"), s, kCutoff, Options{});
  CHECK(shifted.status == Status::Fail);
  bool step_seen = false;
  for (const Metric& m : shifted.metrics)
    if (m.name == "force at the cutoff") step_seen = !m.pass;
  CHECK(step_seen);
  CHECK(run_check(*make_model("lj"), s, kCutoff, Options{}).status == Status::Pass);
  CHECK(run_check(*make_model("lj:shift=none"), s, kCutoff, Options{}).status == Status::Fail);
}

TEST_CASE("charge response: QEq passes every check, a runaway polarisation fails check 11 only", "[check][qeq]") {
  std::vector<int> all;
  for (int id = 1; id <= kLastId; ++id) all.push_back(id);
  const Structure cluster = sample({11, 17}, 8, 7.0, 2.3, false);
  const auto qeq = make_model(test::kNaClQeq);
  std::vector<Result> results = run_checks(*qeq, cluster, all, Options{});
  INFO(human_table(results));
  CHECK(failed(results).empty());
  CHECK(results[kChargeResponse - 1].status == Status::Pass);
  CHECK(results[kCutoff - 1].status == Status::Skip);  // long range: no cutoff to test
  results = run_checks(*test::runaway_polarisation(), cluster, all, Options{});
  INFO(human_table(results));
  CHECK(failed(results) == std::set<int>{kChargeResponse});
  // A model without charges skips the check; so does a periodic structure.
  CHECK(run_check(*make_model(test::kArgon), argon(false), kChargeResponse, Options{}).status == Status::Skip);
  CHECK(run_check(*qeq, sample({11, 17}, 8, 7.0, 2.3, true), kChargeResponse, Options{}).status == Status::Skip);
}

TEST_CASE("run parameters out of range are bad input before any check runs", "[check]") {
  const auto m = make_model("lj");
  const Structure s = argon();
  const auto refused = [&](const std::function<void(Options&)>& change, const std::string& option) {
    Options o;
    change(o);
    INFO(option);
    try {
      run_checks(*m, s, {kEnergyConservation}, o);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.source() == option);  // the option takes the place of a file name: "--nve-time: must be ..."
    }
  };
  refused([](Options& o) { o.nve_time = -5.0; }, "--nve-time");  // used to run for ever
  refused([](Options& o) { o.nve_dt = std::nan(""); }, "--nve-dt");
  refused([](Options& o) { o.nve_dt = -1.0; }, "--nve-dt");
  refused([](Options& o) { o.nve_temperature = -100.0; }, "--temperature");
  refused([](Options& o) { o.fd_atoms = 0; }, "--fd-atoms");
  refused([](Options& o) { o.threads = -2; }, "--threads");
  refused([](Options& o) { o.cutoff = std::numeric_limits<double>::infinity(); }, "--cutoff");
  CHECK_NOTHROW(Options{}.validate());
}
