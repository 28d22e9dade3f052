#!/usr/bin/env bash
# rMD17 accuracy of GAP fits (../shared/data/rmd17: the 1000 training frames of split 01, tested on the 250 shipped
# test frames): SOAP n_max 8, l_max 6, r_cut 5 Å (preset soap-default), ζ 4, δ 1 eV, CUR sparse points, σ_E
# 0.2 meV/atom, σ_F 10 meV/Å, ZBL baseline. Prints test MAE of energy (meV per molecule) and forces (meV/Å), fit
# time and peak memory beside the published GAP and linear-ACE MAE (MACE paper, Table 1).
# Usage: bench/rmd17_fit.sh [build dir] [molecules...]   (default: build, ethanol aspirin malonaldehyde); SPARSE=800;
# GAP_EXTRA="--two-body" adds options to the fit. MODEL=linear fits the linear model on the same SOAP and σ's
# instead (ridge λ chosen on 10% of the training frames; 'time_s' then includes that choice).
set -euo pipefail
BIN=${1:-build}
shift || true
MOLECULES=${*:-ethanol aspirin malonaldehyde}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MLP_SHARED_DATA:-$SRC/../shared/data}/rmd17
[ -f "$DATA/rmd17_ethanol_train01.extxyz" ] || { echo "rmd17_fit: $DATA absent, skipped" >&2; exit 0; }
SPARSE=${SPARSE:-800}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A GAP=([ethanol]="3.5 18.1" [aspirin]="17.7 44.9" [malonaldehyde]="4.8 26.4")
declare -A ACE=([ethanol]="1.2 7.3" [aspirin]="6.1 17.9" [malonaldehyde]="1.7 11.1")
declare -A ATOMS=([ethanol]=9 [aspirin]=21 [malonaldehyde]=9)

MODEL=${MODEL:-gap}
if [ "$MODEL" = linear ]; then
  FIT_OPTS=(--model-type linear --lambda auto --valid-fraction 0.1 --seed 1)
  echo "# rMD17 test MAE: E meV/molecule, F meV/Å; linear model on SOAP ($(nproc) cores)"
else
  # shellcheck disable=SC2206  # GAP_EXTRA is a list of options
  FIT_OPTS=(--model-type gap --sparse-points "$SPARSE" ${GAP_EXTRA:-})
  echo "# rMD17 test MAE: E meV/molecule, F meV/Å; GAP with $SPARSE sparse points per element ($(nproc) cores)"
fi
printf "%-14s %8s %8s %8s %7s   %-12s %-12s\n" molecule E_MAE F_MAE time_s MiB "GAP(pub)" "ACE(pub)"
for mol in $MOLECULES; do
  /usr/bin/time -f "%e %M" -o "$work/time" "$BIN/mlp-fit" -q --preset soap-default --energy-sigma 0.0002 \
    --force-sigma 0.01 "${FIT_OPTS[@]}" "$DATA/rmd17_${mol}_train01.extxyz" -o "$work/m.mlp"
  "$BIN/mlp-eval" -q -m "$work/m.mlp" "$DATA/rmd17_${mol}_test01.extxyz" -o /dev/null --table "$work/t.tsv"
  awk -F'\t' -v t="$(cat "$work/time")" -v n="${ATOMS[$mol]}" -v m="$mol" -v g="${GAP[$mol]}" -v a="${ACE[$mol]}" '
    $1 == "all" && $2 == "energy" { e = 1000 * n * $5 } $1 == "all" && $2 == "force" { f = 1000 * $5 }
    END { split(t, x, " "); printf "%-14s %8.2f %8.1f %8.0f %7.0f   %-12s %-12s\n", m, e, f, x[1], x[2] / 1024, g, a }' \
    "$work/t.tsv"
done
