#include "mlp/fit/loss.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "mlp/util/error.hpp"

namespace mlp {

double parse_sigma(const std::string& text, const std::string& field) {
  if (text == "off") return std::numeric_limits<double>::infinity();
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || !end || *end != '\0' || errno == ERANGE || !std::isfinite(x) || !(x > 0.0))
    throw InputError("sigma must be a positive number or 'off', got '" + text + "'", "", 0, field);
  return x;
}

void LossWeights::add_override(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  const auto bad = [&](const std::string& why) {
    return InputError("'" + text + "': " + why + " (expected CONFIG_TYPE:energy=S,force=S,virial=S)", "--sigma", 0,
                      "sigma");
  };
  if (colon == std::string::npos || colon == 0) throw bad("no config_type before ':'");
  const std::string config_type = text.substr(0, colon);
  const std::string rest = text.substr(colon + 1);
  if (rest.empty()) throw bad("nothing after ':'");
  Override& o = by_config_type_[config_type];
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = rest.find(',', start);
    const std::string item = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) throw bad("'" + item + "' has no '=value'");
    const std::string key = item.substr(0, eq);
    const double value = parse_sigma(item.substr(eq + 1), "sigma " + config_type + ":" + key);
    if (key == "energy")
      o.energy = value;
    else if (key == "force" || key == "forces")
      o.force = value;
    else if (key == "virial")
      o.virial = value;
    else
      throw bad("unknown key '" + key + "'");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

Sigmas LossWeights::sigmas(const Structure& s) const {
  Sigmas out = defaults;
  if (by_config_type_.empty()) return out;
  const auto ct = s.info.string("config_type");
  if (!ct) return out;
  const auto it = by_config_type_.find(*ct);
  if (it == by_config_type_.end()) return out;
  if (it->second.energy) out.energy = *it->second.energy;
  if (it->second.force) out.force = *it->second.force;
  if (it->second.virial) out.virial = *it->second.virial;
  return out;
}

std::map<std::string, Sigmas> LossWeights::resolved() const {
  std::map<std::string, Sigmas> out;
  for (const auto& kv : by_config_type_) {
    Sigmas s = defaults;
    if (kv.second.energy) s.energy = *kv.second.energy;
    if (kv.second.force) s.force = *kv.second.force;
    if (kv.second.virial) s.virial = *kv.second.virial;
    out[kv.first] = s;
  }
  return out;
}

}  // namespace mlp
