// Behler-Parrinello symmetry functions: parameters (JSON, n2p2 input.nn, preset), cutoff functions, and the
// OpenMP drivers of compute()/accumulate(). The per-centre kernels are in acsf_kernels*.{cpp,hpp}. See
// mlp/desc/acsf.hpp for the definitions.
#include "mlp/desc/acsf.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "acsf_plan.hpp"
#include "mlp/core/elements.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

namespace {

constexpr double kPi = 3.14159265358979323846;

const char* const kCutoffNames[] = {"hard", "cos", "tanhu", "tanh", "exp", "poly1", "poly2", "poly3", "poly4"};

std::string kind_name(SymmetryFunctionKind k) {
  switch (k) {
    case SymmetryFunctionKind::radial: return "radial";
    case SymmetryFunctionKind::angular_narrow: return "angular_narrow";
    case SymmetryFunctionKind::angular_wide: return "angular_wide";
  }
  return "?";
}

int element_from_string(const std::string& s, const std::string& where) {
  const int z = atomic_number(s);
  if (z == 0) throw InputError("unknown element '" + s + "'", "", 0, where);
  return z;
}

void validate(const SymmetryFunction& f) {
  auto bad = [&](const std::string& what) {
    throw InputError("invalid " + kind_name(f.kind) + " symmetry function for centre " +
                     (f.center >= 1 && f.center <= kMaxAtomicNumber ? element_symbol(f.center) : std::to_string(f.center)) +
                     ": " + what);
  };
  auto element_ok = [](int z) { return z >= 1 && z <= kMaxAtomicNumber; };
  if (!element_ok(f.center) || !element_ok(f.neighbor1)) bad("element out of range");
  if (f.kind != SymmetryFunctionKind::radial && !element_ok(f.neighbor2)) bad("element out of range");
  if (!(f.rcut > 0.0) || !std::isfinite(f.rcut)) bad("rcut must be > 0");
  if (!(f.eta >= 0.0) || !std::isfinite(f.eta)) bad("eta must be >= 0");
  if (!std::isfinite(f.rshift)) bad("rshift must be finite");
  if (!(f.cutoff_alpha >= 0.0 && f.cutoff_alpha < 1.0)) bad("cutoff_alpha must be in [0, 1)");
  const int ct = static_cast<int>(f.cutoff);
  if (ct < 0 || ct > 8) bad("unknown cutoff type");
  if (f.kind != SymmetryFunctionKind::radial) {
    if (!(f.zeta >= 1.0) || !std::isfinite(f.zeta)) bad("zeta must be >= 1");
    if (!(std::abs(f.lambda) <= 1.0)) bad("lambda must be in [-1, 1]");
  }
}

}  // namespace

std::string cutoff_type_name(CutoffType type) {
  const int t = static_cast<int>(type);
  if (t < 0 || t > 8) throw InputError("unknown cutoff type " + std::to_string(t));
  return kCutoffNames[t];
}

CutoffType cutoff_type_from_name(const std::string& name) {
  for (int t = 0; t <= 8; ++t)
    if (name == kCutoffNames[t]) return static_cast<CutoffType>(t);
  throw InputError("unknown cutoff type '" + name + "' (hard, cos, tanhu, tanh, exp, poly1, poly2, poly3, poly4)");
}

