#!/usr/bin/env bash
# mlp-check end to end: usage, exit bitmask, reports (JSON, TAP, JUnit, plots), external programs (a working
# python model and crashing, garbage-printing, hanging ones).
source "$(dirname "$0")/common.sh"
CHECK="$MLP_BIN/mlp-check"
FIX="$MLP_FIXTURES/check"
SI="$MLP_SRC/share/mlp/examples/si_mlearn_test.extxyz"

expect_status 0 "--help" -- "$CHECK" --help
grep -q "Examples:" "$TMP/out" || fail "--help has no examples"
expect_status 0 "--version" -- "$CHECK" --version
expect_status 2 "no model is a usage error" -- "$CHECK" "$SI"
expect_status 2 "--model and --command together" -- "$CHECK" --model sw --command cat "$SI"
expect_status 2 "unknown check name" -- "$CHECK" --model sw --checks rotation,nonsense "$SI"
grep -q "nonsense" "$TMP/err" || fail "unknown check not named"
# Out-of-range run parameters are refused before any check runs (a negative --nve-time used to never end).
for bad in "--nve-time -5" "--nve-dt -1" "--temperature -100" "--fd-atoms -1" "--threads -2" "--cutoff -1" "--timeout 0"; do
  # shellcheck disable=SC2086
  expect_status 2 "$bad is a usage error" -- timeout 60 "$CHECK" --model sw $bad "$SI"
  grep -q -- "${bad% *}" "$TMP/err" || fail "$bad: message does not name the option: $(cat "$TMP/err")"
done
expect_status 1 "--nve-dt nan is refused" -- timeout 60 "$CHECK" --model sw --nve-dt nan "$SI"
grep -q -- "--nve-dt" "$TMP/err" || fail "--nve-dt nan: message does not name the option: $(cat "$TMP/err")"
expect_status 2 "unknown tolerance" -- "$CHECK" --model sw --tolerance no_such=1 "$SI"
expect_status 1 "unknown model" -- "$CHECK" --model no_such_model "$SI"
expect_status 1 "missing file" -- "$CHECK" --model sw "$TMP/nope.xyz"

# The whole battery on Stillinger-Weber silicon passes, with every report.
expect_status 0 "sw passes all checks" -- "$CHECK" --model sw --report "$TMP/r.json" --junit "$TMP/j.xml" --tap \
  --plot "$TMP/plots" "$SI"
for name in translation rotation permutation periodic conservative cutoff locality nve fusion determinism; do
  grep -qE "^[0-9]+ +$name +pass" "$TMP/err" || fail "table: $name did not pass"
done
grep -qE "^11 +charge +skip" "$TMP/err" || fail "table: charge response should be skipped"
grep -q '"exit_status": 0' "$TMP/r.json" || fail "JSON exit status"
[ "$(grep -c '"status": "pass"' "$TMP/r.json")" -eq 10 ] || fail "JSON: 10 passes expected"
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['checks'])==11" "$TMP/r.json" \
    || fail "JSON does not parse"
fi
grep -q '^1\.\.11$' "$TMP/out" || fail "TAP plan"
[ "$(grep -c '^ok ' "$TMP/out")" -eq 11 ] || fail "TAP: 11 ok lines expected"
grep -q 'tests="11" failures="0" errors="0" skipped="1"' "$TMP/j.xml" || fail "JUnit summary"
for p in conservative_fd cutoff nve fusion; do
  tail -n 1 "$TMP/plots/$p.svg" 2>/dev/null | grep -q "</svg>" || fail "plot $p.svg missing or incomplete"
done

# Standard input, and --quiet prints nothing.
"$CHECK" --model sw --checks 1,3 -q < "$SI" > "$TMP/q.out" 2> "$TMP/q.err"
[ $? -eq 0 ] || fail "stdin input"
[ -s "$TMP/q.err" ] && fail "--quiet printed: $(head -c 200 "$TMP/q.err")"

