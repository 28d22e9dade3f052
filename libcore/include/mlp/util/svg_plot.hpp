#pragma once
// Minimal self-contained SVG figures (no external fonts, scripts or images): scatter/parity panels and
// line plots laid out side by side. Used for parity plots, learning curves and energy traces.
#include <string>
#include <vector>

namespace mlp {

struct SvgSeries {
  std::vector<double> x, y;
  std::string label;         ///< legend text ("" = no legend entry)
  std::string color = "#1f77b4";
  bool line = false;         ///< polyline through the points instead of markers
};

struct SvgPanel {
  std::string title, x_label, y_label;
  std::vector<SvgSeries> series;
  bool diagonal = false;     ///< draw y = x and use equal ranges on both axes (parity plot)
  std::string note;          ///< text in the upper-left corner (e.g. "RMSE 12.3 meV/atom")
};

/// Render panels in one row. At most `max_points` markers per series are drawn (evenly strided, stated in
/// the note) to keep files small; lines are never thinned.
std::string render_svg(const std::vector<SvgPanel>& panels, std::size_t max_points = 20000);

}  // namespace mlp
