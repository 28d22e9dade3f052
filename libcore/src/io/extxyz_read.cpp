// Streaming extended-XYZ reader (see mlp/io/extxyz.hpp for the dialect).
#include <cmath>
#include <cstring>
#include <istream>
#include <nlohmann/json.hpp>
#include <utility>

#include "byte_source.hpp"
#include "extxyz_impl.hpp"
#include "extxyz_text.hpp"
#include "mlp/core/elements.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

using io_detail::is_blank;
using io_detail::parse_int;
using io_detail::parse_real;
using io_detail::show;
using io_detail::trim;

namespace {

struct RawPair {
  std::string key, value;
  bool has_value = false;
};

/// Characters that end a run of ordinary characters in a comment line.
struct SpecialChars {
  bool table[256] = {};
  SpecialChars() {
    for (unsigned char c : std::string_view("\\\"'{[= \t\r\v\f")) table[c] = true;
  }
};
const SpecialChars kSpecial;

/// Splits a comment line into key/value pairs like ASE's key_val_str_to_dict. `pairs` is reused between calls
/// (its strings keep their capacity); the number of pairs is returned.
std::size_t split_pairs(std::string_view line, const std::string& src, std::size_t line_no, std::vector<RawPair>& pairs) {
  line = trim(line);
  std::size_t np = 0;
  // State of the pair being built: its key, its value (parts after the first '=' joined by '=').
  RawPair* cur = nullptr;
  bool in_value = false;    // after a '='
  bool part_empty = true;   // the current part (key or value part) has no character yet
  bool quoted = false;      // the current part had quotes (so `r="" s=1` is r="" and s=1; ASE gives r="s=1")
  auto start_pair = [&]() {
    if (np == pairs.size()) pairs.emplace_back();
    cur = &pairs[np++];
    cur->key.clear();
    cur->value.clear();
    cur->has_value = false;
    in_value = false;
    part_empty = true;
    quoted = false;
  };
  auto target = [&]() -> std::string& {
    if (!cur) start_pair();
    return in_value ? cur->value : cur->key;
  };
  const std::size_t n = line.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = line[i];
    if (!kSpecial.table[static_cast<unsigned char>(c)]) {
      std::size_t j = i + 1;
      while (j < n && !kSpecial.table[static_cast<unsigned char>(line[j])]) ++j;
      target().append(line.data() + i, j - i);
      part_empty = false;
      i = j;
      continue;
    }
    if (c == '\\') {
      if (i + 1 < n) {
        target() += line[i + 1];
        i += 2;
      } else {
        target() += '\\';  // a trailing lone backslash is kept
        ++i;
      }
      part_empty = false;
      continue;
    }
    if (c == '"' || c == '\'' || c == '{' || c == '[') {
      const char closing = c == '{' ? '}' : c == '[' ? ']' : c;
      std::string& t = target();
      std::size_t j = i + 1;
      for (;;) {
        std::size_t k = j;
        while (k < n && line[k] != closing && line[k] != '\\') ++k;
        t.append(line.data() + j, k - j);
        if (k == n) {
          throw InputError(std::string("unterminated quote ") + c + " (opened at column " + std::to_string(i + 1) + ")",
                           src, line_no, cur && !cur->key.empty() ? cur->key : std::string("comment line"));
        }
        if (line[k] == '\\') {
          if (k + 1 < n) t += line[k + 1];
          j = k + 2;
          if (j > n) j = n;
          continue;
        }
        i = k + 1;
        break;
      }
      if (!t.empty()) part_empty = false;
      quoted = true;
      continue;
    }
    if (c == '=') {
      if (!cur) {  // '=' at the start of a pair belongs to the previous one (ASE: `key = value`, `a=1 =2` is a="1=2")
        if (np == 0) throw InputError("'=' without a key", src, line_no, "comment line");
        cur = &pairs[np - 1];
      }
      if (cur->has_value) cur->value += '=';  // a=b=c gives a="b=c"
      cur->has_value = true;
      in_value = true;
      part_empty = true;
      quoted = false;
      ++i;
      continue;
    }
    // blank
    if (cur && !(part_empty && !quoted)) cur = nullptr;  // the pair is complete; the next character starts another
    ++i;
  }
  return np;
}