void CutoffFunction::evaluate(double r, double& f, double& df) const {
  if (r >= rc) {
    f = 0.0;
    df = 0.0;
    return;
  }
  if (type == CutoffType::tanhu || type == CutoffType::tanh) {
    const double em = std::expm1(-2.0 * (1.0 - r / rc));  // tanh(y) = −expm1(−2y)/(2 + expm1(−2y)), one call
    const double t = -em / (2.0 + em);
    const double t2 = t * t;
    double c = 1.0;
    if (type == CutoffType::tanh) {
      const double t1 = std::tanh(1.0);
      c = 1.0 / (t1 * t1 * t1);
    }
    f = c * t * t2;
    df = c * 3.0 * t2 * (t2 - 1.0) / rc;
    return;
  }
  const double rci = alpha * rc;
  if (type == CutoffType::hard || r < rci) {
    f = 1.0;
    df = 0.0;
    return;
  }
  const double iw = 1.0 / (rc - rci);
  const double x = (r - rci) * iw;
  double dfx = 0.0;
  switch (type) {
    case CutoffType::cos:
      f = 0.5 * (std::cos(kPi * x) + 1.0);
      dfx = -0.5 * kPi * std::sin(kPi * x);
      break;
    case CutoffType::exp: {
      const double y = 1.0 - x * x;
      if (y <= 0.0) {
        f = dfx = 0.0;
        break;
      }
      f = std::exp(1.0 - 1.0 / y);
      dfx = f * (-2.0 * x / (y * y));
      break;
    }
    case CutoffType::poly1:
      f = (2.0 * x - 3.0) * x * x + 1.0;
      dfx = 6.0 * x * (x - 1.0);
      break;
    case CutoffType::poly2: {
      f = ((15.0 - 6.0 * x) * x - 10.0) * x * x * x + 1.0;
      const double y = x * (x - 1.0);
      dfx = -30.0 * y * y;
      break;
    }
    case CutoffType::poly3: {
      f = x * x * x * x * (x * (x * (20.0 * x - 70.0) + 84.0) - 35.0) + 1.0;
      const double y = x * (x - 1.0);
      dfx = 140.0 * y * y * y;
      break;
    }
    case CutoffType::poly4: {
      f = x * x * x * x * x * (x * (x * (x * (315.0 - 70.0 * x) - 540.0) + 420.0) - 126.0) + 1.0;
      const double y = x * (x - 1.0);
      dfx = -630.0 * y * y * y * y;
      break;
    }
    default:
      f = 1.0;
      dfx = 0.0;
  }
  df = dfx * iw;
}

Acsf::Acsf(std::vector<SymmetryFunction> functions) : all_(std::move(functions)) {
  per_element_.assign(kMaxAtomicNumber + 1, {});
  for (const SymmetryFunction& f : all_) {
    validate(f);
    per_element_[static_cast<std::size_t>(f.center)].push_back(f);
    cutoff_ = std::max(cutoff_, f.rcut);
  }
  plan_ = std::make_shared<const detail::AcsfPlan>(detail::make_plan(per_element_));
}

const std::vector<SymmetryFunction>& Acsf::functions(int Z) const {
  static const std::vector<SymmetryFunction> none;
  if (Z < 0 || static_cast<std::size_t>(Z) >= per_element_.size()) return none;
  return per_element_[static_cast<std::size_t>(Z)];
}

std::vector<int> Acsf::elements() const {
  std::vector<int> z;
  for (std::size_t e = 0; e < per_element_.size(); ++e)
    if (!per_element_[e].empty()) z.push_back(static_cast<int>(e));
  return z;
}

std::string Acsf::label(int Z, std::size_t k) const {
  const SymmetryFunction& f = functions(Z).at(k);
  std::ostringstream o;
  o.precision(6);
  if (f.kind == SymmetryFunctionKind::radial) {
    o << "G2 " << element_symbol(f.neighbor1);
  } else {
    o << (f.kind == SymmetryFunctionKind::angular_narrow ? "G4 " : "G5 ") << element_symbol(f.neighbor1) << '-'
      << element_symbol(f.neighbor2) << " zeta=" << f.zeta << " lambda=" << f.lambda;
  }
  o << " eta=" << f.eta << " rs=" << f.rshift << " rc=" << f.rcut;
  return o.str();
}

void Acsf::check_list(const Structure& s, const NeighborList& nl) const {
  if (nl.atoms() != s.size())
    throw InputError("neighbour list has " + std::to_string(nl.atoms()) + " atoms, the structure " +
                     std::to_string(s.size()));
  if (nl.options().cutoff + nl.options().skin < cutoff_)
    throw InputError("neighbour list cutoff " + std::to_string(nl.options().cutoff) +
                     " is smaller than the descriptor cutoff " + std::to_string(cutoff_));
}


