#pragma once
// An external program as a Model (DESIGN.md §3; the protocol is documented in mlp-check(1)).
//
// The program is started once, with `/bin/sh -c <command>`, on the first evaluation and kept running. For every
// evaluation one extxyz frame is written to its stdin (species, positions, Lattice and pbc only), and exactly one
// extxyz frame is read back from its stdout. The answer must have the same number of atoms and carry:
//   energy  (eV)          info key `energy`, else `MLP_energy`
//   forces  (eV/Å, R:3)   column `forces`, else `MLP_forces`
//   stress  (eV/Å^3, ASE sign, 9 or 6 Voigt numbers) info `stress`, else `MLP_stress`, else `virial` (eV);
//           needed only for frames periodic in all three directions when the virial is requested.
// Anything the program writes on stderr is kept (its last 2000 bytes) for error messages. Failures are
// ComputeError: the program exits or closes its stdout ("exited with status 3", "killed by signal 11"), does not
// answer within the timeout (it is killed), or answers malformed text or a frame without the keys above. After
// a failure the model stays failed: every later evaluation throws the same error (the program is not restarted).
#include <memory>
#include <string>

#include "mlp/model/model.hpp"

namespace mlp {

class ExternalModel : public Model {
 public:
  /// `command`: a shell command line; `timeout`: seconds allowed per frame; `cutoff`: Å, what cutoff() reports
  /// (0 = unknown, the program sees whole frames anyway).
  explicit ExternalModel(std::string command, double timeout = 60.0, double cutoff = 0.0);
  ~ExternalModel() override;
  ExternalModel(const ExternalModel&) = delete;
  ExternalModel& operator=(const ExternalModel&) = delete;

  std::string name() const override { return "external"; }
  double cutoff() const override { return cutoff_; }
  std::string spec() const override { return "command: " + command_; }
  void compute(const Structure& s, const NeighborList& nl, const EvalRequest& request,
               EvalResult& result) const override;

  /// Frames answered so far.
  std::size_t frames() const;
  /// Seconds spent waiting for answers (program time plus protocol overhead).
  double seconds() const;

 private:
  struct Process;
  std::string command_;
  double timeout_, cutoff_;
  std::unique_ptr<Process> process_;
};

}  // namespace mlp
