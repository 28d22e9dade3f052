#pragma once
// What the GAP model tests (test_gap_model.cpp, test_gap_two_body.cpp) share: a random periodic SiC frame, the
// model-file round trip in memory, and re-writing a model file's header (a valid checksum around damaged or
// newer contents).
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "mlp/io/container.hpp"
#include "mlp/model/gap_model.hpp"
#include "test_support.hpp"

namespace mlp::test {

inline Structure periodic_sic(std::mt19937_64& rng, std::size_t n) {
  return random_structure(rng, n, {6, 14}, random_cell(rng, 5.5, 7.0), {true, true, true}, 1.5);
}

inline std::string saved(const GapModel& m) {
  std::ostringstream out(std::ios::binary);
  save_gap_model(out, m, "{\"tool\":\"test\"}");
  return out.str();
}

inline std::unique_ptr<GapModel> loaded(const std::string& bytes, std::uint32_t max_version = kGapModelFileVersion) {
  std::istringstream in(bytes, std::ios::binary);
  ContainerReader reader(in, "g.mlp", "MODL", max_version);
  return load_gap_model(reader, "g.mlp");
}

/// The model file `bytes` with its records unchanged under the header `edit` makes of the old one, written as
/// `version` (0: the file's own version).
inline std::string rewritten(const std::string& bytes, const std::function<void(std::string&)>& edit,
                             std::uint32_t version = 0) {
  std::istringstream in(bytes, std::ios::binary);
  ContainerReader reader(in, "g.mlp", "MODL", kGapModelFileVersion);
  std::string header = reader.header().json;
  edit(header);
  std::ostringstream out(std::ios::binary);
  ContainerWriter writer(out, "MODL", version ? version : reader.header().version, header);
  std::uint32_t type = 0;
  std::string payload;
  while (reader.next(type, payload)) writer.write_record(type, payload);
  writer.finish();
  return out.str();
}

}  // namespace mlp::test