namespace {

std::vector<std::size_t> row_offsets(const Acsf& acsf, const Structure& s) {
  std::vector<std::size_t> off(s.size() + 1, 0);
  for (std::size_t i = 0; i < s.size(); ++i) off[i + 1] = off[i] + acsf.size(s.numbers[i]);
  return off;
}

// Coincident atoms make the descriptor undefined. Checked serially before the parallel loops so that the error
// names the first such pair in list order, whatever the number of threads.
void check_coincident(const Acsf& acsf, const Structure& s, const NeighborList& nl) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (acsf.size(s.numbers[i]) == 0) continue;
    for (std::size_t p = nl.begin(i); p < nl.end(i); ++p) {
      const double r = nl.distance(p);
      if (r >= acsf.cutoff()) continue;
      if (!(r > 0.0))
        throw ComputeError("atoms " + std::to_string(i) + " and " + std::to_string(nl.neighbor(p)) +
                           " are on top of each other");
    }
  }
}

// body(workspace, i) for every atom, OpenMP-parallel, one Workspace per thread. Atoms differ in cost (element,
// local density), hence dynamic scheduling; every atom's result is computed by the same code whatever the thread,
// so the schedule never changes a bit. An exception is rethrown after the loop.
template <class Body>
void for_each_atom(std::size_t n, Body&& body) {
  std::exception_ptr error;
#pragma omp parallel
  {
    detail::Workspace ws;
#pragma omp for schedule(dynamic, 4)
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) {
      try {
        body(ws, static_cast<std::size_t>(i));
      } catch (...) {
#pragma omp critical(mlp_acsf_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace

const detail::ElementPlan* Acsf::element_plan(int z) const {
  if (!plan_ || z < 0 || static_cast<std::size_t>(z) >= plan_->elements.size()) return nullptr;
  const detail::ElementPlan& ep = plan_->elements[static_cast<std::size_t>(z)];
  return ep.size == 0 ? nullptr : &ep;
}

AcsfValues Acsf::compute(const Structure& s, const NeighborList& nl) const {
  check_list(s, nl);
  check_coincident(*this, s, nl);
  AcsfValues out;
  out.offsets = row_offsets(*this, s);
  out.data.assign(out.offsets.back(), 0.0);
  for_each_atom(s.size(), [&](detail::Workspace& ws, std::size_t i) {
    const detail::ElementPlan* ep = element_plan(s.numbers[i]);
    if (!ep) return;
    detail::gather_neighbours(*ep, s, nl, i, ws.nb);
    detail::centre_values(*ep, ws, out.row(i));
  });
  return out;
}

AcsfValues Acsf::compute(const Structure& s, const NeighborList& nl, AcsfGradients& gr) const {
  check_list(s, nl);
  check_coincident(*this, s, nl);
  const std::size_t N = s.size();
  AcsfValues out;
  out.offsets = row_offsets(*this, s);
  out.data.assign(out.offsets.back(), 0.0);
  // Entries of centre i: i itself, then every other atom within the cutoff in list order of first appearance
  // (periodic images folded). Counted first, so that every centre writes its own slice of the output in parallel.
  std::vector<std::size_t> entries(N, 0);
  for_each_atom(N, [&](detail::Workspace& ws, std::size_t i) {
    if (out.row_size(i) == 0) return;
    ws.slot.resize(N, -1);
    std::size_t n = 1;
    ws.slot[i] = 0;
    for (std::size_t p = nl.begin(i); p < nl.end(i); ++p) {
      if (!(nl.distance(p) < cutoff_)) continue;
      const auto j = static_cast<std::size_t>(nl.neighbor(p));
      if (ws.slot[j] < 0) {
        ws.slot[j] = 0;
        ++n;
      }
    }
    entries[i] = n;
    ws.slot[i] = -1;
    for (std::size_t p = nl.begin(i); p < nl.end(i); ++p) ws.slot[static_cast<std::size_t>(nl.neighbor(p))] = -1;
  });
  gr = AcsfGradients{};
  gr.entry_offsets.assign(N + 1, 0);
  std::vector<std::size_t> position_base(N + 1, 0);
  for (std::size_t i = 0; i < N; ++i) {
    gr.entry_offsets[i + 1] = gr.entry_offsets[i] + entries[i];
    position_base[i + 1] = position_base[i] + entries[i] * 3 * out.row_size(i);
  }
  gr.atom.resize(gr.entry_offsets[N]);
  gr.data_offsets.resize(gr.entry_offsets[N]);
  gr.position.assign(position_base[N], 0.0);
  gr.strain.assign(out.offsets.back() * 9, 0.0);
  for_each_atom(N, [&](detail::Workspace& ws, std::size_t i) {
    const detail::ElementPlan* ep = element_plan(s.numbers[i]);
    if (!ep) return;
    const std::size_t n = out.row_size(i);
    ws.slot.resize(N, -1);
    const std::size_t e0 = gr.entry_offsets[i];
    std::size_t next = e0;
    auto add_entry = [&](std::size_t atom) {
      ws.slot[atom] = static_cast<long>(next);
      gr.atom[next] = static_cast<int>(atom);
      gr.data_offsets[next] = position_base[i] + (next - e0) * 3 * n;
      ++next;
    };
    add_entry(i);
    for (std::size_t p = nl.begin(i); p < nl.end(i); ++p)
      if (nl.distance(p) < cutoff_ && ws.slot[static_cast<std::size_t>(nl.neighbor(p))] < 0)
        add_entry(static_cast<std::size_t>(nl.neighbor(p)));
    detail::gather_neighbours(*ep, s, nl, i, ws.nb);
    const detail::NeighbourBlock& nb = ws.nb;
    const std::size_t M = nb.count;
    ws.buffer.resize(n * M * 3);
    detail::centre_dense(*ep, ws, out.row(i), ws.buffer.data());
    double* self = gr.position.data() + gr.data_offsets[e0];
    double* strain = gr.strain.data() + out.offsets[i] * 9;
    for (std::size_t m = 0; m < M; ++m) {
      double* block = gr.position.data() + gr.data_offsets[static_cast<std::size_t>(ws.slot[static_cast<std::size_t>(nb.atom[m])])];
      const double d[3] = {nb.x[m], nb.y[m], nb.z[m]};
      for (std::size_t k = 0; k < n; ++k) {
        const double* g = ws.buffer.data() + (k * M + m) * 3;
        for (std::size_t a = 0; a < 3; ++a) {
          block[3 * k + a] += g[a];
          self[3 * k + a] -= g[a];
          for (std::size_t b = 0; b < 3; ++b) strain[9 * k + 3 * a + b] += g[a] * d[b];
        }
      }
    }
    for (std::size_t e = e0; e < next; ++e) ws.slot[static_cast<std::size_t>(gr.atom[e])] = -1;
  });
  return out;
}

void Acsf::accumulate(const Structure& s, const NeighborList& nl, const AcsfValues& dE_dq, Matrix3N& forces,
                      Mat3& virial) const {
  check_list(s, nl);
  if (dE_dq.offsets != row_offsets(*this, s)) throw InputError("dE/dq does not have the layout of the descriptor rows");
  if (static_cast<std::size_t>(forces.rows()) != s.size()) throw InputError("forces must have one row per atom");
  check_coincident(*this, s, nl);
  // Σ_k w_k dq_ik/dd_p for every list pair p of every centre, and per centre its own force and virial terms, computed
  // in parallel; the forces on the neighbours and the sums over the centres are then added serially in list order,
  // so that no floating-point sum depends on the threads.
  // Not value-initialised: every centre with functions writes its own entries below, and those of the other
  // centres are never read (zeroing the whole array first costs as much as a few percent of the kernels).
  const std::unique_ptr<double[]> v(new double[3 * nl.pairs()]);
  const std::unique_ptr<double[]> own(new double[12 * s.size()]);  // per centre: Σ_p v_p, then −Σ_p v_p ⊗ d_p
  for_each_atom(s.size(), [&](detail::Workspace& ws, std::size_t i) {
    const detail::ElementPlan* ep = element_plan(s.numbers[i]);
    if (!ep) return;
    std::fill(v.get() + 3 * nl.begin(i), v.get() + 3 * nl.end(i), 0.0);
    detail::gather_neighbours(*ep, s, nl, i, ws.nb);
    const detail::NeighbourBlock& nb = ws.nb;
    ws.buffer.resize(3 * nb.count);
    detail::centre_weighted(*ep, ws, dE_dq.row(i), ws.buffer.data());
    double* fw = own.get() + 12 * i;
    std::fill(fw, fw + 12, 0.0);
    for (std::size_t m = 0; m < nb.count; ++m) {
      const double* vm = ws.buffer.data() + 3 * m;
      const double d[3] = {nb.x[m], nb.y[m], nb.z[m]};
      for (std::size_t a = 0; a < 3; ++a) {
        v[3 * nb.pair[m] + a] = vm[a];
        fw[a] += vm[a];
        for (std::size_t b = 0; b < 3; ++b) fw[3 + 3 * a + b] -= vm[a] * d[b];
      }
    }
  });
  double w[9] = {};
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!element_plan(s.numbers[i])) continue;
    for (std::size_t p = nl.begin(i); p < nl.end(i); ++p) {
      const double* vp = v.get() + 3 * p;
      const auto j = static_cast<Eigen::Index>(nl.neighbor(p));
      for (int a = 0; a < 3; ++a) forces(j, a) -= vp[a];
    }
    const double* fw = own.get() + 12 * i;
    for (int a = 0; a < 3; ++a) forces(static_cast<Eigen::Index>(i), a) += fw[a];
    for (int k = 0; k < 9; ++k) w[k] += fw[3 + k];
  }
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) virial(a, b) += w[3 * a + b];
}
// ---------------------------------------------------------------------------------------------------------------
// Parameters

