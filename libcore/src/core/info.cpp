#include "mlp/core/info.hpp"

#include <algorithm>

namespace mlp {

namespace {
template <class Items>
auto find_item(Items& items, const std::string& key) -> decltype(&items.front().second) {
  for (auto& kv : items)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
template <class Items>
bool erase_item(Items& items, const std::string& key) {
  const auto it = std::find_if(items.begin(), items.end(), [&](const auto& kv) { return kv.first == key; });
  if (it == items.end()) return false;
  items.erase(it);
  return true;
}
}  // namespace

const InfoValue* Info::find(const std::string& key) const { return find_item(items_, key); }
InfoValue* Info::find(const std::string& key) { return find_item(items_, key); }

void Info::set(const std::string& key, InfoValue value) {
  if (InfoValue* existing = find(key))
    *existing = std::move(value);
  else
    items_.emplace_back(key, std::move(value));
}

bool Info::erase(const std::string& key) { return erase_item(items_, key); }

std::optional<double> Info::real(const std::string& key) const {
  const InfoValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* d = std::get_if<double>(v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<std::vector<double>> Info::reals(const std::string& key) const {
  const InfoValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* d = std::get_if<std::vector<double>>(v)) return *d;
  if (const auto* i = std::get_if<std::vector<std::int64_t>>(v)) return std::vector<double>(i->begin(), i->end());
  if (const auto* d1 = std::get_if<double>(v)) return std::vector<double>{*d1};
  if (const auto* i1 = std::get_if<std::int64_t>(v)) return std::vector<double>{static_cast<double>(*i1)};
  return std::nullopt;
}

std::optional<std::string> Info::string(const std::string& key) const {
  const InfoValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return std::nullopt;
}

std::size_t AtomArray::atoms() const {
  const std::size_t w = width > 0 ? static_cast<std::size_t>(width) : 1;
  switch (type) {
    case ColumnType::Real: return reals.size() / w;
    case ColumnType::Integer: return integers.size() / w;
    case ColumnType::String: return strings.size() / w;
    case ColumnType::Logical: return logicals.size() / w;
  }
  return 0;
}

const AtomArray* AtomArrays::find(const std::string& key) const { return find_item(items_, key); }
AtomArray* AtomArrays::find(const std::string& key) { return find_item(items_, key); }

void AtomArrays::set(const std::string& key, AtomArray value) {
  if (AtomArray* existing = find(key))
    *existing = std::move(value);
  else
    items_.emplace_back(key, std::move(value));
}

bool AtomArrays::erase(const std::string& key) { return erase_item(items_, key); }

const AtomArray* AtomArrays::reals(const std::string& key, int width) const {
  const AtomArray* a = find(key);
  return (a && a->type == ColumnType::Real && a->width == width) ? a : nullptr;
}

}  // namespace mlp
