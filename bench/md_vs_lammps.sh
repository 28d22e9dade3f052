#!/usr/bin/env bash
# NVE molecular dynamics, Stillinger-Weber Si, 8000 atoms (10×10×10 diamond cells, a = 5.431 Å), 1000 K
# Maxwell-Boltzmann velocities, time step 1 fs, neighbour skin 1 Å (rebuilt when an atom moved more than half
# the skin: LAMMPS `neigh_modify every 1 delay 0 check yes`), one core: mlp-md against the Debian `lmp`
# (pair_style sw, Si.sw) on the same start frame (positions and velocities: mlp-md draws the velocities, the
# LAMMPS data file is written from that frame). Both print the conserved energy and their timing; the output
# (trajectory, thermo) is written once at the end on both sides so the loop times are the dynamics alone.
# Each side runs three times; the fastest run counts.
# Usage: bench/md_vs_lammps.sh <build-dir> [steps]
set -euo pipefail
build=$(cd "${1:?usage: md_vs_lammps.sh <build-dir> [steps]}" && pwd)
steps=${2:-500}
md="$build/mlp-md"
lmp=${LMP:-lmp}
pot=${POT:-/usr/share/lammps/potentials/Si.sw}
if [ ! -x "$md" ]; then echo "md_vs_lammps: $md not built"; exit 0; fi
if ! command -v "$lmp" > /dev/null || [ ! -r "$pot" ]; then echo "md_vs_lammps: no lmp or $pot, skipped"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
pin=""
command -v taskset > /dev/null && pin="taskset -c 0"

# Start frame: diamond lattice, then mlp-md's Maxwell-Boltzmann velocities at 1000 K (zero momentum).
awk 'BEGIN {
  a = 5.431; n = 10; L = a * n
  split("0 0 0 0 .5 .5 .5 0 .5 .5 .5 0 .25 .25 .25 .25 .75 .75 .75 .25 .75 .75 .75 .25", b, " ")
  print 8 * n * n * n
  printf "Lattice=\"%.10f 0 0 0 %.10f 0 0 0 %.10f\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n", L, L, L
  for (x = 0; x < n; x++) for (y = 0; y < n; y++) for (z = 0; z < n; z++) for (k = 0; k < 8; k++)
    printf "Si %.10f %.10f %.10f\n", (x + b[3*k+1]) * a, (y + b[3*k+2]) * a, (z + b[3*k+3]) * a
}' > "$work/lattice.xyz"
"$md" --model sw --steps 0 --initial-temperature 1000 --seed 1 -q "$work/lattice.xyz" -o "$work/start.xyz"
# LAMMPS data file from that frame (metal units: velocities in Å/ps).
awk 'NR == 1 { n = $1 } NR == 2 { match($0, /Lattice="[^"]*"/); split(substr($0, RSTART + 9, RLENGTH - 10), c, " ")
       print "mlp start frame\n\n" n " atoms\n1 atom types\n"; printf "0 %.10f xlo xhi\n0 %.10f ylo yhi\n0 %.10f zlo zhi\n\n", c[1], c[5], c[9]
       print "Masses\n\n1 28.0855\n\nAtoms # atomic\n" }
     NR > 2 { i++; x[i] = $2; y[i] = $3; z[i] = $4; vx[i] = $5; vy[i] = $6; vz[i] = $7 }
     END { for (k = 1; k <= n; k++) printf "%d 1 %.17g %.17g %.17g\n", k, x[k], y[k], z[k]
           print "\nVelocities\n"
           for (k = 1; k <= n; k++) printf "%d %.17g %.17g %.17g\n", k, 1000 * vx[k], 1000 * vy[k], 1000 * vz[k] }' \
  "$work/start.xyz" > "$work/si8000.data"

cat > "$work/in.md" << LMP
units           metal
atom_style      atomic
boundary        p p p
atom_modify     map array
read_data       $work/si8000.data
pair_style      sw
pair_coeff      * * $pot Si
neighbor        1.0 bin
neigh_modify    every 1 delay 0 check yes
timestep        0.001
fix             1 all nve
thermo_style    custom step temp pe etotal
thermo_modify   format float %.10g
thermo          $steps
run             $steps
LMP
for r in 1 2 3; do
  $pin "$lmp" -nocite -screen none -log "$work/log.$r" -in "$work/in.md"
  $pin "$md" --model sw --steps "$steps" --skin 1.0 --timestep 1 --traj-every "$steps" --thermo-every "$steps" \
    --thermo "$work/thermo.$r.tsv" "$work/start.xyz" -o /dev/null 2> "$work/md.$r.txt"
done
lmp_loop=$(for r in 1 2 3; do awk '/^Loop time/ { print $4 }' "$work/log.$r"; done | sort -g | head -1)
lmp_builds=$(awk '/^Neighbor list builds/ { print $NF }' "$work/log.1")
our_model=$(sed -n "s/.*(model \([0-9.]*\)%).*/\1/p" "$work/md.1.txt")
lmp_model=$(awk -F'|' '/^Pair / { p = $6 + 0 } /^Neigh / { q = $6 + 0 } END { print p + q }' "$work/log.1")
lmp_e=$(awk '/Step +Temp/ { getline; e0 = $4; getline; print e0, $4; exit }' "$work/log.1")
ours=$(for r in 1 2 3; do sed -n 's/.*steps in \([0-9.e+-]*\) s.*/\1/p' "$work/md.$r.txt"; done | sort -g | head -1)
our_builds=$(sed -n 's/.* \([0-9]*\) neighbour-list builds.*/\1/p' "$work/md.1.txt")
our_e=$(awk 'NR == 2 { e0 = $6 } END { print e0, $6 }' "$work/thermo.1.tsv")
version=$("$lmp" -h | sed -n 2p | sed 's/Large-scale Atomic\/Molecular Massively Parallel Simulator - //')

awk -v n=8000 -v steps="$steps" -v lt="$lmp_loop" -v mt="$ours" -v lb="$lmp_builds" -v mb="$our_builds" \
    -v le="$lmp_e" -v me="$our_e" -v ver="$version" -v om="$our_model" -v lm="$lmp_model" 'BEGIN {
  split(le, l, " "); split(me, m, " ")
  lu = lt / steps / n * 1e6; mu = mt / steps / n * 1e6
  printf "NVE Stillinger-Weber Si, %d atoms, 1000 K start, dt 1 fs, skin 1 A, %d steps, one core (best of 3)\n", n, steps
  printf "%-10s %16s %10s %22s %22s\n", "", "us/atom/step", "builds", "E_total(0) eV", "E_total(end) eV"
  printf "%-10s %16.4f %10d %22.10f %22.10f\n", "mlp-md", mu, mb, m[1], m[2]
  printf "%-10s %16.4f %10d %22.10f %22.10f\n", "LAMMPS", lu, lb, l[1], l[2]
  printf "share of the step in the force field + neighbour list: mlp-md %.1f %%, LAMMPS %.1f %% (Pair + Neigh)\n", om, lm
  printf "ratio mlp-md / LAMMPS: %.3f (goal <= 1.1)\n", mu / lu
  printf "LAMMPS %s; mlp-md loop time from its own timer (dynamics, checks, no output)\n", ver
}'
