// evaluate_contributing(): a periodic structure cut into two "ranks", each evaluated as a non-periodic cluster of
// its own (contributing) atoms plus every periodic image within the influence distance (padding), as the KIM
// driver sees it under LAMMPS domain decomposition. Summed over the ranks, with forces on padding atoms added to
// the atoms they are images of, energy, forces and virial (Σ r ⊗ F over the cluster) equal the periodic
// evaluation; per-atom energies and virials of contributing atoms equal the periodic ones.
#include <catch2/catch.hpp>

#include <random>

#include "mlp/model/partial_evaluation.hpp"
#include "mlp/desc/descriptor.hpp"
#include "mlp/model/gap_model.hpp"
#include "mlp/model/linear_model.hpp"
#include "mlp/model/registry.hpp"
#include "mlp/model/sum_model.hpp"
#include "test_support.hpp"

using namespace mlp;
using mlp::test::max_rel_diff;

namespace {
/// A learned-model stand-in: linear in SOAP rows with fixed pseudo-random weights (descriptor many-body terms).
std::unique_ptr<Model> linear_soap_model() {
  std::shared_ptr<const Descriptor> d = make_descriptor(
      R"({"type": "soap", "species": ["Si"], "n_max": 3, "l_max": 2, "r_cut": 3.5, "sigma": 0.5})");
  Eigen::VectorXd w(static_cast<Eigen::Index>(d->size(14)));
  for (Eigen::Index k = 0; k < w.size(); ++k) w[k] = std::sin(1.0 + 0.7 * static_cast<double>(k));
  return std::make_unique<LinearModel>(d, std::map<int, Eigen::VectorXd>{{14, w}}, std::map<int, double>{{14, -0.3}});
}
/// A GAP stand-in: five pseudo-random sparse points on the same SOAP (non-linear in the rows: ζ = 3); with
/// `two_body`, plus a Si-Si two-body term whose cutoff (4 Å) exceeds the SOAP cutoff.
std::unique_ptr<Model> gap_soap_model(bool two_body = false) {
  std::shared_ptr<const Descriptor> d = make_descriptor(
      R"({"type": "soap", "species": ["Si"], "n_max": 3, "l_max": 2, "r_cut": 3.5, "sigma": 0.5})");
  const auto size = static_cast<Eigen::Index>(d->size(14));
  GapSparseSet set;
  set.points.resize(5, size);
  set.alpha.resize(5);
  for (Eigen::Index m = 0; m < 5; ++m) {
    for (Eigen::Index k = 0; k < size; ++k) set.points(m, k) = 1.0 + 0.5 * std::sin(0.3 * static_cast<double>(k + 7 * m));
    set.alpha[m] = 0.2 * std::cos(static_cast<double>(m));
  }
  GapKernel kernel;
  kernel.delta = 0.5;
  kernel.zeta = 3;
  std::shared_ptr<const GapTwoBody> pair_term;
  if (two_body) {
    GapTwoBodyKernel k;
    k.delta = 0.4;
    k.theta = 0.5;
    k.cutoff = 4.0;
    GapPairSparseSet pair;
    pair.points = uniform_sparse_distances(2.0, 4.0, 5);
    pair.alpha = Eigen::VectorXd::LinSpaced(5, 0.5, -0.3);
    pair_term = std::make_shared<const GapTwoBody>(k, std::map<ElementPair, GapPairSparseSet>{{{14, 14}, pair}});
  }
  return std::make_unique<GapModel>(d, kernel, std::map<int, GapSparseSet>{{14, set}}, std::map<int, double>{{14, -0.3}},
                                    Eigen::MatrixXd(), 0.0, pair_term);
}
}  // namespace

