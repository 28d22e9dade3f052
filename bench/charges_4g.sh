#!/usr/bin/env bash
# Learned charges and long-range electrostatics on the two 4G-HDNNP data sets of n2p2 (Ko et al., Nat. Commun. 12,
# 398 (2021); ../shared/data/n2p2_4g): the carbon chains C10H2 / C10H3+ (non-periodic, total charge 0 or +1, the
# classic case of non-local charge transfer) and Au/Al clusters on MgO(001) (periodic slab). For each set, every
# 10th frame is held out as test set; then
#   1. learned charges: electronegativities linear in ACSF rows + charge equilibration, fitted to the Hirshfeld
#      charges (mlp-fit --model-type charges);
#   2. a short-range linear ACSF model fitted to the remainder E − E_charges (mlp-fit --long-range charges.mlp),
#      evaluated as short.mlp+charges.mlp;
#   3. the same short-range model without the long-range term, for comparison.
# Prints test RMSE of energy (meV/atom), forces (meV/Å) and charges (me) and the fit times.
# Usage: bench/charges_4g.sh [build dir]
set -euo pipefail
BIN=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${MLP_SHARED_DATA:-$SRC/../shared/data}/n2p2_4g
[ -f "$DATA/carbon_chain_4G.extxyz" ] || { echo "charges_4g: $DATA absent, skipped" >&2; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# split FILE: every 10th frame (0, 10, 20, ...) to test.xyz, the rest to train.xyz
split() {
  awk -v dir="$work" 'BEGIN { f = -1 }
    state == 0 { n = $1; f++; left = n + 2; out = (f % 10 == 0) ? dir "/test.xyz" : dir "/train.xyz"; state = 1 }
    state == 1 { print > out; if (--left == 0) state = 0; next }' "$1"
}

# rmse TABLE METRIC: RMSE in milli-units of the "all" row
rmse() { awk -F'\t' -v m="$2" '$1 == "all" && $2 == m { printf "%.2f", 1000 * $6; found = 1 } END { if (!found) printf "-" }' "$1"; }

seconds() { awk '{ printf "%.1f", $1 }' "$work/time"; }

echo "# 4G data sets (n2p2): test RMSE, E meV/atom, F meV/Å, Q me (milli-e); fit wall time s ($(nproc) cores)"
printf "%-16s %-28s %8s %8s %8s %7s\n" data model E_RMSE F_RMSE Q_RMSE time_s
for set in carbon_chain AlAuMgO; do
  rm -f "$work/train.xyz" "$work/test.xyz"
  split "$DATA/${set}_4G.extxyz"
  case $set in
    carbon_chain) rc=4.0 ;;
    AlAuMgO) rc=5.0 ;;
  esac
  printf '{"type": "acsf", "auto": {"rcut": %s, "radial": 8, "angular_eta": [0.01, 0.05], "angular_zeta": [1, 4]}}\n' \
    "$rc" > "$work/acsf.json"
  /usr/bin/time -f "%e" -o "$work/time" "$BIN/mlp-fit" -q --model-type charges --params "$work/acsf.json" \
    --charges-key hirshfeld_charges "$work/train.xyz" -o "$work/charges.mlp"
  tq=$(seconds)
  /usr/bin/time -f "%e" -o "$work/time" "$BIN/mlp-fit" -q --model-type linear --params "$work/acsf.json" \
    --lambda auto --valid-fraction 0.1 --long-range "$work/charges.mlp" "$work/train.xyz" -o "$work/short.mlp"
  ts=$(seconds)
  "$BIN/mlp-eval" -q -m "$work/short.mlp+$work/charges.mlp" --charges-key hirshfeld_charges "$work/test.xyz" \
    -o /dev/null --table "$work/lr.tsv"
  printf "%-16s %-28s %8s %8s %8s %7s\n" "$set" "short-range + learned charges" "$(rmse "$work/lr.tsv" energy)" \
    "$(rmse "$work/lr.tsv" force)" "$(rmse "$work/lr.tsv" charge)" "$tq+$ts"
  /usr/bin/time -f "%e" -o "$work/time" "$BIN/mlp-fit" -q --model-type linear --params "$work/acsf.json" \
    --lambda auto --valid-fraction 0.1 "$work/train.xyz" -o "$work/plain.mlp"
  tp=$(seconds)
  "$BIN/mlp-eval" -q -m "$work/plain.mlp" "$work/test.xyz" -o /dev/null --table "$work/sr.tsv"
  printf "%-16s %-28s %8s %8s %8s %7s\n" "$set" "short-range only" "$(rmse "$work/sr.tsv" energy)" \
    "$(rmse "$work/sr.tsv" force)" "-" "$tp"
done
