#include "mlp/fit/charge_fit.hpp"

#include <cmath>
#include <limits>

#include <Eigen/Cholesky>

#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

/// One frame, prepared once: descriptor rows, neighbour list and reference charges.
struct Frame {
  const Structure* s = nullptr;
  NeighborList nl;
  DescriptorValues q;
  Eigen::VectorXd reference;
  Eigen::MatrixXd interaction;  // geometry-only QEq matrix, built once
};

/// Parameter layout: for each element (ascending) its weights then its bias.
struct Layout {
  std::map<int, Eigen::Index> offset;
  Eigen::Index size = 0;
};

Layout layout_of(const Descriptor& d) {
  Layout l;
  for (int z : d.elements()) {
    l.offset[z] = l.size;
    l.size += static_cast<Eigen::Index>(d.size(z)) + 1;
  }
  return l;
}

std::unique_ptr<LearnedCharges> model_of(const std::shared_ptr<const Descriptor>& d, const Layout& l,
                                         const Eigen::VectorXd& theta, const ChargeFitOptions& o) {
  std::map<int, LearnedChargeElement> elements;
  for (int z : d->elements()) {
    const auto size = static_cast<Eigen::Index>(d->size(z));
    LearnedChargeElement e;
    e.weights = theta.segment(l.offset.at(z), size);
    e.bias = theta(l.offset.at(z) + size);
    const auto h = o.hardness.find(z);
    e.hardness = h == o.hardness.end() ? o.default_hardness : h->second;
    e.qmax = o.qmax;
    elements[z] = e;
  }
  return std::make_unique<LearnedCharges>(d, std::move(elements), o.electrostatics);
}

/// Design matrix D of a frame: row i holds atom i's descriptor row in its element's block and 1 for the bias.
Eigen::MatrixXd design(const Frame& f, const Layout& l) {
  const std::size_t n = f.s->size();
  Eigen::MatrixXd D = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), l.size);
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::Index o = l.offset.at(f.s->numbers[i]);
    const auto size = static_cast<Eigen::Index>(f.q.row_size(i));
    D.row(static_cast<Eigen::Index>(i)).segment(o, size) = Eigen::Map<const Eigen::RowVectorXd>(f.q.row(i), size);
    D(static_cast<Eigen::Index>(i), o + size) = 1.0;
  }
  return D;
}

}  // namespace

const AtomArray* reference_charges(const Structure& s, const std::string& key) {
  const std::vector<std::string> keys =
      key.empty() ? std::vector<std::string>{"charges", "initial_charges", "hirshfeld_charges"}
                  : std::vector<std::string>{key};
  for (const auto& k : keys)
    if (const AtomArray* a = s.arrays.reals(k, 1)) {
      for (std::size_t i = 0; i < a->reals.size(); ++i)
        if (!std::isfinite(a->reals[i]))
          throw InputError("frame " + std::to_string(s.frame) + ": non-finite reference charge of atom " +
                               std::to_string(i),
                           s.source, s.line, k);
      return a;
    }
  return nullptr;
}

