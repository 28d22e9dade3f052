#include "mlp/model/partial_evaluation.hpp"

#include <cmath>
#include <string>

#include "mlp/util/error.hpp"

namespace mlp {

EvalResult evaluate_contributing(const Model& model, const Structure& s, NeighborList& nl,
                                 const std::vector<std::uint8_t>& contributing, EvalRequest request, double skin) {
  if (!model.supports_contributing())
    throw InputError("model '" + model.name() + "' does not support contributing/padding atoms", s.source, s.line);
  if (contributing.size() != s.size())
    throw InputError(std::to_string(contributing.size()) + " contributing flags for " + std::to_string(s.size()) +
                         " atoms",
                     s.source, s.line);
  std::string why;
  if (!model.supports(s.numbers, why)) throw InputError(why, s.source, s.line, "species");
  // Models that never look at the environments of padding atoms get a list in which only contributing atoms
  // have neighbours: in a LAMMPS rank the padding shell holds about as many atoms as the rank owns.
  const std::vector<std::uint8_t>* centres = model.uses_padding_neighbors() ? nullptr : &contributing;
  const bool same_centres = centres ? nl.centres() == *centres : nl.centres().empty();
  if (nl.atoms() == s.size() && nl.options().cutoff == model.cutoff() && nl.options().skin == skin &&
      nl.options().full && same_centres && nl.update(s)) {
    // Verlet criterion per index: valid whatever atom now sits at an index
  } else {
    NeighborListOptions options;
    options.cutoff = model.cutoff();
    options.skin = skin;
    options.full = true;
    nl.build(s, options, centres);
  }
  request.contributing = &contributing;
  EvalResult result;
  result.reset(s.size(), request);
  model.compute(s, nl, request, result);
  if (!std::isfinite(result.energy) || !result.forces.allFinite() || !result.virial.allFinite())
    throw ComputeError("model '" + model.name() + "' gave a non-finite energy, force or virial", s.source, s.line);
  return result;
}

}  // namespace mlp
