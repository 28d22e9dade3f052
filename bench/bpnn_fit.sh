#!/usr/bin/env bash
# BPNN training benchmarks (mlp-fit --model-type bpnn), printed as tables beside the published numbers.
# (a) Cu2S (../shared/data/n2p2_cu2s_pbe, 144-atom cells): train on the 20 frames of n2p2's nnp-train example with
#     10% of them held out at random for validation (n2p2's own protocol), test on the other 20 frames (an
#     independent set; note that they come from hotter MD: force RMS 0.43 eV/Å against 0.16 eV/Å in training).
#     Reference: n2p2's example run (Kalman filter, 10 epochs, 179 symmetry functions) took 137 s on this machine
#     class: RMSE 0.214 meV/atom, 36.8 meV/Å (train) and 0.275 meV/atom, 44.4 meV/Å (its held-out frames).
#     Prints the learning curve (RMSE against wall time) and the final errors.
# (b) rMD17 ethanol and aspirin (../shared/data/rmd17): 1000 training frames of split 01 (50 of them held out for
#     keeping the best parameters), tested on the 250 shipped test frames: MAE energy (meV/molecule), forces (meV/Å),
#     fit time, beside published ANI (MACE paper, Table 1). These fits are short (minutes), far from converged.
#     With N2P2_SRC=<built n2p2 checkout> n2p2's example is run in the same command and its model is tested on the
#     independent frames too (N2P2_RANKS MPI ranks, default THREADS).
#     MODELS_DIR=<dir> keeps the fitted models there (<mol>.mlp, cu2s.mlp), e.g. to continue a fit with
#     RMD17_OPTS="... --init-model <dir>/ethanol.mlp" (a warm start; give the next run another MODELS_DIR).
# Usage: bench/bpnn_fit.sh [build dir] [cu2s] [rmd17]   (default: build, both). THREADS=2 by default.
set -euo pipefail
BIN=${1:-build}
shift || true
PARTS=${*:-cu2s rmd17}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${MLP_SHARED_DATA:-$SRC/../shared/data}
THREADS=${THREADS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copy a fitted model to MODELS_DIR, if set.
keep() { if [ -n "${MODELS_DIR:-}" ]; then mkdir -p "$MODELS_DIR" && cp "$1" "$MODELS_DIR/"; fi; }

# Rows of a --log TSV at about `n` evenly spaced epochs (and the last): time, train and valid RMSE.
curve() {
  awk -F'\t' -v n="$2" 'NR > 1 { row[++k] = $0 } END {
    step = k / n; if (step < 1) step = 1
    printf "%6s %-6s %8s %12s %12s %12s %12s\n", "epoch", "phase", "time_s", "trainE", "trainF", "validE", "validF"
    for (i = step; i <= k + 0.001; i += step) { split(row[int(i + 0.5)], r, "\t")
      printf "%6d %-6s %8.1f %12.3f %12.1f %12.3f %12.1f\n", r[2], r[3], r[4], 1000*r[13], 1000*r[14], 1000*r[15], 1000*r[16] }
    if (int(i - step + 0.5) != k) { split(row[k], r, "\t")
      printf "%6d %-6s %8.1f %12.3f %12.1f %12.3f %12.1f\n", r[2], r[3], r[4], 1000*r[13], 1000*r[14], 1000*r[15], 1000*r[16] } }' "$1"
}
# "all" energy and force of an mlp-eval --table: MAE/RMSE columns 5/6 (eV/atom, eV/Å).
errors() { awk -F'\t' '$1 == "all" && $2 == "energy" { e = $'"$2"' } $1 == "all" && $2 == "force" { f = $'"$2"' }
  END { printf "%.3f %.1f", 1000 * e, 1000 * f }' "$1"; }
# One measured row of the Cu2S table: name, time s, train E F, held-out E F, independent E F (meV/atom, meV/Å).
cu2s_row() { printf "%-26s %10.1f %10.3f %12.1f %12.3f %12.1f %6.3f/%.1f\n" "$@"; }

# n2p2's own Cu2S example (nnp-train, Kalman filter, 10 epochs) in the same command, and its final model evaluated on
# the independent frames through mlp-eval's n2p2 import (which matches nnp-dataset to its printed digits).
# $1: a built n2p2 checkout (bin/nnp-train, examples/nnp-train/Cu2S_PBE); N2P2_RANKS MPI ranks (default THREADS).
n2p2_cu2s() {
  local ex=$1/examples/nnp-train/Cu2S_PBE nt=$1/bin/nnp-train dir=$work/n2p2 ranks=${N2P2_RANKS:-$THREADS}
  if [ ! -x "$nt" ] || [ ! -f "$ex/input.nn" ]; then
    echo "bpnn_fit: $nt or $ex/input.nn absent, n2p2 run skipped" >&2
    return
  fi
  mkdir -p "$dir/pot"
  cp "$ex/input.nn" "$ex/scaling.data" "$ex/input.data" "$dir/"
  local start n2_s epochs w z tE tF vE vF xE xF
  start=$(date +%s.%N)
  (cd "$dir"
   if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
   mpirun -np "$ranks" "$nt" > nnp-train.out)
  n2_s=$(echo "$(date +%s.%N) - $start" | bc)
  epochs=$(awk '$1 == "epochs" { print $2 }' "$dir/input.nn")
  cp "$dir/input.nn" "$dir/scaling.data" "$dir/pot/"
  for w in "$dir"/weights.*."$(printf %06d "$epochs")".out; do
    z=$(basename "$w" | cut -d. -f2)
    cp "$w" "$dir/pot/weights.$z.data"
  done
  "$BIN/mlp-eval" -q -m "n2p2:dir=$dir/pot,length=angstrom,energy=ev" "$work/cu2s_test.xyz" -o /dev/null \
    --table "$work/n2p2-test.tsv"
  read -r xE xF <<<"$(errors "$work/n2p2-test.tsv" 6)"
  # learning-curve.out, physical units: 2/3 RMSE E per atom train/test (eV/atom), 10/11 RMSE F train/test (eV/Å).
  read -r tE tF vE vF <<<"$(awk '!/^#/ { l = $0 } END { split(l, c, " ")
    printf "%f %f %f %f", 1000*c[2], 1000*c[10], 1000*c[3], 1000*c[11] }' "$dir/learning-curve.out")"
  cu2s_row "n2p2 here, $ranks MPI rank(s)" "$n2_s" "$tE" "$tF" "$vE" "$vF" "$xE" "$xF"
  echo "#     (n2p2 holds out its own random ~10%, not the same frames as ours; its time includes its symmetry functions)"
}

