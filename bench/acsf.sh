#!/usr/bin/env bash
# ACSF with gradients on the n2p2 water symmetry-function set (27 H / 30 O functions, rc = 12 Bohr) and the
# 1080-atom water box of ../shared/data/n2p2_h2o_rpbe_d3 (frame 0, native Bohr coordinates), one thread.
# Anchor (issue 4): the whole n2p2 energy+force evaluation of that model takes 192.7 µs/atom with n2p2 in LAMMPS
# on this machine class; the goal is at least 4× faster for the descriptor with gradients (<= 48 µs/atom).
# Usage: bench/acsf.sh [build dir]   (default: build)
set -euo pipefail
BIN=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MLP_SHARED_DATA:-$SRC/../shared/data}/n2p2_h2o_rpbe_d3/potential
prog="$BIN/bench/bench_acsf"
[ -x "$prog" ] || { echo "acsf: $prog not built" >&2; exit 1; }
[ -f "$DATA/input.nn" ] || { echo "acsf: $DATA absent, skipped" >&2; exit 0; }
export OMP_NUM_THREADS=1
out=$("$prog" --data "$DATA" --repeat "${REPEAT:-3}")
get() { echo "$out" | sed -n "s/^$1=//p"; }
echo "# ACSF, n2p2 H2O RPBE-D3 set, $(get atoms) atoms, $(get pairs_per_atom) neighbours/atom within rc, one thread ($(uname -m), $(nproc) cores)"
printf "%-44s %12s\n" "what" "us/atom"
printf "%-44s %12s\n" "neighbour list (rc = 12 Bohr)" "$(get list_us)"
printf "%-44s %12s\n" "descriptor rows only" "$(get values_us)"
printf "%-44s %12s\n" "rows + explicit sparse gradients" "$(get gradients_us)"
printf "%-44s %12s\n" "forces+virial from dE/dq (accumulate)" "$(get accumulate_us)"
printf "%-44s %12s\n" "rows + accumulate (descriptor part of E+F)" "$(get values_accumulate_us)"
printf "%-44s %12s\n" "n2p2 in LAMMPS, whole E+F (anchor)" "192.7"
awk -v t="$(get values_accumulate_us)" 'BEGIN { printf "%-44s %12.2f  (goal >= 4)\n", "anchor / (rows + accumulate)", 192.7 / t }'
echo "# wall-clock best of 3 measurements; on a shared machine other load inflates these figures."
