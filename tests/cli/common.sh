# Shared helpers of the CLI transcript tests (sourced). MLP_BIN, MLP_SRC, MLP_FIXTURES come from ctest.
set -uo pipefail
: "${MLP_BIN:?run through ctest}" "${MLP_SRC:?}" "${MLP_FIXTURES:?}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# expect_status CODE description -- command...
expect_status() {
  local want=$1 what=$2; shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass "$what (exit $got)"; else fail "$what: exit $got, expected $want; stderr: $(head -c 400 "$TMP/err")"; fi
}
finish() { [ "$failures" -eq 0 ] && echo "all passed" || { echo "$failures failure(s)"; exit 1; }; }
