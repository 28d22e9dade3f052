// DESC descriptor files: frames with their labels (as extxyz text) and descriptor rows/gradients in a container.
#include "mlp/desc/descriptor_stream.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

using nlohmann::json;

std::string header_text(const Descriptor& d, bool gradients, const std::string& provenance_json) {
  json provenance = json::object();
  if (!provenance_json.empty()) {
    try {
      provenance = json::parse(provenance_json);
    } catch (const json::exception& e) {
      throw InputError(std::string("provenance is not valid JSON: ") + e.what(), "", 0, "provenance");
    }
    if (!provenance.is_object()) throw InputError("provenance must be a JSON object", "", 0, "provenance");
  }
  json species = json::array();
  for (int z : d.elements()) species.push_back(element_symbol(z));
  json h;
  h["descriptor"] = json::parse(d.to_json());
  h["descriptor_hash"] = descriptor_hash(d);
  h["gradients"] = gradients;
  h["species"] = species;
  // Units of what the records hold; descriptor values carry the units of their parameters.
  h["units"] = {{"positions", "Angstrom"},
                {"cell", "Angstrom"},
                {"energy", "eV"},
                {"forces", "eV/Angstrom"},
                {"stress", "eV/Angstrom^3"},
                {"virial", "eV"},
                {"descriptor", "as defined by the descriptor parameters"},
                {"position_gradients", "descriptor unit per Angstrom"},
                {"strain_gradients", "descriptor unit (strain is dimensionless)"}};
  h["provenance"] = provenance;
  return h.dump(1);
}

/// Throws InputError (no source: callers add it) unless values (and gradients, if given) are a consistent set of
/// rows for `s` with the row lengths of `d`.
void check_frame(const Structure& s, const DescriptorValues& v, const DescriptorGradients* g, const Descriptor& d) {
  const std::size_t n = s.size();
  if (v.offsets.size() != n + 1)
    throw InputError(std::to_string(v.offsets.size()) + " row offsets for " + std::to_string(n) +
                     " atoms (expected atoms + 1)");
  if (v.offsets[0] != 0) throw InputError("the first row offset is not 0");
  for (std::size_t i = 0; i < n; ++i) {
    if (v.offsets[i + 1] < v.offsets[i]) throw InputError("row offsets decrease at atom " + std::to_string(i));
    if (v.row_size(i) != d.size(s.numbers[i]))
      throw InputError("atom " + std::to_string(i) + " has a row of " + std::to_string(v.row_size(i)) +
                       " values, the descriptor gives its element " + std::to_string(d.size(s.numbers[i])));
  }
  if (v.data.size() != v.offsets[n])
    throw InputError(std::to_string(v.data.size()) + " row values, the offsets say " + std::to_string(v.offsets[n]));
  if (!g) return;
  const std::size_t entries = g->atom.size();
  if (g->entry_offsets.size() != n + 1 || g->entry_offsets[0] != 0 || g->entry_offsets[n] != entries)
    throw InputError("gradient entry offsets do not match the atoms and entries");
  if (g->data_offsets.size() != entries) throw InputError("gradient data offsets do not match the entries");
  if (g->strain.size() != v.data.size() * 9)
    throw InputError("strain gradients hold " + std::to_string(g->strain.size()) + " values, expected 9 × " +
                     std::to_string(v.data.size()));
  std::vector<std::size_t> seen(n, static_cast<std::size_t>(-1));  // atom -> last centre listing it
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t first = g->entry_offsets[i], last = g->entry_offsets[i + 1];
    if (last < first) throw InputError("gradient entry offsets decrease at atom " + std::to_string(i));
    const std::size_t block = v.row_size(i) * 3;
    if ((block == 0) != (first == last))
      throw InputError("atom " + std::to_string(i) + ": gradient entries do not match its row");
    if (first < last && g->atom[first] != static_cast<int>(i))
      throw InputError("atom " + std::to_string(i) + ": its gradient entries do not start with itself");
    for (std::size_t e = first; e < last; ++e) {
      const int j = g->atom[e];
      if (j < 0 || static_cast<std::size_t>(j) >= n)
        throw InputError("gradient entry " + std::to_string(e) + " names atom " + std::to_string(j) + " of " +
                         std::to_string(n));
      if (seen[static_cast<std::size_t>(j)] == i)
        throw InputError("atom " + std::to_string(i) + ": atom " + std::to_string(j) + " listed twice in its gradients");
      seen[static_cast<std::size_t>(j)] = i;
      if (g->data_offsets[e] > g->position.size() || g->position.size() - g->data_offsets[e] < block)
        throw InputError("gradient entry " + std::to_string(e) + " points past the position gradients");
    }
  }
}

