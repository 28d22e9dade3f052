#include "mlp/model/inner_cutoff.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/smooth_step.hpp"

namespace mlp {

namespace {

std::pair<int, int> key(int a, int b) { return a < b ? std::make_pair(a, b) : std::make_pair(b, a); }

}  // namespace

InnerCutoffBlend inner_cutoff_blend(double b, double s) {
  constexpr double kSoftness = 0.1;  // eV: width of the rounding of max(b, 0)
  const double root = std::sqrt(b * b + kSoftness * kSoftness);
  const double t = 0.5 * (b + root), dt = 0.5 * (1.0 + b / root);
  return {t + s * (b - t), dt + s * (1.0 - dt), b - t};
}

void InnerCutoff::set(int a, int b, InnerCutoffRange range) {
  if (!(std::isfinite(range.r_in) && std::isfinite(range.r_out) && range.r_in >= 0.0 && range.r_in < range.r_out))
    throw InputError("inner cutoff " + element_symbol(a) + "-" + element_symbol(b) + ": need 0 <= r_in < r_out, got " +
                         std::to_string(range.r_in) + ", " + std::to_string(range.r_out),
                     "", 0, "inner_cutoff");
  ranges_[key(a, b)] = range;
}

const InnerCutoffRange* InnerCutoff::find(int a, int b) const {
  const auto it = ranges_.find(key(a, b));
  return it == ranges_.end() ? nullptr : &it->second;
}

std::string InnerCutoff::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [pair, range] : ranges_)
    out.push_back({{"pair", {element_symbol(pair.first), element_symbol(pair.second)}},
                   {"r_in", range.r_in},
                   {"r_out", range.r_out}});
  return out.dump();
}

InnerCutoff InnerCutoff::from_json(const std::string& text, const std::string& source) {
  InnerCutoff result;
  try {
    const nlohmann::json in = nlohmann::json::parse(text);
    if (!in.is_array()) throw InputError("\"inner_cutoff\" must be an array", source, 0, "inner_cutoff");
    for (const auto& entry : in) {
      const auto& pair = entry.at("pair");
      if (!pair.is_array() || pair.size() != 2)
        throw InputError("\"inner_cutoff\": \"pair\" must name two elements", source, 0, "inner_cutoff");
      const int a = atomic_number(pair[0].get<std::string>()), b = atomic_number(pair[1].get<std::string>());
      if (a == 0 || b == 0) throw InputError("\"inner_cutoff\": unknown element in " + pair.dump(), source, 0, "inner_cutoff");
      if (result.find(a, b)) throw InputError("\"inner_cutoff\": pair " + pair.dump() + " twice", source, 0, "inner_cutoff");
      try {
        result.set(a, b, {entry.at("r_in").get<double>(), entry.at("r_out").get<double>()});
      } catch (const InputError& e) {
        throw InputError(e.message(), source, 0, "inner_cutoff");
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("\"inner_cutoff\": ") + e.what(), source, 0, "inner_cutoff");
  }
  return result;
}

double InnerCutoff::factor(const Structure& s, const NeighborList& nl, std::size_t i,
                           std::vector<std::pair<std::size_t, double>>* derivatives) const {
  if (derivatives) derivatives->clear();
  if (ranges_.empty()) return 1.0;
  // Factors S_k < 1 of the pairs inside a switching range, with dS_k/dr. Usually none, rarely more than one.
  struct Term {
    std::size_t pair;
    double value, slope;
  };
  std::vector<Term> terms;
  const int zi = s.numbers[i];
  for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
    const InnerCutoffRange* range = find(zi, s.numbers[static_cast<std::size_t>(nl.neighbor(k))]);
    const double r = nl.distance(k);
    if (!range || r >= range->r_out) continue;
    const double width = range->r_out - range->r_in;
    const double x = (r - range->r_in) / width;
    terms.push_back({k, smootherstep(x), smootherstep_derivative(x) / width});
  }
  double product = 1.0;
  for (const Term& t : terms) product *= t.value;
  if (derivatives)
    for (std::size_t m = 0; m < terms.size(); ++m) {
      if (terms[m].slope == 0.0) continue;
      double others = 1.0;  // Π over the other factors (not product / value: a factor may be 0)
      for (std::size_t q = 0; q < terms.size(); ++q)
        if (q != m) others *= terms[q].value;
      if (others != 0.0) derivatives->emplace_back(terms[m].pair, terms[m].slope * others);
    }
  return product;
}

}  // namespace mlp
