#!/usr/bin/env python3
"""Interleaved start-up timings: every round runs each command once, in a rotating order, so a busy moment
of the machine hurts all of them alike; medians, not means, are reported.

Usage: interleave.py [--runs N] [--warmup N] [--prep NAME=CMD] [--check NAME=CMD] [--parallel NAME=K] NAME=CMD...

Each timed run spawns CMD (split like a shell would, no shell started) with stdin and stdout on /dev/null
and stderr inherited, and waits for it; the time is from just before the spawn to the reaping of the last
process. --parallel NAME=K starts K copies of NAME at once (the time is until all have exited). --prep
NAME=CMD runs CMD, untimed, before every run of NAME (warm-up rounds too); --check NAME=CMD runs CMD,
untimed, after every timed run of NAME, and its stdout (one line) is reported per run. Any non-zero exit
stops everything with the command named.

Prints one JSON object per command: name, runs, median_ms, p10_ms, p90_ms, min_ms, cpu_median_ms (user +
system time of all its processes, which other load on the machine hardly changes) and checks (the --check
lines). No peak RSS here: a child spawned from Python inherits Python's high-water mark (Linux keeps the
pre-exec mm's peak), so .ci/bench measures RSS with GNU time, whose own footprint is small.
"""
import argparse, json, os, shlex, shutil, statistics, subprocess, sys, time


def spawn(argv, devnull):
    path = argv[0] if "/" in argv[0] else shutil.which(argv[0])
    if path is None:
        sys.exit("interleave: %s: not found" % argv[0])
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1)]
    return os.posix_spawn(path, argv, os.environ, file_actions=actions)


def timed(name, argv, copies, devnull):
    start = time.perf_counter_ns()
    pids = [spawn(argv, devnull) for _ in range(copies)]
    cpu = 0.0
    for pid in pids:
        _, status, usage = os.wait4(pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        if status != 0:
            sys.exit("interleave: %s (%s) exited with %s" % (name, shlex.join(argv), os.waitstatus_to_exitcode(status)))
    return (time.perf_counter_ns() - start) / 1e6, cpu * 1000


def pairs(values, convert=str):
    out = {}
    for v in values or []:
        name, sep, rest = v.partition("=")
        if not sep:
            sys.exit("interleave: %r is not NAME=VALUE" % v)
        out[name] = convert(rest)
    return out


def main():
    p = argparse.ArgumentParser(usage=__doc__.strip().splitlines()[3][len("Usage: "):])
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--prep", action="append")
    p.add_argument("--check", action="append")
    p.add_argument("--parallel", action="append")
    p.add_argument("commands", nargs="+")
    a = p.parse_intermixed_args()
    commands = [(n, shlex.split(c)) for n, c in pairs(a.commands).items()]
    prep = {n: shlex.split(c) for n, c in pairs(a.prep).items()}
    check = {n: shlex.split(c) for n, c in pairs(a.check).items()}
    parallel = pairs(a.parallel, int)
    times = {n: [] for n, _ in commands}
    checks = {n: [] for n, _ in commands}
    cpus = {n: [] for n, _ in commands}
    devnull = os.open(os.devnull, os.O_RDWR)
    for r in range(a.warmup + a.runs):
        k = r % len(commands)
        for name, argv in commands[k:] + commands[:k]:
            if name in prep:
                subprocess.run(prep[name], check=True, stdin=devnull, stdout=devnull)
            ms, cpu_ms = timed(name, argv, parallel.get(name, 1), devnull)
            if r < a.warmup:
                continue
            times[name].append(ms)
            cpus[name].append(cpu_ms)
            if name in check:
                out = subprocess.run(check[name], check=True, stdin=devnull, capture_output=True, text=True).stdout
                checks[name].append(out.strip())
    for name, _ in commands:
        t = sorted(times[name])
        q = statistics.quantiles(t, n=10) if len(t) > 1 else t * 9
        print(json.dumps({
            "name": name, "runs": len(t), "median_ms": round(statistics.median(t), 3), "p10_ms": round(q[0], 3),
            "p90_ms": round(q[-1], 3), "min_ms": round(t[0], 3),
            "cpu_median_ms": round(statistics.median(cpus[name]), 3), "checks": checks[name],
        }))


if __name__ == "__main__":
    main()
