#!/usr/bin/env python3
"""Reference neighbour lists from ASE for tests/geom/test_neighbor_list.cpp.

Usage: ase_neighbors.py FILE:FRAME:CUTOFF[:PBC] ...
For each argument, reads frame FRAME of the extxyz FILE with ASE (not with mlp's reader, so the test does not
depend on it), optionally overrides pbc (e.g. TTF), and prints the geometry with round-trip precision followed
by ase.neighborlist.neighbor_list('ijS') for CUTOFF, sorted:

    case <argument>
    pbc <0|1> <0|1> <0|1>
    cell <9 numbers, rows a, b, c>
    atoms <N>
    <Z> <x> <y> <z>          (N lines)
    pairs <M>
    <i> <j> <S1> <S2> <S3>   (M lines)
"""
import sys

import ase.io
import numpy as np
from ase.neighborlist import neighbor_list


def main(argv):
    if not argv:
        sys.exit(__doc__)
    out = []
    for spec in argv:
        parts = spec.split(":")
        path, frame, cutoff = parts[0], int(parts[1]), float(parts[2])
        atoms = ase.io.read(path, index=frame)
        if len(parts) > 3:
            atoms.pbc = [c == "T" for c in parts[3]]
        i, j, S = neighbor_list("ijS", atoms, cutoff)
        order = np.lexsort((S[:, 2], S[:, 1], S[:, 0], j, i))
        out.append("case " + spec)
        out.append("pbc " + " ".join(str(int(p)) for p in atoms.pbc))
        out.append("cell " + " ".join(repr(float(x)) for x in atoms.cell.array.ravel()))
        out.append("atoms %d" % len(atoms))
        for z, r in zip(atoms.numbers, atoms.positions):
            out.append("%d %r %r %r" % (z, float(r[0]), float(r[1]), float(r[2])))
        out.append("pairs %d" % len(i))
        for k in order:
            out.append("%d %d %d %d %d" % (i[k], j[k], S[k, 0], S[k, 1], S[k, 2]))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
