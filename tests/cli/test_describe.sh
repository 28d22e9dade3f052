#!/usr/bin/env bash
# mlp-describe end to end: presets, container output and its verification, npy export loaded by numpy, thread
# independence, pipes, and clear errors for bad use.
source "$(dirname "$0")/common.sh"
DESC="$MLP_BIN/mlp-describe"
DATA="$MLP_SRC/share/mlp/examples/si_mlearn_test.extxyz"
PY=/usr/bin/python3

expect_status 0 "--help" -- "$DESC" --help
grep -q "Examples:" "$TMP/out" || fail "--help has no examples"
expect_status 0 "--version" -- "$DESC" --version
expect_status 0 "--list-presets" -- "$DESC" --list-presets
for p in soap-default soap-small acsf-default acsf-small acsf-ani; do grep -qx "$p" "$TMP/out" || fail "preset $p not listed"; done
expect_status 2 "neither --preset nor --params is a usage error" -- "$DESC" "$DATA" -o "$TMP/x.desc"
expect_status 2 "unknown preset is a usage error" -- "$DESC" --preset no-such "$DATA" -o "$TMP/x.desc"
grep -q "soap-default" "$TMP/err" || fail "unknown preset message does not list the known ones"
expect_status 2 "npy needs a file" -- "$DESC" --preset acsf-small --format npy "$DATA"
expect_status 2 "npy has no gradients" -- "$DESC" --preset acsf-small --format npy --gradients "$DATA" -o "$TMP/a.npy"
echo '{"type": "acsf", "auto": {"rcut": -1}}' > "$TMP/bad.json"
expect_status 1 "invalid parameters name the file and field" -- "$DESC" --params "$TMP/bad.json" "$DATA" -o "$TMP/x.desc"
grep -q "bad.json" "$TMP/err" || fail "bad parameters message does not name the file: $(cat "$TMP/err")"
[ ! -e "$TMP/x.desc" ] || fail "a failed run left an output file"
# --params also takes the JSON text itself: the same rows as from the file.
echo '{"type": "soap", "n_max": 4, "l_max": 3, "r_cut": 4.5}' > "$TMP/soap.json"
expect_status 0 "--params file" -- "$DESC" --params "$TMP/soap.json" --format npy "$DATA" -o "$TMP/file.npy"
expect_status 0 "--params inline JSON" -- "$DESC" --params "$(cat "$TMP/soap.json")" --format npy "$DATA" -o "$TMP/inline.npy"
cmp -s "$TMP/file.npy" "$TMP/inline.npy" || fail "inline --params gave other rows than the same JSON in a file"
expect_status 1 "inline JSON errors name --params" -- "$DESC" --params '{"type": "soap", "n_max": 99}' "$DATA" -o "$TMP/x.desc"
grep -q -- "--params: n_max" "$TMP/err" || fail "inline --params error: $(cat "$TMP/err")"
printf '2\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 pbc="T T T"\nSi 0 0 0\nO 1.6 0 0\n' > "$TMP/sio.xyz"
expect_status 1 "an element outside --species is named" -- "$DESC" --preset acsf-small --species Si "$TMP/sio.xyz" \
  -o "$TMP/x.desc"
grep -q "frame 0 atom 1: element O" "$TMP/err" || fail "uncovered element message: $(cat "$TMP/err")"

# Container output, verified end to end by --inspect (CRC, record count), for both descriptor families.
for p in acsf-default soap-small; do
  expect_status 0 "$p with gradients to a file" -- "$DESC" --preset "$p" --gradients "$DATA" -o "$TMP/$p.desc"
  expect_status 0 "$p: --inspect verifies the file" -- "$DESC" --inspect "$TMP/$p.desc"
  grep -qP "^frames\t25$" "$TMP/out" || fail "$p: expected 25 frames: $(cat "$TMP/out")"
  grep -qP "^atoms\t1525$" "$TMP/out" || fail "$p: expected 1525 atoms"
  grep -qP "^gradients\tyes$" "$TMP/out" || fail "$p: gradients flag"
done
grep -qP "^values\t$((1525 * 26))$" <("$DESC" --inspect "$TMP/acsf-default.desc") || fail "acsf-default rows are not 26 long"
grep -qP "^values\t$((1525 * 50))$" <("$DESC" --inspect "$TMP/soap-small.desc") || fail "soap-small rows are not 50 long"
size=$(stat -c %s "$TMP/acsf-default.desc")
head -c $((size - 7)) "$TMP/acsf-default.desc" > "$TMP/trunc.desc"
expect_status 1 "a truncated file is refused" -- "$DESC" --inspect "$TMP/trunc.desc"
grep -q "trunc.desc" "$TMP/err" || fail "truncation message does not name the file"
cp "$TMP/acsf-default.desc" "$TMP/flip.desc"
printf '\x55' | dd of="$TMP/flip.desc" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_status 1 "a corrupted file is refused" -- "$DESC" --inspect "$TMP/flip.desc"

