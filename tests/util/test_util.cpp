#include <catch2/catch.hpp>

#include "mlp/util/error.hpp"
#include "mlp/util/svg_plot.hpp"

using namespace mlp;

TEST_CASE("errors carry source, line and field in their message") {
  const InputError e("not a number", "data.xyz", 12, "pos column 2");
  CHECK(std::string(e.what()) == "data.xyz:12: pos column 2: not a number");
  CHECK(e.source() == "data.xyz");
  CHECK(e.line() == 12);
  CHECK(e.field() == "pos column 2");
  CHECK(e.message() == "not a number");
  CHECK(std::string(Error("plain").what()) == "plain");
  CHECK(std::string(IoError("cannot open", "x.xyz").what()) == "x.xyz: cannot open");
}

TEST_CASE("SVG parity figure is self-contained and escapes text") {
  SvgPanel p;
  p.title = "E <&> F";
  p.x_label = "reference (eV)";
  p.y_label = "predicted (eV)";
  p.diagonal = true;
  p.series.push_back({{0, 1, 2}, {0.1, 1.1, 1.9}, "data", "#000000", false});
  const std::string svg = render_svg({p, p});
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("E &lt;&amp;&gt; F") != std::string::npos);
  CHECK(svg.find("<circle") != std::string::npos);
  CHECK(svg.find("href") == std::string::npos);  // nothing external
  // Thinning is stated, never silent.
  SvgPanel big;
  for (int i = 0; i < 1000; ++i) {
    big.series.resize(1);
    big.series[0].x.push_back(i);
    big.series[0].y.push_back(i);
  }
  const std::string thin = render_svg({big}, 100);
  CHECK(thin.find("every 10th point shown") != std::string::npos);
  std::size_t circles = 0;
  for (std::size_t pos = 0; (pos = thin.find("<circle", pos)) != std::string::npos; ++pos) ++circles;
  CHECK(circles == 100);
}
