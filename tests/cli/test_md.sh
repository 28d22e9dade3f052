#!/usr/bin/env bash
# mlp-md end to end: options, trajectory and thermo outputs, pipes, restart identity, fixed atoms, safe stops.
source "$(dirname "$0")/common.sh"
MD="$MLP_BIN/mlp-md"
EVAL="$MLP_BIN/mlp-eval"
SI="$MLP_FIXTURES/md/si64.xyz"
cd "$TMP" || exit 1

expect_status 0 "--help" -- "$MD" --help
grep -q "Examples:" "$TMP/out" || fail "--help has no examples"
expect_status 0 "--version" -- "$MD" --version
expect_status 2 "missing --model is a usage error" -- "$MD" "$SI"
expect_status 2 "--restart with an input is a usage error" -- "$MD" --model sw --restart x.ckpt "$SI"
expect_status 1 "unknown ensemble" -- "$MD" --model sw --ensemble npt "$SI"
grep -q "ensemble" "$TMP/err" || fail "unknown ensemble message: $(cat "$TMP/err")"
expect_status 1 "--max-uncertainty with a model without uncertainty" -- "$MD" --model sw --max-uncertainty 0.1 "$SI"
grep -q "has no uncertainty" "$TMP/err" || fail "no-uncertainty message: $(cat "$TMP/err")"
expect_status 2 "--collect needs --max-uncertainty" -- "$MD" --model sw --collect "$TMP/c.xyz" "$SI"
# Counts are unsigned inside: a negative one must not wrap around to 2^64 - 1 steps.
for opt in --steps --traj-every --thermo-every --checkpoint-every --temperature --initial-temperature; do
  expect_status 2 "$opt -5 is a usage error" -- "$MD" --model sw "$opt" -5 "$SI"
  grep -q -- "$opt" "$TMP/err" || fail "$opt -5 message does not name the option: $(cat "$TMP/err")"
done
expect_status 1 "pressure without unit" -- "$MD" --model sw --ensemble bussi --barostat iso --pressure 1 "$SI"
grep -q -- "--pressure.*unit" "$TMP/err" || fail "pressure message: $(cat "$TMP/err")"
expect_status 1 "barostat without thermostat" -- "$MD" --model sw --barostat iso "$SI"
expect_status 1 "--fix out of range" -- "$MD" --model sw --fix 70 "$SI"

# NVE to a file with thermo table and plot.
expect_status 0 "NVE run" -- "$MD" --model sw --temperature 1000 --steps 100 --traj-every 20 --thermo-every 10 \
  --thermo thermo.tsv --plot md.svg "$SI" -o traj.xyz
[ "$(grep -c 'MLP_energy=' traj.xyz)" -eq 6 ] || fail "expected 6 frames (steps 0..100 every 20)"
grep -q "velocities:R:3:MLP_forces:R:3" traj.xyz || fail "velocities/MLP_forces columns missing"
grep -q "MLP_stress=" traj.xyz || fail "MLP_stress missing"
grep -q "md_step=100 " traj.xyz || fail "last frame is not step 100"
grep -q "config_type=diamond" traj.xyz || fail "input info not kept"
[ "$(grep -vc '^#' thermo.tsv)" -eq 11 ] || fail "thermo rows: $(grep -vc '^#' thermo.tsv)"
awk -F'\t' '!/^#/ && NF != 10 { bad = 1 } END { exit bad }' thermo.tsv || fail "thermo rows do not have 10 columns"
head -1 thermo.tsv | grep -q "conserved_eV" || fail "thermo header"
# Energy conservation visible in the table: |drift| < 1e-3 eV/atom over 0.1 ps at 1 fs.
awk -F'\t' '!/^#/ { d = $10 < 0 ? -$10 : $10; if (d > 1e-3) bad = 1 } END { exit bad }' thermo.tsv ||
  fail "NVE drift too large: $(tail -1 thermo.tsv)"
tail -n 1 md.svg | grep -q "</svg>" || fail "SVG not complete"
grep -q "ns/day" "$TMP/err" || fail "no ns/day summary"

# Thermo table on stdout when the trajectory goes to a file; not both on stdout.
"$MD" --model sw --steps 20 -q --thermo - "$SI" -o t.xyz > thermo_stdout.tsv || fail "--thermo -"
[ "$(grep -vc '^#' thermo_stdout.tsv)" -eq 3 ] || fail "--thermo - rows"
expect_status 2 "--thermo - with the trajectory on stdout" -- "$MD" --model sw --steps 20 --thermo - "$SI"

# Streaming: stdout into mlp-eval and gzip.
"$MD" --model sw --steps 20 --traj-every 5 -q "$SI" | "$EVAL" --model sw -q - > reeval.xyz
[ "$(grep -c 'MLP_energy=' reeval.xyz)" -eq 5 ] || fail "pipe into mlp-eval: $(grep -c 'MLP_energy=' reeval.xyz) frames"
"$MD" --model sw --steps 20 --traj-every 5 -q "$SI" > direct.xyz
paste <(grep -o 'MLP_energy=[^ ]*' direct.xyz | cut -d= -f2) <(grep -o 'MLP_energy=[^ ]*' reeval.xyz | cut -d= -f2) |
  awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-9) bad = 1 } END { exit bad }' ||
  fail "mlp-eval does not reproduce mlp-md's MLP_energy"
