#!/usr/bin/env python3
"""Generates the benchmark dataset: a mixed installation-like tree of about SIZE MiB.

Usage: gen_dataset.py DIR [SIZE_MIB]   (default 1024)
A third each of text logs, JSON documents and incompressible blobs, in nested
directories, deterministic for a given size (seeded), so runs are comparable.
"""
import json
import os
import random
import sys


def main():
    root = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    rng = random.Random(1705)
    budget = total << 20
    third = budget // 3
    words = ["run", "plan", "apply", "workspace", "state", "lock", "queued", "finished",
             "errored", "provider", "module", "resource", "output", "variable", "policy"]

    # Text logs: 4 MiB files of timestamped lines.
    written = 0
    n = 0
    while written < third:
        path = os.path.join(root, "logs", "%02d" % (n % 16), "app-%04d.log" % n)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        lines = []
        size = 0
        while size < (4 << 20):
            line = "2026-11-%02dT%02d:%02d:%02dZ %s run-%08x %s\n" % (
                rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                rng.choice(["INFO", "WARN", "DEBUG"]), rng.getrandbits(32),
                " ".join(rng.choice(words) for _ in range(rng.randint(4, 14))))
            lines.append(line)
            size += len(line)
        data = "".join(lines).encode()
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
        n += 1

    # JSON documents: many small-to-medium files.
    written = 0
    n = 0
    while written < third:
        path = os.path.join(root, "state", "%03d" % (n % 200), "ws-%06d.json" % n)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        doc = {"version": 4, "serial": n, "lineage": "%032x" % rng.getrandbits(128),
               "resources": [{"type": rng.choice(words), "name": "r%d" % i,
                              "attributes": {"id": "%016x" % rng.getrandbits(64),
                                             "tags": [rng.choice(words) for _ in range(5)]}}
                             for i in range(rng.randint(20, 400))]}
        data = json.dumps(doc, indent=2).encode()
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
        n += 1

    # Incompressible blobs: 16 MiB each.
    written = 0
    n = 0
    while written < third:
        path = os.path.join(root, "blobs", "blob-%04d.bin" % n)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = rng.randbytes(16 << 20)
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
        n += 1


if __name__ == "__main__":
    main()
