#!/usr/bin/env bash
# The KIM-API model driver (kim/) inside Debian's lmp: Stillinger-Weber Si through `kim init`/`kim interactions`
# against mlp-eval and LAMMPS's native pair_style sw (Si.sw) on a displaced 216-atom diamond cell: energy,
# per-atom forces (dump, %.17g) and pressure tensor to <= 1e-9 relative, serial and with mpirun -np 2 and 4
# (domain decomposition: padding atoms, forces on ghosts, LAMMPS's f·r pressure); 200 NVE steps give the same
# thermo with 1 and 2 ranks and conserve energy; an NVT run works; bad input (unknown species, a corrupt model
# file) fails with a message, never a crash. LAMMPS converts eV/Å^3 to bar with its own 1.6021765e6.
# Skipped when lmp, the KIM-API or the driver (not built under sanitizers) is absent.
source "$(dirname "$0")/common.sh"
DRIVER="$MLP_BIN/kim/model-drivers/MLP_Driver/libkim-api-model-driver.so"
command -v lmp > /dev/null || { echo "SKIPPED: no lmp (apt-get install lammps)"; exit 77; }
command -v kim-api-collections-management > /dev/null || { echo "SKIPPED: no KIM-API (apt-get install libkim-api-dev)"; exit 77; }
[ -r "$DRIVER" ] || { echo "SKIPPED: the KIM driver was not built ($DRIVER; not built under sanitizers)"; exit 77; }
POT=/usr/share/lammps/potentials/Si.sw
[ -r "$POT" ] || { echo "SKIPPED: no $POT"; exit 77; }
cd "$TMP" || exit 1
export KIM_API_MODEL_DRIVERS_DIR="$MLP_BIN/kim/model-drivers" KIM_API_PORTABLE_MODELS_DIR="$TMP/models"
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
INSTALL="$MLP_SRC/kim/mlp-kim-install"
"$INSTALL" --model sw --name mlp_SW_Si --species Si --dir "$TMP/models" > /dev/null || fail "mlp-kim-install sw"
[ -r "$TMP/models/mlp_SW_Si/libkim-api-portable-model.so" ] && pass "mlp-kim-install made a portable model"
have_mpi=1
command -v mpirun > /dev/null || { have_mpi=0; echo "note: no mpirun (apt-get install openmpi-bin): MPI runs skipped"; }

# Static comparison: one `run 0` with zero velocities, so the pressure is the virial only.
setup() {  # $1: init line, $2: interaction lines
  cat << LMP
$1
atom_style atomic
boundary p p p
lattice diamond 5.431
region box block 0 3 0 3 0 3
create_box 1 box
create_atoms 1 box
mass 1 28.0855
displace_atoms all random 0.1 0.1 0.1 12345 units box
$2
neighbor 1.0 bin
LMP
}
KIM_INIT="kim init mlp_SW_Si metal"
KIM_PAIR="kim interactions Si"
NAT_INIT="units metal"
NAT_PAIR="pair_style sw
pair_coeff * * $POT Si"
static() {  # $1 init, $2 pair, $3 tag, $4 extra lines
  { setup "$1" "$2"; echo "${4:-}"; cat << LMP
thermo_style custom step pe pxx pyy pzz pxy pxz pyz
thermo_modify format float %.17g
dump d all custom 1 forces_$3.dump id x y z fx fy fz
dump_modify d sort id format float %.17g
run 0
LMP
  } > in.$3
}
# Per-atom energies and virials (KIM partialParticleEnergy/partialParticleVirial) of the KIM runs.
static "$KIM_INIT" "$KIM_PAIR" kim "compute pea all pe/atom
compute sa all stress/atom NULL virial
dump pa all custom 1 peratom.dump x y z c_pea c_sa[1] c_sa[2] c_sa[3] c_sa[4] c_sa[5] c_sa[6]
dump_modify pa format float %.17g"
static "$NAT_INIT" "$NAT_PAIR" native
run_lmp() {  # $1 ranks, $2 input, $3 log
  if [ "$1" = 1 ]; then lmp -nocite -screen none -log "$3" -in "$2"
  else mpirun -np "$1" lmp -nocite -screen none -log "$3" -in "$2"; fi
}
thermo_row() { awk '/^ *Step/ { getline; print; exit }' "$1"; }
run_lmp 1 in.native native.log > /dev/null 2>&1 || fail "native lmp run"
# mlp-eval reference on the same positions (from the dump).
awk 'NR == 4 { n = $1 } NR == 6 { a = $2 - $1 } NR == 7 { b = $2 - $1 } NR == 8 { c = $2 - $1 }
     NR == 9 { printf "%d\nLattice=\"%.17g 0 0 0 %.17g 0 0 0 %.17g\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n", n, a, b, c }
     NR > 9 { printf "Si %s %s %s\n", $2, $3, $4 }' forces_native.dump > start.xyz
