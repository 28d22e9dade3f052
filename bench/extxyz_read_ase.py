#!/usr/bin/env python3
"""Baseline for bench/extxyz_read.sh: time ase.io.read(f, ':') on each file given.

Repeats whole reads until at least --min-time seconds (default 2) have passed and prints, per file,
  <file> <frames> <bytes> <passes> <seconds per pass> <frames/s> <MB/s>
(the same columns as bench_extxyz_read).
"""
import os
import sys
import time

import ase
import ase.io


def main(argv):
    min_time = 2.0
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == '--min-time':
            min_time = float(argv[i + 1])
            i += 2
        else:
            files.append(argv[i])
            i += 1
    for f in files:
        size = os.path.getsize(f)
        passes = 0
        t0 = time.perf_counter()
        while True:
            frames = len(ase.io.read(f, ':', format='extxyz'))
            passes += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= min_time:
                break
        per_pass = elapsed / passes
        print('%s %d %d %d %.6f %.1f %.1f' % (f, frames, size, passes, per_pass, frames / per_pass,
                                               size / per_pass / 1e6))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
