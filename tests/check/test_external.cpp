// The external-program model: one process for all frames, same numbers as in process, clear errors.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>

#include "broken_models.hpp"
#include "mlp/model/external_model.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;

namespace {

Structure cluster() {
  std::mt19937_64 rng(3);
  return test::random_structure(rng, 8, {1, 8}, Mat3::Identity() * 4.0, {false, false, false}, 0.9);
}

std::string broken(const std::string& mode) { return "sh " + test::fixture("check/broken_program.sh") + " " + mode; }

bool have_python() { return std::system("python3 -c 'import sys' >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("external: soft spheres through python agree with the same model in process", "[external]") {
  if (!have_python()) MLP_SKIP("python3 not available");
  ExternalModel ext("python3 " + test::fixture("check/soft_spheres.py"), 30.0, 2.0);
  test::PairTerm local("soft", 2.0, [](const Vec3& d, Vec3& g) {
    const double r = d.norm();
    g = -(2 - r) * d / r;
    return 0.5 * (2 - r) * (2 - r);
  });
  for (int k = 0; k < 3; ++k) {
    Structure s = cluster();
    s.positions *= 1.0 + 0.1 * k;
    const EvalResult a = evaluate(ext, s), b = evaluate(local, s);
    CHECK(a.energy == Approx(b.energy).epsilon(1e-13));
    CHECK(test::max_rel_diff(a.forces, b.forces, 1e-3) < 1e-13);
  }
  CHECK(ext.frames() == 3);
  CHECK(ext.cutoff() == 2.0);
}

TEST_CASE("external: the program is started once and streams frames", "[external]") {
  ExternalModel ext(broken("count"));
  for (int k = 1; k <= 4; ++k) CHECK(evaluate(ext, cluster()).energy == k);
}

TEST_CASE("external: crash, garbage, missing keys, wrong atom count and hang are errors", "[external]") {
  for (const char* mode : {"crash", "garbage", "noforces", "atoms"}) {
    INFO(mode);
    ExternalModel ext(broken(mode));
    CHECK_NOTHROW(evaluate(ext, cluster()));
    CHECK_THROWS_AS(evaluate(ext, cluster()), ComputeError);
    // It stays failed, with the same message, and is not restarted.
    try {
      evaluate(ext, cluster());
      FAIL("no error after a failure");
    } catch (const ComputeError& e) {
      CHECK(std::string(e.what()).find("external program") != std::string::npos);
    }
  }
  ExternalModel crash(broken("crash"));
  evaluate(crash, cluster());
  CHECK_THROWS_WITH(evaluate(crash, cluster()), Catch::Contains("exited with status 3") &&
                                                    Catch::Contains("segmentation fault (pretend)"));
  ExternalModel hang(broken("hang"), 0.5);
  evaluate(hang, cluster());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(evaluate(hang, cluster()), Catch::Contains("did not answer frame 2 within 0.5 s"));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5.0);
  ExternalModel missing("/nonexistent/program");
  CHECK_THROWS_AS(evaluate(missing, cluster()), ComputeError);
  CHECK_THROWS_AS(ExternalModel(""), InputError);
}