"$MLP_BIN/mlp-eval" -q -m sw --per-atom start.xyz -o eval.xyz || fail "mlp-eval"
awk 'NR > 2 { printf "%.6f_%.6f_%.6f %s\n", $2, $3, $4, $8 }' eval.xyz | sort > eval.peratom
# Reference row: pe pxx pyy pzz pxy pxz pyz (bar, LAMMPS's constant), then forces.
awk 'NR == 2 { match($0, /MLP_energy=[^ ]*/); e = substr($0, RSTART + 11, RLENGTH - 11)
               match($0, /MLP_stress="[^"]*"/); split(substr($0, RSTART + 12, RLENGTH - 13), s, " ")
               k = 1.6021765e6
               printf "0 %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", e, -k * s[1], -k * s[5], -k * s[9], -k * s[2], -k * s[3], -k * s[6] }' \
  eval.xyz > eval.row
# Forces keyed by position (atom IDs depend on the decomposition that created the atoms), sorted.
key_forces() { awk -v skip="$2" 'NR > skip { printf "%.6f_%.6f_%.6f %s %s %s\n", $(c), $(c + 1), $(c + 2), $(c + 3), $(c + 4), $(c + 5) }' c="$3" "$1" | sort; }
key_forces eval.xyz 2 2 > eval.forces
key_forces forces_native.dump 9 2 > native.forces
# compare WHAT ROW_A ROW_B FORCES_A FORCES_B: relative differences of energy, pressure tensor (to its largest
# component) and forces (to the largest force component) must be <= 1e-9.
compare() {
  local what=$1 rel
  rel=$(paste <(echo "$2") <(echo "$3") | awk '{ n = NF / 2; de = $2 - $(n + 2); if (de < 0) de = -de; re = de / ($2 < 0 ? -$2 : $2)
      for (c = 3; c <= n; c++) { v = $c < 0 ? -$c : $c; if (v > pm) pm = v; d = $c - $(n + c); if (d < 0) d = -d; if (d > dp) dp = d }
      printf "%.3g %.3g", re, dp / pm }')
  local relf
  relf=$(paste "$4" "$5" | awk '{ for (c = 2; c <= 4; c++) { v = $c < 0 ? -$c : $c; if (v > fm) fm = v
      d = $c - $(c + 4); if (d < 0) d = -d; if (d > df) df = d } if ($1 != $5) bad = 1 }
      END { if (bad || NR == 0) print "nan"; else printf "%.3g", df / fm }')
  read -r re rp <<< "$rel"
  echo "$what: energy $re, pressure tensor $rp, forces $relf (relative)"
  awk -v a="$re" -v b="$rp" -v c="$relf" 'BEGIN { exit !(c != "nan" && a <= 1e-9 && b <= 1e-9 && c <= 1e-9) }' &&
    pass "$what agree to 1e-9" || fail "$what differ: energy $re, pressure $rp, forces $relf"
}
compare "native sw vs mlp-eval" "$(thermo_row native.log)" "$(cat eval.row)" native.forces eval.forces
ranks="1"
[ "$have_mpi" = 1 ] && ranks="1 2 4"
for np in $ranks; do
  rm -f forces_kim.dump
  if run_lmp "$np" in.kim kim$np.log > out$np 2>&1; then
    key_forces forces_kim.dump 9 2 > kim$np.forces
    compare "KIM ($np rank(s)) vs mlp-eval" "$(thermo_row kim$np.log)" "$(cat eval.row)" kim$np.forces eval.forces
    compare "KIM ($np rank(s)) vs native sw" "$(thermo_row kim$np.log)" "$(thermo_row native.log)" kim$np.forces native.forces
    # Per-atom energies against mlp-eval --per-atom; -Σ stress/atom / V against the pressure tensor.
    awk 'NR > 9 { printf "%.6f_%.6f_%.6f %s\n", $1, $2, $3, $4 }' peratom.dump | sort > kim$np.peratom
    pa=$(paste kim$np.peratom eval.peratom | awk '{ if ($1 != $3) bad = 1; v = $4 < 0 ? -$4 : $4; if (v > m) m = v
           d = $2 - $4; if (d < 0) d = -d; if (d > dm) dm = d } END { if (bad || NR == 0) print "nan"; else printf "%.3g", dm / m }')
    pv=$(awk -v row="$(thermo_row kim$np.log)" 'NR == 6 { V = $2 - $1 } NR == 7 { V *= $2 - $1 } NR == 8 { V *= $2 - $1 }
           NR > 9 { for (c = 1; c <= 6; c++) s[c] += $(4 + c) }
           END { split(row, p, " "); for (c = 1; c <= 6; c++) { v = p[2 + c] < 0 ? -p[2 + c] : p[2 + c]; if (v > m) m = v
                 d = -s[c] / V - p[2 + c]; if (d < 0) d = -d; if (d > dm) dm = d } printf "%.3g", dm / m }' peratom.dump)
    echo "KIM ($np rank(s)) per atom: energies vs mlp-eval $pa, -sum(stress/atom)/V vs pressure tensor $pv (relative)"
    awk -v a="$pa" -v b="$pv" 'BEGIN { exit !(a != "nan" && a <= 1e-9 && b <= 1e-9) }' &&
      pass "KIM ($np rank(s)) per-atom energies and virials agree to 1e-9" || fail "KIM ($np rank(s)) per-atom values: $pa, $pv"
  else
    fail "KIM lmp run with $np rank(s): $(grep -m1 ERROR kim$np.log out$np)"
  fi
done

# Unit style real (kcal/mol, atm): the same run 0 through the driver's unit conversion. Energy ratio = KIM's
# eV -> kcal/mol factor (23.0605...), pressure ratio = bar -> atm.
static "kim init mlp_SW_Si real" "$KIM_PAIR" real
if run_lmp 1 in.real real.log > /dev/null 2>&1; then
  ratios=$(paste <(thermo_row real.log) <(thermo_row kim1.log) | awk '{ printf "%.9g %.9g", $2 / $10, $3 / $11 }')
  read -r re rp <<< "$ratios"
  echo "real/metal: energy ratio $re, pxx ratio $rp"
  awk -v a="$re" -v b="$rp" 'BEGIN { exit !(a > 23.0604 && a < 23.0606 && (b * 1.01325 - 1) ^ 2 < 1e-12) }' &&
    pass "unit style real converts energy and pressure" || fail "real units: ratios $re $rp"
else
  fail "real units run: $(grep -m1 ERROR real.log)"
fi

# NVE, 200 steps: identical thermo with 1 and 2 ranks; energy conserved. `loop geom` makes the velocities
# independent of the decomposition.
{ setup "$KIM_INIT" "$KIM_PAIR"; cat << LMP
velocity all create 1000 4928 mom yes rot yes loop geom
thermo_style custom step temp pe ke etotal press pxx pyy pzz pxy
thermo_modify format float %.12g
thermo 50
timestep 0.001
fix 1 all nve
run 200
LMP
} > in.nve
run_lmp 1 in.nve nve1.log > /dev/null 2>&1 || fail "NVE run, 1 rank"
awk '/^ *Step/ { on = 1; next } /^Loop/ { on = 0 } on' nve1.log > nve1.thermo
if [ "$have_mpi" = 1 ]; then
  run_lmp 2 in.nve nve2.log > /dev/null 2>&1 || fail "NVE run, 2 ranks"
  awk '/^ *Step/ { on = 1; next } /^Loop/ { on = 0 } on' nve2.log > nve2.thermo
  [ -s nve1.thermo ] && cmp -s nve1.thermo nve2.thermo && pass "NVE thermo identical with 1 and 2 ranks (12 digits, $(wc -l < nve1.thermo) rows)" ||
    fail "NVE thermo differs between 1 and 2 ranks: $(diff nve1.thermo nve2.thermo | head -4)"
fi
drift=$(awk 'NR == 1 { e0 = $5 } { e = $5 } END { d = (e - e0) / e0; if (d < 0) d = -d; printf "%.3g", d }' nve1.thermo)
echo "NVE 200 steps: relative total-energy change $drift"
awk -v d="$drift" 'BEGIN { exit !(d < 1e-5) }' && pass "NVE conserves energy" || fail "NVE energy drift $drift"

# NVT (Nosé-Hoover) 200 steps at 1000 K with a dump.
{ setup "$KIM_INIT" "$KIM_PAIR"; cat << LMP
velocity all create 1000 4928 mom yes rot yes loop geom
thermo_style custom step temp pe etotal press
thermo 100
timestep 0.001
fix 1 all nvt temp 1000 1000 0.1
dump d all custom 100 nvt.dump id type x y z fx fy fz
run 200
LMP
} > in.nvt
if run_lmp 1 in.nvt nvt.log > /dev/null 2>&1; then
  t=$(awk '/^ *Step/ { on = 1; next } /^Loop/ { on = 0 } on { t = $2 } END { print t }' nvt.log)
  awk -v t="$t" 'BEGIN { exit !(t > 300 && t < 2000) }' && [ "$(grep -c 'ITEM: TIMESTEP' nvt.dump)" = 3 ] &&
    pass "NVT run (final T = $t K, 3 dump frames)" || fail "NVT run: final T '$t'"
else
  fail "NVT run: $(grep -m1 ERROR nvt.log)"
fi

# Learned model files (MODL): a linear and a GAP SOAP model (also with a two-body term whose cutoff exceeds the SOAP
# cutoff) and a small BPNN on ACSF fitted here on the shipped Si frames run through the same driver and agree with
# mlp-eval to 1e-9, serially and with domain decomposition.
for kind in linear gap gap2b bpnn; do
  case $kind in
    linear) fit_options="--model-type linear --preset soap-small"; name=mlp_Linear_Si ;;
    gap) fit_options="--model-type gap --sparse-points 30 --preset soap-small"; name=mlp_Gap_Si ;;
    gap2b) fit_options="--model-type gap --sparse-points 30 --preset soap-small --two-body --two-body-cutoff 5.5"
           name=mlp_Gap2b_Si ;;
    bpnn) fit_options="--model-type bpnn --preset acsf-small --layers 8 --epochs 3"; name=mlp_Bpnn_Si ;;
  esac
  # shellcheck disable=SC2086
  if ! "$MLP_BIN/mlp-fit" -q $fit_options "$MLP_SRC/share/mlp/examples/si_mlearn_test.extxyz" \
       -o $kind.mlp > fit_$kind.out 2>&1; then
    fail "mlp-fit of the $kind model for KIM: $(tail -n 3 fit_$kind.out)"
    continue
  fi
  "$INSTALL" --model "$TMP/$kind.mlp" --name $name --species Si --dir "$TMP/models" > /dev/null ||
    fail "mlp-kim-install of the $kind model file"
  static "kim init $name metal" "$KIM_PAIR" $kind
  "$MLP_BIN/mlp-eval" -q -m $kind.mlp start.xyz -o eval_$kind.xyz || fail "mlp-eval of the $kind model"
  awk 'NR == 2 { match($0, /MLP_energy=[^ ]*/); e = substr($0, RSTART + 11, RLENGTH - 11)
                 match($0, /MLP_stress="[^"]*"/); split(substr($0, RSTART + 12, RLENGTH - 13), s, " ")
                 k = 1.6021765e6
                 printf "0 %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", e, -k * s[1], -k * s[5], -k * s[9], -k * s[2], -k * s[3], -k * s[6] }' \
    eval_$kind.xyz > eval_$kind.row
  key_forces eval_$kind.xyz 2 2 > eval_$kind.forces
  for np in $ranks; do
    rm -f forces_$kind.dump
    if run_lmp "$np" in.$kind $kind$np.log > /dev/null 2>&1; then
      key_forces forces_$kind.dump 9 2 > $kind$np.forces
      compare "$kind model through KIM ($np rank(s)) vs mlp-eval" "$(thermo_row $kind$np.log)" \
        "$(cat eval_$kind.row)" $kind$np.forces eval_$kind.forces
    else
      fail "$kind model lmp run with $np rank(s): $(grep -m1 ERROR $kind$np.log)"
    fi
  done
