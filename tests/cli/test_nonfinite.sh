#!/usr/bin/env bash
# A model evaluation that would produce NaN/Inf (two atoms on top of each other) is an error naming the frame and
# the atoms, and no output file is left.
source "$(dirname "$0")/common.sh"
EVAL="$MLP_BIN/mlp-eval"
cat > "$TMP/overlap.xyz" <<'XYZ'
2
Properties=species:S:1:pos:R:3
Ar 0.0 0.0 0.0
Ar 5.0 0.0 0.0
3
Properties=species:S:1:pos:R:3
Ar 0.0 0.0 0.0
Ar 1.0 1.0 1.0
Ar 1.0 1.0 1.0
XYZ
expect_status 1 "overlapping atoms" -- "$EVAL" --model lj "$TMP/overlap.xyz" -o "$TMP/out.xyz"
grep -q "overlap.xyz:5: frame 1" "$TMP/err" || fail "message does not name file, line and frame: $(cat "$TMP/err")"
grep -q "atoms 1 and 2" "$TMP/err" || grep -q "atoms 2 and 1" "$TMP/err" || fail "message does not name the atoms: $(cat "$TMP/err")"
[ ! -e "$TMP/out.xyz" ] || fail "output file left behind"
finish
