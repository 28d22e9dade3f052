#include "common/tool.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include <iostream>

#include "mlp/util/error.hpp"

namespace mlp::tool {

Tool::Tool(std::string name, const std::string& description, const std::string& examples)
    : name_(std::move(name)), app_(description, name_) {
  app_.set_version_flag("--version", name_ + " (mlp) " MLP_VERSION " (git " MLP_GIT_HASH ")");
  app_.add_flag("-q,--quiet", quiet_, "Print nothing but errors on stderr");
  app_.add_flag("-v,--verbose", verbose_, "Print more details on stderr");
  // Options may also come from a TOML/INI file (long option names as keys); unknown keys are an error.
  app_.set_config("--config", "", "Read options from a TOML or INI file (keys are long option names)");
  app_.allow_config_extras(CLI::config_extras_mode::error);
  if (!examples.empty()) app_.footer("Examples:\n" + examples);
  app_.get_formatter()->column_width(32);
}

void Tool::add_threads_option() {
  app_.add_option("--threads", threads_, "OpenMP threads (0 = all cores); results do not depend on it")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void Tool::note(const std::string& text) const {
  if (!quiet_) std::cerr << name_ << ": " << text << '\n';
}

int Tool::run(int argc, char** argv, const std::function<int()>& body) {
  for (int i = 0; i < argc; ++i) command_line_ += (i ? " " : "") + std::string(argv[i]);
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app_.help();
    return kOk;
  } catch (const CLI::CallForAllHelp& e) {
    std::cout << app_.help("", CLI::AppFormatMode::All);
    return kOk;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << '\n';
    return kOk;
  } catch (const CLI::ParseError& e) {
    std::cerr << name_ << ": " << e.what() << "\nRun '" << name_ << " --help' for usage.\n";
    return kUsage;
  }
  if (threads_ > 0) omp_set_num_threads(threads_);
  try {
    return body();
  } catch (const CLI::ParseError& e) {  // usage problems found after parsing (e.g. no input on a terminal)
    std::cerr << name_ << ": " << e.what() << "\nRun '" << name_ << " --help' for usage.\n";
    return kUsage;
  } catch (const Error& e) {
    std::cerr << name_ << ": " << e.located() << '\n';
  } catch (const std::bad_alloc&) {
    std::cerr << name_ << ": out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << name_ << ": " << e.what() << '\n';
  }
  return kFailure;
}

std::vector<std::string> inputs_or_stdin(const std::vector<std::string>& files) {
  if (!files.empty()) return files;
  if (is_terminal(STDIN_FILENO))
    throw CLI::ValidationError("no input file given (use '-' to read a terminal explicitly)");
  return {"-"};
}

Output::Output(const std::string& path, bool binary) {
  if (path.empty() || path == "-") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    device_ = std::make_unique<std::ofstream>(path, binary ? std::ios::out | std::ios::binary : std::ios::out);
    if (!*device_) throw IoError("cannot open for writing", path);
    return;
  }
  file_ = std::make_unique<AtomicFile>(path, binary);
}

std::ostream& Output::stream() {
  if (file_) return file_->stream();
  if (device_) return *device_;
  return std::cout;
}

void Output::commit() {
  if (file_) {
    file_->commit();
  } else if (device_) {
    device_->flush();
    if (!*device_) throw IoError("write failed", "output");
  } else {
    std::cout.flush();
    if (!std::cout) throw IoError("write to stdout failed", "-");
  }
}

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

}  // namespace mlp::tool
