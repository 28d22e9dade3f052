#pragma once
// Training data for mlp-fit: all frames of the input files in memory (with each file's FNV-1a hash for the
// model's provenance), a reproducible train/validation split, and the isolated-atom energies of each element.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"

namespace mlp {

struct TrainingData {
  struct File {
    std::string path;      ///< as given ("-" for stdin)
    std::string fnv1a;     ///< 16 hex digits: FNV-1a 64 of the file's bytes as read (compressed bytes if gzip)
    std::size_t frames = 0;
  };
  std::vector<Structure> frames;
  std::vector<File> files;
  /// Index in `frames` of the first frame of each file (files[k] holds frames [first[k], first[k+1])).
  std::vector<std::size_t> first;
};

/// Read every extxyz frame of `in` (plain or gzip) and append it to `data`; `source` names the input in errors
/// and provenance. Throws InputError (malformed or empty input), IoError.
void append_frames(std::istream& in, const std::string& source, TrainingData& data);
/// The same for a file by name. Throws IoError if it cannot be opened.
void append_frames_from_file(const std::string& path, TrainingData& data);

/// Elements present in the frames (atomic numbers, ascending).
std::vector<int> species_of(const std::vector<Structure>& frames);

/// Indices of training and validation frames, each ascending.
struct Split {
  std::vector<std::size_t> train, valid;
};
/// Random split of n frames: round(valid_fraction·n) frames (at least 1 when the fraction is > 0) go to
/// validation, chosen by a Fisher-Yates shuffle driven by std::mt19937_64(seed) with rejection sampling, so the
/// split is the same on every platform and standard library. valid_fraction must lie in [0, 1) and leave at
/// least one training frame; InputError otherwise (field "valid-fraction").
Split random_split(std::size_t n, double valid_fraction, std::uint64_t seed);

/// True for a frame that is a free atom: one atom with no neighbour (periodic images included) closer than
/// `cutoff` (Å). A one-atom bulk cell is not isolated.
bool is_isolated_atom(const Structure& s, double cutoff);

/// Isolated-atom energies E_Z (eV), and how each was obtained.
struct IsolatedAtomEnergies {
  std::map<int, double> energy;       ///< eV
  std::map<int, std::string> origin;  ///< "isolated-atom frames (n)", "least squares on composition", ...
};
/// From the frames listed in `use`: an element that has isolated-atom frames (is_isolated_atom with `cutoff`)
/// with an energy label gets their mean energy; the others are fitted by least squares on composition,
/// E_frame − Σ_fixed n_Z E_Z ≈ Σ_free n_Z E_Z over the frames with an energy label (minimum-norm solution when
/// the compositions do not determine them all, e.g. a binary always at the same ratio); an element with no
/// labelled frame at all gets 0 (origin says so). `species`: every element the model needs.
IsolatedAtomEnergies isolated_atom_energies(const std::vector<Structure>& frames, const std::vector<std::size_t>& use,
                                            const std::vector<int>& species, double cutoff,
                                            const LabelKeys& labels = {});

}  // namespace mlp
