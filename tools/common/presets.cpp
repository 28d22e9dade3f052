#include "common/presets.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "mlp/util/error.hpp"

namespace mlp::tool {

namespace fs = std::filesystem;

namespace {
std::string executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

std::vector<std::string> preset_directories() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("MLP_DATA_DIR"); env && *env) dirs.push_back(std::string(env) + "/presets");
  const std::string exe = executable_dir();
  if (!exe.empty()) dirs.push_back(exe + "/../share/mlp/presets");
  dirs.push_back(MLP_SOURCE_DIR "/share/mlp/presets");
  return dirs;
}

std::vector<std::string> preset_names() {
  std::set<std::string> names;
  for (const std::string& dir : preset_directories()) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".json") names.insert(it->path().stem().string());
  }
  return {names.begin(), names.end()};
}

std::string preset_json(const std::string& name) {
  const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (plain && name.find("..") == std::string::npos)
    for (const std::string& dir : preset_directories())
      if (fs::is_regular_file(dir + "/" + name + ".json")) return read_file(dir + "/" + name + ".json");
  std::string known;
  for (const std::string& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw CLI::ValidationError("--preset", "no preset named '" + name + "' (known: " + known + ")");
}

std::string descriptor_params(const std::string& preset, const std::string& params_file, std::string& source) {
  if (preset.empty() == params_file.empty())
    throw CLI::ValidationError("give exactly one of --preset NAME and --params file.json");
  if (!preset.empty()) {
    source = "preset " + preset;
    return preset_json(preset);
  }
  // Inline JSON (--params '{"type": "soap", ...}') for one-off shell use; a file of that name still wins.
  const std::size_t first = params_file.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && params_file[first] == '{' && !fs::exists(params_file)) {
    source = "--params";
    return params_file;
  }
  source = params_file;
  return read_file(params_file);
}

}  // namespace mlp::tool