std::vector<std::uint64_t> as_u64(const std::vector<std::size_t>& v) { return {v.begin(), v.end()}; }

std::vector<std::size_t> read_sizes(ByteReader& r, std::uint64_t count, const char* field) {
  r.require(count, 8, field);
  std::vector<std::uint64_t> raw(static_cast<std::size_t>(count));
  r.get_u64s(raw.data(), raw.size());
  return {raw.begin(), raw.end()};
}

std::vector<double> read_reals(ByteReader& r, std::uint64_t count, const char* field) {
  r.require(count, 8, field);
  std::vector<double> out(static_cast<std::size_t>(count));
  r.get_f64s(out.data(), out.size());
  return out;
}

}  // namespace

// ---- writer ---------------------------------------------------------------------------------------------------

DescriptorStreamWriter::DescriptorStreamWriter(std::ostream& out, const Descriptor& descriptor, bool gradients,
                                               const std::string& provenance_json)
    : descriptor_(descriptor),
      gradients_(gradients),
      container_(out, kDescKind, kDescVersion, header_text(descriptor, gradients, provenance_json)) {}

void DescriptorStreamWriter::write(const Structure& s, const DescriptorValues& values, const DescriptorGradients* g) {
  const std::string where = s.source.empty() ? std::string("frame ") + std::to_string(s.frame) : s.source;
  if (gradients_ && !g) throw InputError("the descriptor stream carries gradients but none were given", where, s.line);
  if (!gradients_ && g) throw InputError("the descriptor stream was opened without gradients", where, s.line);
  try {
    check_frame(s, values, g, descriptor_);
  } catch (const InputError& e) {
    throw InputError("descriptor rows of frame " + std::to_string(s.frame) + ": " + e.message(), s.source, s.line);
  }
  ByteWriter w;
  w.put_u64(container_.records());
  w.put_string(to_extxyz(s));
  w.put_u64(s.size());
  const std::vector<std::uint64_t> offsets = as_u64(values.offsets);
  w.put_u64s(offsets.data(), offsets.size());
  w.put_f64s(values.data.data(), values.data.size());
  w.put_u8(g ? 1 : 0);
  if (g) {
    const std::vector<std::uint64_t> entry_offsets = as_u64(g->entry_offsets);
    w.put_u64s(entry_offsets.data(), entry_offsets.size());
    for (int a : g->atom) w.put_i32(a);
    const std::vector<std::uint64_t> data_offsets = as_u64(g->data_offsets);
    w.put_u64s(data_offsets.data(), data_offsets.size());
    w.put_u64(g->position.size());
    w.put_f64s(g->position.data(), g->position.size());
    w.put_f64s(g->strain.data(), g->strain.size());
  }
  container_.write_record(kDescFrameRecord, w.bytes());
}

void DescriptorStreamWriter::finish() { container_.finish(); }

// ---- reader ---------------------------------------------------------------------------------------------------