done

# Bad input: a species the model does not know, a corrupt model file.
setup "$KIM_INIT" "kim interactions C" > in.badspecies
expect_status 1 "kim interactions with an unknown species fails" -- lmp -nocite -log bad1.log -in in.badspecies
grep -q "ERROR" bad1.log && pass "unknown species: ERROR in the LAMMPS output ($(grep -m1 ERROR bad1.log))" ||
  fail "unknown species: no ERROR line"
"$INSTALL" --model sw --name mlp_SW_SiC --species "Si C" --dir "$TMP/models" > /dev/null || fail "install SiC"
setup "kim init mlp_SW_SiC metal" "$KIM_PAIR" > in.sic
expect_status 1 "kim init of a model installed for a species it does not know fails" -- lmp -nocite -log bad3.log -in in.sic
grep -q "mlp KIM driver: .*Si only" "$TMP/err" && pass "unsupported species: $(grep -m1 'mlp KIM driver' "$TMP/err" | head -c 150)" ||
  fail "unsupported species: no clear message"
printf 'sw:epsilon=oops\n' > corrupt.model
"$INSTALL" --model corrupt.model --name mlp_corrupt --species Si --dir "$TMP/models" > /dev/null || fail "install corrupt"
setup "kim init mlp_corrupt metal" "$KIM_PAIR" > in.corrupt
expect_status 1 "kim init with a corrupt model file fails" -- lmp -nocite -log bad2.log -in in.corrupt
grep -q "ERROR" bad2.log && grep -q "mlp KIM driver: .*epsilon" kim.log && grep -q "mlp KIM driver: .*epsilon" "$TMP/err" &&
  pass "corrupt model: ERROR in the LAMMPS output, the reason on stderr and in kim.log ($(grep -m1 'mlp KIM driver' "$TMP/err" | head -c 150))" ||
  fail "corrupt model: no clear message"
expect_status 1 "mlp-kim-install refuses a missing model file" -- "$INSTALL" --model missing/x.model --name mlp_missing --species Si --dir "$TMP/models"
grep -q "not found" "$TMP/err" && pass "missing model file: message" || fail "missing model file: no message"
finish
