#pragma once
// The physics test battery of mlp-check: symmetry, periodicity, conservative forces, smooth cutoff, locality,
// energy conservation, close contact and determinism of any Model (see man/mlp-check.1 for every definition,
// default tolerance and the exit bitmask). libcore: results are data; the tool prints them.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/model/model.hpp"

namespace mlp::check {

/// Check numbers as in mlp-check(1).
enum Id : int {
  kTranslation = 1, kRotation, kPermutation, kPeriodic, kConservative, kCutoff, kLocality, kEnergyConservation,
  kFusion, kDeterminism, kChargeResponse, kLastId = kChargeResponse
};

/// Short name ("translation", "rotation", ...), and the inverse (InputError for an unknown name).
std::string check_name(int id);
int check_id(const std::string& name);
/// Exit-status bit of the class a check belongs to (see mlp-check(1)): 4 symmetry and periodicity (1-4),
/// 8 conservative forces (5), 16 cutoff and locality (6, 7), 32 energy conservation (8), 64 close contact and
/// charge response (9, 11), 128 determinism (10). Bit 1 is "a check could not be completed" (model error,
/// crashed external program); 2 is reserved for usage errors.
int exit_bit(int id);
constexpr int kErrorBit = 1;

/// Tolerances (names as accepted by --tolerance name=value) and run parameters.
struct Options {
  std::map<std::string, double> tol = default_tolerances();
  std::uint64_t seed = 42;
  std::size_t fd_atoms = 6;          ///< atoms whose coordinates are displaced in check 5
  double cutoff = -1.0;              ///< Å, < 0: the model's cutoff() (0 = unknown: checks 6 and 7 partly skip)
  double nve_time = 100.0;           ///< fs, length of each NVE run
  double nve_dt = 1.0;               ///< fs, the larger step; the second run uses dt/2
  double nve_temperature = 300.0;    ///< K, Maxwell-Boltzmann start
  double fusion_start = 3.0, fusion_end = 0.3;  ///< Å, dimer scan
  double compression = 0.6;          ///< smallest volume fraction of the compression scan
  double field_max = 10.0;           ///< V/Å, strongest applied field of the charge-response scan (check 11)
  int threads = 0;                   ///< N of the 1-vs-N thread comparison (0: all cores)
  static std::map<std::string, double> default_tolerances();
  /// Throws InputError naming the option if a run parameter is out of range or not finite.
  void validate() const;
};

struct Metric {
  std::string name;
  double value = 0.0;
  double tolerance = 0.0;
  std::string unit;
  bool pass = true;
};

enum class Status { Pass, Fail, Skip, Error };
std::string status_name(Status s);

/// An SVG figure a check produced: file name (no directory) and contents.
struct Plot {
  std::string file, svg;
};

struct Result {
  int id = 0;
  Status status = Status::Skip;
  std::string message;          ///< one line: why it failed, was skipped, or could not run
  std::vector<Metric> metrics;
  std::vector<Plot> plots;
  double seconds = 0.0;
};

/// Run the selected checks (ids 1..11) on `s`. A model exception inside a check makes that check Error (the
/// message says what happened) and the battery goes on; the external program's death stops nothing else.
std::vector<Result> run_checks(const Model& model, const Structure& s, const std::vector<int>& ids,
                               const Options& options);
/// Run one check.
Result run_check(const Model& model, const Structure& s, int id, const Options& options);

/// Exit status of a battery: OR of exit_bit() of failed checks, | kErrorBit for checks in Error.
int exit_status(const std::vector<Result>& results);

/// Human table (one line per check, then failing metrics), for stderr.
std::string human_table(const std::vector<Result>& results);
/// JSON report: {"model":..., "atoms":..., "exit_status":..., "checks":[{id,name,status,message,seconds,
/// metrics:[{name,value,tolerance,unit,pass}]}]}.
std::string json_report(const std::vector<Result>& results, const std::string& model, std::size_t atoms);
/// TAP version 13 (one test point per check; skipped checks are "# SKIP").
std::string tap_report(const std::vector<Result>& results);
/// JUnit XML (one testsuite "mlp-check", one testcase per check).
std::string junit_report(const std::vector<Result>& results, const std::string& model);

}  // namespace mlp::check
