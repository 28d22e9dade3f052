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

/// True if the 8 bytes at p are all decimal digits.
inline bool eight_digits(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return (((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
          0x3333333333333333ULL);
}

/// Value of 8 decimal digits at p (SWAR; little-endian byte order).
inline std::uint64_t parse_eight_digits(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  v = (v & 0x0F0F0F0F0F0F0F0FULL) * 2561 >> 8;
  v = (v & 0x00FF00FF00FF00FFULL) * 6553601 >> 16;
  return (v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL >> 32;
}

/// Exact fast path (Clinger): parses the longest prefix of [b, e) of the form -?digits[.digits][(e|E)[+-]digits]
/// when it has at most 19 digits, its integer mantissa m is <= 2^53 and its decimal exponent |x| <= 22: the value is
/// then m * 10^x or m / 10^-x, one correctly rounded operation on exact operands. Returns the end of the prefix, or
/// nullptr when the fast path does not apply (the caller then uses from_chars, which is exact for everything).
inline const char* scan_real_fast(const char* b, const char* e, double& out) {
  static const double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* p = b;
  bool neg = false;
  if (p < e && *p == '-') {
    neg = true;
    ++p;
  }
  std::uint64_t m = 0;
  int digits = 0, frac = 0;
  const char* d0 = p;
  while (e - p >= 8 && eight_digits(p)) {
    if (digits > 11) return nullptr;
    m = m * 100000000ULL + parse_eight_digits(p);
    p += 8;
    digits += 8;
  }
  while (p < e && static_cast<unsigned>(*p - '0') < 10) {
    if (++digits > 19) return nullptr;
    m = m * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  const bool int_part = p > d0;
  bool frac_part = false;
  if (p < e && *p == '.') {
    ++p;
    const char* f0 = p;
    while (e - p >= 8 && eight_digits(p)) {
      if (digits > 11) return nullptr;
      m = m * 100000000ULL + parse_eight_digits(p);
      p += 8;
      digits += 8;
    }
    while (p < e && static_cast<unsigned>(*p - '0') < 10) {
      if (++digits > 19) return nullptr;
      m = m * 10 + static_cast<unsigned>(*p - '0');
      ++p;
    }
    frac = static_cast<int>(p - f0);
    frac_part = p > f0;
  }
  if (!int_part && !frac_part) return nullptr;
  int exp10 = -frac;
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    bool eneg = false;
    if (p < e && (*p == '-' || *p == '+')) {
      eneg = *p == '-';
      ++p;
    }
    if (p == e || static_cast<unsigned>(*p - '0') >= 10) return nullptr;
    int x = 0;
    while (p < e && static_cast<unsigned>(*p - '0') < 10) {
      x = x * 10 + (*p - '0');
      if (x > 1000) return nullptr;
      ++p;
    }
    exp10 += eneg ? -x : x;
  }
  if (m > (std::uint64_t{1} << 53) || exp10 < -22 || exp10 > 22) return nullptr;
  double v = static_cast<double>(m);
  if (m != 0) v = exp10 < 0 ? v / kPow10[-exp10] : v * kPow10[exp10];  // zero (common) needs no division
  out = neg ? -v : v;
  return p;
}

/// The fast path for a whole token (see scan_real_fast).
inline bool parse_real_fast(const char* b, const char* e, double& out) {
  double v;
  if (scan_real_fast(b, e, v) != e) return false;
  out = v;
  return true;
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
  if (parse_real_fast(b, e, out)) return true;
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
