#!/usr/bin/env python3
"""Print .ci/bench's table (Markdown) from the results directory it filled.

Usage: report.py RESULTS_DIR
Reads warm-<backend>.json, cold.json, rss.json (interleave.py's and bench's JSON lines) and tui.tsv
(firstframe.py's lines); a part that was not run is left out.
"""
import json, os, statistics, sys

EXPECTED = "prompts=1 GetSessionToken=1 AssumeRole=1 errors=0"


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return {r["name"]: r for r in map(json.loads, filter(str.strip, f))}


def ms(r):
    return "%.1f ms (cpu %.1f)" % (r["median_ms"], r["cpu_median_ms"])


def verdict(ratio, limit):
    return "pass" if ratio <= limit else "miss"


def calls(r):
    """One cell for the --check lines of a cold command: what every round did, or each distinct outcome."""
    seen = {}
    for c in r["checks"]:
        seen[c] = seen.get(c, 0) + 1
    text = "; ".join("%s (%d of %d rounds)" % (c.replace("=", " "), n, len(r["checks"])) for c, n in seen.items())
    return text, "pass" if list(seen) == [EXPECTED] else "miss"


def main():
    out = sys.argv[1]
    rows = []

    def row(metric, value, base="-", ratio=None, target="-", status="-"):
        rows.append((metric, value, base, "-" if ratio is None else "%.2fx" % ratio, target, status))

    for backend in ["keyctl", "file", "secret-service"]:
        w = load(os.path.join(out, "warm-%s.json" % backend))
        if not w:
            continue
        hello = w["hello"]
        floor = "hello-world %s" % ms(hello)
        if "small" in w:
            r = w["small"]["median_ms"] / hello["median_ms"]
            keys = "" if backend == "keyctl" else " (keys in %s, sessions in keyctl)" % backend
            row("warm `kagi-credential-process`, %s%s" % (backend, keys), ms(w["small"]), floor, r, "<= 1.3x", verdict(r, 1.3))
        r = w["kagi"]["median_ms"] / hello["median_ms"]
        row("warm `kagi credential-process`, %s" % backend, ms(w["kagi"]), floor, r)
        if "version" in w:
            r = w["version"]["median_ms"] / hello["median_ms"]
            row("`kagi version` (start-up of the full binary)", ms(w["version"]), floor, r)

    c = load(os.path.join(out, "cold.json"))
    if c:
        one, par = c["one"], c["par"]
        text, ok = calls(one)
        row("cold `kagi-credential-process` (one prompt)", ms(one), target="1 prompt, 1 GetSessionToken, 1 AssumeRole")
        row("  prompts and STS calls per cold call", text, target="1, 1, 1", status=ok)
        r = par["median_ms"] / one["median_ms"]
        row("32 parallel cold `kagi-credential-process`", ms(par), "one cold call %s" % ms(one), r, "<= 1.5x", verdict(r, 1.5))
        text, ok = calls(par)
        row("  prompts and STS calls per 32 cold calls", text, target="1, 1, 1", status=ok)
        # No design that starts 32 processes can beat starting 32 hello-worlds and then making one cold call.
        least = {k: c["parhello"][k] + one[k] for k in ("median_ms", "cpu_median_ms")}
        r = par["median_ms"] / least["median_ms"]
        row("  the same against 32 hello-worlds plus one cold call (the least 32 processes can take)", ms(par),
            "%s + %.1f ms = %s" % (ms(c["parhello"]), one["median_ms"], ms(least)), r)
        onefull, parfull = c["onefull"], c["parfull"]
        row("cold `kagi credential-process` (one prompt)", ms(onefull))
        r = parfull["median_ms"] / onefull["median_ms"]
        row("32 parallel cold `kagi credential-process`", ms(parfull), "one cold call %s" % ms(onefull), r, "<= 1.5x", verdict(r, 1.5))
        text, ok = calls(parfull)
        row("  prompts and STS calls per 32 cold calls", text, target="1, 1, 1", status=ok)
        r = parfull["median_ms"] / c["parwarm"]["median_ms"]
        row("  the same against 32 parallel warm calls", ms(parfull), "32 x warm %s" % ms(c["parwarm"]), r)
        r = c["parhello"]["median_ms"] / one["median_ms"]
        row("32 parallel static hello-worlds (the floor of any 32 processes)", ms(c["parhello"]), "one cold call %s" % ms(one), r)

    tui = os.path.join(out, "tui.tsv")
    if os.path.exists(tui):
        with open(tui) as f:
            runs = [list(map(float, l.split("\t")[:2])) for l in f if l.strip()]
        first = statistics.median(r[0] for r in runs)
        frame = statistics.median(r[1] for r in runs)
        w = load(os.path.join(out, "warm-keyctl.json"))
        base, ratio = "-", None
        if w and "version" in w:
            base, ratio = "`kagi version` %.1f ms" % w["version"]["median_ms"], frame / w["version"]["median_ms"]
        row("`kagi` TUI: spawn to first frame (dashboard)", "%.1f ms (first byte %.1f), %d runs" % (frame, first, len(runs)), base, ratio)

    rss = load(os.path.join(out, "rss.json"))
    if rss:
        hello = rss["hello"]["rss_kb"]
        for name, label in [("small-warm", "warm `kagi-credential-process`"), ("kagi-warm", "warm `kagi credential-process`"),
                            ("small-cold", "cold `kagi-credential-process` (execs kagi)"), ("kagi-cold", "cold `kagi credential-process`")]:
            kb = rss[name]["rss_kb"]
            row("peak RSS, %s" % label, "%.1f MB" % (kb / 1024), "hello-world %.1f MB" % (hello / 1024), kb / hello)

    header = ("metric", "value", "floor/baseline", "ratio", "target", "pass/miss")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
