#!/usr/bin/env python3
"""Writes a synthetic leaktrace report (format_version 1) with many groups, for scale tests.

usage: gen_big_report.py OUT.json [GROUPS=50000] [SEED=1]

Stacks are random walks down a fixed, skewed call tree, so they share prefixes the way a
real server's do (a few hot paths, a long tail); 5% of the groups are handles.
"""
import json
import random
import sys


def main() -> int:
    out = sys.argv[1]
    ngroups = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    files = ['/src/mod%03d/file%02d.c' % (i // 20, i % 20) for i in range(400)]
    funcs = ['fn_%04d' % i for i in range(3000)]
    funcs[:4] = ['main', 'server_loop', 'handle_request', 'parse_headers']
    # children of each function in the call tree, weighted towards the first ones
    children = {f: rnd.sample(funcs, 6) for f in funcs}
    where = {f: (rnd.choice(files), rnd.randint(1, 2000)) for f in funcs}
    classes = ['definitely_lost', 'indirectly_lost', 'possibly_lost', 'still_reachable']
    kinds = ['socket', 'fd', 'file', 'io_uring_buffer']
    by_class = {c: {'bytes': 0, 'blocks': 0} for c in classes + ['unclassified']}
    by_kind = {}
    leaks = []
    seen = set()
    gid = 0
    while len(leaks) < ngroups:
        depth = rnd.randint(4, 18)
        path = ['main']
        while len(path) < depth:
            kids = children[path[-1]]
            path.append(kids[min(int(rnd.expovariate(1.2)), len(kids) - 1)])
        leaf_addr = 0x400000 + rnd.randrange(1 << 20) * 16
        key = (tuple(path), leaf_addr)
        if key in seen:
            continue
        seen.add(key)
        gid += 1
        stack = []
        for depth_i, f in enumerate(reversed(path)):  # innermost first
            file, line = where[f]
            addr = leaf_addr if depth_i == 0 else 0x400000 + (hash(f) & 0xfffff) * 16
            stack.append({'address': '0x%x' % addr, 'function': f, 'file': file,
                          'line': line, 'module': '/usr/bin/bigserver', 'inlined': False})
        if rnd.random() < 0.05:
            kind = rnd.choice(kinds)
            count = rnd.randint(1, 4)
            g = {'id': gid, 'kind': kind, 'class': 'open', 'leaked': kind in ('socket', 'fd'),
                 'origin': 'traced', 'bytes': 4096 * count if kind == 'io_uring_buffer' else 0,
                 'count': count, 'stack_id': gid, 'oldest_ms': 1, 'newest_ms': 2,
                 'stack': stack, 'handles': []}
            for h in range(count):
                if kind == 'socket':
                    g['handles'].append({'fd': 100 + h, 'family': 'inet', 'type': 'stream',
                                         'local': '10.0.0.1:8080', 'peer': '10.0.0.9:%d' % (40000 + h),
                                         'tcp_state': rnd.choice(['CLOSE_WAIT', 'ESTABLISHED'])})
                elif kind == 'io_uring_buffer':
                    g['handles'].append({'ring_fd': 3, 'index': h, 'length': 4096})
                else:
                    g['handles'].append({'fd': 100 + h, 'path': '/var/data/f%d' % h})
            by_kind[kind] = by_kind.get(kind, 0) + count
        else:
            cls = rnd.choices(classes, weights=[6, 2, 1, 3])[0]
            count = rnd.randint(1, 50)
            g = {'id': gid, 'kind': 'memory', 'class': cls, 'leaked': cls in classes[:2],
                 'bytes': count * rnd.choice([16, 32, 48, 64, 128, 256, 1024, 4096]),
                 'count': count, 'stack_id': gid, 'oldest_ms': 1, 'newest_ms': 2, 'stack': stack}
            by_class[cls]['bytes'] += g['bytes']
            by_class[cls]['blocks'] += count
        leaks.append(g)
    leaks.sort(key=lambda g: (not g['leaked'], -g['bytes'], -g['count'], g['id']))
    for i, g in enumerate(leaks, 1):
        g['id'] = i
    leaked_bytes = sum(g['bytes'] for g in leaks if g['leaked'] and g['kind'] == 'memory')
    leaked_blocks = sum(g['count'] for g in leaks if g['leaked'] and g['kind'] == 'memory')
    leaked_handles = sum(g['count'] for g in leaks if g['leaked'] and g['kind'] != 'memory')
    report = {
        'tool': 'leaktrace', 'version': '0.1.0', 'format_version': 1, 'pid': 31337, 'ppid': 1,
        'exe': '/usr/bin/bigserver', 'reason': 'exit', 'sequence': 0,
        'time': '2026-11-26T10:00:00Z', 'uptime_ms': 3600000, 'classified': True,
        'gate': {'counted_classes': classes[:2], 'counted_handle_kinds': ['fd', 'socket'],
                 'threshold_bytes': 0, 'exitcode': 23, 'failed': leaked_bytes + leaked_handles > 0},
        'summary': {
            'leaked_bytes': leaked_bytes, 'leaked_blocks': leaked_blocks,
            'leaked_handles': leaked_handles,
            'live_bytes': sum(g['bytes'] for g in leaks if g['kind'] == 'memory'),
            'live_blocks': sum(g['count'] for g in leaks if g['kind'] == 'memory'),
            'live_handles': sum(g['count'] for g in leaks if g['kind'] != 'memory'),
            'by_class': by_class, 'by_kind': by_kind, 'unknown_handles': 0,
            'suppressed': {'bytes': 0, 'blocks': 0, 'handles': 0}},
        'leaks': leaks,
    }
    with open(out, 'w') as f:
        json.dump(report, f, separators=(',', ':'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