namespace {

using nlohmann::json;

int element_of(const json& j, const std::string& where) {
  if (j.is_number_integer()) {
    const int z = j.get<int>();
    if (z < 1 || z > kMaxAtomicNumber) throw InputError("atomic number out of range", "", 0, where);
    return z;
  }
  if (j.is_string()) return element_from_string(j.get<std::string>(), where);
  throw InputError("element must be a symbol or an atomic number", "", 0, where);
}

double number_of(const json& obj, const char* key, double fallback, bool required, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) throw InputError(std::string("missing \"") + key + "\"", "", 0, where);
    return fallback;
  }
  if (!it->is_number()) throw InputError(std::string("\"") + key + "\" must be a number", "", 0, where);
  return it->get<double>();
}

CutoffType cutoff_of(const json& j, const std::string& where) {
  if (j.is_string()) return cutoff_type_from_name(j.get<std::string>());
  if (j.is_number_integer()) {
    const int t = j.get<int>();
    if (t < 0 || t > 8) throw InputError("cutoff type code must be 0..8", "", 0, where);
    return static_cast<CutoffType>(t);
  }
  throw InputError("cutoff must be a name or an n2p2 code", "", 0, where);
}

AcsfPresetOptions preset_options(const json& j, const std::vector<int>& species, CutoffType cutoff) {
  if (!j.is_object()) throw InputError("must be an object", "", 0, "auto");
  static const char* const known[] = {"elements",     "rcut",           "rmin",         "radial",
                                      "shifted",      "angular_eta",    "angular_zeta", "angular_rshift",
                                      "angular_rcut", "cutoff",         "cutoff_alpha"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return it.key() == k; }) ==
        std::end(known))
      throw InputError("unknown key \"" + it.key() + "\"", "", 0, "auto");
  AcsfPresetOptions o;
  o.cutoff = cutoff;
  if (j.contains("elements")) {
    if (!j["elements"].is_array()) throw InputError("must be an array of elements", "", 0, "auto.elements");
    for (const json& e : j["elements"]) o.elements.push_back(element_of(e, "auto.elements"));
  } else {
    o.elements = species;
  }
  if (o.elements.empty())
    throw InputError("the automatic ACSF grid needs its elements (\"elements\" or the species of the data)", "",
                     0, "auto.elements");
  o.rcut = number_of(j, "rcut", o.rcut, false, "auto.rcut");
  o.rmin = number_of(j, "rmin", o.rmin, false, "auto.rmin");
  const double radial = number_of(j, "radial", static_cast<double>(o.radial), false, "auto.radial");
  if (!(radial >= 1 && radial <= 1000 && radial == std::floor(radial)))
    throw InputError("must be an integer between 1 and 1000", "", 0, "auto.radial");
  o.radial = static_cast<std::size_t>(radial);
  if (j.contains("shifted")) {
    if (!j["shifted"].is_boolean()) throw InputError("must be true or false", "", 0, "auto.shifted");
    o.shifted = j["shifted"].get<bool>();
  }
  auto list = [&](const char* key, std::vector<double>& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_array()) throw InputError("must be an array of numbers", "", 0, std::string("auto.") + key);
    out.clear();
    for (const json& v : j[key]) {
      if (!v.is_number()) throw InputError("must be an array of numbers", "", 0, std::string("auto.") + key);
      out.push_back(v.get<double>());
    }
  };
  list("angular_eta", o.angular_eta);
  list("angular_zeta", o.angular_zeta);
  list("angular_rshift", o.angular_rshift);
  o.angular_rcut = number_of(j, "angular_rcut", o.angular_rcut, false, "auto.angular_rcut");
  if (j.contains("cutoff")) o.cutoff = cutoff_of(j["cutoff"], "auto.cutoff");
  o.cutoff_alpha = number_of(j, "cutoff_alpha", o.cutoff_alpha, false, "auto.cutoff_alpha");
  return o;
}

}  // namespace

