// StructureReader: format detection, extxyz streaming, gemmi import of CIF/PDB/mmCIF.
#include "mlp/io/structure_reader.hpp"

#include <algorithm>
#include <cctype>

#include "byte_source.hpp"
#include "extxyz_impl.hpp"
#include "extxyz_text.hpp"
#include "gemmi_import.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

constexpr std::size_t kHead = 64 * 1024;  // bytes looked at for format detection

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string from_content(const std::string& head) {
  std::vector<std::string_view> lines;
  std::string_view rest(head);
  while (!rest.empty() && lines.size() < 400) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  // extxyz: the first non-blank line is an integer.
  for (auto l : lines) {
    const auto t = io_detail::trim(l);
    if (t.empty()) continue;
    std::int64_t n;
    if (io_detail::parse_int(t, n)) return "extxyz";
    break;
  }
  bool data_block = false, mm = false, small = false;
  for (auto l : lines) {
    const auto t = io_detail::trim(l);
    if (starts_with(t, "data_")) data_block = true;
    if (starts_with(t, "_atom_site.") || starts_with(t, "_cell.") || starts_with(t, "_entry.")) mm = true;
    if (starts_with(t, "_atom_site_") || starts_with(t, "_cell_") || starts_with(t, "_symmetry_") ||
        starts_with(t, "_space_group_"))
      small = true;
  }
  if (data_block) return mm ? "mmcif" : small ? "cif" : "";
  static const char* records[] = {"HEADER", "TITLE ", "COMPND", "CRYST1", "ATOM  ", "HETATM", "MODEL ",
                                  "REMARK", "SOURCE", "KEYWDS", "EXPDTA", "AUTHOR", "SEQRES", "ORIGX1", "SCALE1"};
  for (auto l : lines) {
    for (const char* r : records)
      if (starts_with(l, r)) return "pdb";
  }
  return "";
}

std::string from_extension(std::string path) {
  path = lower(path);
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) path.resize(path.size() - 3);
  const auto dot = path.rfind('.');
  if (dot == std::string::npos) return "";
  const std::string ext = path.substr(dot + 1);
  if (ext == "xyz" || ext == "extxyz") return "extxyz";
  if (ext == "cif") return "cif";
  if (ext == "mmcif") return "mmcif";
  if (ext == "pdb" || ext == "ent") return "pdb";
  return "";
}

bool known(const std::string& f) { return f == "extxyz" || f == "cif" || f == "pdb" || f == "mmcif"; }

}  // namespace

std::string detect_structure_format(const std::string& head, const std::string& path, const std::string& hint) {
  if (!hint.empty() && !known(hint))
    throw InputError("unknown format '" + hint + "' (expected extxyz, cif, pdb or mmcif)", path, 0, "format");
  std::string f = from_content(head);
  if (f.empty()) f = hint;
  if (f.empty()) f = from_extension(path);
  return f;
}

struct StructureReader::Impl {
  std::string format;
  std::unique_ptr<ExtxyzReader> extxyz;
  std::vector<Structure> frames;  // gemmi formats
  std::size_t next = 0;
};

StructureReader::StructureReader(const std::string& path, const std::string& format) : impl_(std::make_unique<Impl>()) {
  auto src = io_detail::maybe_gunzip(io_detail::open_file_source(path), path);
  // Read the head for detection, then replay it.
  std::string head(kHead, '\0');
  std::size_t got = 0;
  try {
    while (got < kHead) {
      const std::size_t k = src->read(head.data() + got, kHead - got);
      if (k == 0) break;
      got += k;
    }
  } catch (const InputError& e) {
    // Damaged compressed input: the line is the one being decompressed when it failed.
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(head.begin(), head.begin() + got, '\n'));
    throw InputError(e.message(), path, e.line() ? e.line() : line, e.field());
  }
  head.resize(got);
  impl_->format = detect_structure_format(head, path, format);
  if (impl_->format.empty())
    throw InputError("cannot tell the format from the content or the file name (give one of extxyz, cif, pdb, mmcif)",
                     path, 1, "format");
  if (impl_->format == "extxyz") {
    impl_->extxyz.reset(new ExtxyzReader(io_detail::prefixed_source(head, std::move(src)), path));
    return;
  }
  std::string text = std::move(head);
  std::vector<char> buf(1 << 16);
  try {
    for (;;) {
      const std::size_t k = src->read(buf.data(), buf.size());
      if (k == 0) break;
      text.append(buf.data(), k);
    }
  } catch (const InputError& e) {
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    throw InputError(e.message(), path, e.line() ? e.line() : line, e.field());
  }
  impl_->frames = io_detail::gemmi_read(text, impl_->format, path);
}

StructureReader::~StructureReader() = default;

bool StructureReader::read(Structure& frame) {
  if (impl_->extxyz) return impl_->extxyz->read(frame);
  if (impl_->next >= impl_->frames.size()) return false;
  frame = impl_->frames[impl_->next++];
  return true;
}

const std::string& StructureReader::format() const { return impl_->format; }

std::size_t StructureReader::frames_read() const {
  return impl_->extxyz ? impl_->extxyz->frames_read() : impl_->next;
}

}  // namespace mlp