if [[ " $PARTS " == *" cu2s "* ]]; then
  CU2S=$SHARED/n2p2_cu2s_pbe/cu2s_pbe_144atoms.extxyz
  if [ -f "$CU2S" ]; then
    awk -v dir="$work" 'NF == 1 && !inframe { n = $1; inframe = n + 2; buf = "" }
      inframe { buf = buf $0 "\n"; if (--inframe == 0) { f = (buf ~ /nnp-train/) ? "train" : "test"; printf "%s", buf > (dir "/cu2s_" f ".xyz") } }' "$CU2S"
    OPTS=${CU2S_OPTS:---preset acsf-default --layers 25,25 --optimizer lbfgs --lbfgs-iterations 450 --energy-sigma 0.0002 --force-sigma 0.05}
    echo "# (a) Cu2S: $(grep -c Lattice "$work/cu2s_train.xyz") nnp-train frames (10% held out, seed 1), $(grep -c Lattice "$work/cu2s_test.xyz") independent test frames; $(nproc) cores, --threads $THREADS"
    echo "#     mlp-fit --model-type bpnn $OPTS"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$BIN/mlp-fit" -q --model-type bpnn $OPTS --valid-fraction 0.1 --seed 1 --threads "$THREADS" \
      --log "$work/cu2s.tsv" "$work/cu2s_train.xyz" -o "$work/cu2s.mlp"
    fit_s=$(echo "$(date +%s.%N) - $start" | bc)
    keep "$work/cu2s.mlp"
    "$BIN/mlp-eval" -q -m "$work/cu2s.mlp" "$work/cu2s_test.xyz" -o /dev/null --table "$work/test.tsv"
    echo "## learning curve (RMSE: E meV/atom, F meV/Å; valid = the 2 held-out nnp-train frames)"
    curve "$work/cu2s.tsv" 12
    best=$(awk -F'\t' 'NR > 1 && $17 == 1 { b = $0 } END { split(b, r, "\t"); printf "%.3f %.1f %.3f %.1f %d", 1000*r[13], 1000*r[14], 1000*r[15], 1000*r[16], r[2] }' "$work/cu2s.tsv")
    read -r tE tF vE vF be <<<"$best"
    read -r xE xF <<<"$(errors "$work/test.tsv" 6)"
    echo "## final (RMSE; kept epoch $be)"
    printf "%-26s %10s %10s %12s %12s %12s %12s\n" "" time_s "train E" "train F" "held-out E" "held-out F" "indep. test"
    cu2s_row "mlp bpnn" "$fit_s" "$tE" "$tF" "$vE" "$vF" "$xE" "$xF"
    printf "%-26s %10.1f %10.3f %12.1f %12.3f %12.1f %12s\n" "n2p2 (issue's figures)" 137 0.214 36.8 0.275 44.4 "-"
    if [ -n "${N2P2_SRC:-}" ]; then n2p2_cu2s "$N2P2_SRC"; fi
  else
    echo "bpnn_fit: $CU2S absent, Cu2S skipped" >&2
  fi
