// ASE conformance: every *.extxyz under ../shared/data (recursively) is read by ExtxyzReader and by
// ase.io.read(f, ':') (ASE 3.22.1, /usr/bin/python3), and the two must agree on every compared frame: species,
// positions, cell, pbc, every info key (order, type, value), every per-atom array (order, type, value), and the
// calculator results ASE builds (energy, forces, stress in Voigt order). Then our writer's output, read back by
// ASE, must give exactly what ASE gives for the original file.
//
// Numbers are compared BIT-EXACT (sign of zero and NaN included), not to a tolerance: both sides convert decimal
// text with a correctly rounded algorithm (ours: exact fast path or std::from_chars; Python: float()), and our
// writer prints the shortest text that reads back to the same double, so any difference is a bug.
//
// Sampling, to keep the test under a minute: files up to 3 MB are compared frame by frame, every frame. Larger
// files (fitsnap_fe, fitsnap_inp, deepmd_water) are still read completely by our reader (every frame parsed and
// checked), but only every k-th frame is compared, k = ceil(size / 2 MB), i.e. ASE reads them with index '::k'.
// The comparison itself is in tests/io/ase_conformance.py; this test writes for each file a JSON-lines dump of
// what our reader produced and our extxyz re-write of the compared frames, and runs the script on all of them.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mlp/core/elements.hpp"
#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace mlp;

namespace {

void json_string(std::ostream& o, const std::string& s) {
  o << '"';
  for (const char c : s) {
    if (c == '"' || c == '\\')
      o << '\\' << c;
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      o << buf;
    } else
      o << c;
  }
  o << '"';
}

void json_real(std::ostream& o, double x) {
  if (std::isnan(x))
    o << "NaN";  // Python's json accepts NaN/Infinity
  else if (std::isinf(x))
    o << (x > 0 ? "Infinity" : "-Infinity");
  else {
    std::string t = format_real(x);
    if (t.find_first_of(".e") == std::string::npos) t += ".0";  // JSON "-0" would read back as integer 0
    o << t;
  }
}

template <class V, class F>
void json_list(std::ostream& o, const V& v, F f) {
  o << '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) o << ',';
    f(v[i]);
  }
  o << ']';
}

void dump_frame(std::ostream& o, const Structure& s) {
  o << "{\"frame\":" << s.frame << ",\"numbers\":";
  json_list(o, s.numbers, [&](int z) { o << z; });
  o << ",\"positions\":";
  std::vector<double> pos(s.positions.data(), s.positions.data() + s.positions.size());
  json_list(o, pos, [&](double x) { json_real(o, x); });
  o << ",\"cell\":";
  std::vector<double> cell;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) cell.push_back(s.cell(r, c));
  json_list(o, cell, [&](double x) { json_real(o, x); });
  o << ",\"pbc\":[" << s.pbc[0] << ',' << s.pbc[1] << ',' << s.pbc[2] << "],\"info\":[";
  bool first = true;
  for (const auto& [key, v] : s.info.items()) {
    if (!first) o << ',';
    first = false;
    o << '[';
    json_string(o, key);
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, bool>) o << ",\"b\"," << (x ? "true" : "false");
          if constexpr (std::is_same_v<T, std::int64_t>) o << ",\"i\"," << x;
          if constexpr (std::is_same_v<T, double>) o << ",\"r\",", json_real(o, x);
          if constexpr (std::is_same_v<T, std::string>) o << ",\"s\",", json_string(o, x);
          if constexpr (std::is_same_v<T, std::vector<bool>>) {
            o << ",\"vb\",[";
            for (std::size_t i = 0; i < x.size(); ++i) o << (i ? "," : "") << (x[i] ? "true" : "false");
            o << ']';
          }
          if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) o << ",\"vi\",", json_list(o, x, [&](std::int64_t y) { o << y; });
          if constexpr (std::is_same_v<T, std::vector<double>>) o << ",\"vr\",", json_list(o, x, [&](double y) { json_real(o, y); });
          if constexpr (std::is_same_v<T, std::vector<std::string>>)
            o << ",\"vs\",", json_list(o, x, [&](const std::string& y) { json_string(o, y); });
        },
        v);
    o << ']';
  }
  o << "],\"arrays\":[";
  first = true;
  for (const auto& [name, a] : s.arrays.items()) {
    if (!first) o << ',';
    first = false;
    o << '[';
    json_string(o, name);
    o << ",\"" << static_cast<char>(a.type) << "\"," << a.width << ',';
    switch (a.type) {
      case ColumnType::Real: json_list(o, a.reals, [&](double y) { json_real(o, y); }); break;
      case ColumnType::Integer: json_list(o, a.integers, [&](std::int64_t y) { o << y; }); break;
      case ColumnType::Logical: json_list(o, a.logicals, [&](std::uint8_t y) { o << (y ? "true" : "false"); }); break;
      case ColumnType::String: json_list(o, a.strings, [&](const std::string& y) { json_string(o, y); }); break;
    }
    o << ']';
  }
  o << "]}\n";
}

