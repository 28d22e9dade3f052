#!/usr/bin/env bash
# SOAP power spectrum on bulk Si diamond, 512 atoms (4×4×4 conventional cells, a = 5.431 Å, displaced ≤ 0.05 Å),
# n_max = 8, l_max = 6, r_cut = 5 Å, σ = 0.5 Å, normalised; one and two OpenMP threads.
# Published anchors (issue 4): featomic ≈ 1.0 ms/atom with gradients (0.41 without), librascal 1.4 ms/atom.
# Goals: <= 0.2 ms/atom with gradients, <= 0.07 without, 2 threads >= 1.8× one thread.
# Usage: bench/soap.sh [build dir]   (default: build)
set -euo pipefail
BIN=${1:-build}
prog="$BIN/bench/bench_soap"
[ -x "$prog" ] || { echo "soap: $prog not built (make bench builds it: cmake -DMLP_BUILD_BENCH=ON)" >&2; exit 1; }
# Passive waiting: with more runnable threads than cores (other jobs), spinning OpenMP threads steal the cores.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
one=$(OMP_NUM_THREADS=1 "$prog" --threads 1 --repeat "${REPEAT:-3}")
two=$(OMP_NUM_THREADS=2 "$prog" --threads 2 --repeat "${REPEAT:-3}")
get() { echo "$1" | sed -n "s/^$2=//p"; }
echo "# SOAP, Si diamond $(get "$one" atoms) atoms, $(get "$one" neighbours_per_atom) neighbours/atom, $(get "$one" features) values/row, n_max 8, l_max 6, r_cut 5 Å ($(uname -m), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
printf "%-42s %12s %12s %10s %14s\n" "what (ms/atom)" "1 thread" "2 threads" "speed-up" "anchor/goal"
row() {
  local a b
  a=$(get "$one" "$2"); b=$(get "$two" "$2")
  awk -v w="$1" -v a="$a" -v b="$b" -v g="$3" 'BEGIN { printf "%-42s %12.4f %12.4f %9.2fx %14s\n", w, a, b, a / b, g }'
}
row "rows only" values_ms "0.41 / 0.07"
row "rows + explicit gradients (pos + strain)" gradients_ms "1.0 / 0.2"
row "forces+virial from dE/dq (accumulate)" accumulate_ms "-"
row "rows + accumulate" values_accumulate_ms "- / 0.2"
row "neighbour list" list_ms "-"
echo "# anchors: featomic 1.0 ms/atom with gradients, 0.41 without; librascal 1.4 ms/atom with gradients."
echo "# setup (radial spline, $(get "$one" spline_intervals) intervals): $(get "$one" setup_ms) ms once per descriptor."
echo "# wall-clock best of 3; the machine's 2 cores are shared with other jobs: the 2-thread speed-up is a lower bound."
