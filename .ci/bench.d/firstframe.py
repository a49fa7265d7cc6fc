#!/usr/bin/env python3
"""Time from spawn to the TUI's first frame on a pseudo-terminal.

Usage: firstframe.py RUNS MARKER -- COMMAND [ARGS...]
Runs COMMAND RUNS times on a fresh 100x30 pty, answering the terminal queries a real terminal answers
(OSC 11 background colour, DSR cursor position, DA1), and prints one line per run, tab-separated:
milliseconds to the first output byte, milliseconds until the screen text contains MARKER (the first
frame), and the bytes read by then. Each run is ended with Ctrl+C, then SIGKILL if it lingers.
"""
import os, pty, re, select, signal, struct, sys, time, fcntl, termios

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHMNOZ]")
REPLIES = [
    (re.compile(rb"\x1b\]11;\?(?:\x07|\x1b\\)"), b"\x1b]11;rgb:0000/0000/0000\x1b\\"),
    (re.compile(rb"\x1b\]10;\?(?:\x07|\x1b\\)"), b"\x1b]10;rgb:ffff/ffff/ffff\x1b\\"),
    (re.compile(rb"\x1b\[6n"), b"\x1b[1;1R"),
    (re.compile(rb"\x1b\[c"), b"\x1b[?62;22c"),
]


def one(argv, marker, timeout=10.0):
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    buf, first, frame = b"", None, None
    deadline = start + timeout
    answered = set()
    while frame is None and time.perf_counter() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        now = time.perf_counter()
        if first is None:
            first = now
        buf += chunk
        for i, (query, reply) in enumerate(REPLIES):
            n = len(query.findall(buf))
            while n > sum(1 for a in answered if a[0] == i):
                answered.add((i, len(answered)))
                os.write(fd, reply)
        if marker in ANSI.sub(b"", buf):
            frame = now
    os.write(fd, b"\x03")
    end = time.perf_counter() + 2.0
    while time.perf_counter() < end:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    if frame is None:
        sys.stderr.write("no frame with %r within %.0fs; the screen read:\n%s\n" % (marker, timeout, ANSI.sub(b"", buf)[-2000:].decode(errors="replace")))
        sys.exit(1)
    return (first - start) * 1000, (frame - start) * 1000, len(buf)


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__.strip().splitlines()[2])
    runs, marker, argv = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[4:]
    for _ in range(runs):
        first, frame, size = one(argv, marker)
        print("%.2f\t%.2f\t%d" % (first, frame, size), flush=True)


if __name__ == "__main__":
    main()
