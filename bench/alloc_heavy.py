"""Allocation-heavy python3 workload for the leaktrace benchmark suite.

Builds and drops many objects of mixed sizes: small ones (served by
pymalloc's arenas, which come from malloc/mmap in 256 KiB chunks) and
larger ones (strings, bytes, lists and dicts over 512 bytes, which go to
malloc/realloc/free directly), keeping a live set of a few tens of
thousands of objects while it churns.  Deterministic; prints a checksum.

    python3 bench/alloc_heavy.py [scale]

scale (default 1.0) multiplies the number of rounds.
"""
import sys


def churn(rounds):
    live = [None] * 20000
    total = 0
    x = 12345
    for i in range(rounds):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        kind = x % 6
        if kind == 0:
            obj = "s%d-" % i * (1 + x % 60)           # str, up to ~500 chars
        elif kind == 1:
            obj = bytes(64 + x % 2000)                 # bytes, malloc'd
        elif kind == 2:
            obj = list(range(x % 300))                 # list, realloc growth
        elif kind == 3:
            obj = {j: j * 2 for j in range(x % 80)}    # dict, resized tables
        elif kind == 4:
            obj = tuple(str(j) for j in range(x % 40))
        else:
            obj = bytearray(b"ab") * (1 + x % 700)
        total += len(obj)
        live[x % len(live)] = obj
    return total


def text_work(n):
    words = []
    for i in range(n):
        words.append("word%05d" % (i * 7919 % 100000))
    text = " ".join(words)
    counts = {}
    for w in text.split():
        counts[w[:6]] = counts.get(w[:6], 0) + 1
    return len(text) + sum(counts.values()) + len(sorted(counts))


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    total = churn(int(120000 * scale))
    total += text_work(int(90000 * scale))
    print("alloc_heavy checksum %d" % total)


if __name__ == "__main__":
    main()
