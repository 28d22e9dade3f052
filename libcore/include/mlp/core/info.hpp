#pragma once
// Typed key/value metadata of a frame (the extxyz comment line) and typed per-atom columns (extxyz
// Properties). Both keep insertion order, so a file is written back in the order it was read.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mlp {

/// One info value: a scalar or a flat array of bool, integer, real or string.
/// 3×3 arrays (stress, virial) are stored flat, row-major, as 9 reals.
using InfoValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>, std::vector<std::int64_t>,
                               std::vector<double>, std::vector<std::string>>;

/// Ordered map of frame metadata. Keys are case-sensitive (ASE keeps case).
class Info {
 public:
  bool has(const std::string& key) const { return find(key) != nullptr; }
  const InfoValue* find(const std::string& key) const;
  InfoValue* find(const std::string& key);
  /// Insert or replace (a replaced key keeps its position).
  void set(const std::string& key, InfoValue value);
  bool erase(const std::string& key);
  /// A real scalar (an integer is converted); nullopt if absent or of another type.
  std::optional<double> real(const std::string& key) const;
  /// A list of reals of any length (integers converted); nullopt if absent or not numeric.
  std::optional<std::vector<double>> reals(const std::string& key) const;
  /// A string; nullopt if absent or not a string.
  std::optional<std::string> string(const std::string& key) const;

  const std::vector<std::pair<std::string, InfoValue>>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<std::string, InfoValue>> items_;
};

/// Column type codes of extxyz `Properties`: S string, R real, I integer, L logical.
enum class ColumnType : char { String = 'S', Real = 'R', Integer = 'I', Logical = 'L' };

/// A per-atom column with `width` values per atom, stored row-major (atom-major) in the vector matching its type.
struct AtomArray {
  ColumnType type = ColumnType::Real;
  int width = 1;
  std::vector<double> reals;            ///< type Real
  std::vector<std::int64_t> integers;   ///< type Integer
  std::vector<std::string> strings;     ///< type String
  std::vector<std::uint8_t> logicals;   ///< type Logical (0/1)

  /// Number of atoms this column holds.
  std::size_t atoms() const;
};

/// Ordered map of per-atom columns other than species and positions.
class AtomArrays {
 public:
  bool has(const std::string& key) const { return find(key) != nullptr; }
  const AtomArray* find(const std::string& key) const;
  AtomArray* find(const std::string& key);
  void set(const std::string& key, AtomArray value);
  bool erase(const std::string& key);
  /// A real column of the given width; nullptr if absent or of another type/width.
  const AtomArray* reals(const std::string& key, int width) const;

  const std::vector<std::pair<std::string, AtomArray>>& items() const { return items_; }
  std::vector<std::pair<std::string, AtomArray>>& items() { return items_; }

 private:
  std::vector<std::pair<std::string, AtomArray>> items_;
};

}  // namespace mlp
