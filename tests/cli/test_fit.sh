#!/usr/bin/env bash
# mlp-fit end to end: a linear ACSF model on the shipped silicon example, written as a MODL file, read back by
# mlp-eval (through make_model), conventions (usage errors, bad input, atomic output, reproducibility).
source "$(dirname "$0")/common.sh"
FIT="$MLP_BIN/mlp-fit"
EVAL="$MLP_BIN/mlp-eval"
DATA="$MLP_SRC/share/mlp/examples/si_mlearn_test.extxyz"
[ -x "$FIT" ] || { echo "mlp-fit not built"; exit 77; }
echo '{"type":"acsf","auto":{"rcut":5.0}}' > "$TMP/acsf.json"

expect_status 0 "--help" -- "$FIT" --help
grep -q "Examples:" "$TMP/out" || fail "--help has no examples"
expect_status 0 "--version" -- "$FIT" --version
grep -q "mlp-fit (mlp) " "$TMP/out" || fail "--version output: $(cat "$TMP/out")"
expect_status 2 "missing -o is a usage error" -- "$FIT" --params "$TMP/acsf.json" "$DATA"
expect_status 2 "no descriptor is a usage error" -- "$FIT" "$DATA" -o "$TMP/x.mlp"
expect_status 2 "bad --lambda is a usage error" -- "$FIT" --params "$TMP/acsf.json" --lambda much "$DATA" -o "$TMP/x.mlp"
for bad in 0 -1 inf much; do
  expect_status 2 "bad --atomic-energy-sigma $bad is a usage error" -- "$FIT" --params "$TMP/acsf.json" \
    --atomic-energy-sigma "$bad" "$DATA" -o "$TMP/x.mlp"
  grep -q "atomic-energy-sigma" "$TMP/err" || fail "bad --atomic-energy-sigma message does not name the option"
done
expect_status 2 "unknown model type" -- "$FIT" --model-type nn --params "$TMP/acsf.json" "$DATA" -o "$TMP/x.mlp"
expect_status 2 "--sparse-points -1 (unsigned: must not wrap around)" -- "$FIT" --model-type gap --params "$TMP/acsf.json" \
  --sparse-points -1 "$DATA" -o "$TMP/x.mlp"
expect_status 1 "bad --sigma override" -- "$FIT" --params "$TMP/acsf.json" --sigma "Surface:stiffness=1" "$DATA" \
  -o "$TMP/x.mlp"
grep -q "stiffness" "$TMP/err" || fail "bad --sigma message does not name the key"
expect_status 1 "--lambda auto without validation frames" -- "$FIT" --params "$TMP/acsf.json" --lambda auto "$DATA" \
  -o "$TMP/x.mlp"
expect_status 1 "missing file" -- "$FIT" --params "$TMP/acsf.json" "$TMP/nope.xyz" -o "$TMP/x.mlp"
grep -q "nope.xyz" "$TMP/err" || fail "missing file message does not name it"
printf '2\nenergy=1.0\nSi 0 0 0\nSi 0 0 abc\n' > "$TMP/bad.xyz"
expect_status 1 "malformed extxyz" -- "$FIT" --params "$TMP/acsf.json" "$TMP/bad.xyz" -o "$TMP/x.mlp"
grep -q "bad.xyz:4" "$TMP/err" || fail "malformed input message does not name file:line: $(cat "$TMP/err")"
[ ! -e "$TMP/x.mlp" ] || fail "output left behind after an error"

# The fit: 20 training and 5 validation frames, lambda chosen on the validation set.
expect_status 0 "fit" -- "$FIT" --params "$TMP/acsf.json" --valid-fraction 0.2 --seed 3 --lambda auto "$DATA" \
  -o "$TMP/si.mlp"
grep -q "20 training and 5 validation frames" "$TMP/err" || fail "split not reported"
grep -q "loss terms" "$TMP/err" || fail "loss terms not printed"
grep -q "validation set errors" "$TMP/err" || fail "validation table not printed"
grep -q "least squares on composition" "$TMP/err" || fail "isolated-atom energy origin not printed"
[ "$(head -c 4 "$TMP/si.mlp" | od -An -tx1 | tr -d ' ')" = "894d4c50" ] || fail "not an mlp container"
grep -aq '"model_type":"linear"' "$TMP/si.mlp" || fail "header lacks model_type"
grep -aq '"fnv1a64":"[0-9a-f]\{16\}"' "$TMP/si.mlp" || fail "header lacks data hashes"
grep -aq '"command_line":' "$TMP/si.mlp" || fail "header lacks the command line"
grep -aq '"atomic_energy_sigma":10' "$TMP/si.mlp" || fail "header lacks the atomic-energy prior's sigma"
grep -q "atomic-energy prior" "$TMP/err" || fail "the atomic-energy prior term is not reported"
expect_status 0 "fit without the atomic-energy prior" -- "$FIT" --params "$TMP/acsf.json" --atomic-energy-sigma none \
  "$DATA" -o "$TMP/noprior.mlp"
grep -aq '"atomic_energy_sigma":null' "$TMP/noprior.mlp" || fail "no prior is not recorded as null"

# mlp-eval reads the model file; its energies are the fit's own predictions (same RMSE over all frames as the
# error table of a second fit evaluation), finite and sensible.
expect_status 0 "mlp-eval --model si.mlp" -- "$EVAL" --model "$TMP/si.mlp" "$DATA" -o "$TMP/pred.xyz" \
  --table "$TMP/errors.tsv"
