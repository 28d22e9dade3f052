#pragma once
// One reader for every structure format the tools accept.
#include <memory>
#include <string>

#include "mlp/core/structure.hpp"

namespace mlp {

class ExtxyzReader;

/// Reads structures from extxyz (streamed) or, through gemmi, from CIF (small-molecule, symmetry-expanded to P1),
/// PDB and mmCIF (one or more models). Format: detected from content first, then `format` ("extxyz","cif","pdb",
/// "mmcif"; "" = auto), then the extension.
///
/// Content detection (after gunzip, gzip is recognised by its magic bytes): first non-blank line an integer →
/// extxyz; a `data_` block with `_atom_site.` items → mmcif, with `_atom_site_` items → cif; a line starting
/// with a PDB record name (HEADER, CRYST1, ATOM, HETATM, MODEL, REMARK, ...) → pdb. Extensions: .xyz .extxyz →
/// extxyz; .cif → cif (content decides between cif and mmcif); .mmcif → mmcif; .pdb .ent → pdb (a trailing .gz
/// is ignored). An unknown format name or undetectable input is InputError (field "format").
///
/// gemmi formats are read whole at construction (they are small); every frame then has:
///   numbers, positions (Å); cell rows = lattice vectors (Å) and pbc T T T when the file gives a crystal cell
///   (CIF cell; PDB CRYST1/mmCIF _cell other than the 1 Å placeholder), else zero cell and F F F;
///   info "name" (CIF block / PDB structure name, string), "model" (PDB/mmCIF model number, int);
///   source, line = 0 (gemmi does not report lines), frame = 0-based index.
/// gemmi's syntax errors become InputError with the line gemmi names (field = the format); errors found after
/// parsing (unknown element, no atoms, unknown space group) have line 0 and name the atom/site in the message.
/// CIF: one frame per data block that has atom sites; all sites are expanded with the space-group operations
/// to the full unit cell (H-M symbol through gemmi's tables; without a known symbol, the listed
/// _space_group_symop_operation_xyz / _symmetry_equiv_pos_as_xyz; with neither, P1), images within 0.4 Å of
/// each other merged (special positions), positions wrapped into the cell (fractional coordinates in [0, 1)). PDB/mmCIF: one frame per model,
/// all atoms of all chains in file order; of alternative conformations only the first (altloc blank or the
/// first letter seen for that atom) is kept. Hydrogens are kept. Deuterium (D) is read as hydrogen (Z = 1).
class StructureReader {
 public:
  explicit StructureReader(const std::string& path, const std::string& format = "");
  ~StructureReader();
  StructureReader(const StructureReader&) = delete;
  StructureReader& operator=(const StructureReader&) = delete;

  /// Next frame; false at the end. For extxyz the rules of ExtxyzReader::read apply (input without frames is
  /// an error). A gemmi file without atoms is InputError "no atoms".
  bool read(Structure& frame);
  /// "extxyz", "cif", "pdb" or "mmcif".
  const std::string& format() const;
  std::size_t frames_read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The format StructureReader would use for this content (first bytes, decompressed) and path; "" if unknown.
/// `hint` ("" or one of the format names) is used when the content is inconclusive, then the extension.
std::string detect_structure_format(const std::string& head, const std::string& path, const std::string& hint = "");

}  // namespace mlp
