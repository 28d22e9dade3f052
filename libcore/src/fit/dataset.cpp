#include "mlp/fit/dataset.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/geom/neighbor_list.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"
#include "mlp/util/hash.hpp"

namespace mlp {

void append_frames(std::istream& in, const std::string& source, TrainingData& data) {
  // The bytes are read once, hashed for the provenance, and parsed from memory.
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError("read error", source);
  TrainingData::File file{source, hex16(fnv1a64(bytes)), 0};
  std::istringstream text(std::move(bytes));
  ExtxyzReader reader(text, source);
  data.first.push_back(data.frames.size());
  Structure s;
  while (reader.read(s)) {
    data.frames.push_back(s);
    ++file.frames;
  }
  data.files.push_back(std::move(file));
}

void append_frames_from_file(const std::string& path, TrainingData& data) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open file", path);
  append_frames(in, path, data);
}

std::vector<int> species_of(const std::vector<Structure>& frames) {
  std::set<int> zs;
  for (const auto& s : frames) zs.insert(s.numbers.begin(), s.numbers.end());
  return {zs.begin(), zs.end()};
}

Split random_split(std::size_t n, double valid_fraction, std::uint64_t seed) {
  if (!(valid_fraction >= 0.0 && valid_fraction < 1.0))
    throw InputError("validation fraction must lie in [0, 1)", "", 0, "valid-fraction");
  std::size_t n_valid = static_cast<std::size_t>(std::llround(valid_fraction * static_cast<double>(n)));
  if (valid_fraction > 0.0 && n_valid == 0) n_valid = 1;
  if (n_valid >= n && n > 0)
    throw InputError("validation fraction leaves no training frame (" + std::to_string(n) + " frames)", "", 0,
                     "valid-fraction");
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  // Fisher-Yates with our own unbiased draw: std::shuffle and the distributions are implementation-defined.
  std::mt19937_64 rng(seed);
  for (std::size_t i = n; i > 1; --i) {
    const std::uint64_t bound = i;
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
    std::uint64_t x;
    do x = rng();
    while (x >= limit);
    std::swap(order[i - 1], order[x % bound]);
  }
  Split split;
  split.valid.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_valid));
  split.train.assign(order.begin() + static_cast<std::ptrdiff_t>(n_valid), order.end());
  std::sort(split.valid.begin(), split.valid.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

bool is_isolated_atom(const Structure& s, double cutoff) {
  if (s.size() != 1) return false;
  if (!s.any_periodic()) return true;
  NeighborListOptions options;
  options.cutoff = cutoff;
  const NeighborList nl(s, options);
  return nl.pairs() == 0;
}

IsolatedAtomEnergies isolated_atom_energies(const std::vector<Structure>& frames, const std::vector<std::size_t>& use,
                                            const std::vector<int>& species, double cutoff, const LabelKeys& labels) {
  IsolatedAtomEnergies out;
  std::map<int, std::pair<double, std::size_t>> isolated;  // Z → (sum of energies, count)
  std::vector<std::size_t> labelled;
  for (std::size_t f : use) {
    const Structure& s = frames[f];
    const auto e = reference_energy(s, labels);
    if (!e) continue;
    if (is_isolated_atom(s, cutoff)) {
      auto& acc = isolated[s.numbers[0]];
      acc.first += *e;
      ++acc.second;
    } else {
      labelled.push_back(f);
    }
  }
  std::vector<int> free;
  for (int z : species) {
    const auto it = isolated.find(z);
    if (it != isolated.end()) {
      out.energy[z] = it->second.first / static_cast<double>(it->second.second);
      out.origin[z] = "isolated-atom frames (" + std::to_string(it->second.second) + ")";
    } else {
      free.push_back(z);
    }
  }
  if (free.empty()) return out;
  // Least squares on composition for the rest: rows are labelled frames, columns the free elements' counts.
  std::map<int, Eigen::Index> column;
  for (std::size_t k = 0; k < free.size(); ++k) column[free[k]] = static_cast<Eigen::Index>(k);
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(labelled.size()),
                                                 static_cast<Eigen::Index>(free.size()));
  Eigen::VectorXd rhs(static_cast<Eigen::Index>(labelled.size()));
  std::vector<bool> seen(free.size(), false);
  for (std::size_t r = 0; r < labelled.size(); ++r) {
    const Structure& s = frames[labelled[r]];
    double e = *reference_energy(s, labels);
    for (int z : s.numbers) {
      const auto fixed = out.energy.find(z);
      if (fixed != out.energy.end()) {
        e -= fixed->second;
      } else if (column.count(z)) {
        counts(static_cast<Eigen::Index>(r), column[z]) += 1.0;
        seen[static_cast<std::size_t>(column[z])] = true;
      }
    }
    rhs[static_cast<Eigen::Index>(r)] = e;
  }
  Eigen::VectorXd energies = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(free.size()));
  if (!labelled.empty()) {
    // Minimum-norm least squares: compositions at a fixed ratio do not separate the elements.
    // The rank threshold must sit well above roundoff: identical compositions (one molecule, as in rMD17) give
    // columns that are parallel only up to ~1e-14, and the default threshold (ε·size) would call them independent
    // and return energies of ±1e11 eV.
    Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod;
    cod.setThreshold(1e-10);
    cod.compute(counts);
    energies = cod.solve(rhs);
  }
  for (std::size_t k = 0; k < free.size(); ++k) {
    out.energy[free[k]] = seen[k] ? energies[static_cast<Eigen::Index>(k)] : 0.0;
    out.origin[free[k]] = seen[k] ? "least squares on composition (" + std::to_string(labelled.size()) + " frames)"
                                  : "0: no frame with an energy label holds " + element_symbol(free[k]);
  }
  return out;
}

}  // namespace mlp
