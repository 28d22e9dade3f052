#!/usr/bin/env bash
# mlp-check benchmark: the full battery on 100-atom structures with analytic models (goal: < 10 s on one core),
# and the per-frame overhead of the external-program protocol against in-process evaluation.
# Usage: bench/check_battery.sh [build dir]   (default: build)
set -euo pipefail
BIN=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CHECK="$BIN/mlp-check"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMP_NUM_THREADS=1
# 100 atoms on a slightly perturbed 5x5x4 simple-cubic lattice (deterministic), spacing $2 Å, element $1.
lattice() {
  awk -v el="$1" -v a="$2" 'BEGIN { srand(7); print 100;
    printf "Lattice=\"%g 0 0 0 %g 0 0 0 %g\" pbc=\"T T T\"\n", 5*a, 5*a, 4*a;
    for (i = 0; i < 5; i++) for (j = 0; j < 5; j++) for (k = 0; k < 4; k++)
      printf "%s %.6f %.6f %.6f\n", el, (i + 0.1*(rand()-0.5))*a, (j + 0.1*(rand()-0.5))*a, (k + 0.1*(rand()-0.5))*a }'
}
lattice Ar 3.7 > "$TMP/ar100.xyz"
lattice Si 2.7 > "$TMP/si100.xyz"
lattice Cu 2.6 > "$TMP/cu100.xyz"
echo "# mlp-check full battery, 100 atoms, one thread ($(uname -m), $(nproc) cores)"
printf "%-32s %10s %s\n" model seconds exit_status
for case in "lj ar100" "sw si100" "morse cu100" "zbl+lj:epsilon=0.02,sigma=2.1 si100"; do
  set -- $case
  start=$(date +%s.%N)
  status=0
  "$CHECK" --model "$1" -q --threads 1 "$TMP/$2.xyz" || status=$?
  end=$(date +%s.%N)
  printf "%-32s %10.2f %s\n" "$1 ($2)" "$(echo "$end - $start" | bc)" "$status"
done

# Protocol overhead: a trivial external program (awk answering zero energy and forces, i.e. almost no work of its
# own) against the same frames evaluated in process.
cat > "$TMP/zero.awk" <<'AWK'
NF == 0 { next }
state == 0 { n = $1; state = 1; print n; print "energy=0.0 stress=\"0 0 0 0 0 0 0 0 0\" Properties=species:S:1:pos:R:3:forces:R:3"; next }
state == 1 { state = 2; k = 0; next }
state == 2 { print $1, $2, $3, $4, 0, 0, 0; if (++k == n) { state = 0; fflush() } }
AWK
AWK=awk
awk -W version 2>/dev/null | grep -q mawk && AWK="awk -W interactive"  # mawk reads pipes in blocks otherwise
set +e
for atoms in ar100; do
  "$CHECK" --command "$AWK -f $TMP/zero.awk" -v --checks translation,rotation,permutation,conservative,determinism \
    --threads 1 "$TMP/$atoms.xyz" 2> "$TMP/ext.err" || true
  ext=$(grep -o '[0-9.]* ms per frame' "$TMP/ext.err")
  frames=$(grep -o '[0-9]* frames' "$TMP/ext.err")
  start=$(date +%s.%N)
  "$CHECK" --model lj -q --checks translation,rotation,permutation,conservative,determinism --threads 1 \
    "$TMP/$atoms.xyz" || true
  end=$(date +%s.%N)
  inproc=$(echo "($end - $start) * 1000" | bc -l)
  nframes=${frames% frames}
  echo "external protocol, 100 atoms: $frames, $ext round trip with a zero-work program (awk)"
  printf "in-process lj, same checks: %.3f ms per frame (whole run / %s frames)\n" \
    "$(echo "$inproc / $nframes" | bc -l)" "$nframes"
done
