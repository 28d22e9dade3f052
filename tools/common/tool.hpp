#pragma once
// What every mlp tool shares: option parsing with CLI11, --version, error reporting and exit codes,
// stdin/stdout conventions and atomic output. Tools include this; libcore never sees argv or stdout.
#include <CLI/CLI.hpp>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "mlp/io/atomic_file.hpp"

namespace mlp::tool {

/// Exit codes of every tool.
enum Exit : int { kOk = 0, kFailure = 1, kUsage = 2 };

class Tool {
 public:
  /// `name`: "mlp-eval"; `description`: one paragraph; `examples`: shown at the end of --help.
  Tool(std::string name, const std::string& description, const std::string& examples);
  CLI::App& app() { return app_; }
  const std::string& name() const { return name_; }
  /// Parse argv (usage errors: message on stderr, exit 2; --help/--version: exit 0), then run `body` and map
  /// exceptions to "mlp-<tool>: <source>:<line>: <message>" on stderr and exit 1.
  int run(int argc, char** argv, const std::function<int()>& body);
  bool quiet() const { return quiet_; }
  bool verbose() const { return verbose_; }
  /// The command line as typed (for provenance).
  const std::string& command_line() const { return command_line_; }
  /// Print a note on stderr unless --quiet.
  void note(const std::string& text) const;
  /// Add `--threads N` (OpenMP threads; 0 or absent = all cores), applied before the body runs.
  void add_threads_option();

 private:
  std::string name_;
  CLI::App app_;
  bool quiet_ = false, verbose_ = false;
  int threads_ = 0;
  std::string command_line_;
};

/// Inputs given on the command line, or {"-"} when none was given and stdin is not a terminal.
/// Throws CLI::ValidationError (usage, exit 2) when none was given and stdin is a terminal.
std::vector<std::string> inputs_or_stdin(const std::vector<std::string>& files);

/// An output that is stdout for "-" or empty, a device or pipe written directly when the path exists and is not
/// a regular file (/dev/null, a FIFO), else a regular file written atomically (commit() renames it into place).
class Output {
 public:
  explicit Output(const std::string& path, bool binary = false);
  std::ostream& stream();
  void commit();
  bool is_stdout() const { return !file_ && !device_; }

 private:
  std::unique_ptr<AtomicFile> file_;
  std::unique_ptr<std::ofstream> device_;
};

/// True if the file descriptor is a terminal (progress bars only then).
bool is_terminal(int fd);

}  // namespace mlp::tool
