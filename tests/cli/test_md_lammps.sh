#!/usr/bin/env bash
# mlp-md NVE against LAMMPS (Debian lmp, pair_style sw, Si.sw) from the same start frame (positions, velocities,
# masses): after 200 steps of 1 fs the positions and velocities agree, which checks the integrator, the units
# (Å/fs against metal Å/ps, amu, eV) and the force field together. LAMMPS metal units use mvv2e = 1.0364269e-4
# (8 digits), mlp the CODATA value 103.6426965 eV per amu·Å²/fs²: a relative difference of 6e-8 in the
# accelerations, about 1e-7 Å in the positions after 200 fs; the tolerances allow that. Skipped without lmp.
source "$(dirname "$0")/common.sh"
MD="$MLP_BIN/mlp-md"
SI="$MLP_FIXTURES/md/si64.xyz"
POT=/usr/share/lammps/potentials/Si.sw
command -v lmp > /dev/null && [ -r "$POT" ] || { echo "SKIPPED: no lmp or $POT"; exit 77; }
cd "$TMP" || exit 1
steps=200

# Start frame with Maxwell-Boltzmann velocities at 1000 K and explicit masses (so both codes use the same ones).
"$MD" --model sw --steps 0 --initial-temperature 1000 --seed 5 -q "$SI" |
  awk 'NR == 2 { sub(/Properties=[^ ]*/, "Properties=species:S:1:pos:R:3:velocities:R:3:masses:R:1") } NR > 2 { $0 = $1 " " $2 " " $3 " " $4 " " $5 " " $6 " " $7 " 28.0855" } { print }' \
  > start.xyz
"$MD" --model sw --steps "$steps" --traj-every "$steps" --skin 1.0 --no-drift-removal -q start.xyz -o ours.xyz ||
  fail "mlp-md run"
awk 'NR == 1 { n = $1 } NR == 2 { match($0, /Lattice="[^"]*"/); split(substr($0, RSTART + 9, RLENGTH - 10), c, " ")
       print "start\n\n" n " atoms\n1 atom types\n"; printf "0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n\n", c[1], c[5], c[9]
       print "Masses\n\n1 28.0855\n\nAtoms # atomic\n" }
     NR > 2 { i++; x[i] = $2; y[i] = $3; z[i] = $4; vx[i] = $5; vy[i] = $6; vz[i] = $7 }
     END { for (k = 1; k <= n; k++) printf "%d 1 %.17g %.17g %.17g\n", k, x[k], y[k], z[k]
           print "\nVelocities\n"
           for (k = 1; k <= n; k++) printf "%d %.17g %.17g %.17g\n", k, 1000 * vx[k], 1000 * vy[k], 1000 * vz[k] }' \
  start.xyz > start.data
cat > in.md << LMP
units metal
atom_style atomic
boundary p p p
atom_modify map array
read_data start.data
pair_style sw
pair_coeff * * $POT Si
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
timestep 0.001
fix 1 all nve
thermo_style custom step pe ke etotal
thermo_modify format float %.15g
thermo $steps
run $steps
write_dump all custom final.dump id xu yu zu vx vy vz modify sort id format float %.17g
LMP
lmp -nocite -screen none -log log.lammps -in in.md || fail "lmp run"
# Largest position (Å) and velocity (Å/fs) differences.
read -r dx dv < <(paste <(tail -n 64 ours.xyz) <(tail -n 64 final.dump) | awk '
  { for (c = 0; c < 3; c++) { d = $(2 + c) - $(13 + c); if (d < 0) d = -d; if (d > mx) mx = d
                              e = $(5 + c) - $(16 + c) / 1000; if (e < 0) e = -e; if (e > mv) mv = e } }
  END { printf "%.3g %.3g\n", mx, mv }')
echo "after $steps steps: max |dx| $dx Å, max |dv| $dv Å/fs"
awk -v d="$dx" 'BEGIN { exit !(d < 1e-6) }' && pass "positions agree with LAMMPS" || fail "positions differ by $dx Å"
awk -v d="$dv" 'BEGIN { exit !(d < 1e-8) }' && pass "velocities agree with LAMMPS" || fail "velocities differ by $dv Å/fs"
e_lmp=$(awk '/^ *Step/ { getline; getline; print $2 }' log.lammps)
e_ours=$(grep -o 'MLP_energy=[^ ]*' ours.xyz | cut -d= -f2 | tail -n 1)
awk -v a="$e_lmp" -v b="$e_ours" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-5) }' &&
  pass "final potential energy agrees ($e_ours eV)" || fail "final energy: LAMMPS $e_lmp, mlp-md $e_ours"
finish
