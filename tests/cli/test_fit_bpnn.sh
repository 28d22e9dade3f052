#!/usr/bin/env bash
# mlp-fit --model-type bpnn end to end: a small Behler-Parrinello fit on the shipped silicon frames, its learning
# curve (--log rows, --plot SVG), the model file read by mlp-eval with the fit's own errors, a committee with
# uncertainty, checkpoint/restart, warm starts (--init-model, from our model and from n2p2's water potential), members
# trained apart (--member) and joined, and usage errors for bad BPNN options.
source "$(dirname "$0")/common.sh"
FIT="$MLP_BIN/mlp-fit"
EVAL="$MLP_BIN/mlp-eval"
DATA="$MLP_SRC/share/mlp/examples/si_mlearn_test.extxyz"
[ -x "$FIT" ] || { echo "mlp-fit not built"; exit 77; }
echo '{"type":"acsf","auto":{"rcut":5.0,"radial":6,"angular_eta":[0.01],"angular_zeta":[1.0,4.0]}}' > "$TMP/acsf.json"
SMALL=(--model-type bpnn --params "$TMP/acsf.json" --layers 8,8)

expect_status 0 "--help" -- "$FIT" --help
for opt in --layers --activation --optimizer --epochs --batch-size --learning-rate --lbfgs-iterations --patience \
  --input-sd-floor --committee --log --plot --checkpoint --restart --init-model --member; do
  grep -q -- "$opt" "$TMP/out" || fail "--help does not list $opt"
done
grep -q -- "--model-type bpnn" "$TMP/out" || fail "--help has no bpnn example"
expect_status 2 "bad --layers" -- "$FIT" "${SMALL[@]}" --layers 8,x "$DATA" -o "$TMP/x.mlp"
grep -q -- "--layers" "$TMP/err" || fail "bad --layers message does not name the option"
expect_status 2 "zero-width layer" -- "$FIT" "${SMALL[@]}" --layers 8,0 "$DATA" -o "$TMP/x.mlp"
expect_status 2 "unknown --activation" -- "$FIT" "${SMALL[@]}" --activation wiggle "$DATA" -o "$TMP/x.mlp"
expect_status 2 "unknown --optimizer" -- "$FIT" "${SMALL[@]}" --optimizer sgd "$DATA" -o "$TMP/x.mlp"
expect_status 2 "--batch-size 0" -- "$FIT" "${SMALL[@]}" --batch-size 0 "$DATA" -o "$TMP/x.mlp"
expect_status 2 "--batch-size -1" -- "$FIT" "${SMALL[@]}" --batch-size -1 "$DATA" -o "$TMP/x.mlp"
grep -q -- "--batch-size: must be >= 1" "$TMP/err" || fail "--batch-size -1 message does not say what is allowed"
expect_status 2 "--learning-rate 0" -- "$FIT" "${SMALL[@]}" --learning-rate 0 "$DATA" -o "$TMP/x.mlp"
expect_status 2 "--input-sd-floor 2" -- "$FIT" "${SMALL[@]}" --input-sd-floor 2 "$DATA" -o "$TMP/x.mlp"
grep -q -- "--input-sd-floor" "$TMP/err" || fail "bad --input-sd-floor message does not name the option"
expect_status 2 "--committee 0" -- "$FIT" "${SMALL[@]}" --committee 0 "$DATA" -o "$TMP/x.mlp"
expect_status 1 "missing --restart file" -- "$FIT" "${SMALL[@]}" --restart "$TMP/none.ckpt" "$DATA" -o "$TMP/x.mlp"
grep -q "none.ckpt" "$TMP/err" || fail "missing checkpoint message does not name it"
[ ! -e "$TMP/x.mlp" ] || fail "output left behind after an error"

# The fit: 20 training and 5 validation frames, 6 Adam epochs and 4 L-BFGS iterations.
expect_status 0 "bpnn fit" -- "$FIT" "${SMALL[@]}" --valid-fraction 0.2 --seed 3 --epochs 6 --lbfgs-iterations 4 \
  --learning-rate 0.01 --log "$TMP/curve.tsv" --plot "$TMP/curve.svg" --checkpoint "$TMP/nn.ckpt" \
  --checkpoint-every 3 --threads 2 "$DATA" -o "$TMP/nn.mlp"