fi

if [[ " $PARTS " == *" rmd17 "* ]]; then
  DATA=$SHARED/rmd17
  if [ -f "$DATA/rmd17_ethanol_train01.extxyz" ]; then
    OPTS=${RMD17_OPTS:---preset acsf-ani --input-sd-floor 0.01 --layers 32,32 --optimizer lbfgs --lbfgs-iterations 1500 --energy-sigma 0.0005 --force-sigma 0.05}
    declare -A ANI=([ethanol]="2.5 13.4" [aspirin]="16.6 40.6")
    declare -A ATOMS=([ethanol]=9 [aspirin]=21)
    echo "# (b) rMD17 test MAE (E meV/molecule, F meV/Å), 950 training + 50 validation frames of split 01, 250 test frames"
    echo "#     mlp-fit --model-type bpnn $OPTS"
    printf "%-10s %8s %8s %8s %8s %8s   %-12s\n" molecule E_MAE F_MAE E_RMSE F_RMSE time_s "ANI(pub) MAE"
    mols=${RMD17_MOLECULES:-ethanol aspirin}
    for mol in $mols; do
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$BIN/mlp-fit" -q --model-type bpnn $OPTS --valid-fraction 0.05 --seed 1 --threads "$THREADS" \
        --log "$work/$mol.tsv" "$DATA/rmd17_${mol}_train01.extxyz" -o "$work/$mol.mlp"
      fit_s=$(echo "$(date +%s.%N) - $start" | bc)
      keep "$work/$mol.mlp"
      "$BIN/mlp-eval" -q -m "$work/$mol.mlp" "$DATA/rmd17_${mol}_test01.extxyz" -o /dev/null --table "$work/$mol-test.tsv"
      read -r e f <<<"$(errors "$work/$mol-test.tsv" 5)"
      read -r re rf <<<"$(errors "$work/$mol-test.tsv" 6)"
      awk -v m="$mol" -v e="$e" -v f="$f" -v re="$re" -v rf="$rf" -v n="${ATOMS[$mol]}" -v t="$fit_s" -v a="${ANI[$mol]}" \
        'BEGIN { printf "%-10s %8.2f %8.1f %8.2f %8.1f %8.0f   %-12s\n", m, e * n, f, re * n, rf, t, a }'
    done
    for mol in $mols; do
      echo "## $mol learning curve (RMSE: E meV/atom, F meV/Å; valid = the 50 held-out training frames)"
      curve "$work/$mol.tsv" 8
    done
  else
    echo "bpnn_fit: $DATA absent, rMD17 skipped" >&2
  fi
fi
