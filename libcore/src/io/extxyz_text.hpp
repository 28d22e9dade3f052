#pragma once
// Private to libcore/src/io: number parsing and formatting shared by the extxyz reader and writer.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlp::io_detail {

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

/// Whole token as a decimal integer (optional sign, like Python int()). False if not an integer or out of range
/// (`overflow` then says which).
inline bool parse_int(std::string_view t, std::int64_t& out, bool* overflow = nullptr) {
  if (overflow) *overflow = false;
  if (t.empty()) return false;
  const char* b = t.data();
  const char* e = b + t.size();
  if (*b == '+') {
    ++b;
    if (b == e || *b == '-') return false;
  }
  const auto r = std::from_chars(b, e, out);
  if (r.ec == std::errc::result_out_of_range) {
    if (overflow) *overflow = r.ptr == e;
    return false;
  }
  return r.ec == std::errc() && r.ptr == e;
}

/// Whole token as a real (optional sign, decimal or exponent form, nan, inf, infinity; like Python float()).
inline bool parse_real(std::string_view t, double& out) {
  if (t.empty()) return false;
  const char* b = t.data();
  const char* e = b + t.size();
  if (*b == '+') {
    ++b;
    if (b == e || *b == '-') return false;
  }
  const auto r = std::from_chars(b, e, out, std::chars_format::general);
  if (r.ptr != e) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Subnormal, underflowing or overflowing text: take what strtod gives (subnormal, 0 or ±inf), as Python does.
    char tmp[512];
    const std::size_t len = static_cast<std::size_t>(e - b);
    if (len >= sizeof tmp) return false;
    std::memcpy(tmp, b, len);
    tmp[len] = '\0';
    out = std::strtod(tmp, nullptr);
    return true;
  }
  return r.ec == std::errc();
}

/// Shortest round-trip text of a double ("nan", "inf", "-inf" for non-finite values).
inline void append_real(std::string& out, double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

/// A real info value must not read back as an integer: make sure it has '.', 'e', or is nan/inf.
inline void append_real_scalar(std::string& out, double x) {
  const std::size_t start = out.size();
  append_real(out, x);
  if (out.find_first_of(".eni", start) == std::string::npos) out += ".0";
}

inline void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// A token shown in an error message: at most 40 characters, control and non-ASCII bytes as \xNN.
inline std::string show(std::string_view t) {
  std::string s;
  const std::size_t n = t.size() > 40 ? 40 : t.size();
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(t[i]);
    if (c < 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 15];
    } else {
      s += static_cast<char>(c);
    }
  }
  if (t.size() > n) s += "...";
  return s;
}

}  // namespace mlp::io_detail
