#!/usr/bin/env bash
# Energy + forces of the n2p2 water potential (../shared/data/n2p2_h2o_rpbe_d3/potential, Bohr/Hartree) imported
# into mlp's BpnnModel, on one core (OMP_NUM_THREADS=1), side by side with n2p2's own timing from that
# directory's README (process CPU time of Prediction::predict(), minimum over repeats, same machine class):
# 2180 µs/atom on the 1080-atom nnp-predict example (frame 0) and 2570 µs/atom on the 1296-atom 3×3×3 supercell
# sc333_f01 (frame 21). Both sides include neighbour list, symmetry functions, networks and forces; startup and
# file reading are excluded. Goal (issue 10): at least 4× faster per atom. The small boxes liquid_00 (192 atoms,
# n2p2 212 µs/atom) and liquid_01 (48 atoms, 236 µs/atom) are printed too: n2p2's per-atom cost grows with the
# system (O(N²) periodic neighbour list, SF-derivative memory), so they are the harder comparison.
# Usage: bench/bpnn_n2p2.sh [build dir]   (default: build); REPEAT (default 3) evaluations per measurement,
# MEASUREMENTS (default 3) measurements, the best CPU time is kept.
set -euo pipefail
BIN=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MLP_SHARED_DATA:-$SRC/../shared/data}/n2p2_h2o_rpbe_d3/potential
prog="$BIN/bench/bench_bpnn_n2p2"
[ -x "$prog" ] || { echo "bpnn_n2p2: $prog not built (make bench builds it: cmake -DMLP_BUILD_BENCH=ON)" >&2; exit 1; }
[ -f "$DATA/input.nn" ] || { echo "bpnn_n2p2: $DATA absent, skipped" >&2; exit 0; }
out=$(OMP_NUM_THREADS=1 "$prog" --data "$DATA" --repeat "${REPEAT:-3}" --measurements "${MEASUREMENTS:-3}")
get() { echo "$out" | sed -n "s/^$1=//p"; }
echo "# n2p2 H2O RPBE-D3 potential, energy+forces, 1 thread, CPU time per atom ($(uname -m), $(getconf _NPROCESSORS_ONLN) cores, $(date -u +%F))"
printf "%-28s %6s %12s %12s %10s %14s %12s\n" "structure" "atoms" "n2p2 us/at" "mlp us/at" "n2p2/mlp" "of which list" "max dF eV/A"
for f in 0 21 1 2; do
  case $f in
    0) what="n2p2 example (frame 0)"; ref=2180 ;;
    21) what="liquid_01 3x3x3 (frame 21)"; ref=2570 ;;
    1) what="liquid_00 (frame 1)"; ref=212 ;;
    2) what="liquid_01 (frame 2)"; ref=236 ;;
  esac
  awk -v w="$what" -v n="$(get atoms_$f)" -v r="$ref" -v t="$(get cpu_us_$f)" -v l="$(get list_cpu_us_$f)" -v e="$(get max_force_error_$f)" \
    'BEGIN { printf "%-28s %6d %12.0f %12.1f %10.1f %14.1f %12s\n", w, n, r, t, r / t, l, e }'
done
echo "# goal: n2p2/mlp >= 4. n2p2 figures: README of the data directory (not rerun here). Best of ${MEASUREMENTS:-3} x ${REPEAT:-3} evaluations (x10 for the small boxes)."