# A failing check gives its class bit: a tolerance nobody can meet makes check 5 fail (bit 8), and only it.
expect_status 8 "impossible FD tolerance fails check 5 with exit 8" -- "$CHECK" --model sw --checks 5,1 \
  --tolerance fd_force=1e-30 "$SI"
grep -qE "^5 +conservative +FAIL" "$TMP/err" || fail "check 5 should be FAIL"
expect_status 132 "two classes: 4|128" -- "$CHECK" --model sw --checks translation,determinism \
  --tolerance invariance_energy=-1 --tolerance determinism=-1 "$SI"

# The hard-cutoff LJ of the registry (shift=none) is caught by the cutoff check (16), on a small argon cluster.
printf '3\n\nAr 0 0 0\nAr 3.8 0 0\nAr 0 3.9 0.5\n' > "$TMP/ar3.xyz"
expect_status 16 "truncated lj fails the cutoff check" -- "$CHECK" --model 'lj:shift=none' --checks cutoff "$TMP/ar3.xyz"
expect_status 0 "force-shifted lj passes it" -- "$CHECK" --model lj --checks cutoff "$TMP/ar3.xyz"

# External programs: the example model of mlp-check(1) passes; broken ones are errors (bit 1), never a pass.
if command -v python3 >/dev/null; then
  expect_status 0 "python soft spheres through --command" -- "$CHECK" --command "python3 $FIX/soft_spheres.py" \
    --cutoff 2 -v "$FIX/h2o_cluster.xyz"
  grep -q "external program: [0-9]* frames" "$TMP/err" || fail "no frame count of the external program"
else
  echo "skip: no python3 for the external example model"
fi
for mode in crash garbage noforces atoms; do
  expect_status 1 "external program that does '$mode'" -- "$CHECK" --command "sh $FIX/broken_program.sh $mode" \
    --checks translation,rotation "$FIX/h2o_cluster.xyz"
  grep -qE "^1 +translation +ERROR +.*external program" "$TMP/err" || fail "$mode: not reported as an error"
  grep -qE " pass " "$TMP/err" && fail "$mode: something passed"
done
grep -q "answered 1 atoms" "$TMP/err" || fail "wrong atom count not explained"
expect_status 1 "crash is named" -- "$CHECK" --command "sh $FIX/broken_program.sh crash" --checks 1 "$FIX/h2o_cluster.xyz"
grep -q "exited with status 3" "$TMP/err" || fail "crash status not reported"
grep -q "segmentation fault (pretend)" "$TMP/err" || fail "program's stderr not shown"
start=$(date +%s)
expect_status 1 "hanging program times out" -- "$CHECK" --command "sh $FIX/broken_program.sh hang" --timeout 1 \
  --checks 1 "$FIX/h2o_cluster.xyz"
grep -q "did not answer frame 2 within 1 s" "$TMP/err" || fail "timeout not reported"
[ $(( $(date +%s) - start )) -lt 10 ] || fail "timeout took too long"
expect_status 1 "program that does not exist" -- "$CHECK" --command "/nonexistent/prog" --checks 1 "$FIX/h2o_cluster.xyz"
# mlp-check(1) documents every check and every tolerance name of the library.
MAN="$MLP_SRC/man/mlp-check.1"
for name in translation rotation permutation periodic conservative cutoff locality nve fusion determinism charge; do
  grep -qE "^\.BR [0-9]+ \" $name\"" "$MAN" || fail "man page does not list check $name"
done
tols=$(sed -n '/default_tolerances() {/,/^}/p' "$MLP_SRC/libcore/src/check/checks.cpp" | grep -oE '\{"[a-z_]+"' | tr -d '{"')
[ "$(echo "$tols" | wc -w)" -ge 14 ] || fail "could not read the tolerance names"
for t in $tols; do
  grep -qE "^\.R?B (\( )?$t( |\$)" "$MAN" || fail "man page does not document tolerance $t"
done
finish