"$MD" --model sw --steps 20 --traj-every 5 -q "$SI" | gzip > traj.xyz.gz
gzip -t traj.xyz.gz && [ "$(zcat traj.xyz.gz | grep -c md_step=)" -eq 5 ] || fail "gzip pipe"
cat "$SI" | "$MD" --model sw --steps 5 -q > stdin.xyz || fail "input from stdin"
[ "$(grep -c md_step= stdin.xyz)" -eq 1 ] || fail "stdin input: frames"

# Same seed, same trajectory; another seed, another one; thread count does not matter.
"$MD" --model sw --ensemble langevin --steps 30 -q --seed 3 "$SI" > s3a.xyz
OMP_NUM_THREADS=1 "$MD" --model sw --ensemble langevin --steps 30 -q --seed 3 "$SI" > s3b.xyz
"$MD" --model sw --ensemble langevin --steps 30 -q --seed 4 "$SI" > s4.xyz
cmp -s s3a.xyz s3b.xyz || fail "same seed (and 1 thread) gives another trajectory"
cmp -s s3a.xyz s4.xyz && fail "another seed gives the same trajectory"

# A run split by a checkpoint is bit-identical to one run (thermostat random state included).
for ens in langevin bussi nhc; do
  common=(--model sw --ensemble "$ens" --temperature 900 --skin 0.3 --checkpoint-every 20 --traj-every 10 -q)
  "$MD" "${common[@]}" --steps 60 "$SI" -o whole.xyz
  "$MD" "${common[@]}" --steps 20 --checkpoint run.ckpt "$SI" -o first.xyz
  expect_status 0 "$ens restart" -- "$MD" "${common[@]}" --steps 60 --restart run.ckpt -o second.xyz
  tail -n +$((2 * 66 + 1)) whole.xyz > whole_tail.xyz
  cmp -s whole_tail.xyz second.xyz && pass "$ens: restart is bit-identical" || fail "$ens: restarted run differs"
done
expect_status 1 "restart with another ensemble" -- "$MD" --model sw --ensemble bussi --checkpoint-every 20 \
  --steps 40 --restart run.ckpt -o x.xyz
grep -q "md_ensemble" "$TMP/err" || fail "ensemble mismatch message: $(cat "$TMP/err")"

# NPT: the cell changes, the pressure is reported in bar.
expect_status 0 "NPT run" -- "$MD" --model sw --ensemble langevin --barostat iso --pressure 1.5GPa --steps 40 \
  --compressibility 1e-4 --tau-p 50 --thermo npt.tsv "$SI" -o npt.xyz
[ "$(grep -o 'Lattice="[^"]*"' npt.xyz | sort -u | wc -l)" -gt 1 ] || fail "barostat did not change the cell"

# Fixed atoms keep their positions and are marked in the output.
expect_status 0 "fixed atoms" -- "$MD" --model sw --steps 20 --fix 0-3 --traj-every 20 "$SI" -o fixed.xyz
grep -q "fixed:L:1" fixed.xyz || fail "fixed column missing"
diff <(sed -n '3,6p' "$SI" | awk '{ printf "%.6f %.6f %.6f\n", $2, $3, $4 }') \
     <(tail -n 64 fixed.xyz | head -4 | awk '{ printf "%.6f %.6f %.6f\n", $2, $3, $4 }') > /dev/null ||
  fail "fixed atoms moved"
grep -q "180 degrees of freedom" "$TMP/err" ||
  fail "degrees of freedom with 4 fixed atoms: $(head -1 "$TMP/err")"

# Safe stop: two atoms thrown at each other (velocities from the input, Å/fs).
cat > dimer.xyz << 'XYZ'
2
Properties=species:S:1:pos:R:3:velocities:R:3
Si 0.0 0.0 0.0 0.05 0.0 0.0
Si 3.0 0.0 0.0 -0.05 0.0 0.0
XYZ
expect_status 1 "atoms too close stop the run" -- "$MD" --model 'lj:epsilon=0.01,sigma=1.0' --steps 1000 \
  --max-temperature-factor 0 --stop-file stop.xyz dimer.xyz -o dimer_traj.xyz
grep -q "mlp-md: step [0-9]*: atoms Si 0 and Si 1 are" "$TMP/err" || fail "stop message: $(cat "$TMP/err")"
grep -q "stop.xyz" "$TMP/err" || fail "stop message does not name the frames file"
[ "$(grep -c md_step= stop.xyz)" -eq 2 ] || fail "stop file must hold the last good and the offending frame"
steps=$(grep -o 'md_step=[0-9]*' stop.xyz | cut -d= -f2 | tr '\n' ' ')
read -r good bad <<< "$steps"
[ $((good + 1)) -eq "$bad" ] || fail "stop frames are not consecutive steps: $steps"
[ -s dimer_traj.xyz ] || fail "trajectory up to the stop not kept"
# Lowering the threshold lets the same run pass.
expect_status 0 "explicit --min-distance" -- "$MD" --model 'lj:epsilon=0.01,sigma=1.0' --steps 50 \
  --min-distance 0.5 --max-temperature-factor 0 dimer.xyz -o /dev/null
ls "$TMP" | grep -q '\.tmp\.' && fail "temporary file left behind"
finish
