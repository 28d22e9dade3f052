#!/usr/bin/env bash
# The learned-model pipeline end to end on the shipped Si frames: mlp-fit (GAP on SOAP) -> mlp-eval with
# predictive uncertainty -> mlp-check physics battery -> mlp-md with an uncertainty stop and active-learning
# collection; identical trajectories with 1 and 2 OpenMP threads.
source "$(dirname "$0")/common.sh"
B="$MLP_BIN"
DATA="$MLP_SRC/share/mlp/examples/si_mlearn_test.extxyz"
cd "$TMP" || exit 1

expect_status 0 "mlp-fit --model-type gap" -- "$B/mlp-fit" --model-type gap --preset soap-small --sparse-points 60 \
  --valid-fraction 0.2 --seed 3 "$DATA" -o gap.mlp
grep -q "sparse points: Si 60 of" "$TMP/err" || fail "fit report lacks the sparse points: $(head -c 300 "$TMP/err")"
grep -q "MiB at the peak" "$TMP/err" || fail "no memory estimate before the fit"
expect_status 2 "unknown sparse-point method" -- "$B/mlp-fit" --model-type gap --preset soap-small --sparse-method x \
  "$DATA" -o bad.mlp
expect_status 2 "unknown model type" -- "$B/mlp-fit" --model-type nn --preset soap-small "$DATA" -o bad.mlp
[ ! -e bad.mlp ] || fail "a failed fit left a model file"

# Predictions with uncertainty: every frame has MLP_energy_std, every atom MLP_energies_std, all >= 0.
expect_status 0 "mlp-eval --uncertainty with the GAP model" -- "$B/mlp-eval" --model gap.mlp --uncertainty "$DATA" \
  -o pred.xyz --table errors.tsv
[ "$(grep -c 'MLP_energy_std=' pred.xyz)" -eq 25 ] || fail "MLP_energy_std missing"
grep -q "MLP_energies_std:R:1" pred.xyz || fail "MLP_energies_std column missing"
grep -o 'MLP_energy_std=[^ ]*' pred.xyz | awk -F= '$2 < 0 || $2 != $2 { bad = 1 } END { exit bad }' ||
  fail "negative or NaN energy standard deviation"
rmse=$(awk -F'\t' '$1 == "all" && $2 == "energy" { print $6 }' errors.tsv)
awk -v r="$rmse" 'BEGIN { exit !(r > 0 && r < 0.05) }' && pass "GAP energy RMSE $rmse eV/atom on the 25 frames" ||
  fail "GAP energy RMSE '$rmse' eV/atom"

# The physics battery on a learned model (one crystalline frame): no check may fail.
awk '!left { left = $1 + 2; f++ } f == 10 { print } { left-- }' "$DATA" > start.xyz
expect_status 0 "mlp-check passes the GAP model" -- "$B/mlp-check" --model gap.mlp --checks 1,2,3,4,5,6,7,10 start.xyz

# MD: a threshold below the start frame's uncertainty refuses the start (mid-run stops: tests/md); collect mode
# keeps going and writes every frame above it (steps 0..20); a generous threshold lets the run finish.
expect_status 1 "mlp-md refuses a start frame above --max-uncertainty" -- "$B/mlp-md" --model gap.mlp \
  --max-uncertainty 1e-9 --steps 20 start.xyz -o traj.xyz
grep -q "start frame: energy uncertainty of atom" "$TMP/err" || fail "uncertainty stop message: $(cat "$TMP/err")"
expect_status 0 "mlp-md --collect writes the frames above the threshold" -- "$B/mlp-md" --model gap.mlp \
  --ensemble bussi --temperature 1500 --max-uncertainty 1e-9 --collect collected.xyz --steps 20 start.xyz -o traj.xyz
[ "$(grep -c 'md_step=' collected.xyz)" -eq 21 ] || fail "collect: $(grep -c 'md_step=' collected.xyz) frames, expected 21"
grep -q "MLP_energies_std" traj.xyz || fail "trajectory lacks the per-atom uncertainty"
expect_status 0 "mlp-md runs below a generous --max-uncertainty" -- "$B/mlp-md" --model gap.mlp --max-uncertainty 10 \
  --steps 20 start.xyz -o traj.xyz
for n in 1 2; do
  OMP_NUM_THREADS=$n "$B/mlp-md" -q --model gap.mlp --ensemble langevin --temperature 900 --steps 30 --seed 5 \
    --traj-every 10 start.xyz -o "traj$n.xyz" || fail "md with $n threads"
done
cmp -s traj1.xyz traj2.xyz && pass "MD trajectory identical with 1 and 2 OpenMP threads" ||
  fail "MD trajectory depends on the thread count"

# GAP with the two-body term: fitted, reported, evaluated with its own term energy and uncertainty, checked.
expect_status 0 "mlp-fit --two-body" -- "$B/mlp-fit" --model-type gap --preset soap-small --sparse-points 60 \
  --two-body --two-body-delta 2 --two-body-sparse 12 --valid-fraction 0.2 --seed 3 "$DATA" -o gap2b.mlp
grep -q "Si-Si 12 distances" "$TMP/err" || fail "fit report lacks the two-body sparse distances: $(head -c 400 "$TMP/err")"
grep -q "two-body term: 12 distances per pair, delta 2 eV" "$TMP/err" || fail "no two-body settings before the fit"
expect_status 0 "mlp-eval --terms --uncertainty with the two-body GAP" -- "$B/mlp-eval" --model gap2b.mlp --terms \
  --uncertainty "$DATA" -o pred2b.xyz --table errors2b.tsv
[ "$(grep -c 'MLP_energy_gap-2b=' pred2b.xyz)" -eq 25 ] || fail "per-term energy MLP_energy_gap-2b missing"
rmse2b=$(awk -F'\t' '$1 == "all" && $2 == "energy" { print $6 }' errors2b.tsv)
awk -v r="$rmse2b" 'BEGIN { exit !(r > 0 && r < 0.05) }' && pass "GAP+2b energy RMSE $rmse2b eV/atom on the 25 frames" ||
  fail "GAP+2b energy RMSE '$rmse2b' eV/atom"
expect_status 0 "mlp-check passes the two-body GAP model" -- "$B/mlp-check" --model gap2b.mlp --checks 1,2,3,4,5,6,7,10 \
  start.xyz
expect_status 2 "--two-body-delta without --two-body" -- "$B/mlp-fit" --model-type gap --preset soap-small \
  --two-body-delta 2 "$DATA" -o bad.mlp
expect_status 2 "--two-body with a linear model" -- "$B/mlp-fit" --model-type linear --preset soap-small --two-body \
  "$DATA" -o bad.mlp
expect_status 2 "--two-body with --inner-cutoff" -- "$B/mlp-fit" --model-type gap --preset soap-small --two-body \
  --inner-cutoff "$DATA" -o bad.mlp
expect_status 2 "negative --two-body-theta" -- "$B/mlp-fit" --model-type gap --preset soap-small --two-body \
  --two-body-theta -1 "$DATA" -o bad.mlp
[ ! -e bad.mlp ] || fail "a refused fit left a model file"
finish