/// Tokens of an info value: split at blanks and commas (as ASE's re.findall(r'[^\s,]+')).
struct SeparatorChars {
  bool table[256] = {};
  SeparatorChars() {
    for (unsigned char c : std::string_view(" \t\r\v\f\n,")) table[c] = true;
  }
};
const SeparatorChars kSeparator;

void value_tokens(std::string_view v, std::vector<std::string_view>& out) {
  out.clear();
  const std::size_t n = v.size();
  std::size_t i = 0;
  while (i < n) {
    while (i < n && kSeparator.table[static_cast<unsigned char>(v[i])]) ++i;
    const std::size_t b = i;
    while (i < n && !kSeparator.table[static_cast<unsigned char>(v[i])]) ++i;
    if (i > b) out.push_back(v.substr(b, i - b));
  }
}

bool parse_bool(std::string_view t, bool& b) {
  if (t == "T" || t == "True") return b = true, true;
  if (t == "F" || t == "False") return b = false, true;
  return false;
}

std::optional<InfoValue> decode_json(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  if (j.is_boolean()) return InfoValue(j.get<bool>());
  if (j.is_number_integer()) return InfoValue(j.get<std::int64_t>());
  if (j.is_number()) return InfoValue(j.get<double>());
  if (j.is_string()) return InfoValue(j.get<std::string>());
  if (!j.is_array() || j.empty()) return std::nullopt;
  bool all_str = true, all_bool = true, all_int = true, all_num = true;
  for (const auto& e : j) {
    all_str = all_str && e.is_string();
    all_bool = all_bool && e.is_boolean();
    all_int = all_int && e.is_number_integer();
    all_num = all_num && e.is_number();
  }
  if (all_str) return InfoValue(j.get<std::vector<std::string>>());
  if (all_bool) return InfoValue(j.get<std::vector<bool>>());
  if (all_int) return InfoValue(j.get<std::vector<std::int64_t>>());
  if (all_num) return InfoValue(j.get<std::vector<double>>());
  return std::nullopt;
}

}  // namespace

InfoValue parse_info_value(const std::string& key, const std::string& value, bool has_value) {
  if (!has_value) return InfoValue(true);
  auto lower_is = [&](const char* w) {
    const std::size_t n = std::strlen(w);
    if (key.size() != n) return false;
    for (std::size_t k = 0; k < n; ++k)
      if (std::tolower(static_cast<unsigned char>(key[k])) != w[k]) return false;
    return true;
  };
  if (lower_is("uid")) return InfoValue(value);
  thread_local std::vector<std::string_view> toks;
  value_tokens(value, toks);
  if (toks.empty()) return InfoValue(std::vector<std::int64_t>{});
  // The first token decides which types are worth trying; vectors are built only for lists.
  std::int64_t i0;
  if (parse_int(toks[0], i0)) {
    if (toks.size() == 1) return InfoValue(i0);
    std::vector<std::int64_t> ints{i0};
    ints.reserve(toks.size());
    for (std::size_t k = 1; k < toks.size(); ++k) {
      std::int64_t v;
      if (!parse_int(toks[k], v)) break;
      ints.push_back(v);
    }
    if (ints.size() == toks.size()) return InfoValue(std::move(ints));
  }
  double d0;
  if (parse_real(toks[0], d0)) {
    if (toks.size() == 1) return InfoValue(d0);
    std::vector<double> reals{d0};
    reals.reserve(toks.size());
    for (std::size_t k = 1; k < toks.size(); ++k) {
      double v;
      if (!parse_real(toks[k], v)) break;
      reals.push_back(v);
    }
    if (reals.size() == toks.size()) return InfoValue(std::move(reals));
  }
  bool b0;
  if (parse_bool(toks[0], b0)) {
    if (toks.size() == 1) return InfoValue(b0);
    std::vector<bool> bools{b0};
    for (std::size_t k = 1; k < toks.size(); ++k) {
      bool v;
      if (!parse_bool(toks[k], v)) break;
      bools.push_back(v);
    }
    if (bools.size() == toks.size()) return InfoValue(std::move(bools));
  }
  if (value.rfind("_JSON ", 0) == 0)
    if (auto j = decode_json(value.substr(6))) return *j;
  return InfoValue(value);
}

