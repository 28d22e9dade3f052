#!/usr/bin/env python3
"""Compare mlp's extxyz reader and writer with ASE (called by tests/io/test_ase_conformance.cpp).

Usage: ase_conformance.py MANIFEST
MANIFEST lines: original<TAB>dump.jsonl<TAB>rewrite.extxyz<TAB>stride
  dump.jsonl     what mlp::ExtxyzReader read from frames 0, stride, 2*stride, ... (one JSON object per frame)
  rewrite.extxyz those frames written by mlp::write_extxyz
Checks, for every compared frame:
  1. mlp == ase.io.read(original, '::stride'): numbers, positions, cell, pbc, info (keys, order, type, value),
     arrays (names, order, type, shape, value), and ASE's calculator results (energy, forces, stress).
  2. ase.io.read(rewrite, ':') == ase.io.read(original, '::stride'), the same items.
All numbers bit-exact (including -0.0 and NaN). Prints one line per file, then ALL AGREE or the differences;
exit status 0 only if everything agrees.
"""
import json
import sys

import numpy as np
import ase.io

# Our column names -> ASE's arrays names (ASE maps charge -> charges -> Atoms(charges=) -> 'initial_charges').
NAME_MAP = {'pos': 'positions', 'Z': 'numbers', 'charge': 'initial_charges', 'species': 'symbols'}
# Keys ASE reshapes to 3x3; we store them as 9 doubles whatever the file had, so int vs real is not a difference.
SPECIAL_3_3 = ('stress', 'virial')
TYPE_OF_DTYPE = {'f': 'R', 'i': 'I', 'b': 'L', 'U': 'S', 'O': 'S'}


def bits_equal(a, b):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
    b = np.ascontiguousarray(np.asarray(b, dtype=np.float64))
    if a.shape != b.shape:
        return False
    if np.array_equal(a.view(np.int64), b.view(np.int64)):
        return True
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all((a.view(np.int64) == b.view(np.int64)) | both_nan))


def kind_of_ase(v):
    """(kind, comparable value) of an ASE info value; kinds as in our dump."""
    if isinstance(v, (bool, np.bool_)):
        return 'b', bool(v)
    if isinstance(v, (int, np.integer)):
        return 'i', int(v)
    if isinstance(v, (float, np.floating)):
        return 'r', float(v)
    if isinstance(v, str):
        return 's', v
    if isinstance(v, np.ndarray):
        if v.dtype.kind == 'b':
            return 'vb', [bool(x) for x in v.ravel()]
        if v.dtype.kind == 'i':
            return 'vi', [int(x) for x in v.ravel()]  # 3x3 keys: C order = row-major, as we store them
        if v.dtype.kind == 'f':
            return 'vr', v.ravel()
        return 'other', v
    if isinstance(v, list):
        if all(isinstance(x, (bool, np.bool_)) for x in v):
            return 'vb', [bool(x) for x in v]
        if all(isinstance(x, str) for x in v):
            return 'vs', v
    return 'other', v


def same_value(kind, a, b):
    if kind in ('r', 'vr'):
        return bits_equal(a, b)
    return a == b