std::string python3() {
  const std::string p = MLP_PYTHON3;
  if (p.empty() || p.find("NOTFOUND") != std::string::npos) return "";
  return p;
}

}  // namespace

TEST_CASE("ASE conformance: shared extxyz files and accepted fixtures read like ase.io.read and round-trip through our writer",
          "[io][ase]") {
  const std::string py = python3();
  if (py.empty()) MLP_SKIP("python3 not found");
  if (std::system((py + " -c 'import ase.io' >/dev/null 2>&1").c_str()) != 0) MLP_SKIP("python3-ase is not installed");

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(MLP_FIXTURES) / "io"))
    if (e.is_regular_file() && e.path().extension() == ".xyz") files.push_back(e.path());
  REQUIRE(files.size() >= 10);
  const fs::path data(MLP_SHARED_DATA);
  if (fs::is_directory(data)) {
    for (const auto& e : fs::recursive_directory_iterator(data))
      if (e.is_regular_file() && e.path().extension() == ".extxyz") files.push_back(e.path());
  } else {
    WARN("no shared datasets at " << data << " (a user's clone): only the fixtures are compared with ASE");
  }
  std::sort(files.begin(), files.end());

  const fs::path tmp = fs::temp_directory_path() / ("mlp_ase_conformance_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const fs::path manifest = tmp / "manifest.tsv";
  std::ofstream man(manifest);
  std::size_t total_frames = 0, compared = 0;
  for (std::size_t fi = 0; fi < files.size(); ++fi) {
    const fs::path& f = files[fi];
    const auto size = fs::file_size(f);
    const std::size_t stride = size <= 3'000'000 ? 1 : static_cast<std::size_t>((size + 1'999'999) / 2'000'000);
    const fs::path dump = tmp / (std::to_string(fi) + ".jsonl");
    const fs::path rewrite = tmp / (std::to_string(fi) + ".extxyz");
    std::ofstream d(dump), w(rewrite);
    ExtxyzReader r(f.string());
    Structure s;
    while (r.read(s)) {
      ++total_frames;
      if (s.frame % stride) continue;
      ++compared;
      dump_frame(d, s);
      write_extxyz(w, s);
    }
    CHECK(r.frames_read() > 0);
    man << f.string() << '\t' << dump.string() << '\t' << rewrite.string() << '\t' << stride << '\n';
  }
  man.close();
  const std::string script = std::string(MLP_FIXTURES) + "/../io/ase_conformance.py";
  const std::string cmd = py + " " + script + " " + manifest.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  INFO(out);
  CHECK(status == 0);
  CHECK_THAT(out, Catch::Contains("ALL AGREE"));
  WARN("ASE conformance: " << files.size() << " files, " << total_frames << " frames read by mlp, " << compared
                           << " compared with ASE (details: run this test with -s)");
  fs::remove_all(tmp);
}