[ "$(grep -c 'MLP_energy=' "$TMP/pred.xyz")" -eq 25 ] || fail "expected 25 predicted frames"
rmse_e=$(awk -F'\t' '$1=="all" && $2=="energy" {print $6}' "$TMP/errors.tsv")
rmse_f=$(awk -F'\t' '$1=="all" && $2=="force" {print $6}' "$TMP/errors.tsv")
echo "mlp-eval on the model: energy RMSE $rmse_e eV/atom, force RMSE $rmse_f eV/A"
awk -v e="$rmse_e" -v f="$rmse_f" 'BEGIN { exit !(e + 0 > 0 && e + 0 < 0.1 && f + 0 > 0 && f + 0 < 1.0) }' ||
  fail "RMSEs not finite and sensible: E $rmse_e F $rmse_f"
# The fit's own training+validation tables agree with mlp-eval: fit again without validation, compare the
# energy RMSE printed by mlp-fit (meV/atom) with mlp-eval's (eV/atom) on the same model.
expect_status 0 "fit without validation" -- "$FIT" --params "$TMP/acsf.json" "$DATA" -o "$TMP/all.mlp"
fit_rmse=$(awk '/training set errors/ {t=1} t && $1=="all" {print $4; exit}' "$TMP/err")
"$EVAL" -q --model "$TMP/all.mlp" "$DATA" -o /dev/null --table "$TMP/all.tsv"
eval_rmse=$(awk -F'\t' '$1=="all" && $2=="energy" {print $6 * 1000}' "$TMP/all.tsv")
awk -v a="$fit_rmse" -v b="$eval_rmse" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a + 0 > 0 && d < 0.002) }' ||
  fail "mlp-fit energy RMSE $fit_rmse meV/atom differs from mlp-eval's $eval_rmse"
# Per-frame energies: a model file through mlp-eval twice gives identical predictions (bit-exact load).
"$EVAL" -q --model "$TMP/all.mlp" "$DATA" > "$TMP/p1.xyz"
"$EVAL" -q --model "$TMP/all.mlp" "$DATA" > "$TMP/p2.xyz"
cmp -s "$TMP/p1.xyz" "$TMP/p2.xyz" || fail "two evaluations of the same model file differ"

# Reproducible: the same seed gives the same model bytes (the command line differs only in the output name, so
# write both through stdout with the same arguments); thread count does not change the predictions.
"$FIT" -q --params "$TMP/acsf.json" --valid-fraction 0.2 --seed 5 "$DATA" -o - > "$TMP/r1.mlp"
"$FIT" -q --params "$TMP/acsf.json" --valid-fraction 0.2 --seed 5 "$DATA" -o - > "$TMP/r2.mlp"
cmp -s "$TMP/r1.mlp" "$TMP/r2.mlp" || fail "same seed, different model files"
"$FIT" -q --params "$TMP/acsf.json" --valid-fraction 0.2 --seed 6 "$DATA" -o - > "$TMP/r3.mlp"
cmp -s "$TMP/r1.mlp" "$TMP/r3.mlp" && fail "different seeds gave identical models"
"$FIT" -q --threads 1 --params "$TMP/acsf.json" "$DATA" -o "$TMP/t1.mlp"
"$FIT" -q --threads 2 --params "$TMP/acsf.json" "$DATA" -o "$TMP/t2.mlp"
"$EVAL" -q --model "$TMP/t1.mlp" "$DATA" > "$TMP/t1.xyz"
"$EVAL" -q --model "$TMP/t2.mlp" "$DATA" > "$TMP/t2.xyz"
cmp -s "$TMP/t1.xyz" "$TMP/t2.xyz" || fail "1 and 2 threads give different models"

# Separate validation file, sigma options, stdin.
# The first 3 frames of the example as a separate validation file.
awk 'n == 0 { n = $1 + 2; f++ } f <= 3 { print } { n-- }' "$DATA" > "$TMP/part.xyz"
expect_status 0 "--valid file, sigmas, stdin" -- bash -c "cat '$DATA' | '$FIT' --params '$TMP/acsf.json' \
  --valid '$TMP/part.xyz' --force-sigma 0.05 --virial-sigma off --sigma Surface:energy=0.01 - -o '$TMP/v.mlp'"
grep -q "25 training and" "$TMP/err" || fail "--valid: training count wrong: $(head -n 2 "$TMP/err")"
grep -aq '"virial":null' "$TMP/v.mlp" || fail "virial-sigma off not recorded"
grep -aq '"Surface"' "$TMP/v.mlp" || fail "per config_type sigma not recorded"

# A damaged model file is refused by mlp-eval with a message naming it.
cp "$TMP/all.mlp" "$TMP/damaged.mlp"
printf 'X' | dd of="$TMP/damaged.mlp" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_status 1 "damaged model file" -- "$EVAL" --model "$TMP/damaged.mlp" "$DATA" -o /dev/null
grep -q "damaged.mlp" "$TMP/err" || fail "damaged model message does not name the file"

# Presets, when the preset directory is there.
if "$FIT" --preset acsf-small "$DATA" -o "$TMP/p.mlp" -q 2>"$TMP/err"; then pass "--preset acsf-small";
else fail "--preset acsf-small: $(cat "$TMP/err")"; fi
finish