Acsf Acsf::from_json(const std::string& text, const std::vector<int>& species) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(std::string("ACSF parameters are not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw InputError("ACSF parameters must be a JSON object");
  if (doc.contains("type") && doc["type"] != "acsf") throw InputError("ACSF parameters: \"type\" must be \"acsf\"");
  CutoffType default_cutoff = CutoffType::cos;
  if (doc.contains("cutoff")) default_cutoff = cutoff_of(doc["cutoff"], "cutoff");
  if (doc.contains("auto")) return preset(preset_options(doc["auto"], species, default_cutoff));
  const double default_alpha = number_of(doc, "cutoff_alpha", 0.0, false, "cutoff_alpha");
  if (!doc.contains("functions") || !doc["functions"].is_array())
    throw InputError("ACSF parameters need an array \"functions\"");
  std::vector<SymmetryFunction> fs;
  std::size_t n = 0;
  for (const json& j : doc["functions"]) {
    const std::string where = "functions[" + std::to_string(n++) + "]";
    if (!j.is_object()) throw InputError("must be an object", "", 0, where);
    SymmetryFunction f;
    if (!j.contains("kind")) throw InputError("missing \"kind\"", "", 0, where);
    const json& k = j["kind"];
    if (k == "radial" || k == "G2" || k == 2) f.kind = SymmetryFunctionKind::radial;
    else if (k == "angular_narrow" || k == "G4" || k == 3) f.kind = SymmetryFunctionKind::angular_narrow;
    else if (k == "angular_wide" || k == "G5" || k == 9) f.kind = SymmetryFunctionKind::angular_wide;
    else throw InputError("\"kind\" must be radial (G2, 2), angular_narrow (G4, 3) or angular_wide (G5, 9)", "", 0, where);
    if (!j.contains("center")) throw InputError("missing \"center\"", "", 0, where);
    f.center = element_of(j["center"], where + ".center");
    if (!j.contains("neighbors") || !j["neighbors"].is_array())
      throw InputError("missing array \"neighbors\"", "", 0, where);
    const json& nb = j["neighbors"];
    const std::size_t want = f.kind == SymmetryFunctionKind::radial ? 1 : 2;
    if (nb.size() != want)
      throw InputError("\"neighbors\" must list " + std::to_string(want) + " element(s)", "", 0, where);
    f.neighbor1 = element_of(nb[0], where + ".neighbors");
    f.neighbor2 = want == 2 ? element_of(nb[1], where + ".neighbors") : 0;
    f.eta = number_of(j, "eta", 0.0, true, where);
    f.rshift = number_of(j, "rshift", 0.0, false, where);
    f.rcut = number_of(j, "rcut", 0.0, true, where);
    if (want == 2) {
      f.lambda = number_of(j, "lambda", 0.0, true, where);
      f.zeta = number_of(j, "zeta", 0.0, true, where);
    }
    f.cutoff = j.contains("cutoff") ? cutoff_of(j["cutoff"], where) : default_cutoff;
    f.cutoff_alpha = number_of(j, "cutoff_alpha", default_alpha, false, where);
    fs.push_back(f);
  }
  return Acsf(std::move(fs));
}

std::string Acsf::to_json() const {
  json doc;
  doc["type"] = "acsf";
  doc["units"] = "length as the positions (Å in mlp), eta in 1/length^2";
  json arr = json::array();
  for (const SymmetryFunction& f : all_) {
    json j;
    j["kind"] = kind_name(f.kind);
    j["center"] = element_symbol(f.center);
    if (f.kind == SymmetryFunctionKind::radial) {
      j["neighbors"] = {element_symbol(f.neighbor1)};
    } else {
      j["neighbors"] = {element_symbol(f.neighbor1), element_symbol(f.neighbor2)};
      j["lambda"] = f.lambda;
      j["zeta"] = f.zeta;
    }
    j["eta"] = f.eta;
    j["rshift"] = f.rshift;
    j["rcut"] = f.rcut;
    j["cutoff"] = cutoff_type_name(f.cutoff);
    j["cutoff_alpha"] = f.cutoff_alpha;
    arr.push_back(j);
  }
  doc["functions"] = arr;
  return doc.dump(1);
}

Acsf Acsf::from_n2p2(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::size_t lineno = 0;
  CutoffType cutoff = CutoffType::hard;
  bool have_cutoff = false;
  double alpha = 0.0;
  struct Pending {
    SymmetryFunction f;
    std::size_t line;
  };
  std::vector<Pending> pending;
  auto number = [&](const std::string& s, const char* what) {
    try {
      std::size_t used = 0;
      const double v = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
      return v;
    } catch (const std::exception&) {
      throw InputError(std::string("bad ") + what + " '" + s + "'", "input.nn", lineno);
    }
  };
  auto element = [&](const std::string& s) {
    const int z = atomic_number(s);
    if (z == 0) throw InputError("unknown element '" + s + "'", "input.nn", lineno);
    return z;
  };
  while (std::getline(in, line)) {
    ++lineno;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string t; ls >> t;) w.push_back(t);
    if (w.empty()) continue;
    if (w[0] == "cutoff_type") {
      if (w.size() < 2) throw InputError("cutoff_type needs a type", "input.nn", lineno);
      const double t = number(w[1], "cutoff type");
      if (t < 0 || t > 8 || t != std::floor(t)) throw InputError("unsupported cutoff type " + w[1], "input.nn", lineno);
      cutoff = static_cast<CutoffType>(static_cast<int>(t));
      alpha = w.size() > 2 ? number(w[2], "cutoff alpha") : 0.0;
      have_cutoff = true;
    } else if (w[0] == "symfunction_short" || w[0] == "symfunction") {
      if (w.size() < 3) throw InputError("symmetry function line too short", "input.nn", lineno);
      SymmetryFunction f;
      f.center = element(w[1]);
      const std::string& type = w[2];
      if (type == "2") {
        if (w.size() != 7) throw InputError("type 2 needs: element eta rshift rcutoff", "input.nn", lineno);
        f.kind = SymmetryFunctionKind::radial;
        f.neighbor1 = element(w[3]);
        f.eta = number(w[4], "eta");
        f.rshift = number(w[5], "rshift");
        f.rcut = number(w[6], "rcutoff");
      } else if (type == "3" || type == "9") {
        if (w.size() != 9 && w.size() != 10)
          throw InputError("type " + type + " needs: element element eta lambda zeta rcutoff [rshift]", "input.nn",
                           lineno);
        f.kind = type == "3" ? SymmetryFunctionKind::angular_narrow : SymmetryFunctionKind::angular_wide;
        f.neighbor1 = element(w[3]);
        f.neighbor2 = element(w[4]);
        f.eta = number(w[5], "eta");
        f.lambda = number(w[6], "lambda");
        f.zeta = number(w[7], "zeta");
        f.rcut = number(w[8], "rcutoff");
        f.rshift = w.size() == 10 ? number(w[9], "rshift") : 0.0;  // n2p2: optional trailing shift
      } else {
        throw InputError("n2p2 symmetry function type " + type + " is not supported (only 2, 3, 9)", "input.nn",
                         lineno);
      }
      pending.push_back({f, lineno});
    }
  }
  if (pending.empty()) throw InputError("no symfunction_short lines", "input.nn");
  if (!have_cutoff) throw InputError("no cutoff_type line", "input.nn");
  std::vector<SymmetryFunction> fs;
  for (Pending& p : pending) {
    p.f.cutoff = cutoff;
    p.f.cutoff_alpha = alpha;
    try {
      validate(p.f);
    } catch (const InputError& e) {
      throw InputError(e.message(), "input.nn", p.line);
    }
    fs.push_back(p.f);
  }
  return Acsf(std::move(fs));
}