TEST_CASE("contributing/padding evaluation reproduces the periodic one under domain decomposition",
          "[model][partial]") {
  const auto spec = GENERATE(as<std::string>{}, "sw", "lj:sigma=2.1,epsilon=0.05", "zbl+sw", "linear-soap", "gap-soap",
                             "gap-soap-2b", "zbl+linear-soap", "linear-soap-inner");
  INFO("model " << spec);
  std::unique_ptr<Model> model;
  if (spec == "linear-soap")
    model = linear_soap_model();
  else if (spec == "gap-soap")
    model = gap_soap_model();
  else if (spec == "gap-soap-2b")
    model = gap_soap_model(true);
  else if (spec == "linear-soap-inner") {  // with an inner cutoff whose range the closest pairs enter
    auto linear = linear_soap_model();
    InnerCutoff inner;
    inner.set(14, 14, {1.8, 2.6});
    static_cast<LinearModel&>(*linear).set_inner_cutoff(inner);
    model = std::move(linear);
  } else if (spec == "zbl+linear-soap")  // a fitted model's composition: ZBL core repulsion plus the learned part
  {
    std::vector<std::unique_ptr<Model>> terms;
    terms.push_back(make_model("zbl"));
    terms.push_back(linear_soap_model());
    model = std::make_unique<SumModel>(std::move(terms));
  }
  else
    model = make_model(spec);
  REQUIRE(model->supports_contributing());
  std::mt19937_64 rng(7);
  const double L = 12.0;
  const Mat3 cell = L * Mat3::Identity();
  const Structure s = test::random_structure(rng, 60, {14}, cell, {true, true, true}, 2.1);
  EvalRequest all;
  all.atom_energies = all.atom_virials = true;
  const EvalResult ref = evaluate(*model, s, all);

  const double reach = 2.0 * model->cutoff();  // influence distance, 2 hops
  REQUIRE(reach < L);
  double energy = 0.0;
  Matrix3N forces = Matrix3N::Zero(static_cast<Eigen::Index>(s.size()), 3);
  Mat3 virial = Mat3::Zero();
  Eigen::VectorXd atom_energy = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(s.size()));
  std::vector<Mat3> atom_virial(s.size(), Mat3::Zero());
  for (int rank = 0; rank < 2; ++rank) {
    // Rank 0 owns x < L/2, rank 1 the rest; the cluster holds the owned atoms first, then padding.
    Structure c;
    std::vector<std::size_t> origin;
    std::vector<std::uint8_t> flags;
    std::vector<Vec3> pos;
    for (std::size_t i = 0; i < s.size(); ++i)
      if ((s.positions(static_cast<Eigen::Index>(i), 0) < L / 2) == (rank == 0)) {
        pos.push_back(s.positions.row(static_cast<Eigen::Index>(i)).transpose());
        origin.push_back(i);
        flags.push_back(1);
      }
    const double lo = rank == 0 ? -reach : L / 2 - reach, hi = rank == 0 ? L / 2 + reach : L + reach;
    for (int a = -1; a <= 1; ++a)
      for (int b = -1; b <= 1; ++b)
        for (int d = -1; d <= 1; ++d)
          for (std::size_t i = 0; i < s.size(); ++i) {
            const Vec3 r = s.positions.row(static_cast<Eigen::Index>(i)).transpose() + L * Vec3(a, b, d);
            const bool owned = a == 0 && b == 0 && d == 0 && (r[0] < L / 2) == (rank == 0);
            if (owned || r[0] < lo || r[0] >= hi || r[1] < -reach || r[1] >= L + reach || r[2] < -reach ||
                r[2] >= L + reach)
              continue;
            pos.push_back(r);
            origin.push_back(i);
            flags.push_back(0);
          }
    c.resize(pos.size());
    for (std::size_t k = 0; k < pos.size(); ++k) {
      c.numbers[k] = 14;
      c.positions.row(static_cast<Eigen::Index>(k)) = pos[k].transpose();
    }
    NeighborList nl;
    const EvalResult r = evaluate_contributing(*model, c, nl, flags, all);
    // Pair and descriptor models get a list without the environments of padding atoms; SW needs them.
    CHECK(nl.centres().empty() == model->uses_padding_neighbors());
    CHECK(model->uses_padding_neighbors() == (spec == "sw" || spec == "zbl+sw"));
    energy += r.energy;
    Mat3 w = Mat3::Zero();
    for (std::size_t k = 0; k < pos.size(); ++k) {
      const Vec3 f = r.forces.row(static_cast<Eigen::Index>(k)).transpose();
      forces.row(static_cast<Eigen::Index>(origin[k])) += f.transpose();
      w += f * pos[k].transpose();
      if (flags[k]) {
        atom_energy[static_cast<Eigen::Index>(origin[k])] = r.atom_energies[static_cast<Eigen::Index>(k)];
        atom_virial[origin[k]] = r.atom_virials[k];
      }
    }
    // LAMMPS's f·r virial over owned + ghost atoms is the model's own virial of E_C.
    CHECK(max_rel_diff(0.5 * (w + w.transpose()), r.virial, 1e-3) < 1e-10);
    virial += r.virial;
  }
  CHECK(std::abs(energy - ref.energy) < 1e-10 * std::abs(ref.energy));
  CHECK(max_rel_diff(forces, ref.forces) < 1e-10);
  CHECK(max_rel_diff(virial, ref.virial) < 1e-10);
  CHECK(max_rel_diff(atom_energy, ref.atom_energies) < 1e-10);
  double dv = 0.0, vmax = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    dv = std::max(dv, (atom_virial[i] - ref.atom_virials[i]).cwiseAbs().maxCoeff());
    vmax = std::max(vmax, ref.atom_virials[i].cwiseAbs().maxCoeff());
  }
  CHECK(dv < 1e-10 * vmax);
}

TEST_CASE("evaluate_contributing refuses mismatched flags", "[model][partial]") {
  const auto model = make_model("sw");
  Structure s;
  s.resize(2);
  s.numbers = {14, 14};
  s.positions << 0, 0, 0, 2.3, 0, 0;
  NeighborList nl;
  CHECK_THROWS(evaluate_contributing(*model, s, nl, std::vector<std::uint8_t>{1}));
  const EvalResult r = evaluate_contributing(*model, s, nl, std::vector<std::uint8_t>{1, 0});
  // A lone pair: half of its energy belongs to the contributing atom, the force on each atom is half.
  const EvalResult full = evaluate(*model, s);
  CHECK(r.energy == Approx(0.5 * full.energy).epsilon(1e-14));
  CHECK(max_rel_diff(r.forces, Matrix3N(0.5 * full.forces)) < 1e-14);
}
