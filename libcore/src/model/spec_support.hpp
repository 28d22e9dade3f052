#pragma once
// Helpers shared by the factories of the analytic models (private to libcore/src/model).
#include <string>
#include <vector>

#include "mlp/model/registry.hpp"

namespace mlp::spec_support {

/// Shortest decimal text that reads back as exactly `value` (so spec() recreates a model bit for bit).
std::string format_real(double value);

/// Element symbols after a key prefix: "Ar" or "Ar_Kr" → atomic numbers. `count` is 1 or 2 (what the key must
/// hold). Throws InputError naming the key when a symbol is unknown or the count is wrong.
std::vector<int> elements_in_key(const ModelSpec& spec, const std::string& key, const std::string& suffix,
                                 std::size_t count);

/// Like SpecParams::finish(), but the error also lists the keys the model understands (`valid`).
void finish(const SpecParams& params, const ModelSpec& spec, const std::string& valid);

/// Throws InputError "model 'name': parameter 'key' <requirement>, got <value>" unless `ok`.
void require(bool ok, const ModelSpec& spec, const std::string& key, double value, const std::string& requirement);

}  // namespace mlp::spec_support
