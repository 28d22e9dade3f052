// Extended-XYZ writer (see mlp/io/extxyz.hpp): what ASE 3.22 and ExtxyzReader read back to the same values.
#include <ostream>
#include <sstream>

#include "extxyz_impl.hpp"
#include "extxyz_text.hpp"
#include "mlp/core/elements.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

using io_detail::append_int;
using io_detail::append_real;
using io_detail::append_real_scalar;

std::string format_real(double x) {
  std::string s;
  append_real(s, x);
  return s;
}

namespace {

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  for (const char c : s)
    if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '{' || c == '}' || c == '[' || c == ']' || c == '=' ||
        c == ',' || c == '\\' || c == '\v' || c == '\f')
      return true;
  return false;
}

std::string json_string(const std::string& s, const std::string& key) {
  std::string j = "\"";
  for (const char c : s) {
    if (c == '\n' || c == '\r') throw InputError("a string with a line break cannot be written to extxyz", "", 0, key);
    if (c == '"' || c == '\\') {
      j += '\\';
      j += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char* hex = "0123456789abcdef";
      j += "\\u00";
      j += hex[(c >> 4) & 15];
      j += hex[c & 15];
    } else {
      j += c;
    }
  }
  return j + '"';
}

void append_string(std::string& out, const std::string& s, const std::string& key) {
  for (const char c : s)
    if (c == '\n' || c == '\r') throw InputError("a string with a line break cannot be written to extxyz", "", 0, key);
  if (!needs_quotes(s)) {
    out += s;
    return;
  }
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

bool is_3x3_key(const std::string& key) { return key == "stress" || key == "virial"; }

void append_info(std::string& out, const std::string& key, const InfoValue& v) {
  append_string(out, key, key);
  out += '=';
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += x ? 'T' : 'F';
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          append_int(out, x);
        } else if constexpr (std::is_same_v<T, double>) {
          append_real_scalar(out, x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          // A string that would read back as a number, a bool, an empty array or JSON is written as a JSON
          // string, which ASE and ExtxyzReader both decode to the same string.
          if (std::holds_alternative<std::string>(parse_info_value(key, x, true)) && x.rfind("_JSON ", 0) != 0)
            append_string(out, x, key);
          else
            append_string(out, "_JSON " + json_string(x, key), key);
        } else if constexpr (std::is_same_v<T, std::vector<bool>>) {
          out += '"';
          for (std::size_t i = 0; i < x.size(); ++i) {
            if (i) out += ' ';
            out += x[i] ? 'T' : 'F';
          }
          out += '"';
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          out += '"';
          for (std::size_t i = 0; i < x.size(); ++i) {
            if (i) out += ' ';
            append_int(out, x[i]);
          }
          out += '"';
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          out += '"';
          const bool transpose = is_3x3_key(key) && x.size() == 9;
          for (std::size_t i = 0; i < x.size(); ++i) {
            if (i) out += ' ';
            // One value alone must stay a real; in a list, one real among them is enough, but keep each a real.
            const std::size_t k = transpose ? 3 * (i % 3) + i / 3 : i;
            append_real_scalar(out, x[k]);
          }
          out += '"';
        } else {  // std::vector<std::string>: as ASE writes lists of strings, JSON
          std::string json = "_JSON [";
          for (std::size_t i = 0; i < x.size(); ++i) {
            if (i) json += ", ";
            json += json_string(x[i], key);
          }
          json += ']';
          append_string(out, json, key);
        }
      },
      v);
}

char type_code(ColumnType t) { return static_cast<char>(t); }

}  // namespace

void write_extxyz(std::ostream& out, const Structure& s) {
  const std::size_t n = s.size();
  if (static_cast<std::size_t>(s.positions.rows()) != n)
    throw InputError("positions have " + std::to_string(s.positions.rows()) + " rows for " + std::to_string(n) +
                         " atoms",
                     s.source, s.line, "pos");
  if (s.any_periodic() && s.cell.isZero(0.0))
    throw InputError("periodic structure without a cell cannot be written (pbc needs Lattice)", s.source, s.line,
                     "pbc");
  std::string buf;
  buf.reserve(256 + n * 64);
  append_int(buf, static_cast<std::int64_t>(n));
  buf += '\n';
  if (!s.cell.isZero(0.0)) {
    buf += "Lattice=\"";
    for (int k = 0; k < 9; ++k) {
      if (k) buf += ' ';
      append_real_scalar(buf, s.cell(k / 3, k % 3));
    }
    buf += "\" ";
  }
  buf += "Properties=species:S:1:pos:R:3";
  for (const auto& [name, a] : s.arrays.items()) {
    if (a.atoms() != n || a.width < 1)
      throw InputError("per-atom column has " + std::to_string(a.atoms()) + " rows for " + std::to_string(n) + " atoms",
                       s.source, s.line, name);
    if (name.empty() || name.find_first_of(": \t\"'=") != std::string::npos || name == "species" || name == "pos")
      throw InputError("column name cannot be written to Properties", s.source, s.line, name);
    buf += ':';
    buf += name;
    buf += ':';
    buf += type_code(a.type);
    buf += ':';
    append_int(buf, a.width);
  }
  for (const auto& [key, v] : s.info.items()) {
    if (key == "Lattice" || key == "Properties" || key == "pbc") continue;  // written from the Structure itself
    buf += ' ';
    append_info(buf, key, v);
  }
  buf += " pbc=\"";
  for (int k = 0; k < 3; ++k) {
    if (k) buf += ' ';
    buf += s.pbc[k] ? 'T' : 'F';
  }
  buf += "\"\n";

  std::vector<std::string> symbols;
  for (std::size_t i = 0; i < n; ++i) {
    const int z = s.numbers[i];
    if (z >= static_cast<int>(symbols.size())) symbols.resize(static_cast<std::size_t>(z) + 1);
    if (symbols[z].empty()) symbols[z] = element_symbol(z);
    buf += symbols[z];
    for (int k = 0; k < 3; ++k) {
      buf += ' ';
      append_real(buf, s.positions(static_cast<Eigen::Index>(i), k));
    }
    for (const auto& [name, a] : s.arrays.items()) {
      const std::size_t w = static_cast<std::size_t>(a.width);
      for (std::size_t k = 0; k < w; ++k) {
        buf += ' ';
        switch (a.type) {
          case ColumnType::Real: append_real(buf, a.reals[i * w + k]); break;
          case ColumnType::Integer: append_int(buf, a.integers[i * w + k]); break;
          case ColumnType::Logical: buf += a.logicals[i * w + k] ? 'T' : 'F'; break;
          case ColumnType::String: {
            const std::string& str = a.strings[i * w + k];
            if (str.empty() || str.find_first_of(" \t\r\n\v\f") != std::string::npos)
              throw InputError("a per-atom string must be one non-empty token, got '" + str + "'", s.source, s.line,
                               name);
            buf += str;
            break;
          }
        }
      }
    }
    buf += '\n';
    if (buf.size() > (1u << 20)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

std::string to_extxyz(const Structure& s) {
  std::ostringstream os;
  write_extxyz(os, s);
  return os.str();
}

}  // namespace mlp
