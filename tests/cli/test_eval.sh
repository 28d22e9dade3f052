#!/usr/bin/env bash
# mlp-eval end to end on the shipped silicon example: outputs, keys, tables, plots, pipes and conventions.
source "$(dirname "$0")/common.sh"
EVAL="$MLP_BIN/mlp-eval"
DATA="$MLP_SRC/share/mlp/examples/si_mlearn_test.extxyz"

expect_status 0 "--help" -- "$EVAL" --help
grep -q "Examples:" "$TMP/out" || fail "--help has no examples"
expect_status 0 "--version" -- "$EVAL" --version
grep -q "mlp-eval (mlp) " "$TMP/out" || fail "--version output: $(cat "$TMP/out")"
expect_status 2 "missing --model is a usage error" -- "$EVAL" "$DATA"
expect_status 2 "unknown option is a usage error" -- "$EVAL" --model sw --no-such-option "$DATA"
expect_status 1 "unknown model is an error" -- "$EVAL" --model no_such_model "$DATA"
grep -q "no_such_model" "$TMP/err" || fail "unknown model message does not name it"
expect_status 1 "missing file" -- "$EVAL" --model sw "$TMP/does-not-exist.xyz"
grep -q "does-not-exist.xyz" "$TMP/err" || fail "missing file message does not name it"

expect_status 0 "evaluate to file with table and plot" -- "$EVAL" --model sw "$DATA" --per-atom -o "$TMP/pred.xyz" \
  --table "$TMP/errors.tsv" --plot "$TMP/parity.svg"
[ "$(grep -c 'MLP_energy=' "$TMP/pred.xyz")" -eq 25 ] || fail "expected 25 frames with MLP_energy"
[ "$(grep -c ' energy=' "$TMP/pred.xyz")" -eq 25 ] || fail "reference energy key must be preserved"
grep -q "MLP_forces:R:3" "$TMP/pred.xyz" || fail "MLP_forces column missing"
grep -q "MLP_energies:R:1" "$TMP/pred.xyz" || fail "MLP_energies column missing"
grep -q "MLP_stress=" "$TMP/pred.xyz" || fail "MLP_stress missing"
grep -q "config_type=" "$TMP/pred.xyz" || fail "config_type not preserved"
grep -q "^# mlp-eval error table" "$TMP/errors.tsv" || fail "table header missing"
grep -qP "^all\tenergy\teV/atom\t25\t" "$TMP/errors.tsv" || fail "energy row for all 25 frames missing"
grep -qP "^all\tforce\teV/A\t" "$TMP/errors.tsv" || fail "force row missing"
grep -qP "^all\tstress\teV/A\^3\t225\t" "$TMP/errors.tsv" || fail "stress row (25 frames x 9) missing"
grep -qP "^Vacancy\t" "$TMP/errors.tsv" || fail "per-config_type rows missing"
grep -q "RMSE" "$TMP/err" || fail "human table missing on stderr"
tail -n 1 "$TMP/parity.svg" | grep -q "</svg>" || fail "SVG not complete"
[ "$(grep -o '<circle' "$TMP/parity.svg" | wc -l)" -gt 1000 ] || fail "SVG has too few points"

# Pipes: stdin '-' and implicit stdin, gzip detection, stdout.
gzip -c "$DATA" > "$TMP/data.xyz.gz"
n=$("$EVAL" --model sw -q - < "$TMP/data.xyz.gz" | grep -c 'MLP_energy=')
[ "$n" -eq 25 ] || fail "gzip on stdin: $n frames"
n=$(cat "$DATA" | "$EVAL" --model sw -q | grep -c 'MLP_energy=')
[ "$n" -eq 25 ] || fail "implicit stdin: $n frames"
# Same numbers from a file and from a pipe.
"$EVAL" --model sw -q "$DATA" > "$TMP/a.xyz"
cat "$DATA" | "$EVAL" --model sw -q - > "$TMP/b.xyz"
cmp -s "$TMP/a.xyz" "$TMP/b.xyz" || fail "file and pipe results differ"
# The output read again and re-evaluated keeps its columns and gives the same predictions.
"$EVAL" --model sw -q "$TMP/a.xyz" > "$TMP/c.xyz"
cmp -s "$TMP/a.xyz" "$TMP/c.xyz" || fail "re-evaluating our own output is not idempotent"
# Per-term energies of a sum model add up to the total.
head -n 65 "$DATA" | "$EVAL" --model 'zbl+lj:epsilon=0.02,sigma=2.1' --terms -q - > "$TMP/terms.xyz"
grep -q "MLP_energy_zbl=" "$TMP/terms.xyz" || fail "per-term energy of zbl missing"
grep -q "MLP_energy_lj=" "$TMP/terms.xyz" || fail "per-term energy of lj missing"
# A prefix that would overwrite the reference is refused, and no output file is left.
expect_status 1 "prefix clobbering reference" -- "$EVAL" --model sw --prefix "" "$DATA" -o "$TMP/clobber.xyz"
[ ! -e "$TMP/clobber.xyz" ] || fail "partial output left after error"
ls "$TMP" | grep -q '\.tmp\.' && fail "temporary file left behind"
# Options from a config file; unknown keys there are a usage error.
printf 'model = "sw"\nper-atom = true\n' > "$TMP/eval.toml"
expect_status 0 "--config file" -- "$EVAL" --config "$TMP/eval.toml" -q "$DATA" -o "$TMP/cfg.xyz"
grep -q "MLP_energies:R:1" "$TMP/cfg.xyz" || fail "--config per-atom not applied"
printf 'model = "sw"\nno-such-key = 1\n' > "$TMP/bad.toml"
expect_status 2 "unknown key in config file" -- "$EVAL" --config "$TMP/bad.toml" -q "$DATA" -o /dev/null
# Writing to a device works.
expect_status 0 "output to /dev/null" -- "$EVAL" --model sw -q "$DATA" -o /dev/null
finish
