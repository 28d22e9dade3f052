#pragma once
// Export of descriptor rows as NumPy .npy matrices plus an index, for analysis outside mlp (numpy, pandas).
//
// Files, for an output path "out.npy" (stem "out"):
//  - all centre elements have rows of the same length (SOAP): one matrix out.npy, shape (atoms, length);
//  - otherwise (ACSF, rows per element): one matrix per centre element, out.<Symbol>.npy (e.g. out.O.npy);
//  - out.index.tsv: one line per atom, in input order: npy file, row in it, input file, frame (0-based), atom
//    (0-based), species symbol;
//  - out.params.json: the canonical descriptor parameters (with their hash), to recreate the descriptor.
// Every file is written to a temporary name and renamed at finish(): an interrupted export leaves nothing partial.
// Memory is constant: rows are streamed to disk frame by frame.
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "mlp/core/structure.hpp"
#include "mlp/desc/descriptor.hpp"

namespace mlp {

class AtomicFile;
class NpyWriter;

class DescriptorNpyExport {
 public:
  /// `path` must end in ".npy". Throws InputError otherwise, IoError if the files cannot be created.
  DescriptorNpyExport(const std::string& path, const Descriptor& descriptor);
  ~DescriptorNpyExport();
  DescriptorNpyExport(const DescriptorNpyExport&) = delete;
  DescriptorNpyExport& operator=(const DescriptorNpyExport&) = delete;

  /// Append the rows of one frame (values as computed for `s`).
  void write(const Structure& s, const DescriptorValues& values);
  /// Complete the headers and rename every file into place.
  void finish();
  /// Paths of the matrices written (one, or one per centre element).
  std::vector<std::string> matrices() const;

 private:
  const Descriptor& descriptor_;
  std::string stem_;
  bool per_element_ = false;
  std::map<int, std::unique_ptr<NpyWriter>> writers_;  // key: element, or 0 for the single matrix
  std::unique_ptr<AtomicFile> index_, params_;
  NpyWriter& writer_for(int Z);
};

}  // namespace mlp
