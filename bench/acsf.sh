#!/usr/bin/env bash
# ACSF on the n2p2 water symmetry-function set (27 H / 30 O functions, rc = 12 Bohr) and the 1080-atom water box
# of ../shared/data/n2p2_h2o_rpbe_d3 (frame 0, native Bohr coordinates), with 1 and 2 OpenMP threads.
# Anchor (issue 4): the whole n2p2 energy+force evaluation of that model takes 192.7 µs/atom with n2p2 in LAMMPS
# on this machine class; the goals are "rows + accumulate" (the descriptor part of an energy+force evaluation)
# at least 4× faster than that on one thread (<= 48 µs/atom), and 2 threads >= 1.8× one thread.
# Wall clock is what the goals are about; the process CPU time (all threads) is printed beside it because other
# load on a shared machine inflates it less.
# Usage: bench/acsf.sh [build dir]   (default: build); REPEAT (default 3) evaluations per measurement,
# MEASUREMENTS (default 5) measurements, the best is kept.
set -euo pipefail
BIN=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MLP_SHARED_DATA:-$SRC/../shared/data}/n2p2_h2o_rpbe_d3/potential
prog="$BIN/bench/bench_acsf"
[ -x "$prog" ] || { echo "acsf: $prog not built (make bench builds it: cmake -DMLP_BUILD_BENCH=ON)" >&2; exit 1; }
[ -f "$DATA/input.nn" ] || { echo "acsf: $DATA absent, skipped" >&2; exit 0; }
run() { OMP_NUM_THREADS=$1 "$prog" --data "$DATA" --repeat "${REPEAT:-3}" --measurements "${MEASUREMENTS:-5}"; }
one=$(run 1)
two=$(run 2)
get() { echo "$1" | sed -n "s/^$2=//p"; }
echo "# ACSF, n2p2 H2O RPBE-D3 set, $(get "$one" atoms) atoms, $(get "$one" pairs_per_atom) neighbours/atom within rc ($(uname -m), $(getconf _NPROCESSORS_ONLN) cores)"
printf "%-44s %10s %10s %8s %10s %10s\n" "us/atom" "1 thread" "2 threads" "1/2" "cpu 1 th" "cpu 2 th"
for key in list values gradients accumulate values_accumulate; do
  case $key in
    list) what="neighbour list (rc = 12 Bohr)" ;;
    values) what="descriptor rows only" ;;
    gradients) what="rows + explicit sparse gradients" ;;
    accumulate) what="forces+virial from dE/dq (accumulate)" ;;
    values_accumulate) what="rows + accumulate (descriptor part of E+F)" ;;
  esac
  a=$(get "$one" ${key}_us)
  b=$(get "$two" ${key}_us)
  awk -v w="$what" -v a="$a" -v b="$b" -v ca="$(get "$one" ${key}_cpu_us)" -v cb="$(get "$two" ${key}_cpu_us)" \
    'BEGIN { printf "%-44s %10.2f %10.2f %8.2f %10.2f %10.2f\n", w, a, b, a / b, ca, cb }'
done
t1=$(get "$one" values_accumulate_us)
t2=$(get "$two" values_accumulate_us)
printf "%-44s %10s\n" "n2p2 in LAMMPS, whole E+F (anchor)" "192.7"
awk -v t="$t1" 'BEGIN { printf "%-44s %10.2f  (goal >= 4)\n", "anchor / (rows + accumulate), 1 thread", 192.7 / t }'
awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%-44s %10.2f  (goal >= 1.8)\n", "2-thread speed-up of rows + accumulate", a / b }'
echo "# best of ${MEASUREMENTS:-5} measurements of ${REPEAT:-3} evaluations; other load on a shared machine inflates wall-clock figures."