class Checker:
    def __init__(self):
        self.errors = []

    def fail(self, where, msg):
        if len(self.errors) < 200:
            self.errors.append('%s: %s' % (where, msg))

    def compare_atoms(self, where, ref, other, ours_is_dump):
        """ref: ASE Atoms; other: ASE Atoms or our dump dict."""
        if ours_is_dump:
            numbers = np.array(other['numbers'], dtype=int)
            positions = np.array(other['positions'], dtype=float).reshape(-1, 3)
            cell = np.array(other['cell'], dtype=float).reshape(3, 3)
            pbc = [bool(x) for x in other['pbc']]
            info = [(k, t, v) for k, t, v in other['info']]
        else:
            numbers, positions, cell, pbc = other.numbers, other.positions, other.cell[:], list(other.pbc)
            info = [(k,) + kind_of_ase(v) for k, v in other.info.items()]
        if len(numbers) != len(ref) or list(numbers) != list(ref.numbers):
            self.fail(where, 'species differ: %s vs ASE %s' % (list(numbers)[:8], list(ref.numbers)[:8]))
            return
        if not bits_equal(positions, ref.positions):
            self.fail(where, 'positions differ (max abs diff %g)' % np.max(np.abs(positions - ref.positions)))
        if not bits_equal(cell, ref.cell[:]):
            self.fail(where, 'cell differs: %s vs ASE %s' % (cell.ravel(), ref.cell[:].ravel()))
        if list(pbc) != [bool(x) for x in ref.pbc]:
            self.fail(where, 'pbc differs: %s vs ASE %s' % (pbc, list(ref.pbc)))
        ref_info = [(k,) + kind_of_ase(v) for k, v in ref.info.items()]
        if [k for k, _, _ in info] != [k for k, _, _ in ref_info]:
            self.fail(where, 'info keys differ: %s vs ASE %s' % ([k for k, _, _ in info], [k for k, _, _ in ref_info]))
        else:
            for (k, t, v), (_, rt, rv) in zip(info, ref_info):
                if k in SPECIAL_3_3 and {t, rt} <= {'vi', 'vr'}:
                    t = rt = 'vr'
                if t != rt:
                    self.fail(where, 'info %s: type %s vs ASE %s (%r vs %r)' % (k, t, rt, v, rv))
                elif not same_value(t, v, rv):
                    self.fail(where, 'info %s: %r vs ASE %r' % (k, v, rv))
        # per-atom arrays
        ref_arrays = [(k, v) for k, v in ref.arrays.items() if k not in ('numbers', 'positions')]
        if ours_is_dump:
            arrays = []
            for name, typ, width, vals in other['arrays']:
                name = NAME_MAP.get(name, name)
                if typ == 'S':
                    a = np.array(vals, dtype=object)
                elif typ == 'L':
                    a = np.array(vals, dtype=bool)
                elif typ == 'I':
                    a = np.array(vals, dtype=np.int64)
                else:
                    a = np.array(vals, dtype=float)
                if width > 1:
                    a = a.reshape(-1, width)
                arrays.append((name, typ, a))
        else:
            arrays = [(k, TYPE_OF_DTYPE.get(v.dtype.kind, '?'), v) for k, v in other.arrays.items()
                      if k not in ('numbers', 'positions')]
        if [a[0] for a in arrays] != [k for k, _ in ref_arrays]:
            self.fail(where, 'arrays differ: %s vs ASE %s' % ([a[0] for a in arrays], [k for k, _ in ref_arrays]))
        else:
            for (name, typ, a), (_, r) in zip(arrays, ref_arrays):
                rt = TYPE_OF_DTYPE.get(r.dtype.kind, '?')
                if typ != rt or a.shape != r.shape:
                    self.fail(where, 'array %s: type/shape %s %s vs ASE %s %s' % (name, typ, a.shape, rt, r.shape))
                elif typ == 'R':
                    if not bits_equal(a, r):
                        self.fail(where, 'array %s differs' % name)
                elif not np.array_equal(np.asarray(a).astype(r.dtype), r):
                    self.fail(where, 'array %s differs' % name)
        # calculator results ASE derives from info/arrays
        if ref.calc is not None:
            res = ref.calc.results
            dinfo = {k: v for k, _, v in info}
            if 'energy' in res and not bits_equal(dinfo.get('energy', np.nan), res['energy']):
                self.fail(where, 'energy %r vs ASE %r' % (dinfo.get('energy'), res['energy']))
            if 'stress' in res:
                s = np.asarray(dinfo.get('stress', []), dtype=float)
                if s.size == 9:
                    s = s.reshape(3, 3)
                    s = [s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]]
                if not bits_equal(s, res['stress']):
                    self.fail(where, 'stress %s vs ASE %s' % (s, res['stress']))
            if 'forces' in res:
                f = [a for n, _, a in arrays if n == 'forces']
                if not f or not bits_equal(f[0], res['forces']):
                    self.fail(where, 'forces differ')


def main():
    checker = Checker()
    files = frames = 0
    for line in open(sys.argv[1]):
        original, dump, rewrite, stride = line.rstrip('\n').split('\t')
        stride = int(stride)
        ref = ase.io.read(original, '::%d' % stride, format='extxyz')
        ours = [json.loads(x) for x in open(dump)]
        back = ase.io.read(rewrite, ':', format='extxyz') if ours else []
        short = '/'.join(original.split('/')[-2:])
        n_err = len(checker.errors)
        if len(ours) != len(ref) or len(back) != len(ref):
            checker.fail(short, 'frame count: mlp %d, mlp rewrite read by ASE %d, ASE %d' % (len(ours), len(back), len(ref)))
        for i, (r, o, b) in enumerate(zip(ref, ours, back)):
            checker.compare_atoms('%s frame %d (mlp reader)' % (short, i * stride), r, o, True)
            checker.compare_atoms('%s frame %d (mlp writer, ASE reader)' % (short, i * stride), r, b, False)
        files += 1
        frames += len(ref)
        print('%-60s %6d frames compared%s %s' % (short, len(ref), '' if stride == 1 else ' (every %dth)' % stride,
                                                  'ok' if len(checker.errors) == n_err else 'DIFFER'))
    for e in checker.errors:
        print('  ' + e)
    if checker.errors:
        print('DIFFERENCES FOUND (%d shown)' % len(checker.errors))
        return 1
    print('ALL AGREE: %d files, %d frames' % (files, frames))
    return 0


if __name__ == '__main__':
    sys.exit(main())
