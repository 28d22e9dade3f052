#pragma once
// Named descriptor presets (share/mlp/presets/NAME.json) for mlp-describe and mlp-fit.
#include <string>
#include <vector>

namespace mlp::tool {

/// Directories searched for presets, in order: $MLP_DATA_DIR/presets, <dir of the executable>/../share/mlp/presets
/// (installed tools), the source tree's share/mlp/presets (tools run from their build directory).
std::vector<std::string> preset_directories();
/// Text of preset NAME (NAME.json in the first directory that has it). Throws CLI::ValidationError (usage error)
/// naming the known presets when there is none of that name.
std::string preset_json(const std::string& name);
/// Names of all presets found (sorted, without .json).
std::vector<std::string> preset_names();
/// Descriptor parameters from either a preset name or a JSON file (exactly one non-empty); `source` is set to
/// what to name in error messages (the file, or "preset NAME").
std::string descriptor_params(const std::string& preset, const std::string& params_file, std::string& source);

}  // namespace mlp::tool
