#include "mlp/md/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "mlp/util/error.hpp"

namespace mlp::md {

double ase_time_unit_fs() { return std::sqrt(kAmuA2PerFs2); }

double parse_pressure(const std::string& text, const std::string& what) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value))
    throw InputError("cannot read '" + text + "' as a pressure (e.g. 1bar, 1.5GPa)", what);
  std::string unit(end);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  // Factors to eV/Å^3 (1 eV/Å^3 = 1.602176634e11 Pa, CODATA 2018 exact e).
  const double pa = 1.0 / 1.602176634e11;
  double factor = 0.0;
  if (unit == "bar") factor = 1e5 * pa;
  else if (unit == "kbar") factor = 1e8 * pa;
  else if (unit == "Pa") factor = pa;
  else if (unit == "kPa") factor = 1e3 * pa;
  else if (unit == "MPa") factor = 1e6 * pa;
  else if (unit == "GPa") factor = 1e9 * pa;
  else if (unit == "atm") factor = 101325.0 * pa;
  else if (unit == "eV/A^3" || unit == "eV/Å^3" || unit == "eV/A3" || unit == "eV/Å³") factor = 1.0;
  else if (unit.empty())
    throw InputError("pressure '" + text + "' has no unit: write e.g. 1bar or 1.5GPa", what);
  else
    throw InputError("unknown pressure unit '" + unit + "' (bar, kbar, Pa, kPa, MPa, GPa, atm, eV/A^3)", what);
  return value * factor;
}

}  // namespace mlp::md
