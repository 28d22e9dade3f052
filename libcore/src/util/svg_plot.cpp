#include "mlp/util/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace mlp {

namespace {

constexpr double kPanelW = 420, kPanelH = 380, kLeft = 70, kRight = 20, kTop = 40, kBottom = 55;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

// "Nice" tick positions covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) t.push_back(std::abs(v) < 1e-12 * step ? 0 : v);
  return t;
}

std::string tick_label(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  void pad() {
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) lo -= 0.5, hi += 0.5;
    const double p = 0.04 * (hi - lo);
    lo -= p, hi += p;
  }
};

void render_panel(std::ostringstream& out, const SvgPanel& panel, double x0, std::size_t max_points) {
  Range rx, ry;
  for (const auto& s : panel.series) {
    for (double v : s.x) rx.add(v);
    for (double v : s.y) ry.add(v);
  }
  if (panel.diagonal) {
    rx.add(ry.lo), rx.add(ry.hi);
    ry = rx;
  }
  rx.pad();
  ry.pad();
  const double w = kPanelW - kLeft - kRight, h = kPanelH - kTop - kBottom;
  const double px0 = x0 + kLeft, py0 = kTop;
  const auto X = [&](double v) { return px0 + (v - rx.lo) / (rx.hi - rx.lo) * w; };
  const auto Y = [&](double v) { return py0 + h - (v - ry.lo) / (ry.hi - ry.lo) * h; };

  out << "<g>\n<rect x='" << num(px0) << "' y='" << num(py0) << "' width='" << num(w) << "' height='" << num(h)
      << "' fill='white' stroke='#333'/>\n";
  for (double t : ticks(rx.lo, rx.hi))
    out << "<line x1='" << num(X(t)) << "' y1='" << num(py0 + h) << "' x2='" << num(X(t)) << "' y2='"
        << num(py0 + h + 5) << "' stroke='#333'/><text x='" << num(X(t)) << "' y='" << num(py0 + h + 18)
        << "' text-anchor='middle'>" << tick_label(t) << "</text>\n";
  for (double t : ticks(ry.lo, ry.hi))
    out << "<line x1='" << num(px0 - 5) << "' y1='" << num(Y(t)) << "' x2='" << num(px0) << "' y2='" << num(Y(t))
        << "' stroke='#333'/><text x='" << num(px0 - 8) << "' y='" << num(Y(t) + 4) << "' text-anchor='end'>"
        << tick_label(t) << "</text>\n";
  if (panel.diagonal)
    out << "<line x1='" << num(X(rx.lo)) << "' y1='" << num(Y(rx.lo)) << "' x2='" << num(X(rx.hi)) << "' y2='"
        << num(Y(rx.hi)) << "' stroke='#999' stroke-dasharray='4 3'/>\n";
  std::string note = panel.note;
  double legend_y = py0 + 16;
  for (const auto& s : panel.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    if (s.line) {
      out << "<polyline fill='none' stroke='" << s.color << "' stroke-width='1.2' points='";
      for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) out << num(X(s.x[i])) << ',' << num(Y(s.y[i])) << ' ';
      out << "'/>\n";
    } else {
      const std::size_t stride = n > max_points ? (n + max_points - 1) / max_points : 1;
      if (stride > 1) note += (note.empty() ? "" : "; ") + std::string("every ") + std::to_string(stride) + "th point shown";
      out << "<g fill='" << s.color << "' fill-opacity='0.5'>";
      for (std::size_t i = 0; i < n; i += stride)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
          out << "<circle cx='" << num(X(s.x[i])) << "' cy='" << num(Y(s.y[i])) << "' r='2'/>";
      out << "</g>\n";
    }
    if (!s.label.empty()) {
      out << "<rect x='" << num(px0 + w - 120) << "' y='" << num(legend_y - 9) << "' width='10' height='10' fill='"
          << s.color << "'/><text x='" << num(px0 + w - 105) << "' y='" << num(legend_y) << "'>" << escape(s.label)
          << "</text>\n";
      legend_y += 16;
    }
  }
  out << "<text x='" << num(px0 + w / 2) << "' y='" << num(py0 - 14) << "' text-anchor='middle' font-weight='bold'>"
      << escape(panel.title) << "</text>\n";
  out << "<text x='" << num(px0 + w / 2) << "' y='" << num(py0 + h + 40) << "' text-anchor='middle'>"
      << escape(panel.x_label) << "</text>\n";
  out << "<text transform='translate(" << num(x0 + 16) << ',' << num(py0 + h / 2)
      << ") rotate(-90)' text-anchor='middle'>" << escape(panel.y_label) << "</text>\n";
  if (!note.empty())
    out << "<text x='" << num(px0 + 8) << "' y='" << num(py0 + 16) << "'>" << escape(note) << "</text>\n";
  out << "</g>\n";
}

}  // namespace

std::string render_svg(const std::vector<SvgPanel>& panels, std::size_t max_points) {
  std::ostringstream out;
  const double width = kPanelW * static_cast<double>(std::max<std::size_t>(1, panels.size()));
  out << "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='" << num(width)
      << "' height='" << num(kPanelH) << "' viewBox='0 0 " << num(width) << ' ' << num(kPanelH)
      << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n";
  for (std::size_t i = 0; i < panels.size(); ++i)
    render_panel(out, panels[i], kPanelW * static_cast<double>(i), max_points);
  out << "</svg>\n";
  return out.str();
}

}  // namespace mlp
