#pragma once
// Checksums and hashes: CRC-32 (zlib's polynomial, for container trailers) and FNV-1a 64 (parameter hashes).
#include <cstddef>
#include <cstdint>
#include <string>

namespace mlp {

/// CRC-32 (ISO-HDLC, as zlib and PNG), continuing from `crc` (start with 0).
std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size);
/// FNV-1a 64-bit hash of a byte string.
std::uint64_t fnv1a64(const std::string& bytes);
/// A 64-bit value as 16 lower-case hex digits.
std::string hex16(std::uint64_t value);

}  // namespace mlp
