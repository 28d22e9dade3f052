#pragma once
// Element data (symbols, masses, covalent radii), backed by gemmi's tables in one translation unit.
#include <string>
#include <string_view>

namespace mlp {

constexpr int kMaxAtomicNumber = 118;

/// Atomic number of an element symbol with exact capitalisation ("Si", not "SI"), or 0 if unknown.
int atomic_number(std::string_view symbol) noexcept;
/// Element symbol for 1 <= z <= 118; throws InputError otherwise.
std::string element_symbol(int z);
/// Standard atomic weight (amu).
double atomic_mass(int z);
/// Covalent radius (Å).
double covalent_radius(int z);

}  // namespace mlp
