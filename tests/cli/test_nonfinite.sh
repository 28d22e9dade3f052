#!/usr/bin/env bash
# A model evaluation that would produce NaN/Inf (two atoms on top of each other) is an error naming the frame and
# the atoms, and no output file is left. A reference label that is NaN/Inf or not a number is an error naming the
# file, line and key in the tools that use labels (mlp-eval's error table, mlp-fit).
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
# Labels: the reader keeps such values (ASE does too), the tools that compare with or fit them refuse them.
cat > "$TMP/labels.xyz" <<'XYZ'
2
Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.0
Ar 0.0 0.0 0.0 0.0 0.0 0.1
Ar 3.8 0.0 0.0 0.0 0.0 -0.1
2
Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.1
Ar 0.0 0.0 0.0 0.0 0.0 0.1
Ar 3.9 0.0 0.0 0.0 nan -0.1
XYZ
expect_status 1 "NaN force label in mlp-eval" -- "$EVAL" --model lj "$TMP/labels.xyz" -o "$TMP/out.xyz"
grep -q "labels.xyz:8: forces\[1\]: frame 1, atom 2: non-finite force label" "$TMP/err" ||
  fail "message does not name file, line, column and atom: $(cat "$TMP/err")"
[ ! -e "$TMP/out.xyz" ] || fail "output file left behind"
sed -e 's/energy=-1.1/energy=abc/' -e 's/ nan / 0.0 /' "$TMP/labels.xyz" > "$TMP/word.xyz"
expect_status 1 "a word as the energy label in mlp-fit" -- "$MLP_BIN/mlp-fit" --model-type linear --preset acsf-small \
  "$TMP/word.xyz" -o "$TMP/m.mlp"
grep -q "word.xyz:6: energy: frame 1: the energy label is not a number" "$TMP/err" ||
  fail "message does not name file, line and key: $(cat "$TMP/err")"
[ ! -e "$TMP/m.mlp" ] || fail "model file written"
expect_status 0 "another energy key skips the word" -- "$EVAL" --model lj --energy-key none "$TMP/word.xyz" -o "$TMP/out.xyz"
finish