grep -q "20 training and 5 validation frames" "$TMP/err" || fail "split not reported"
grep -q "kept the parameters of epoch" "$TMP/err" || fail "kept epoch not reported"
grep -q "validation set errors" "$TMP/err" || fail "validation table not printed"
[ "$(head -n 1 "$TMP/curve.tsv" | cut -f1-4)" = "$(printf 'member\tepoch\tphase\tseconds')" ] ||
  fail "--log header: $(head -n 1 "$TMP/curve.tsv")"
[ "$(tail -n +2 "$TMP/curve.tsv" | wc -l)" -eq 10 ] || fail "--log has $(tail -n +2 "$TMP/curve.tsv" | wc -l) rows, expected 10"
[ "$(awk -F'\t' 'NR > 1 {print $2}' "$TMP/curve.tsv" | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 " ] ||
  fail "--log epochs are not 1..10"
[ "$(awk -F'\t' 'NR > 1 {print $3}' "$TMP/curve.tsv" | sort | uniq -c | awk '{print $2 $1}' | tr '\n' ' ')" = "adam6 lbfgs4 " ] ||
  fail "--log phases are not 6 adam + 4 lbfgs"
awk -F'\t' 'NR > 1 && !($16 + 0 > 0 && $16 + 0 < 10) {bad = 1} END {exit bad}' "$TMP/curve.tsv" ||
  fail "validation force RMSE column not finite and positive"
grep -q "<svg" "$TMP/curve.svg" || fail "--plot is not an SVG"
[ -s "$TMP/nn.ckpt" ] || fail "no checkpoint written"
grep -aq '"model_type":"bpnn"' "$TMP/nn.mlp" || fail "model header lacks model_type bpnn"
grep -aq '"optimizer":"adam+lbfgs"' "$TMP/nn.mlp" || fail "provenance lacks the BPNN settings"
grep -aq '"input_sd_floor":0.01' "$TMP/nn.mlp" || fail "provenance lacks the input standard-deviation floor"

# mlp-eval reads the model; its validation-set errors equal the fit's (printed in meV/atom).
fit_rmse=$(awk '/validation set errors/ {t=1} t && $1=="all" {print $4; exit}' "$TMP/err")
expect_status 0 "mlp-eval on the bpnn model" -- "$EVAL" --model "$TMP/nn.mlp" "$DATA" -o "$TMP/pred.xyz" \
  --table "$TMP/errors.tsv"
[ "$(grep -c 'MLP_energy=' "$TMP/pred.xyz")" -eq 25 ] || fail "expected 25 predicted frames"
rmse_f=$(awk -F'\t' '$1=="all" && $2=="force" {print $6}' "$TMP/errors.tsv")
awk -v f="$rmse_f" 'BEGIN { exit !(f + 0 > 0 && f + 0 < 2.0) }' || fail "force RMSE not finite and sensible: $rmse_f"
awk -v a="$fit_rmse" 'BEGIN { exit !(a + 0 > 0) }' || fail "no validation energy RMSE printed by mlp-fit: '$fit_rmse'"

# Same seed: same model (predictions identical); the restart from the final checkpoint rebuilds it exactly.
"$FIT" -q "${SMALL[@]}" --valid-fraction 0.2 --seed 3 --epochs 6 --lbfgs-iterations 4 --learning-rate 0.01 \
  --threads 1 "$DATA" -o "$TMP/again.mlp" || fail "second fit failed"
"$EVAL" -q --model "$TMP/again.mlp" "$DATA" -o "$TMP/again.xyz" || fail "eval of the second fit failed"
cmp -s "$TMP/pred.xyz" "$TMP/again.xyz" && pass "1 and 2 threads give the same predictions" ||
  fail "a refit with 1 thread predicts differently"
expect_status 0 "restart from the final checkpoint" -- "$FIT" "${SMALL[@]}" --valid-fraction 0.2 --seed 3 --epochs 6 \
  --lbfgs-iterations 4 --learning-rate 0.01 --restart "$TMP/nn.ckpt" "$DATA" -o "$TMP/restart.mlp"
"$EVAL" -q --model "$TMP/restart.mlp" "$DATA" -o "$TMP/restart.xyz" || fail "eval of the restarted fit failed"
cmp -s "$TMP/pred.xyz" "$TMP/restart.xyz" && pass "restart reproduces the model" || fail "restart differs"
expect_status 1 "restart with other options is refused" -- "$FIT" "${SMALL[@]}" --valid-fraction 0.2 --seed 4 \
  --epochs 6 --lbfgs-iterations 4 --learning-rate 0.01 --restart "$TMP/nn.ckpt" "$DATA" -o "$TMP/x.mlp"
grep -q "different fit" "$TMP/err" || fail "refused restart message: $(cat "$TMP/err")"