# Pipes: stdin to stdout; identical bytes whatever the number of threads (same command line, so same header).
"$DESC" -q --preset soap-small - < "$DATA" > "$TMP/pipe.desc" || fail "stdin to stdout failed"
"$DESC" --inspect - < "$TMP/pipe.desc" | grep -qP "^frames\t25$" || fail "stdin/stdout round trip"
OMP_NUM_THREADS=1 "$DESC" -q --preset soap-small --gradients "$DATA" -o "$TMP/t.desc" && mv "$TMP/t.desc" "$TMP/t1.desc"
OMP_NUM_THREADS=2 "$DESC" -q --preset soap-small --gradients "$DATA" -o "$TMP/t.desc" && mv "$TMP/t.desc" "$TMP/t2.desc"
cmp -s "$TMP/t1.desc" "$TMP/t2.desc" && pass "1 and 2 threads give identical bytes (SOAP)" || fail "thread count changes SOAP output"
OMP_NUM_THREADS=1 "$DESC" -q --preset acsf-default --gradients "$DATA" -o "$TMP/t.desc" && mv "$TMP/t.desc" "$TMP/t1.desc"
OMP_NUM_THREADS=2 "$DESC" -q --preset acsf-default --gradients "$DATA" -o "$TMP/t.desc" && mv "$TMP/t.desc" "$TMP/t2.desc"
cmp -s "$TMP/t1.desc" "$TMP/t2.desc" && pass "1 and 2 threads give identical bytes (ACSF)" || fail "thread count changes ACSF output"

# npy export: one matrix for a single element, per-element matrices when row lengths differ; loaded by numpy.
expect_status 0 "npy export" -- "$DESC" --preset soap-small --format npy "$DATA" -o "$TMP/si.npy"
[ "$(($(wc -l < "$TMP/si.index.tsv") - 1))" -eq 1525 ] || fail "index has not one line per atom"
grep -q '"descriptor_hash"' "$TMP/si.params.json" || fail "params file lacks the hash"
cat > "$TMP/water.xyz" <<'XYZ'
3
Properties=species:S:1:pos:R:3 energy=-1.0 pbc="F F F"
O 0.0 0.0 0.0
H 0.96 0.0 0.0
H -0.24 0.93 0.0
XYZ
echo '{"type": "acsf", "auto": {"rcut": 4.0, "radial": 3, "angular_eta": [0.01], "angular_zeta": [1], "elements": ["O"]},
       "functions_note": "ignored"}' > "$TMP/o-only.json"
expect_status 1 "unknown keys in parameters are an error" -- "$DESC" --params "$TMP/o-only.json" --format npy \
  "$TMP/water.xyz" -o "$TMP/w.npy"
cat > "$TMP/hw.json" <<'JSON'
{"type": "acsf", "functions": [
  {"kind": "radial", "center": "O", "neighbors": ["H"], "eta": 0.5, "rcut": 4.0},
  {"kind": "angular_wide", "center": "O", "neighbors": ["H", "H"], "eta": 0.01, "lambda": 1, "zeta": 1, "rcut": 4.0},
  {"kind": "radial", "center": "H", "neighbors": ["O"], "eta": 0.5, "rcut": 4.0}]}
JSON
expect_status 0 "npy export with rows of different lengths per element" -- "$DESC" --params "$TMP/hw.json" --format npy "$TMP/water.xyz" \
  -o "$TMP/w.npy"
[ -f "$TMP/w.O.npy" ] && [ -f "$TMP/w.H.npy" ] || fail "per-element matrices missing: $(ls "$TMP")"
if "$PY" -c 'import numpy' 2>/dev/null; then
  shape=$("$PY" -c "import numpy; a = numpy.load('$TMP/si.npy'); print(a.shape, a.dtype, bool(numpy.isfinite(a).all()))")
  [ "$shape" = "(1525, 50) float64 True" ] && pass "numpy loads the SOAP matrix" || fail "numpy sees $shape"
  shape=$("$PY" -c "import numpy; print(numpy.load('$TMP/w.O.npy').shape, numpy.load('$TMP/w.H.npy').shape)")
  [ "$shape" = "(1, 2) (2, 1)" ] && pass "numpy loads per-element matrices" || fail "numpy sees $shape"
else
  echo "numpy not available at $PY: numpy loading not checked"
fi
finish