std::unique_ptr<LearnedCharges> fit_learned_charges(std::shared_ptr<const Descriptor> descriptor,
                                                    const std::vector<Structure>& frames, const Split& split,
                                                    const ChargeFitOptions& options, ChargeFitResult& result,
                                                    const std::function<void()>& progress) {
  const Layout layout = layout_of(*descriptor);
  std::string used_key = options.charges_key;
  const auto prepare = [&](const std::vector<std::size_t>& indices) {
    std::vector<Frame> out;
    for (std::size_t k : indices) {
      const Structure& s = frames[k];
      const AtomArray* a = reference_charges(s, options.charges_key);
      if (!a)
        throw InputError("frame " + std::to_string(s.frame) + " has no reference charges (" +
                             (options.charges_key.empty() ? std::string("charges, initial_charges or hirshfeld_charges")
                                                          : options.charges_key) +
                             ")",
                         s.source, s.line, options.charges_key.empty() ? "charges" : options.charges_key);
      for (const auto& [key, array] : s.arrays.items())
        if (&array == a) used_key = key;
      Frame f;
      f.s = &s;
      NeighborListOptions lo;
      lo.cutoff = descriptor->cutoff();
      f.nl.build(s, lo);
      f.q = descriptor->compute(s, f.nl);
      f.interaction = qeq_interaction_matrix(s, f.nl, options.electrostatics);
      f.reference = Eigen::Map<const Eigen::VectorXd>(a->reals.data(), static_cast<Eigen::Index>(s.size()));
      out.push_back(std::move(f));
    }
    return out;
  };
  const std::vector<Frame> train = prepare(split.train), valid = prepare(split.valid);
  for (int z : descriptor->elements()) {
    bool seen = false;
    for (const Frame& f : train)
      for (int n : f.s->numbers) seen = seen || n == z;
    if (!seen)
      throw InputError("no training frame contains " + element_symbol(z) + ": its electronegativity cannot be fitted",
                       "", 0, "species");
  }

  // Gauss-Newton from χ = 0 (every frame starts from the even share of its total charge).
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(layout.size);
  double previous = std::numeric_limits<double>::infinity();
  const auto rmse = [&](const std::vector<Frame>& set, std::size_t& atoms) {
    const auto model = model_of(descriptor, layout, theta, options);
    double sum = 0.0;
    atoms = 0;
    for (const Frame& f : set) {
      const QeqSolution sol = solve_qeq(*f.s, f.interaction, model->atom_parameters(f.q, f.s->numbers));
      sum += (Eigen::Map<const Eigen::VectorXd>(sol.charges.data(), f.reference.size()) - f.reference).squaredNorm();
      atoms += f.s->size();
    }
    return atoms ? std::sqrt(sum / static_cast<double>(atoms)) : 0.0;
  };
  for (int it = 0; it < options.iterations; ++it) {
    const auto model = model_of(descriptor, layout, theta, options);
    Eigen::MatrixXd JtJ = Eigen::MatrixXd::Zero(layout.size, layout.size);
    Eigen::VectorXd Jtr = Eigen::VectorXd::Zero(layout.size);
    double loss = 0.0;
    for (const Frame& f : train) {
      const QeqSolution sol =
          solve_qeq(*f.s, f.interaction, model->atom_parameters(f.q, f.s->numbers), 1e-12, true);
      const Eigen::VectorXd r =
          Eigen::Map<const Eigen::VectorXd>(sol.charges.data(), f.reference.size()) - f.reference;
      const Eigen::MatrixXd J = sol.response * design(f, layout);
      JtJ.selfadjointView<Eigen::Lower>().rankUpdate(J.transpose());
      Jtr += J.transpose() * r;
      loss += r.squaredNorm();
    }
    JtJ = JtJ.selfadjointView<Eigen::Lower>();
    result.iterations = it + 1;
    if (progress) progress();
    if (std::abs(previous - loss) <= options.tolerance * std::max(loss, 1e-300)) break;
    previous = loss;
    const double scale = std::max(JtJ.diagonal().mean(), 1e-300);
    Eigen::MatrixXd A = JtJ;
    A.diagonal().array() += options.lambda * scale;
    const Eigen::VectorXd step = A.ldlt().solve(-Jtr);
    // Backtrack if the step overshoots (the barrier makes the problem non-linear).
    const Eigen::VectorXd start = theta;
    double t = 1.0;
    bool improved = false;
    for (int k = 0; k < 30 && !improved; ++k, t *= 0.5) {
      theta = start + t * step;
      std::size_t atoms = 0;
      try {
        const double trial = rmse(train, atoms);
        improved = trial * trial * static_cast<double>(atoms) <= loss * (1.0 + 1e-12);
      } catch (const ComputeError&) {
        // Electronegativities so extreme that charges sit on their limits to machine precision: step too long.
      }
    }
    if (!improved) {  // no step along the Gauss-Newton direction helps: keep the last good parameters
      theta = start;
      break;
    }
  }
  result.rmse_train = rmse(train, result.atoms_train);
  result.rmse_valid = rmse(valid, result.atoms_valid);
  result.charges_key = used_key;
  return model_of(descriptor, layout, theta, options);
}

}  // namespace mlp