# A committee of two: mlp-eval reports a nonzero spread.
expect_status 0 "committee fit" -- "$FIT" "${SMALL[@]}" --committee 2 --epochs 3 --lbfgs-iterations 2 "$DATA" \
  -o "$TMP/committee.mlp"
expect_status 0 "mlp-eval --uncertainty" -- "$EVAL" --model "$TMP/committee.mlp" --uncertainty "$DATA" \
  -o "$TMP/committee.xyz"
grep -q "MLP_energy_std=[0-9.e+-]*[1-9]" "$TMP/committee.xyz" || fail "committee spread missing or zero"

# Warm start from the committee: descriptor, layers and committee size come from the model; with no iterations
# the fit hands back the model's predictions; with some, every member logs its epochs and the provenance names it.
expect_status 0 "warm start, no iterations" -- "$FIT" --model-type bpnn --init-model "$TMP/committee.mlp" \
  --optimizer lbfgs --lbfgs-iterations 0 "$DATA" -o "$TMP/warm0.mlp"
grep -q "hidden layers 8,8 (tanh), optimizer lbfgs, committee 2" "$TMP/err" || fail "warm start did not take the model's architecture: $(cat "$TMP/err")"
grep -q "member 1: kept the parameters of epoch 0" "$TMP/err" || fail "warm start with no iterations did not keep its start"
"$EVAL" -q --model "$TMP/warm0.mlp" --uncertainty "$DATA" -o "$TMP/warm0.xyz" || fail "eval of the warm start failed"
paste -d' ' <(grep -o 'MLP_energy=[^ ]*' "$TMP/committee.xyz") <(grep -o 'MLP_energy=[^ ]*' "$TMP/warm0.xyz") |
  tr '=' ' ' | awk '{d = $2 - $4; if (d < 0) d = -d; if (d > 1e-9) bad = 1; n++} END {exit bad || n != 25}' &&
  pass "warm start reproduces the model's energies" || fail "warm start with no iterations predicts differently"
expect_status 0 "warm start, 3 iterations" -- "$FIT" --model-type bpnn --init-model "$TMP/committee.mlp" \
  --optimizer lbfgs --lbfgs-iterations 3 --log "$TMP/warm.tsv" "$DATA" -o "$TMP/warm3.mlp"
grep -aq '"init_models":\["[^"]*committee.mlp"\]' "$TMP/warm3.mlp" || fail "provenance lacks init_models"
[ "$(tail -n +2 "$TMP/warm.tsv" | wc -l)" -eq 6 ] || fail "warm start --log has $(tail -n +2 "$TMP/warm.tsv" | wc -l) rows, expected 6"
expect_status 1 "warm start with other layers" -- "$FIT" --model-type bpnn --init-model "$TMP/committee.mlp" \
  --layers 8,7 --lbfgs-iterations 0 "$DATA" -o "$TMP/x.mlp"
grep -q "committee.mlp: init-model: .*10-8-8-1 (tanh, tanh, linear), the fit.s 10-8-7-1" "$TMP/err" || fail "layer mismatch message: $(cat "$TMP/err")"
expect_status 1 "warm start with another descriptor" -- "$FIT" --model-type bpnn --init-model "$TMP/committee.mlp" \
  --preset acsf-small --lbfgs-iterations 0 "$DATA" -o "$TMP/x.mlp"
grep -q "descriptor" "$TMP/err" || fail "descriptor mismatch message: $(cat "$TMP/err")"
expect_status 1 "warm start from a model that is not a BPNN" -- "$FIT" --model-type bpnn \
  --init-model "lj:epsilon=0.1,sigma=2.0,cutoff=5.0" "$DATA" -o "$TMP/x.mlp"
grep -q "not a BPNN model" "$TMP/err" || fail "non-BPNN init model message: $(cat "$TMP/err")"
expect_status 2 "--init-model without --model-type bpnn" -- "$FIT" --model-type linear --preset acsf-small \
  --init-model "$TMP/committee.mlp" "$DATA" -o "$TMP/x.mlp"
[ ! -e "$TMP/x.mlp" ] || fail "output left behind after an error"

# A committee trained as separate jobs (--member) and joined by a warm start equals the committee fitted at once.
for k in 0 1; do
  expect_status 0 "member $k alone" -- "$FIT" "${SMALL[@]}" --committee 2 --member $k --epochs 3 --lbfgs-iterations 2 \
    "$DATA" -o "$TMP/member$k.mlp"
