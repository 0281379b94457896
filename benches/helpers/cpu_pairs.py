#!/usr/bin/env python3
"""CPU time of whole processes in interleaved pairs, for scripts/bench (issue 27). Reads
[{"name": ..., "argv": [...], "floor": [...], "floor_name": ..., "env": {...}}] as JSON on stdin;
runs each pair RUNS times alternating (floor, wsdoctor) after 2 warm-ups, measures each child's
user + system CPU time from wait4's rusage (the child alone: no Python, no load from others
counted as ours) and its peak RSS (under GNU time), and prints one Markdown row per pair: medians and the ratio
of the medians. The CPU time is what a loaded machine distorts least; wall time is not used."""

import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(argv, env):
    # posix_spawn (vfork-like): no copy of Python's pages is made or charged to the child.
    null = [(os.POSIX_SPAWN_OPEN, i, os.devnull, os.O_RDWR, 0) for i in (0, 1, 2)]
    pid = os.posix_spawnp(argv[0], argv, {**os.environ, **env}, file_actions=null)
    _, status, ru = os.wait4(pid, 0)
    return (ru.ru_utime + ru.ru_stime) * 1000.0, os.waitstatus_to_exitcode(status)


def peak_rss_kib(argv, env):
    """Peak RSS under GNU time (a child spawned from Python would count Python's pages)."""
    if not os.access("/usr/bin/time", os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("r") as f:
        peak = 0
        for _ in range(3):
            subprocess.call(["/usr/bin/time", "-f", "%M", "-o", f.name, *argv],
                            env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            f.seek(0)
            vals = [int(v) for v in f.read().split() if v.isdigit()]
            if vals:
                peak = max(peak, vals[-1])
        return peak


def main():
    runs = int(sys.argv[1])
    out_path = sys.argv[2]
    cases = json.load(sys.stdin)
    results = []
    print("| | wsdoctor (CPU ms, median) | floor | floor (CPU ms, median) | ratio | wsdoctor peak RSS |")
    print("|---|---|---|---|---|---|")
    for c in cases:
        env = c.get("env", {})
        for _ in range(2):
            run(c["argv"], env)
            run(c["floor"], {})
        ours, floor, codes = [], [], set()
        for _ in range(runs):
            f_ms, _ = run(c["floor"], {})
            o_ms, code = run(c["argv"], env)
            floor.append(f_ms)
            ours.append(o_ms)
            codes.add(code)
        rss = peak_rss_kib(c["argv"], env) or 0
        o, f = statistics.median(ours), statistics.median(floor)
        r = {"name": c["name"], "floor": c["floor_name"], "runs": runs, "ours_ms": o,
             "floor_ms": f, "ratio": o / f if f else None, "peak_rss_kib": rss,
             "exit_codes": sorted(codes)}
        results.append(r)
        ratio = f"{o / f:.2f}×" if f else "n/a"
        print(f"| {c['name']} | {o:.2f} | {c['floor_name']} | {f:.2f} | {ratio} | {rss / 1024:.1f} MiB |",
              flush=True)
    with open(out_path, "w") as fh:
        json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
