#pragma once
// The evaluation plan of an Acsf (built once by its constructor, shared by copies, never modified) and the
// per-centre kernels that evaluate it. Private to libcore/src/desc.
//
// Per centre element: the neighbour elements that occur in some function get a slot; the neighbours of a centre
// are gathered once, sorted by slot, into flat arrays (NeighbourBlock); every distinct cutoff function is
// evaluated once per neighbour. Functions are grouped as in n2p2: radial ones by (neighbour element, cutoff),
// angular ones by (kind, element pair, cutoff). Inside an angular group the distinct Gaussians (η, r_s) ("terms")
// and the distinct angular factors (λ, ζ) ("powers") are evaluated once per neighbour or per triplet, and each
// function picks one of each.
#include <cstddef>
#include <memory>
#include <vector>

#include "mlp/core/structure.hpp"
#include "mlp/desc/acsf.hpp"
#include "mlp/geom/neighbor_list.hpp"

namespace mlp::detail {

struct RadialFunction {
  std::size_t row;
  double eta, rshift;
  int root = -1;      // as AngularTerm: exp(−η (r − r_s)²) = that function's value to the power n
  int power = 1;
  bool clamp = true;
};

struct RadialGroup {
  int slot = 0;    // neighbour element
  int cutoff = 0;  // index into ElementPlan::cutoffs
  std::vector<RadialFunction> functions;
};

struct AngularTerm {
  double eta, rshift;
  // Gaussians whose η is an integer multiple n of a smaller one's with the same r_s in the group (n2p2 sets often
  // use η = 0.01, 0.03, 0.07, ...): E = E_root^n, a few multiplications instead of an exp. root = −1: own exp.
  int root = -1;
  int power = 1;
  bool clamp = true;  // the exp argument can fall below −708 (see clamp_exp_argument)
};

struct AngularPower {
  double lambda, zeta;
  int integer_zeta;  // ζ when integral and < 64 (powers by repeated squaring), else −1 (std::pow)
};

struct AngularFunction {
  std::size_t row;
  int term, power;
  double prefactor;  // 2^(1−ζ)
};

struct AngularGroup {
  bool narrow = true;          // G4 (r_jk terms and cutoff) or G5
  int slot1 = 0, slot2 = 0;    // slot1 <= slot2
  int cutoff = 0;
  std::vector<AngularTerm> terms;
  std::vector<AngularPower> powers;
  std::vector<AngularFunction> functions;
};

struct ElementPlan {
  std::size_t size = 0;            // row length
  double rmax = 0.0;               // largest cutoff of the element's functions
  std::vector<int> slot_of;        // atomic number → slot, −1 if no function uses that neighbour element
  std::size_t slots = 0;
  std::vector<CutoffFunction> cutoffs;
  std::vector<RadialGroup> radial;
  std::vector<AngularGroup> angular;
};

struct AcsfPlan {
  std::vector<ElementPlan> elements;  // index: atomic number of the centre (size 0: no functions)
};

/// Builds the plan of a validated function list.
AcsfPlan make_plan(const std::vector<std::vector<SymmetryFunction>>& per_element);

/// Neighbours of one centre that some function uses, within the element's rmax, sorted by slot (list order kept
/// inside a slot): vectors, distances, atoms, list pair indices, and every distinct cutoff value/derivative.
struct NeighbourBlock {
  std::size_t count = 0;
  std::vector<std::size_t> slot_begin;  // slots + 1
  std::vector<double> x, y, z, r, inv_r;
  std::vector<int> atom;
  std::vector<std::size_t> pair;
  std::vector<double> fc, dfc;  // [cutoff * capacity + m]
  std::size_t capacity = 0;
  std::vector<std::size_t> cursor;  // scratch of gather_neighbours
};

/// Scratch of one thread: grown on demand, reused for every centre.
struct KernelScratch;
struct ScratchDeleter {
  void operator()(KernelScratch* s) const;
};
struct Workspace {
  NeighbourBlock nb;
  std::unique_ptr<KernelScratch, ScratchDeleter> scratch;
  std::vector<double> buffer;  // the drivers' per-centre output (gradients, force terms)
  std::vector<long> slot;      // the drivers' atom → entry map
  Workspace();
};

void gather_neighbours(const ElementPlan& plan, const Structure& s, const NeighborList& nl, std::size_t i,
                       NeighbourBlock& nb);

/// Row q (size plan.size, overwritten) of the gathered centre.
void centre_values(const ElementPlan& plan, Workspace& ws, double* q);
/// Σ_k w_k dq_k/dd_m for every gathered neighbour m (d_m its vector from the centre): v (3 × count, xyz
/// interleaved) is overwritten.
void centre_weighted(const ElementPlan& plan, Workspace& ws, const double* w, double* v);
/// Row q and the dense derivatives dq_k/dd_m at grad[(k * count + m) * 3 + a] (overwritten).
void centre_dense(const ElementPlan& plan, Workspace& ws, double* q, double* grad);

}  // namespace mlp::detail
