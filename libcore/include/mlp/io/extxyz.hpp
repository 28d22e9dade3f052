#pragma once
// Extended XYZ (ASE/libAtoms dialect): streaming reader and writer. See man/mlp-extxyz.5.
//
// Reading, one frame at a time in constant memory (the reader holds one frame):
//   * line 1 of a frame: the atom count (a non-negative integer, surrounding blanks allowed, at most
//     ExtxyzReader::kMaxAtoms); line 2: the comment line; then one line per atom.
//   * comment line: `key=value` pairs parsed like ase.io.extxyz.key_val_str_to_dict (ASE 3.22): values may be
//     quoted with "", '', {} or [] (the brackets only delimit, they do not nest); a backslash escapes the next
//     character anywhere; `key = value` with blanks around '=' is accepted; `a=b=c` gives a="b=c"; a key
//     without a value is the boolean true, so a plain XYZ comment ("water dimer") gives keys water=T dimer=T,
//     as in ASE. An unterminated quote is an error (ASE silently takes the rest of the line). An empty quoted
//     value ends the pair (`r="" s=1` gives r and s; ASE 3.22 glues them into r="s=1").
//   * info values are typed like ASE: all tokens (split at blanks and commas) integers → int64 (one) or
//     vector<int64>; else all reals → double / vector<double>; else all T/F (also True/False, an extension:
//     ASE 3.22 keeps True/False as strings) → bool / vector<bool>; else a string. An empty value gives an empty
//     vector<int64> (as ASE's empty array). The key `uid` (any case) is always a string. `_JSON [...]` values
//     (what ASE writes for lists of strings) are decoded when they are flat arrays or scalars, else kept as the
//     raw string (which write_extxyz writes back unchanged).
//   * Lattice="ax ay az bx by bz cx cy cz": the rows of Structure::cell (must be 9 finite numbers).
//   * stress and virial with 9 numbers are, as in ASE, read in Fortran order: the file's v[i+3j] is the
//     matrix element (i,j), stored row-major in Info as s[3i+j]. (Files written by ASE hold symmetric tensors;
//     the order matters only for non-symmetric ones.) 6 numbers (Voigt) are kept as they are (ASE rejects them).
//   * pbc="T T F" (or one value for all three directions); without pbc: T T T with Lattice, F F F without. A
//     periodic direction without Lattice is an error.
//   * Properties=name:type:width:... (types S, R, I, L; default species:S:1:pos:R:3). `species` gives
//     Structure::numbers (symbols capitalised like ASE: "SI" and "si" are Si), `pos` (R:3) the positions,
//     `Z` (I:1, optional) overrides the numbers as in ASE; every other column goes into Structure::arrays,
//     in order, under its name in the file. L columns accept T/F/True/False.
//   * each atom line must have exactly as many tokens as the Properties columns (ASE ignores extra tokens).
//   * NaN or infinite positions or cell entries are errors. Other reals may be anything from_chars reads
//     (nan and inf included).
//   * blank lines between frames and at the end are skipped (ASE stops reading at the first blank line
//     where an atom count is expected; we go on reading the frames after it).
//   * input may be gzip-compressed (recognised by the magic bytes 1f 8b, also on stdin); CRLF line ends and
//     trailing blanks are accepted.
// Errors are InputError(source, 1-based line, field), e.g. "x.xyz:7: pos[1]: cannot read 'abc' as a real".
//
// Writing (write_extxyz/to_extxyz) is what ASE 3.22 reads back to the same values:
//   `Lattice="..." Properties=species:S:1:pos:R:3:<arrays in order> <info keys in order> pbc="T T T"`,
//   Lattice only when the cell is not zero; reals in the shortest form that reads back to the same double
//   (std::to_chars); real info scalars always carry a '.', an exponent, or are nan/inf, so they stay reals;
//   strings are quoted when they contain blanks, quotes, brackets, braces, '=', ',' or '\' (or are empty),
//   with '"' and '\' escaped by '\'; a string that would read back as something else (a number, T/F, an empty
//   array, `_JSON ...`) and lists of strings are written as `_JSON` JSON text, which ASE and this reader decode to
//   the same string(s); 3×3 info arrays stress/virial are written in Fortran order (the transpose of the
//   row-major storage) so ASE and this reader get the same matrix back.
// Units are not converted: positions and Lattice are Å by convention (see Structure), everything else is
// written as it is stored.
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "mlp/core/structure.hpp"

namespace mlp {

namespace io_detail {
class ByteSource;
}
class StructureReader;

class ExtxyzReader {
 public:
  /// Largest atom count accepted on a count line (a sanity cap; storage grows as atom lines arrive).
  static constexpr std::size_t kMaxAtoms = 100'000'000;

  /// Opens a file by name, "-" = stdin. gzip is detected by its magic bytes. Throws IoError if it cannot be opened.
  explicit ExtxyzReader(const std::string& path);
  /// Reads from `in` (which must outlive the reader); `source_name` is used in error messages.
  ExtxyzReader(std::istream& in, std::string source_name);
  ~ExtxyzReader();
  ExtxyzReader(const ExtxyzReader&) = delete;
  ExtxyzReader& operator=(const ExtxyzReader&) = delete;

  /// Reads the next frame into `frame` (every field is overwritten). Returns false at the clean end of input.
  /// Input without any frame (empty, or blank lines only) is an error, InputError "no frames" at line 1, unless
  /// set_allow_empty(true) was called: then the first read() just returns false.
  /// Throws InputError(source, line, field) on malformed input; after an error the reader is unusable.
  bool read(Structure& frame);
  /// Number of frames returned so far.
  std::size_t frames_read() const;
  /// Accept an input with zero frames (default false: that is an error).
  void set_allow_empty(bool allow);
  /// Source name used in errors and Structure::source ("-" for stdin).
  const std::string& source_name() const;

 private:
  struct Impl;
  friend class StructureReader;
  ExtxyzReader(std::unique_ptr<io_detail::ByteSource> src, std::string source_name);
  std::unique_ptr<Impl> impl_;
};

/// Writes one frame in extended XYZ. Throws InputError if a string value contains a line break (cannot be
/// written on one comment line), an array's length does not match the number of atoms, a per-atom string is
/// not one token, or the structure is periodic with a zero cell (ExtxyzReader would refuse the result).
void write_extxyz(std::ostream& out, const Structure& s);
/// The same, into a string.
std::string to_extxyz(const Structure& s);

/// Shortest decimal text that reads back to exactly `x` (std::to_chars); "nan", "inf", "-inf" for non-finite.
std::string format_real(double x);

}  // namespace mlp
