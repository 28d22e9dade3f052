// .npy export: the streaming row writer and whole-array writer, read back by xtensor's loader and, when present,
// by numpy itself; atomic output (nothing at the path before commit).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>
#include <xtensor/xarray.hpp>
#include <xtensor/xnpy.hpp>

#include "mlp/io/npy.hpp"
#include "mlp/util/error.hpp"
#include "test_support.hpp"

using namespace mlp;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("mlp_npy_" + std::to_string(::getpid()) + "_" + name)) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::size_t entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {})); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Output of a shell command, "" if it failed.
std::string run(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return "";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  return ::pclose(p) == 0 ? out : "";
}

bool numpy_available() {
  const std::string python = MLP_PYTHON3;
  return !python.empty() && run(python + " -c \"import numpy\" 2>/dev/null && echo ok") == "ok\n";
}

}  // namespace

TEST_CASE("npy: header is padded to 64 bytes and describes the shape", "[npy]") {
  const std::string h = npy_header(NpyType::float64, {12, 3});
  CHECK(h.size() == kNpyHeaderBytes);
  CHECK(h.size() % 64 == 0);
  CHECK(h.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(static_cast<unsigned char>(h[8]) + 256 * static_cast<unsigned char>(h[9]) == kNpyHeaderBytes - 10);
  CHECK(h.find("{'descr': '<f8', 'fortran_order': False, 'shape': (12, 3), }") == 10);
  CHECK(h.back() == '\n');
  CHECK(npy_header(NpyType::int64, {5}).find("'<i8'") != std::string::npos);
  CHECK(npy_header(NpyType::int64, {5}).find("(5,)") != std::string::npos);
  // The widest shape of a matrix still fits.
  CHECK(npy_header(NpyType::float64, {~std::uint64_t{0}, ~std::uint64_t{0}}).size() == kNpyHeaderBytes);
}

TEST_CASE("npy: streamed rows read back exactly with xt::load_npy and numpy", "[npy]") {
  TempDir dir("rows");
  const std::string path = dir.file("x.npy");
  std::mt19937_64 rng(7);
  std::normal_distribution<double> gauss(0.0, 10.0);
  const std::size_t rows = 37, cols = 5;
  std::vector<double> all;
  {
    NpyWriter w(path, cols);
    for (std::size_t i = 0; i < rows; ++i) {
      std::vector<double> row(cols);
      for (double& x : row) x = gauss(rng);
      all.insert(all.end(), row.begin(), row.end());
      w.append(row);
    }
    CHECK(w.rows() == rows);
    CHECK_FALSE(fs::exists(path));  // nothing at the path until commit
    w.commit();
    CHECK_THROWS_AS(w.append(all.data()), std::logic_error);
  }
  CHECK(dir.entries() == 1);  // no temporary left
  const std::string bytes = slurp(path);
  CHECK(bytes.size() == kNpyHeaderBytes + rows * cols * 8);

  const xt::xarray<double> a = xt::load_npy<double>(path);
  REQUIRE(a.dimension() == 2);
  CHECK(a.shape()[0] == rows);
  CHECK(a.shape()[1] == cols);
  double sum = 0.0;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t k = 0; k < cols; ++k) {
      CHECK(a(i, k) == all[i * cols + k]);
      sum += all[i * cols + k];
    }

  if (!numpy_available()) MLP_SKIP("python3 with numpy not found: numpy.load not checked");
  const std::string out = run(std::string(MLP_PYTHON3) + " -c \"import numpy; a=numpy.load('" + path +
                              "'); print(a.shape, a.dtype, repr(float(a.sum())), repr(float(a[3,2])))\"");
  INFO("numpy printed: " << out);
  REQUIRE(out.rfind("(37, 5) float64 ", 0) == 0);
  std::istringstream parse(out.substr(16));
  std::string numpy_sum, numpy_element;
  parse >> numpy_sum >> numpy_element;
  CHECK(std::stod(numpy_sum) == Approx(sum).epsilon(1e-12));  // numpy sums pairwise: agreement to rounding
  CHECK(std::stod(numpy_element) == all[3 * cols + 2]);          // repr is the shortest exact form
}

TEST_CASE("npy: zero rows and whole arrays", "[npy]") {
  TempDir dir("whole");
  {
    NpyWriter w(dir.file("empty.npy"), 4);
    w.commit();
  }
  CHECK(slurp(dir.file("empty.npy")) == npy_header(NpyType::float64, {0, 4}));

  const std::vector<std::int64_t> index = {0, 0, 0, 1, 1, 0, 1, 1, -5, 1'000'000'000'000};
  write_npy(dir.file("index.npy"), index, {5, 2});
  const xt::xarray<std::int64_t> ia = xt::load_npy<std::int64_t>(dir.file("index.npy"));
  REQUIRE(ia.dimension() == 2);
  CHECK(ia.shape()[0] == 5);
  CHECK(ia(4, 0) == -5);
  CHECK(ia(4, 1) == 1'000'000'000'000);

  const std::vector<double> v = {0.5, -1.25, 3e-310};
  write_npy(dir.file("v.npy"), v, {3});
  const xt::xarray<double> va = xt::load_npy<double>(dir.file("v.npy"));
  REQUIRE(va.dimension() == 1);
  CHECK(va(2) == 3e-310);

  CHECK_THROWS_AS(write_npy(dir.file("bad.npy"), v, {2, 2}), InputError);
  CHECK_FALSE(fs::exists(dir.file("bad.npy")));
  CHECK(dir.entries() == 3);

  if (!numpy_available()) MLP_SKIP("python3 with numpy not found: numpy.load not checked");
  CHECK(run(std::string(MLP_PYTHON3) + " -c \"import numpy; a=numpy.load('" + dir.file("index.npy") +
            "'); print(a.shape, a.dtype, a[4,1])\"") == "(5, 2) int64 1000000000000\n");
}

TEST_CASE("npy: abandoned or wrong rows leave nothing behind", "[npy]") {
  TempDir dir("abandon");
  const std::string path = dir.file("x.npy");
  {
    NpyWriter w(path, 3);
    w.append(std::vector<double>{1, 2, 3});
    try {
      w.append(std::vector<double>{1, 2});
      FAIL("no error for a short row");
    } catch (const InputError& e) {
      CHECK(e.source() == path);
    }
  }  // destroyed without commit
  CHECK(dir.entries() == 0);
  CHECK_THROWS_AS(NpyWriter(dir.file("missing/dir/x.npy"), 3), IoError);
}
