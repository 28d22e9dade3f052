#!/usr/bin/env bash
# mlp-check against a real quantum-chemistry program: GFN2-xTB (Debian package xtb) on a water molecule through
# share/mlp/examples/xtb-model.sh. Skips (77) when xtb is not installed.
source "$(dirname "$0")/common.sh"
command -v xtb >/dev/null || { echo "SKIPPED: xtb not installed (Debian package xtb)"; exit 77; }
CHECK="$MLP_BIN/mlp-check"
WRAP="$MLP_SRC/share/mlp/examples/xtb-model.sh"
printf '3\nwater\nO 0 0 0\nH 0.757 0.586 0\nH -0.757 0.586 0\n' > "$TMP/h2o.xyz"
# Symmetry, permutation, forces against finite differences and determinism pass at xtb's numerical precision
# (tight SCF: --acc 0.01; forces are reproduced to ~1e-7 relative after a translation, so that tolerance is 1e-6).
export XTB_ARGS="--acc 0.01"
expect_status 0 "xtb water: checks 1,2,3,5,10 pass" -- "$CHECK" --command "sh $WRAP" -v --checks 1,2,3,5,10 \
  --tolerance invariance_force=1e-6 --report "$TMP/xtb.json" "$TMP/h2o.xyz"
cat "$TMP/err"
grep -q '"exit_status": 0' "$TMP/xtb.json" || fail "JSON report"
# At the default tolerance (1e-8) the translation check notices xtb's precision: a failure, not an error.
expect_status 4 "xtb water at the default force tolerance: class 4 (symmetry) only" -- "$CHECK" --command "sh $WRAP" \
  --checks 1,10 "$TMP/h2o.xyz"
# A periodic frame is refused by the wrapper, and that is reported as an error of the external program.
printf '1\nLattice="5 0 0 0 5 0 0 0 5" pbc="T T T"\nAr 0 0 0\n' > "$TMP/ar.xyz"
expect_status 1 "periodic frame: the wrapper refuses, reported as an error" -- "$CHECK" --command "sh $WRAP" \
  --checks 1 "$TMP/ar.xyz"
grep -q "periodic frames are not supported" "$TMP/err" || fail "wrapper's message not shown"
finish
