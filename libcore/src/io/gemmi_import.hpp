#pragma once
// Private to libcore/src/io: structure import through gemmi (the only TU including gemmi is gemmi_import.cpp).
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"

namespace mlp::io_detail {

/// Parses the whole text of a CIF (small molecule; P1-expanded), PDB or mmCIF file. `format` is "cif", "pdb" or
/// "mmcif". Throws InputError(source, 0, field) on malformed input or when there are no atoms.
std::vector<Structure> gemmi_read(const std::string& text, const std::string& format, const std::string& source);

}  // namespace mlp::io_detail
