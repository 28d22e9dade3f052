#!/usr/bin/env bash
# GAP fit cost and training error on a small silicon set, beside the QUIP gap_fit reference figure the mlp-fit issue
# quotes (gap_fit, 2b + SOAP n_max 12, l_max 6, 200 sparse points, QUIP's own 17-frame Si test set, this machine
# class: 6.64 s, 520 MB, training RMSE E 0.82 meV/atom, F 0.22 eV/Å). QUIP is not a Debian package and its test set
# is not in ../shared, so ours runs on the 53-frame GAP-18 subset ../shared/data/si_gap18_tiny (same database,
# 3× the frames: diamond, beta-tin, liquid, free atom) with the same model size: SOAP n_max 12, l_max 6, r_cut
# 5 Å, ζ 4, δ 1 eV, 200 CUR sparse points (all distinct environments if fewer), with and without the two-body
# term (20 distances, δ₂ 1 eV, θ 1 Å). Prints wall time, peak RSS (MB = 10^6 bytes, as the reference) and the training RMSE from mlp-fit's table.
# Usage: bench/gap_si_quip.sh [build dir]   (default: build); THREADS=1.
set -euo pipefail
BIN=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MLP_SHARED_DATA:-$SRC/../shared/data}/si_gap18_tiny/Si_tiny_gap18.extxyz
[ -f "$DATA" ] || { echo "gap_si_quip: $DATA absent, skipped" >&2; exit 0; }
THREADS=${THREADS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo '{"type": "soap", "n_max": 12, "l_max": 6, "r_cut": 5.0, "sigma": 0.5, "cutoff_width": 1.0}' > "$work/soap.json"

echo "# GAP on Si (training RMSE: E meV/atom, F eV/Å; $THREADS thread(s), $(nproc) cores, $(uname -m))"
printf "%-44s %8s %8s %8s %8s\n" run time_s MB E_RMSE F_RMSE
printf "%-44s %8s %8s %8s %8s\n" "QUIP gap_fit 2b+SOAP, 17 frames (reference)" 6.64 520 0.82 0.22
for run in "soap:--energy-sigma 0.001" "soap+2b:--two-body --energy-sigma 0.001" \
           "soap+2b:--two-body --energy-sigma 0.0005"; do
  label=${run%%:*} options=${run#*:}
  # shellcheck disable=SC2086  # options is a list
  /usr/bin/time -f "%e %M" -o "$work/time" "$BIN/mlp-fit" --threads "$THREADS" --model-type gap \
    --params "$work/soap.json" --sparse-points 200 $options "$DATA" -o "$work/m.mlp" 2> "$work/log"
  awk -v t="$(cat "$work/time")" -v l="mlp $label, 53 frames, ${options/--energy-sigma /σ_E }" '
    $1 == "all" && NF == 6 { e = $4; f = $5 / 1000 }
    END { split(t, x, " "); printf "%-44s %8.2f %8.0f %8.2f %8.3f\n", l, x[1], x[2] * 1.024 / 1000, e, f }' "$work/log"
done
