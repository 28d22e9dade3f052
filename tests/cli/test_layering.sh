#!/usr/bin/env bash
# The module DAG of DESIGN.md: util <- core <- {io, geom} <- model; libcore never touches argv/stdout/exit and
# never includes CLI11; heavy headers (gemmi, CLI11) stay out of public headers.
source "$(dirname "$0")/common.sh"
inc="$MLP_SRC/libcore/include/mlp"
src="$MLP_SRC/libcore/src"
allowed_util="util"
allowed_core="util core"
allowed_io="util core io"
allowed_geom="util core geom"
allowed_desc="util core io geom desc"
allowed_model="util core io geom desc model"
allowed_md="util core io geom desc model md"
allowed_check="util core io geom desc model md check"
allowed_fit="util core io geom desc model fit"
for module in util core io geom desc model md check fit; do
  var="allowed_$module"
  allowed=${!var}
  for f in $(find "$inc/$module" "$src/$module" -name '*.[ch]pp' 2>/dev/null); do
    for used in $(grep -ohE '#include "mlp/[a-z]+/' "$f" | sed -E 's|#include "mlp/||; s|/||' | sort -u); do
      [[ " $allowed " == *" $used "* ]] || fail "$(basename "$f") ($module) includes mlp/$used"
    done
  done
done
bad=$(for f in $(grep -rlE 'CLI/CLI.hpp|std::cout|std::cerr|[^n]printf\(|[^_a-z]exit\(|getenv' "$inc" "$src"); do echo "$f"; done)
[ -z "$bad" ] && pass "libcore has no argv/stdout/exit" || fail "libcore touches the terminal or process: $bad"
heavy=$(grep -rlE '#include <(gemmi|CLI)/' "$inc" || true)
[ -z "$heavy" ] && pass "no heavy headers in public headers" || fail "heavy headers in public headers: $heavy"
physics=$(grep -lE 'compute\(|virial *=|1[.]0 */ *volume' "$MLP_SRC"/tools/mlp-*.cpp || true)
[ -z "$physics" ] && pass "tools contain no physics" || fail "physics in tools: $physics"
finish
