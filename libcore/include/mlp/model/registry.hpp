#pragma once
// Models by name: "name:key=value,key=value" on the command line, or a small model file.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mlp/model/model.hpp"

namespace mlp {

/// Parsed "name:key=value,..." specification. Values are kept as text; the factory converts and validates them.
struct ModelSpec {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;  ///< in the order given
  std::string source;  ///< where it came from (for errors): "--model", or a file name

  /// Parse "name", "name:k=v,k=v". Throws InputError on malformed text.
  static ModelSpec parse(const std::string& text, const std::string& source = "--model");
};

/// A reader of key=value parameters that remembers what was used, so unknown keys are reported.
class SpecParams {
 public:
  explicit SpecParams(const ModelSpec& spec);
  double real(const std::string& key, double fallback);
  std::string text(const std::string& key, const std::string& fallback);
  bool has(const std::string& key) const;
  /// Throws InputError naming the first key that no one asked for.
  void finish() const;
  /// All keys that start with `prefix` (e.g. "epsilon_" for per-pair values), marked used.
  std::vector<std::pair<std::string, std::string>> with_prefix(const std::string& prefix);

 private:
  const ModelSpec& spec_;
  std::vector<bool> used_;
};

using ModelFactory = std::function<std::unique_ptr<Model>(const ModelSpec&)>;

struct ModelInfo {
  std::string name;
  std::string summary;   ///< one line: what it is and its defaults
  ModelFactory make;
};

/// All built-in model types (analytic reference models first).
const std::vector<ModelInfo>& model_registry();

/// Build a model from a spec string ("sw", "lj:epsilon=0.0104,sigma=3.4", "zbl+lj", ...), or from a model file
/// whose path is given: a binary MODL model file written by mlp-fit (linear, gap; mlp/model/model_file.hpp), or
/// a text file holding one spec per line ('#' comments; terms are summed).
/// Terms joined by '+' make a sum model. Throws InputError for an unknown name or a bad parameter.
std::unique_ptr<Model> make_model(const std::string& spec_or_file);

}  // namespace mlp
