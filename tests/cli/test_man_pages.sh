#!/usr/bin/env bash
# Man pages render cleanly: no groff warnings, and man -l shows the NAME section.
source "$(dirname "$0")/common.sh"
command -v groff >/dev/null && command -v man >/dev/null || { echo "SKIPPED: groff/man not installed"; exit 77; }
for page in "$MLP_SRC"/man/*.[157]; do
  name=$(basename "$page")
  warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
  [ -z "$warnings" ] && pass "$name: no groff warnings" || fail "$name: $warnings"
  MANWIDTH=80 LC_ALL=C.UTF-8 man -l "$page" > "$TMP/page.txt" 2>"$TMP/err" || fail "$name: man -l failed"
  grep -q "^NAME" "$TMP/page.txt" || fail "$name: no NAME section"
  [ -s "$TMP/err" ] && fail "$name: man -l printed: $(cat "$TMP/err")"
done
for tool in "$MLP_BIN"/mlp-*; do
  [ -x "$tool" ] || continue
  [ -f "$MLP_SRC/man/$(basename "$tool").1" ] || fail "no man page for $(basename "$tool")"
done
finish
