#include "mlp/model/error_metrics.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace mlp {

void ErrorStat::add(double error) {
  const double a = std::abs(error);
  ++count;
  sum_abs += a;
  sum_sq += a * a;
  if (a > max_abs) max_abs = a;
}

double ErrorStat::rmse() const { return count ? std::sqrt(sum_sq / static_cast<double>(count)) : 0.0; }

namespace {
void add_to(ErrorGroup& g, std::size_t atoms, std::optional<double> energy_ref, double energy_pred,
            const std::optional<Matrix3N>& forces_ref, const Matrix3N& forces_pred,
            const std::optional<Mat3>& stress_ref, const std::optional<Mat3>& stress_pred) {
  ++g.frames;
  if (energy_ref && atoms > 0) g.energy.add((energy_pred - *energy_ref) / static_cast<double>(atoms));
  if (forces_ref && forces_pred.rows() == forces_ref->rows()) {
    for (Eigen::Index i = 0; i < forces_pred.rows(); ++i) {
      const Vec3 d = (forces_pred.row(i) - forces_ref->row(i)).transpose();
      for (int k = 0; k < 3; ++k) g.force.add(d[k]);
      g.force_vec.add(d.norm());
    }
  }
  if (stress_ref && stress_pred)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) g.stress.add((*stress_pred)(a, b) - (*stress_ref)(a, b));
}

struct MetricRow {
  const char* name;
  const char* unit;
  const ErrorStat ErrorGroup::*stat;
};
constexpr MetricRow kMetrics[] = {
    {"energy", "eV/atom", &ErrorGroup::energy},
    {"force", "eV/A", &ErrorGroup::force},
    {"force_vec", "eV/A", &ErrorGroup::force_vec},
    {"stress", "eV/A^3", &ErrorGroup::stress},
    {"charge", "e", &ErrorGroup::charge},
};
}  // namespace

void ErrorTable::add(const std::string& config_type, std::size_t atoms, std::optional<double> energy_ref,
                     double energy_pred, const std::optional<Matrix3N>& forces_ref, const Matrix3N& forces_pred,
                     const std::optional<Mat3>& stress_ref, const std::optional<Mat3>& stress_pred) {
  add_to(overall_, atoms, energy_ref, energy_pred, forces_ref, forces_pred, stress_ref, stress_pred);
  if (!config_type.empty())
    add_to(groups_[config_type], atoms, energy_ref, energy_pred, forces_ref, forces_pred, stress_ref, stress_pred);
  if (energy_ref && atoms > 0) {
    parity_.energy_ref.push_back(*energy_ref / static_cast<double>(atoms));
    parity_.energy_pred.push_back(energy_pred / static_cast<double>(atoms));
  }
  if (forces_ref && forces_pred.rows() == forces_ref->rows())
    for (Eigen::Index i = 0; i < forces_pred.rows(); ++i)
      for (int k = 0; k < 3; ++k) {
        parity_.force_ref.push_back((*forces_ref)(i, k));
        parity_.force_pred.push_back(forces_pred(i, k));
      }
}

void ErrorTable::add_charges(const std::string& config_type, const std::vector<double>& reference,
                             const Eigen::VectorXd& predicted) {
  if (static_cast<Eigen::Index>(reference.size()) != predicted.size()) return;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double e = predicted(static_cast<Eigen::Index>(i)) - reference[i];
    overall_.charge.add(e);
    if (!config_type.empty()) groups_[config_type].charge.add(e);
  }
}

std::string ErrorTable::tsv() const {
  std::ostringstream out;
  out << "# mlp-eval error table. Each row: group (all frames, or one config_type), metric, unit, number of\n"
         "# values, MAE, RMSE, maximum absolute error. Metrics:\n"
         "#   energy    = (E_pred - E_ref) / N_atoms per frame [eV/atom]\n"
         "#   force     = F_pred - F_ref per Cartesian component [eV/A]\n"
         "#   force_vec = |F_pred - F_ref| per atom (norm of the error vector) [eV/A]\n"
         "#   stress    = sigma_pred - sigma_ref per component of the 3x3 tensor, ASE sign [eV/A^3]\n"
         "#   charge    = q_pred - q_ref per atom (models that compute charges) [e]\n"
         "# MAE = mean |e|, RMSE = sqrt(mean e^2), max = max |e|. Frames lacking a label add no values for it.\n"
         "group\tmetric\tunit\tcount\tmae\trmse\tmax\n";
  out.precision(10);
  const auto rows = [&](const std::string& group, const ErrorGroup& g) {
    for (const MetricRow& m : kMetrics) {
      const ErrorStat& s = g.*(m.stat);
      if (s.count == 0) continue;
      out << group << '\t' << m.name << '\t' << m.unit << '\t' << s.count << '\t' << s.mae() << '\t' << s.rmse()
          << '\t' << s.max_abs << '\n';
    }
  };
  rows("all", overall_);
  for (const auto& [name, g] : groups_) rows(name, g);
  return out.str();
}

std::string ErrorTable::human() const {
  std::ostringstream out;
  char line[256];
  const bool charges = overall_.charge.count > 0;
  std::snprintf(line, sizeof line, "%-24s %7s %14s %14s %14s %14s%s\n", "group", "frames", "E MAE meV/at",
                "E RMSE meV/at", "F RMSE meV/A", "S RMSE meV/A3", charges ? "     Q RMSE me" : "");
  out << line;
  const auto cell = [](const ErrorStat& s) -> std::string {
    if (s.count == 0) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", 1000.0 * s.rmse());
    return b;
  };
  const auto row = [&](const std::string& name, const ErrorGroup& g) {
    char mae[32] = "-";
    if (g.energy.count) std::snprintf(mae, sizeof mae, "%.3f", 1000.0 * g.energy.mae());
    std::snprintf(line, sizeof line, "%-24s %7zu %14s %14s %14s %14s", name.substr(0, 24).c_str(), g.frames, mae,
                  cell(g.energy).c_str(), cell(g.force).c_str(), cell(g.stress).c_str());
    out << line;
    if (charges) {
      std::snprintf(line, sizeof line, " %14s", cell(g.charge).c_str());
      out << line;
    }
    std::snprintf(line, sizeof line, "\n");
    out << line;
  };
  row("all", overall_);
  for (const auto& [name, g] : groups_) row(name, g);
  return out.str();
}

}  // namespace mlp
