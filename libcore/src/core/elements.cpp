#include "mlp/core/elements.hpp"

#include <gemmi/elem.hpp>

#include "mlp/util/error.hpp"

namespace mlp {

namespace {
gemmi::Element checked(int z) {
  if (z < 1 || z > kMaxAtomicNumber) throw InputError("no element with atomic number " + std::to_string(z));
  return gemmi::Element(z);
}
}  // namespace

int atomic_number(std::string_view symbol) noexcept {
  if (symbol.empty() || symbol.size() > 2) return 0;
  const std::string s(symbol);
  const gemmi::Element e(s);
  // gemmi is case-insensitive and maps D to hydrogen; ASE is strict, and so are we.
  if (e.elem == gemmi::El::X || e.elem == gemmi::El::D || s != e.name()) return 0;
  return e.atomic_number();
}

std::string element_symbol(int z) { return checked(z).name(); }
double atomic_mass(int z) { return checked(z).weight(); }
double covalent_radius(int z) { return checked(z).covalent_r(); }

}  // namespace mlp