namespace {

/// Element symbol cache: the raw token (up to 7 bytes, packed with its length in the top byte) → Z.
class SymbolCache {
 public:
  int lookup(std::string_view tok) const {
    if (tok.size() > 7) return -1;
    const std::uint64_t k = pack(tok);
    for (const auto& e : entries_)
      if (e.first == k) return e.second;
    return -1;
  }
  void insert(std::string_view tok, int z) {
    if (tok.size() <= 7 && entries_.size() < 64) entries_.emplace_back(pack(tok), z);
  }

 private:
  static std::uint64_t pack(std::string_view t) {
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < t.size(); ++i) k |= static_cast<std::uint64_t>(static_cast<unsigned char>(t[i])) << (8 * i);
    return k | (static_cast<std::uint64_t>(t.size()) << 56);
  }
  std::vector<std::pair<std::uint64_t, int>> entries_;
};

enum class ColKind { Species, Pos, Z, Array };

struct Column {
  std::string name;
  ColumnType type;
  int width;
  ColKind kind;
};

}  // namespace

struct ExtxyzReader::Impl {
  io_detail::LineReader lines;
  std::size_t frames = 0;
  bool allow_empty = false;
  SymbolCache symbols;
  // Staging, reused across frames (capacity kept).
  std::vector<Column> cols;
  std::string cols_spec;  // the Properties text `cols` was built from (re-parsed only when it changes)
  std::vector<RawPair> pairs;
  std::vector<AtomArray> staged;
  std::vector<int> numbers;
  std::vector<double> pos;
  std::vector<std::int64_t> z_override;

  Impl(std::unique_ptr<io_detail::ByteSource> src, std::string name) : lines(std::move(src), std::move(name)) {}

  const std::string& src() const { return lines.source_name(); }

  [[noreturn]] void fail(const std::string& msg, std::size_t line, const std::string& field) const {
    throw InputError(msg, src(), line, field);
  }

  bool read(Structure& frame);
  void parse_comment(std::string_view line, std::size_t line_no, Structure& frame);
  void parse_properties(const std::string& spec, std::size_t line_no);
  void parse_atom(std::string_view line, std::size_t line_no, std::size_t atom);
  int species_number(std::string_view tok, std::size_t line_no);
};

