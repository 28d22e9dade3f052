#pragma once
// Units of molecular dynamics: Å, eV, fs, amu, K. Conversions are computed from CODATA 2018 values
// (exact SI definitions of e and k_B since 2019; the atomic mass constant as measured):
//   e   = 1.602176634e-19 J per eV (exact)
//   k_B = 1.380649e-23 J/K (exact), so k_B = 1.380649e-23 / 1.602176634e-19 eV/K = 8.617333262...e-5 eV/K
//   m_u = 1.66053906660e-27 kg per amu
#include <string>

namespace mlp::md {

/// Boltzmann constant, eV/K (CODATA 2018: k_B / e).
constexpr double kBoltzmann = 1.380649e-23 / 1.602176634e-19;
/// Kinetic energy of 1 amu moving at 1 Å/fs, times 2, in eV: 1 amu·Å²/fs² = m_u·1e10 m²/s² / e
/// = 1.66053906660e-27·1e10 / 1.602176634e-19 eV = 103.6426965... eV.
constexpr double kAmuA2PerFs2 = 1.66053906660e-17 / 1.602176634e-19;
/// 1 eV/Å^3 in bar: e / 1e-30 m^3 = 1.602176634e11 Pa, 1 bar = 1e5 Pa.
constexpr double kBarPerEvA3 = 1.602176634e6;
/// 1 eV/Å^3 in GPa.
constexpr double kGPaPerEvA3 = 160.2176634;
/// ASE's unit of time is Å·sqrt(amu/eV) = sqrt(kAmuA2PerFs2) fs = 10.1805... fs. ASE velocities (Å per ASE time
/// unit) are therefore v[Å/fs]·sqrt(kAmuA2PerFs2), and ASE momenta (`momenta` column, amu·Å/ASE time) are
/// mass[amu]·v[Å/fs]·sqrt(kAmuA2PerFs2).
double ase_time_unit_fs();

/// Parse a pressure with a unit: "1bar", "1 bar", "1.5GPa", "-2e3 bar", "0.1 MPa", "101325Pa", "1atm", "0.01eV/A^3"
/// (case-sensitive unit names; Å may also be written A). A bare number is refused (the unit must be said).
/// Returns eV/Å^3. Throws InputError naming `what` (e.g. "--pressure").
double parse_pressure(const std::string& text, const std::string& what);

}  // namespace mlp::md
