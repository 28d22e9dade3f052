#!/bin/sh
# GFN2-xTB (the xtb program, https://github.com/grimme-lab/xtb) as an external model for mlp-check --command:
# reads extxyz frames on stdin, runs `xtb --grad --norestart` on each (no wavefunction carried between frames, so answers are reproducible) (molecules only: no periodic cells) and answers one
# extxyz frame with energy (eV) and forces (eV/Å) per frame, as described in mlp-check(1).
#   mlp-check --command 'sh share/mlp/examples/xtb-model.sh' --cutoff 0 molecule.xyz
# Extra xtb options (charge, spin, method, accuracy) from the environment, e.g. XTB_ARGS='--chrg 1 --acc 0.01'.
set -u
command -v xtb >/dev/null || { echo "xtb-model.sh: xtb not found (Debian package xtb)" >&2; exit 1; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_STACKSIZE=${OMP_STACKSIZE:-500M}
while read -r n; do
  [ -z "$n" ] && continue
  read -r comment
  case $comment in *pbc=\"T*|*pbc=\"?\ T*|*pbc=\"?\ ?\ T*) echo "xtb-model.sh: periodic frames are not supported" >&2; exit 1;; esac
  { echo "$n"; echo; i=0; while [ "$i" -lt "$n" ]; do read -r s x y z rest; echo "$s $x $y $z"; i=$((i + 1)); done; } > frame.xyz
  rm -f energy gradient
  # An odd number of electrons (e.g. an O-H dimer, H..Ar only) gets one unpaired electron, unless XTB_ARGS sets --uhf.
  uhf=$(awk 'NR > 2 { z += int((index(" H HeLiBe B C N O F NeNaMgAlSi P S ClAr", sprintf("%2s", $1)) + 1) / 2) } END { print z % 2 }' frame.xyz)
  case ${XTB_ARGS:-} in *--uhf*|*--chrg*) uhf=0 ;; esac
  [ "$uhf" = 1 ] && odd="--uhf 1" || odd=""
  # shellcheck disable=SC2086
  if ! xtb frame.xyz --grad --norestart $odd ${XTB_ARGS:-} > xtb.log 2>&1 || [ ! -s gradient ]; then
    echo "xtb-model.sh: xtb failed:" >&2; tail -n 5 xtb.log >&2; exit 1
  fi
  # Hartree -> eV, Hartree/Bohr -> eV/Å (CODATA 2018).
  awk -v n="$n" 'BEGIN { ha = 27.211386245988; bohr = 0.529177210903 }
    FNR == NR { if ($1 == "1" && NF >= 2 && !e) e = $2; next }
    /^\$grad/ { g = 1; next }
    g && /cycle/ { k = 0; next }
    g && NF == 4 { sym[++k] = $4; x[k] = $1 * bohr; y[k] = $2 * bohr; zz[k] = $3 * bohr; next }
    g && NF == 3 { ++m; fx[m] = -$1 * ha / bohr; fy[m] = -$2 * ha / bohr; fz[m] = -$3 * ha / bohr }
    END { printf "%d\nenergy=%.12f Properties=species:S:1:pos:R:3:forces:R:3\n", n, e * ha;
          for (i = 1; i <= n; i++) printf "%s %.10f %.10f %.10f %.12e %.12e %.12e\n", sym[i], x[i], y[i], zz[i], fx[i], fy[i], fz[i];
          fflush() }' energy gradient
done