std::vector<SymmetryFunction> Acsf::n2p2_order(std::vector<SymmetryFunction> fs) {
  const auto key = [](const SymmetryFunction& f) {
    const bool radial = f.kind == SymmetryFunctionKind::radial;
    const int a = radial ? f.neighbor1 : std::min(f.neighbor1, f.neighbor2);
    const int b = radial ? 0 : std::max(f.neighbor1, f.neighbor2);
    return std::make_tuple(static_cast<int>(f.kind), static_cast<int>(f.cutoff), f.cutoff_alpha, f.rcut, f.eta,
                           f.rshift, f.zeta, f.lambda, a, b);
  };
  std::stable_sort(fs.begin(), fs.end(), [&](const SymmetryFunction& x, const SymmetryFunction& y) {
    return key(x) < key(y);
  });
  return fs;
}

Acsf Acsf::preset(const AcsfPresetOptions& o) {
  if (o.elements.empty()) throw InputError("ACSF preset needs at least one element");
  if (o.radial < 1) throw InputError("ACSF preset needs at least one radial function per element");
  if (!(o.rmin > 0.0 && o.rmin < o.rcut)) throw InputError("ACSF preset needs 0 < rmin < rcut");
  if (!(o.angular_rcut >= 0.0 && o.angular_rcut <= o.rcut))
    throw InputError("ACSF preset needs 0 <= angular_rcut <= rcut (0: rcut)", "", 0, "auto.angular_rcut");
  if (o.angular_rshift.empty())
    throw InputError("needs at least one shift (0 for the centred functions)", "", 0, "auto.angular_rshift");
  for (double r : o.angular_rshift)
    if (!(r >= 0.0 && r < o.rcut)) throw InputError("shifts must be in [0, rcut)", "", 0, "auto.angular_rshift");
  const double angular_rcut = o.angular_rcut > 0.0 ? o.angular_rcut : o.rcut;
  std::vector<int> el = o.elements;
  std::sort(el.begin(), el.end());
  el.erase(std::unique(el.begin(), el.end()), el.end());
  std::vector<SymmetryFunction> fs;
  const std::size_t n = o.radial;
  const double span = o.rcut - o.rmin;
  const double step = n > 1 ? span / static_cast<double>(n - 1) : span;
  for (int c : el) {
    for (int e : el) {
      for (std::size_t k = 0; k < n; ++k) {
        SymmetryFunction f;
        f.kind = SymmetryFunctionKind::radial;
        f.center = c;
        f.neighbor1 = e;
        f.rcut = o.rcut;
        f.cutoff = o.cutoff;
        f.cutoff_alpha = o.cutoff_alpha;
        const double grid = o.rmin + step * static_cast<double>(k);
        if (o.shifted) {  // Gaussians centred on the grid, width = spacing
          f.rshift = grid;
          f.eta = 1.0 / (2.0 * step * step);
        } else {  // centred at r = 0, widths on the grid
          f.rshift = 0.0;
          f.eta = 1.0 / (2.0 * grid * grid);
        }
        fs.push_back(f);
      }
    }
    for (std::size_t a = 0; a < el.size(); ++a)
      for (std::size_t b = a; b < el.size(); ++b)
        for (double rshift : o.angular_rshift)
          for (double eta : o.angular_eta)
            for (double zeta : o.angular_zeta)
              for (double lambda : {1.0, -1.0}) {
                SymmetryFunction f;
                f.kind = SymmetryFunctionKind::angular_wide;
                f.center = c;
                f.neighbor1 = el[a];
                f.neighbor2 = el[b];
                f.eta = eta;
                f.rshift = rshift;
                f.zeta = zeta;
                f.lambda = lambda;
                f.rcut = angular_rcut;
                f.cutoff = o.cutoff;
                f.cutoff_alpha = o.cutoff_alpha;
                fs.push_back(f);
              }
  }
  return Acsf(std::move(fs));
}

}  // namespace mlp
