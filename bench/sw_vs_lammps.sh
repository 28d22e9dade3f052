#!/usr/bin/env bash
# Stillinger-Weber Si, 8000 atoms (10×10×10 diamond cells, rattled ±0.05 Å with a fixed seed), energy+forces on
# one core: our bench_sw against LAMMPS pair_style sw (Si.sw) on the same structure.
#
# Comparable work on both sides: every evaluation builds the neighbour list from scratch with the bare cutoff
# (LAMMPS: neighbor 0.0 bin, neigh_modify every 1 delay 0 check no, so it reneighbours every step; ours:
# bench_sw rebuilds its list each evaluation, reusing the list's memory as LAMMPS reuses its arrays) and computes
# energy and forces. A second mlp row times mlp::evaluate() with a brand-new list per call (mlp-eval's per-frame
# path: fresh allocations plus input and finiteness checks). LAMMPS runs `run N` with
# fix nve and a tiny timestep (atoms move ~1e-9 Å); its per-step time is the loop time / N, which also holds its
# ghost-atom communication and the integrator (<2 % together, see the Comm/Modify lines of the log).
# Usage: bench/sw_vs_lammps.sh <build-dir> [steps]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: sw_vs_lammps.sh <build-dir> [steps]}" && pwd)
steps=${2:-200}
bench="$build/bench/bench_sw"
lmp=${LMP:-lmp}
pot=${POT:-/usr/share/lammps/potentials/Si.sw}
if [ ! -x "$bench" ]; then echo "sw_vs_lammps: $bench not built (make bench builds it: cmake -DMLP_BUILD_BENCH=ON, needs Google Benchmark)"; exit 0; fi
if ! command -v "$lmp" > /dev/null || [ ! -r "$pot" ]; then echo "sw_vs_lammps: no lmp or $pot, skipped"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
pin=""
command -v taskset > /dev/null && pin="taskset -c 0"

$pin "$bench" --repeat "$steps" --data "$work/si8000.data" > "$work/ours.txt"
cat > "$work/in.sw" << LMP
units           metal
atom_style      atomic
boundary        p p p
atom_modify     map array
read_data       $work/si8000.data
pair_style      sw
pair_coeff      * * $pot Si
neighbor        0.0 bin
neigh_modify    every 1 delay 0 check no
timestep        1.0e-9
fix             1 all nve
thermo_style    custom step pe
thermo_modify   format float %.17g
thermo          $steps
run             10
run             $steps
run             $steps
run             $steps
LMP
$pin "$lmp" -nocite -screen none -log "$work/log.lammps" -in "$work/in.sw"

ours() { sed -n "s/^$1=//p" "$work/ours.txt"; }
# Of the three timed runs (after a 10-step warm-up) the fastest: its loop time and the Pair / Neigh rows of its
# timing breakdown (avg column).
read -r loop pair neigh < <(awk -F'|' '
  /^Loop time/ { split($0, w, " "); run++; t[run] = w[4] }
  /^Pair /     { p[run] = $3 + 0 }
  /^Neigh /    { q[run] = $3 + 0 }
  END { best = 2; for (r = 3; r <= run; r++) if (t[r] < t[best]) best = r; print t[best], p[best], q[best] }' \
  "$work/log.lammps")
e_lmp=$(awk '/^ *Step/{getline; print $2}' "$work/log.lammps" | head -1)
atoms=$(ours atoms)
version=$("$lmp" -h | sed -n 2p | sed 's/Large-scale Atomic\/Molecular Massively Parallel Simulator - //')

awk -v n="$atoms" -v steps="$steps" -v loop="$loop" -v pair="$pair" -v neigh="$neigh" \
    -v tot="$(ours us_per_atom_total)" -v nl="$(ours us_per_atom_neighbor_list)" -v comp="$(ours us_per_atom_compute)" \
    -v ev="$(ours us_per_atom_evaluate)" -v e_ours="$(ours energy)" -v e_lmp="$e_lmp" -v ver="$version" 'BEGIN {
  lt = loop / steps / n * 1e6; lp = pair / steps / n * 1e6; ln = neigh / steps / n * 1e6;
  printf "Stillinger-Weber Si, %d atoms, energy+forces, one core, list rebuilt every evaluation, %d evaluations\n", n, steps
  printf "energy: mlp %.12f eV, LAMMPS %.12f eV (relative difference %.1e)\n", e_ours, e_lmp, (e_ours - e_lmp) / (e_lmp < 0 ? -e_lmp : e_lmp)
  printf "%-28s %14s %14s %8s\n", "us/atom/evaluation", "mlp", "LAMMPS", "ratio"
  printf "%-28s %14.4f %14.4f %8.2f\n", "total", tot, lt, tot / lt
  printf "%-28s %14.4f %14.4f %8.2f\n", "  neighbour list", nl, ln, nl / ln
  printf "%-28s %14.4f %14.4f %8.2f\n", "  force computation", comp, lp, comp / lp
  printf "%-28s %14.4f %14s %8.2f\n", "mlp::evaluate(), new list", ev, "", ev / lt
  printf "LAMMPS %s (Pair and Neigh rows of its timing breakdown); mlp bench_sw; each the best of several rounds\n", ver
}'