DescriptorStreamReader::DescriptorStreamReader(std::istream& in, std::string source)
    : container_(in, std::move(source), kDescKind, kDescVersion) {
  const std::string& src = container_.source();
  auto bad = [&](const std::string& field, const std::string& why) -> InputError {
    return InputError("header: " + field + ": " + why, src, 0, field);
  };
  const json h = json::parse(container_.header().json);  // the container checked it is a JSON object
  if (!h.contains("descriptor") || !h["descriptor"].is_object()) throw bad("descriptor", "missing or not an object");
  if (!h.contains("descriptor_hash") || !h["descriptor_hash"].is_string())
    throw bad("descriptor_hash", "missing or not a string");
  if (!h.contains("gradients") || !h["gradients"].is_boolean()) throw bad("gradients", "missing or not a boolean");
  if (!h.contains("species") || !h["species"].is_array()) throw bad("species", "missing or not an array");
  hash_ = h["descriptor_hash"].get<std::string>();
  gradients_ = h["gradients"].get<bool>();
  for (const json& e : h["species"]) {
    const int z = e.is_string() ? atomic_number(e.get<std::string>()) : 0;
    if (z == 0) throw bad("species", "not a list of element symbols");
    species_.push_back(z);
  }
  try {
    descriptor_ = make_descriptor(h["descriptor"].dump(), {}, src);
  } catch (const InputError& e) {
    throw bad("descriptor", e.message());
  }
  descriptor_json_ = descriptor_->to_json();
  if (mlp::descriptor_hash(*descriptor_) != hash_)
    throw bad("descriptor_hash", "\"" + hash_ + "\" does not match the descriptor parameters (hash " +
                                     mlp::descriptor_hash(*descriptor_) + "): corrupt or edited header");
  if (species_ != descriptor_->elements()) throw bad("species", "differs from the descriptor's centre elements");
}

DescriptorStreamReader::~DescriptorStreamReader() = default;

bool DescriptorStreamReader::next(DescriptorFrame& frame) {
  std::uint32_t type = 0;
  std::string payload;
  for (;;) {
    if (!container_.next(type, payload)) return false;
    if (type == kDescFrameRecord) break;
    if (!is_ancillary_record(type))
      throw InputError("record " + std::to_string(container_.records()) + " at byte " +
                           std::to_string(container_.record_offset()) + ": unknown record type " +
                           std::to_string(type) + " (written by a newer mlp?)",
                       container_.source());
  }
  const std::string& src = container_.source();
  try {
    ByteReader r(payload, src);
    if (r.get_u64() != frames_) throw InputError("frame index out of sequence (frames missing or reordered)");
    {
      std::istringstream text(r.get_string());
      ExtxyzReader xyz(text, "frame text");
      try {
        xyz.read(frame.structure);  // an empty text is an InputError "no frames"
      } catch (const InputError& e) {
        throw InputError(e.located());
      }
      Structure extra;
      if (xyz.read(extra)) throw InputError("more than one structure in the frame text");
    }
    frame.structure.source = src;
    frame.structure.line = 0;
    frame.structure.frame = static_cast<std::size_t>(frames_);
    const std::uint64_t atoms = r.get_u64();
    if (atoms != frame.structure.size())
      throw InputError(std::to_string(atoms) + " rows for a structure of " + std::to_string(frame.structure.size()) +
                       " atoms");
    frame.values.offsets = read_sizes(r, atoms + 1, "row offsets");
    frame.values.data = read_reals(r, frame.values.offsets.back(), "row values");
    const std::uint8_t flag = r.get_u8();
    if (flag > 1 || (flag == 1) != gradients_)
      throw InputError("gradients flag " + std::to_string(flag) + " contradicts the header");
    frame.has_gradients = flag == 1;
    frame.gradients = DescriptorGradients{};
    if (frame.has_gradients) {
      DescriptorGradients& g = frame.gradients;
      g.entry_offsets = read_sizes(r, atoms + 1, "gradient entry offsets");
      const std::uint64_t entries = g.entry_offsets.back();
      r.require(entries, 4, "gradient atoms");
      g.atom.resize(static_cast<std::size_t>(entries));
      for (int& a : g.atom) a = r.get_i32();
      g.data_offsets = read_sizes(r, entries, "gradient data offsets");
      g.position = read_reals(r, r.get_u64(), "position gradients");
      g.strain = read_reals(r, frame.values.data.size() * std::uint64_t{9}, "strain gradients");
    }
    if (!r.at_end()) throw InputError(std::to_string(r.remaining()) + " unexpected bytes at the end of the record");
    check_frame(frame.structure, frame.values, frame.has_gradients ? &frame.gradients : nullptr, *descriptor_);
  } catch (const InputError& e) {
    throw InputError("frame " + std::to_string(frames_) + " (record " + std::to_string(container_.records()) +
                         " at byte " + std::to_string(container_.record_offset()) + "): " + e.message() +
                         " (corrupt file?)",
                     src);
  }
  ++frames_;
  return true;
}

}  // namespace mlp