void ExtxyzReader::Impl::parse_properties(const std::string& spec, std::size_t line_no) {
  cols.clear();
  std::vector<std::string> f;
  std::size_t b = 0;
  for (;;) {
    const std::size_t e = spec.find(':', b);
    f.push_back(spec.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  if (f.size() % 3 != 0)
    fail("'" + show(spec) + "' is not a list of name:type:width triples", line_no, "Properties");
  bool have_species = false, have_pos = false, have_z = false;
  for (std::size_t i = 0; i < f.size(); i += 3) {
    Column c;
    c.name = f[i];
    if (c.name.empty()) fail("empty column name", line_no, "Properties");
    const std::string& t = f[i + 1];
    if (t.size() != 1 || std::string_view("SRIL").find(t[0]) == std::string_view::npos)
      fail("unknown type '" + show(t) + "' of column " + c.name + " (expected S, R, I or L)", line_no, "Properties");
    c.type = static_cast<ColumnType>(t[0]);
    std::int64_t w = 0;
    if (!parse_int(f[i + 2], w) || w < 1 || w > 1000)
      fail("bad width '" + show(f[i + 2]) + "' of column " + c.name + " (expected 1..1000)", line_no, "Properties");
    c.width = static_cast<int>(w);
    for (const auto& o : cols)
      if (o.name == c.name) fail("column " + c.name + " appears twice", line_no, "Properties");
    if (c.name == "species") {
      if (c.type != ColumnType::String || c.width != 1) fail("species must be S:1", line_no, "Properties");
      c.kind = ColKind::Species;
      have_species = true;
    } else if (c.name == "pos") {
      if (c.type != ColumnType::Real || c.width != 3) fail("pos must be R:3", line_no, "Properties");
      c.kind = ColKind::Pos;
      have_pos = true;
    } else if (c.name == "Z" && c.type == ColumnType::Integer && c.width == 1) {
      c.kind = ColKind::Z;
      have_z = true;
    } else {
      c.kind = ColKind::Array;
    }
    cols.push_back(std::move(c));
  }
  if (!have_species && !have_z) fail("no species (or Z) column", line_no, "Properties");
  if (!have_pos) fail("no pos column", line_no, "Properties");
}

void ExtxyzReader::Impl::parse_comment(std::string_view line, std::size_t line_no, Structure& frame) {
  if (std::memchr(line.data(), '\0', line.size())) fail("binary data (NUL byte) in the comment line", line_no, "comment line");
  const std::size_t np = split_pairs(line, src(), line_no, pairs);
  bool have_lattice = false, have_pbc = false, have_props = false;
  std::string props;
  for (std::size_t pi = 0; pi < np; ++pi) {
    RawPair& p = pairs[pi];
    if (p.key.empty() && !p.has_value) continue;  // a lone "" (ASE would glue the next word to it)
    if (p.key == "Lattice") {
      const InfoValue v = parse_info_value(p.key, p.value, p.has_value);
      const auto* d = std::get_if<std::vector<double>>(&v);
      const auto* i = std::get_if<std::vector<std::int64_t>>(&v);
      const std::size_t n = d ? d->size() : i ? i->size() : 0;
      if (n != 9) fail("expected 9 numbers, got '" + show(p.value) + "'", line_no, "Lattice");
      for (int k = 0; k < 9; ++k) {
        const double x = d ? (*d)[k] : static_cast<double>((*i)[k]);
        if (!std::isfinite(x)) fail("non-finite cell entry '" + format_real(x) + "'", line_no, "Lattice");
        frame.cell(k / 3, k % 3) = x;
      }
      have_lattice = true;
    } else if (p.key == "pbc") {
      std::vector<std::string_view> toks;
      value_tokens(p.value, toks);
      if (!p.has_value) toks = {"T"};
      bool b[3];
      if (toks.size() != 1 && toks.size() != 3) fail("expected 1 or 3 of T/F, got '" + show(p.value) + "'", line_no, "pbc");
      for (std::size_t k = 0; k < toks.size(); ++k)
        if (!parse_bool(toks[k], b[k])) fail("expected T or F, got '" + show(toks[k]) + "'", line_no, "pbc");
      for (int k = 0; k < 3; ++k) frame.pbc[k] = toks.size() == 1 ? b[0] : b[k];
      have_pbc = true;
    } else if (p.key == "Properties") {
      props = p.value;
      have_props = true;
    } else if (p.key == "stress" || p.key == "virial") {
      InfoValue v = parse_info_value(p.key, p.value, p.has_value);
      std::vector<double> d;
      if (auto* dv = std::get_if<std::vector<double>>(&v)) d = *dv;
      if (auto* iv = std::get_if<std::vector<std::int64_t>>(&v)) d.assign(iv->begin(), iv->end());
      if (d.size() == 9) {
        std::vector<double> rm(9);
        for (int r = 0; r < 3; ++r)
          for (int c = 0; c < 3; ++c) rm[3 * r + c] = d[r + 3 * c];  // Fortran order in the file
        frame.info.set(p.key, std::move(rm));
      } else if (d.size() == 6) {
        frame.info.set(p.key, std::move(d));
      } else {
        fail("expected 9 numbers (3x3) or 6 (Voigt), got '" + show(p.value) + "'", line_no, p.key);
      }
    } else {
      frame.info.set(p.key, parse_info_value(p.key, p.value, p.has_value));
    }
  }
  if (!have_pbc) frame.pbc = {have_lattice, have_lattice, have_lattice};
  if (!have_lattice && frame.any_periodic()) fail("periodic (pbc has T) but no Lattice given", line_no, "pbc");
  if (!have_props) props = "species:S:1:pos:R:3";
  if (props != cols_spec || cols.empty()) {
    cols_spec.clear();  // stays empty if parse_properties throws
    parse_properties(props, line_no);
    cols_spec = props;
  }
}

int ExtxyzReader::Impl::species_number(std::string_view tok, std::size_t line_no) {
  const int cached = symbols.lookup(tok);
  if (cached > 0) return cached;
  // ASE capitalises: first letter upper, the rest lower.
  std::string sym(tok);
  for (std::size_t k = 0; k < sym.size(); ++k)
    sym[k] = static_cast<char>(k == 0 ? std::toupper(static_cast<unsigned char>(sym[k]))
                                      : std::tolower(static_cast<unsigned char>(sym[k])));
  const int z = atomic_number(sym);
  if (z == 0) fail("unknown element '" + show(tok) + "'", line_no, "species");
  symbols.insert(tok, z);
  return z;
}

void ExtxyzReader::Impl::parse_atom(std::string_view line, std::size_t line_no, std::size_t atom) {
  const char* p = line.data();
  const char* end = p + line.size();
  std::size_t needed = 0;
  for (const auto& c : cols) needed += static_cast<std::size_t>(c.width);
  auto count_mismatch = [&]() {
    std::size_t n = 0;
    const char* q = line.data();
    while (q < end) {
      while (q < end && is_blank(*q)) ++q;
      if (q == end) break;
      ++n;
      while (q < end && !is_blank(*q)) ++q;
    }
    fail("atom " + std::to_string(atom + 1) + " has " + std::to_string(n) + " fields, Properties needs " +
             std::to_string(needed),
         line_no, "Properties");
  };
  auto next = [&]() -> std::string_view {
    while (p < end && is_blank(*p)) ++p;
    if (p == end) count_mismatch();
    const char* b = p;
    while (p < end && !is_blank(*p)) ++p;
    return std::string_view(b, static_cast<std::size_t>(p - b));
  };
  auto field = [](const Column& c, int k) { return c.width == 1 ? c.name : c.name + "[" + std::to_string(k) + "]"; };
  // A real: the exact fast path straight from the line when the number ends at a blank, else the whole token.
  auto real = [&](const Column& c, int k) -> double {
    while (p < end && is_blank(*p)) ++p;
    if (p == end) count_mismatch();
    double x;
    const char* q = io_detail::scan_real_fast(p, end, x);
    if (q && (q == end || is_blank(*q))) {
      p = q;
      return x;
    }
    const auto t = next();
    if (!parse_real(t, x)) fail("cannot read '" + show(t) + "' as a real number", line_no, field(c, k));
    return x;
  };
  std::size_t ai = 0;
  for (const auto& c : cols) {
    switch (c.kind) {
      case ColKind::Species: numbers.push_back(species_number(next(), line_no)); break;
      case ColKind::Pos:
        for (int k = 0; k < 3; ++k) {
          const char* t0 = p;
          const double x = real(c, k);
          if (!std::isfinite(x)) fail("non-finite position '" + show(trim(std::string_view(t0, static_cast<std::size_t>(p - t0)))) + "'", line_no, field(c, k));
          pos.push_back(x);
        }
        break;
      case ColKind::Z: {
        const auto t = next();
        std::int64_t z;
        if (!parse_int(t, z)) fail("cannot read '" + show(t) + "' as an integer", line_no, "Z");
        if (z < 1 || z > kMaxAtomicNumber) fail("atomic number " + std::to_string(z) + " out of range", line_no, "Z");
        z_override.push_back(z);
        break;
      }
      case ColKind::Array: {
        AtomArray& a = staged[ai++];
        for (int k = 0; k < c.width; ++k) {
          if (c.type == ColumnType::Real) {
            a.reals.push_back(real(c, k));
            continue;
          }
          const auto t = next();
          switch (c.type) {
            case ColumnType::Real: break;  // handled above
            case ColumnType::Integer: {
              std::int64_t v;
              if (!parse_int(t, v)) fail("cannot read '" + show(t) + "' as an integer", line_no, field(c, k));
              a.integers.push_back(v);
              break;
            }
            case ColumnType::Logical: {
              bool b;
              if (!parse_bool(t, b)) fail("cannot read '" + show(t) + "' as a logical (T/F)", line_no, field(c, k));
              a.logicals.push_back(b ? 1 : 0);
              break;
            }
            case ColumnType::String: a.strings.emplace_back(t); break;
          }
        }
        break;
      }
    }
  }
  while (p < end && is_blank(*p)) ++p;
  if (p != end) count_mismatch();
}

bool ExtxyzReader::Impl::read(Structure& frame) {
  std::string_view line;
  for (;;) {
    if (!lines.next(line)) {
      if (frames == 0 && !allow_empty) fail("no frames (empty input)", 1, "atom count");
      return false;
    }
    if (!trim(line).empty()) break;
  }
  const std::size_t count_line = lines.line_number();
  const std::string_view t = trim(line);
  std::int64_t n = 0;
  bool overflow = false;
  if (std::memchr(t.data(), '\0', t.size()) || !parse_int(t, n, &overflow)) {
    if (overflow && t.front() != '-') fail("atom count " + show(t) + " is too large", count_line, "atom count");
    std::string hint;
    if (frames > 0) hint = " (does the previous frame have more atom lines than its count says?)";
    if (std::memchr(t.data(), '\0', t.size())) fail("binary data (NUL byte) where an atom count was expected", count_line, "atom count");
    fail("expected an atom count (non-negative integer), got '" + show(t) + "'" + hint, count_line, "atom count");
  }
  if (n < 0) fail("negative atom count " + std::to_string(n), count_line, "atom count");
  if (static_cast<std::uint64_t>(n) > kMaxAtoms)
    fail("atom count " + std::to_string(n) + " is larger than the limit " + std::to_string(kMaxAtoms), count_line,
         "atom count");
  const std::size_t natoms = static_cast<std::size_t>(n);

  if (!lines.next(line)) fail("truncated frame: the comment line is missing", count_line + 1, "comment line");
  frame.cell.setZero();
  frame.info = Info();
  parse_comment(line, count_line + 1, frame);

  // Staging for this frame; memory grows as atom lines arrive (a huge count alone allocates nothing big).
  const std::size_t reserve = natoms < 65536 ? natoms : 65536;
  numbers.clear();
  numbers.reserve(reserve);
  pos.clear();
  pos.reserve(3 * reserve);
  z_override.clear();
  staged.clear();
  for (const auto& c : cols) {
    if (c.kind != ColKind::Array) continue;
    AtomArray a;
    a.type = c.type;
    a.width = c.width;
    const std::size_t r = reserve * static_cast<std::size_t>(c.width);
    switch (c.type) {
      case ColumnType::Real: a.reals.reserve(r); break;
      case ColumnType::Integer: a.integers.reserve(r); break;
      case ColumnType::String: a.strings.reserve(r); break;
      case ColumnType::Logical: a.logicals.reserve(r); break;
    }
    staged.push_back(std::move(a));
  }
  for (std::size_t i = 0; i < natoms; ++i) {
    if (!lines.next(line))
      fail("truncated frame: the atom count says " + std::to_string(natoms) + " atoms, the input ends after " +
               std::to_string(i),
           lines.line_number() + 1, "atom " + std::to_string(i + 1));
    parse_atom(line, lines.line_number(), i);
  }

  if (!z_override.empty()) {
    numbers.assign(z_override.begin(), z_override.end());
  }
  frame.numbers = numbers;
  frame.positions.resize(static_cast<Eigen::Index>(natoms), 3);
  if (natoms) std::memcpy(frame.positions.data(), pos.data(), pos.size() * sizeof(double));
  frame.arrays = AtomArrays();
  std::size_t ai = 0;
  for (const auto& c : cols)
    if (c.kind == ColKind::Array) frame.arrays.set(c.name, std::move(staged[ai++]));
  frame.source = src();
  frame.line = count_line;
  frame.frame = frames;
  ++frames;
  return true;
}

ExtxyzReader::ExtxyzReader(const std::string& path)
    : impl_(std::make_unique<Impl>(io_detail::maybe_gunzip(io_detail::open_file_source(path), path), path)) {}

ExtxyzReader::ExtxyzReader(std::istream& in, std::string source_name)
    : impl_(std::make_unique<Impl>(io_detail::maybe_gunzip(io_detail::istream_source(in, source_name), source_name),
                                   source_name)) {}

ExtxyzReader::ExtxyzReader(std::unique_ptr<io_detail::ByteSource> src, std::string source_name)
    : impl_(std::make_unique<Impl>(std::move(src), std::move(source_name))) {}

ExtxyzReader::~ExtxyzReader() = default;

bool ExtxyzReader::read(Structure& frame) { return impl_->read(frame); }
std::size_t ExtxyzReader::frames_read() const { return impl_->frames; }
void ExtxyzReader::set_allow_empty(bool allow) { impl_->allow_empty = allow; }
const std::string& ExtxyzReader::source_name() const { return impl_->src(); }

}  // namespace mlp
