#pragma once
// Descriptor files: a binary container of kind DESC (man/mlp-container.5) holding, frame after frame, the
// structure with all its labels and its descriptor rows (and optionally their gradients). Streamable both ways,
// so `mlp-describe | mlp-fit` needs no temporary file.
//
// Header JSON (format version 1): {"descriptor": <the descriptor's canonical parameters as a JSON object>,
//   "descriptor_hash": "<16 hex digits, mlp::descriptor_hash>", "gradients": true|false,
//   "species": ["O", "H", ...] (centre elements), "units": {...}, "provenance": <caller's JSON object>}.
// Record type 1 (kDescFrameRecord), one per frame, packed with ByteWriter:
//   u64 frame index (0, 1, ...), string extxyz text of the frame (mlp's writer: every label and column, reals
//   that read back bit-exact), u64 atoms N, (N+1) × u64 row offsets, offsets[N] × f64 row values,
//   u8 gradients flag (must equal the header's), and if set: (N+1) × u64 entry offsets, E × i32 atom,
//   E × u64 data offsets, u64 P + P × f64 position gradients, offsets[N]·9 × f64 strain gradients
//   (the DescriptorGradients layout of mlp/desc/descriptor.hpp).
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/io/container.hpp"

namespace mlp {

/// Container kind and the newest format version this code writes and reads.
inline const char* const kDescKind = "DESC";
constexpr std::uint32_t kDescVersion = 1;
/// Record type of one frame.
constexpr std::uint32_t kDescFrameRecord = 1;

struct DescriptorFrame {
  Structure structure;  ///< the frame with all its labels (positions Å, energy eV, forces eV/Å, stress eV/Å^3)
  DescriptorValues values;
  bool has_gradients = false;
  DescriptorGradients gradients;  ///< filled when has_gradients
};

class DescriptorStreamWriter {
 public:
  /// Writes the header at once. `gradients`: every frame carries gradients (then write() needs them).
  /// `provenance_json`: a JSON object (e.g. {"tool": "mlp-describe", "version": "0.1.0", "command_line": "..."}),
  /// "" for none; anything else is an InputError. The descriptor and stream must outlive the writer.
  DescriptorStreamWriter(std::ostream& out, const Descriptor& descriptor, bool gradients,
                         const std::string& provenance_json);
  /// Appends one frame. Throws InputError if the rows do not belong to `s` (atom count, row lengths of the
  /// descriptor), if `g` is null while the stream has gradients (or not null while it has none) or inconsistent,
  /// or if the frame cannot be written as extxyz; IoError if the stream fails.
  void write(const Structure& s, const DescriptorValues& values, const DescriptorGradients* g);
  /// Writes the trailer; the stream is complete only after this.
  void finish();
  std::uint64_t frames() const { return container_.records(); }

 private:
  const Descriptor& descriptor_;
  bool gradients_;
  ContainerWriter container_;
};

class DescriptorStreamReader {
 public:
  /// Reads and checks the container and its header (kind DESC, version <= kDescVersion, the descriptor
  /// parameters known to this mlp and matching descriptor_hash). `source` names the input in errors.
  DescriptorStreamReader(std::istream& in, std::string source);
  ~DescriptorStreamReader();

  /// The descriptor's canonical parameters (Descriptor::to_json() of descriptor()).
  const std::string& descriptor_json() const { return descriptor_json_; }
  /// The descriptor the file was written with, recreated from its parameters.
  const Descriptor& descriptor() const { return *descriptor_; }
  std::string descriptor_hash() const { return hash_; }
  bool gradients() const { return gradients_; }
  /// Centre elements (atomic numbers) of the header's "species".
  std::vector<int> species() const { return species_; }
  /// The complete header JSON (units, provenance, ...).
  const std::string& header_json() const { return container_.header().json; }

  /// Next frame (every field overwritten); false at the verified end of the file. Inconsistent rows or gradients,
  /// a bad frame text and any container error are InputErrors naming the source, the frame and the byte offset.
  /// Unknown ancillary records are skipped; unknown critical records are refused.
  bool next(DescriptorFrame& frame);
  std::uint64_t frames() const { return frames_; }

 private:
  ContainerReader container_;
  std::unique_ptr<Descriptor> descriptor_;
  std::string descriptor_json_, hash_;
  bool gradients_ = false;
  std::vector<int> species_;
  std::uint64_t frames_ = 0;
};

}  // namespace mlp
