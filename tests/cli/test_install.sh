#!/usr/bin/env bash
# `make install` (cmake --install) puts tools, man pages and share/mlp under the prefix, and the installed tool runs.
source "$(dirname "$0")/common.sh"
cmake --install "$MLP_BIN" --prefix "$TMP/prefix" > "$TMP/log" 2>&1 || { cat "$TMP/log"; fail "cmake --install failed"; finish; }
[ -x "$TMP/prefix/bin/mlp-eval" ] || fail "bin/mlp-eval not installed"
for page in man1/mlp-eval.1 man5/mlp-extxyz.5 man7/mlp.7; do
  [ -f "$TMP/prefix/share/man/$page" ] || fail "$page not installed"
done
[ -f "$TMP/prefix/share/mlp/examples/si_mlearn_test.extxyz" ] || fail "example data not installed"
"$TMP/prefix/bin/mlp-eval" --model sw -q "$TMP/prefix/share/mlp/examples/si_mlearn_test.extxyz" -o /dev/null \
  || fail "installed mlp-eval does not run"
finish