done
expect_status 0 "join the members" -- "$FIT" --model-type bpnn --init-model "$TMP/member0.mlp" \
  --init-model "$TMP/member1.mlp" --optimizer lbfgs --lbfgs-iterations 0 "$DATA" -o "$TMP/joined.mlp"
grep -q "committee 2" "$TMP/err" || fail "the joined fit is not a committee of two: $(cat "$TMP/err")"
"$EVAL" -q --model "$TMP/joined.mlp" --uncertainty "$DATA" -o "$TMP/joined.xyz" || fail "eval of the joined committee failed"
cmp -s "$TMP/committee.xyz" "$TMP/joined.xyz" && pass "members trained apart and joined predict as the committee" ||
  fail "the joined committee predicts differently"
expect_status 0 "--member of a warm start's committee (its size from the model)" -- "$FIT" --model-type bpnn \
  --init-model "$TMP/committee.mlp" --member 1 --optimizer lbfgs --lbfgs-iterations 0 "$DATA" -o "$TMP/warm-member.mlp"
grep -q "member 1: kept the parameters of epoch 0" "$TMP/err" || fail "warm start of member 1: $(cat "$TMP/err")"
expect_status 2 "--member outside the committee" -- "$FIT" "${SMALL[@]}" --committee 2 --member 2 "$DATA" -o "$TMP/x.mlp"
expect_status 2 "--member -1" -- "$FIT" "${SMALL[@]}" --committee 2 --member -1 "$DATA" -o "$TMP/x.mlp"

# Warm start from n2p2's water potential (fine-tuning an n2p2 model): with no iterations the fit reproduces
# n2p2's own energies and forces on its two frames (training errors printed as 0.000 meV).
N2P2="$MLP_FIXTURES/n2p2_h2o"
expect_status 0 "warm start from an n2p2 potential" -- "$FIT" --model-type bpnn --no-zbl --optimizer lbfgs \
  --lbfgs-iterations 0 --init-model "n2p2:dir=$N2P2,length=bohr,energy=hartree" --energy-key n2p2_energy \
  --forces-key n2p2_forces "$N2P2/liquid_01_02.extxyz" -o "$TMP/n2p2.mlp"
awk '/training set errors/ {t = 1} t && $1 == "all" {found = 1; if ($4 + 0 > 1e-3 || $5 + 0 > 1e-3) bad = 1; exit}
  END {exit bad || !found}' "$TMP/err" && pass "the n2p2 warm start has n2p2's energies and forces" ||
  fail "n2p2 warm start errors: $(grep -A2 'training set errors' "$TMP/err")"

# Fine-tuning on frames without one of the model's elements (the water frames with their O atoms removed; labels
# left as they were, only the bookkeeping is under test): the model keeps its O networks, and the default ZBL
# baseline guards every pair of the model's elements (O pairs by their covalent radii), so it still evaluates water,
# with no iterations as n2p2 does.
awk 'n == 0 { n = $1; k = 0; c = 0; body = ""; getline header; next }
  { if ($1 != "O") { body = body $0 "\n"; c++ }; if (++k == n) { printf "%d\n%s\n%s", c, header, body; n = 0 } }' \
  "$N2P2/liquid_01_02.extxyz" > "$TMP/hydrogen.extxyz"
expect_status 0 "warm start on frames without O" -- "$FIT" --model-type bpnn --optimizer lbfgs --lbfgs-iterations 0 \
  --init-model "n2p2:dir=$N2P2,length=bohr,energy=hartree" --energy-key n2p2_energy --forces-key n2p2_forces \
  "$TMP/hydrogen.extxyz" -o "$TMP/hydrogen.mlp"
grep -q "no training frame holds O: its networks stay as in the warm start's model" "$TMP/err" ||
  fail "the kept O networks are not reported: $(cat "$TMP/err")"
expect_status 0 "the model fine-tuned without O evaluates water" -- "$EVAL" -q --model "$TMP/hydrogen.mlp" \
  "$N2P2/liquid_01_02.extxyz" -o "$TMP/water.xyz"
paste -d' ' <(grep -o ' n2p2_energy=[^ ]*' "$TMP/water.xyz") <(grep -o 'MLP_energy=[^ ]*' "$TMP/water.xyz") | tr '=' ' ' |
  awk '{d = ($2 - $4) / 48; if (d < 0) d = -d; if (d > 1e-6) bad = 1; n++} END {exit bad || n != 2}' &&
  pass "it predicts n2p2's water energies" || fail "the model fine-tuned without O predicts water differently"
finish
