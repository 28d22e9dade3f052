#!/usr/bin/env bash
# Learned charges end to end: reference charges made by a charge-equilibration model (qeq) on random NaCl
# clusters, fitted with mlp-fit --model-type charges (electronegativities linear in ACSF rows, the same hardness),
# read back by mlp-eval (charge errors in the table), and a short-range model fitted on top with --long-range.
source "$(dirname "$0")/common.sh"
FIT="$MLP_BIN/mlp-fit"
EVAL="$MLP_BIN/mlp-eval"
[ -x "$FIT" ] || { echo "mlp-fit not built"; exit 77; }
QEQ="qeq:chi_Na=-2.0,J_Na=8.0,qmax_Na=3,chi_Cl=3.0,J_Cl=8.0,qmax_Cl=3,sigma=1.0"

# 30 random clusters of 6-9 atoms (no two closer than 2.2 Å), some charged, labelled by zbl+lj+qeq.
awk 'BEGIN { srand(11)
  for (f = 0; f < 30; f++) {
    n = 6 + f % 4; k = 0
    while (k < n) {
      x = 7 * rand(); y = 7 * rand(); z = 7 * rand(); ok = 1
      for (j = 0; j < k; j++) if ((x - X[j])^2 + (y - Y[j])^2 + (z - Z[j])^2 < 2.2^2) ok = 0
      if (ok) { X[k] = x; Y[k] = y; Z[k] = z; k++ }
    }
    printf "%d\nProperties=species:S:1:pos:R:3 total_charge=%d pbc=\"F F F\"\n", n, (f % 3 == 0)
    for (j = 0; j < n; j++) printf "%s %.6f %.6f %.6f\n", (j % 2 ? "Cl" : "Na"), X[j], Y[j], Z[j]
  } }' > "$TMP/clusters.xyz"
expect_status 0 "reference labels" -- "$EVAL" -q -m "zbl+lj:epsilon=0.05,sigma=2.4+$QEQ" --prefix REF_ \
  "$TMP/clusters.xyz" -o "$TMP/ref.xyz"
echo '{"type": "acsf", "auto": {"rcut": 5.0, "radial": 6, "angular_eta": [0.02], "angular_zeta": [1]}}' > "$TMP/acsf.json"

expect_status 2 "bad --hardness-of" -- "$FIT" --model-type charges --params "$TMP/acsf.json" --hardness-of Na \
  "$TMP/ref.xyz" -o "$TMP/q.mlp"
expect_status 1 "no reference charges" -- "$FIT" --model-type charges --params "$TMP/acsf.json" \
  --charges-key nothing "$TMP/ref.xyz" -o "$TMP/q.mlp"
grep -q "nothing" "$TMP/err" || fail "missing charges message does not name the key: $(cat "$TMP/err")"
[ ! -e "$TMP/q.mlp" ] || fail "output left behind after an error"

expect_status 0 "fit learned charges" -- "$FIT" --model-type charges --params "$TMP/acsf.json" --hardness 8 \
  --charge-width 1.0 --charges-key REF_charges --valid-fraction 0.2 "$TMP/ref.xyz" -o "$TMP/q.mlp"
grep -q "learned charges (reference key REF_charges): RMSE train" "$TMP/err" || fail "charge fit not reported"
rmse=$(sed -n 's/.*RMSE train \([0-9.e-]*\) e.*/\1/p' "$TMP/err")
awk -v r="$rmse" 'BEGIN { exit !(r < 0.02) }' && pass "training charge RMSE $rmse e < 0.02 e" ||
  fail "training charge RMSE $rmse e"
grep -aq '"model_type":"learned_charges"' "$TMP/q.mlp" || fail "header lacks model_type"

expect_status 0 "mlp-eval of learned charges" -- "$EVAL" -m "$TMP/q.mlp" --charges-key REF_charges \
  "$TMP/ref.xyz" -o "$TMP/q.xyz" --table "$TMP/q.tsv"
grep -q "MLP_charges:R:1" "$TMP/q.xyz" || fail "no MLP_charges column"
grep -q "^all	charge	e	" "$TMP/q.tsv" || fail "no charge row in the error table"
# Charges sum to each frame's total charge.
awk 'NR == 1 || /^[0-9]+$/ { next } /Properties/ { if (n) { if ((s - t)^2 > 1e-18) bad++ }; s = 0; n = 1
       match($0, /total_charge=[-0-9.]*/); t = substr($0, RSTART + 13, RLENGTH - 13); next }
     { s += $NF } END { if ((s - t)^2 > 1e-18) bad++; exit bad > 0 }' "$TMP/q.xyz" &&
  pass "charges sum to total_charge in every frame" || fail "charges do not sum to total_charge"

expect_status 0 "short-range fit on top of the charges" -- "$FIT" --params "$TMP/acsf.json" --energy-key REF_energy \
  --forces-key REF_forces --long-range "$TMP/q.mlp" "$TMP/ref.xyz" -o "$TMP/short.mlp"
grep -q "evaluate the result as" "$TMP/err" || fail "--long-range does not say how to evaluate"
expect_status 0 "composed model" -- "$EVAL" -m "$TMP/short.mlp+$TMP/q.mlp" --energy-key REF_energy \
  --forces-key REF_forces "$TMP/ref.xyz" -o /dev/null --terms
grep -q "short.mlp+" "$TMP/err" || fail "composed model not reported: $(cat "$TMP/err")"
finish
