#!/usr/bin/env python3
"""Times whole processes for scripts/bench: median, min and max wall time over N runs, and the
peak RSS over 3 more runs under GNU time (`%M`; ru_maxrss of a child forked from Python would
count Python's own pages from before exec). Reads the case list as JSON on stdin:
[{"name": ..., "group": ..., "argv": [...], "runs": N, "expect": CODE}, ...] and prints a
Markdown table; writes the raw numbers as JSON to the path given as the first argument."""

import json
import os
import shutil
import tempfile
import statistics
import subprocess
import sys
import time


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(argv):
    start = time.perf_counter()
    code = subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000.0, code


def peak_rss_kib(argv):
    if GNU_TIME is None:
        return None
    peak = 0
    with tempfile.NamedTemporaryFile("r") as f:
        for _ in range(3):
            subprocess.call([GNU_TIME, "-f", "%M", "-o", f.name, *argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            f.seek(0)
            lines = [l for l in f.read().split() if l.isdigit()]
            if lines:
                peak = max(peak, int(lines[-1]))
    return peak


def mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def main():
    out_path = sys.argv[1]
    cases = json.load(sys.stdin)
    results = []
    for case in cases:
        runs = case.get("runs", 15)
        for _ in range(2):  # warm the page cache and the server
            run_once(case["argv"])
        times, codes = [], set()
        for _ in range(runs):
            ms, code = run_once(case["argv"])
            times.append(ms)
            codes.add(code)
        rss = peak_rss_kib(case["argv"])
        r = {
            "group": case["group"],
            "name": case["name"],
            "runs": runs,
            "median_ms": statistics.median(times),
            "min_ms": min(times),
            "max_ms": max(times),
            "peak_rss_kib": rss,
            "exit_codes": sorted(codes),
            "expected_exit": case.get("expect"),
        }
        results.append(r)
        flag = "" if case.get("expect") is None or codes == {case["expect"]} else \
            f"  (UNEXPECTED exit {sorted(codes)}, wanted {case['expect']})"
        print(f"  {r['group']:<22} {r['name']:<44} {r['median_ms']:9.2f} ms"
              f"  [{r['min_ms']:.2f}-{r['max_ms']:.2f}]  {mib(r['peak_rss_kib'])}{flag}",
              file=sys.stderr, flush=True)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=2)
    print("| group | command | median | min–max | peak RSS | exit |")
    print("|---|---|---:|---:|---:|---|")
    for r in results:
        print(f"| {r['group']} | {r['name']} | {r['median_ms']:.2f} ms | "
              f"{r['min_ms']:.2f}–{r['max_ms']:.2f} ms | {mib(r['peak_rss_kib'])} | "
              f"{','.join(map(str, r['exit_codes']))} |")


if __name__ == "__main__":
    main()
