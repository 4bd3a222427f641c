"""Loopback ports for child processes without the pick-then-bind race.

Binding port 0, closing the socket and handing the number to a collector leaves a window
in which anything else on the machine (another test, an outgoing connection) can take
the port. Here ports come from just below the kernel's ephemeral range, which the kernel
never hands out for port-0 binds or outgoing connections, and each one is made exclusive
by an `flock`ed file per port, held until the process using the port is gone.

The window, the lock dir (`$TMPDIR` or `/tmp`, then `consentry-test-ports/`) and the file
names (`<port>.lock`) are the ones the Rust test support (`tests/support/ports.rs`) uses,
so Rust and Python tests running at the same time never hand out the same port.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path

# How many ports below the ephemeral range the tests may reserve.
WINDOW = 8192


class Reserved:
    """A port reserved for a child process to bind; free for others again once
    `release()` is called (or the holding process ends)."""

    def __init__(self, port: int, fd: int):
        self.port = port
        self._fd = fd

    def release(self) -> None:
        # Closing the only descriptor of the open file drops its flock.
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self):
        # A reservation nobody released (a test failed between reserving and starting)
        # goes back with its object, not only when the whole test session ends.
        self.release()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __repr__(self) -> str:
        return f"Reserved({self.port}, held={self.held})"


def release(reserved) -> None:
    for r in reserved:
        r.release()


def window() -> tuple[int, int]:
    """`[low, high)`: the `WINDOW` ports just below the kernel's ephemeral range."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        first = int(text.split()[0])
    except (OSError, ValueError, IndexError):
        first = 32768
    if first <= 2048:
        raise RuntimeError(f"the ephemeral port range starts at {first}: no room below it for test ports")
    return max(first - WINDOW, 1024), first


def lock_dir() -> Path:
    # Rust's std::env::temp_dir() takes $TMPDIR as it is, else /tmp; tempfile.gettempdir()
    # would also consult TEMP/TMP and could pick another dir than the Rust tests.
    d = Path(os.environ.get("TMPDIR", "/tmp")) / "consentry-test-ports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def try_reserve(port: int, directory: Path | None = None) -> Reserved | None:
    """`port` locked for this process and free to bind right now, or None."""
    path = (directory or lock_dir()) / f"{port}.lock"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Something outside this scheme (a service, another program's fixed port) may
        # hold it; the lock alone does not say the port is free. SO_REUSEADDR as the
        # collector, the JVM and Rust's TcpListener set it: a port with connections
        # still in TIME_WAIT is free for them, so it is free here.
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    except OSError:
        os.close(fd)
        return None
    return Reserved(port, fd)


def reserve(n: int) -> list[Reserved]:
    """`n` distinct loopback ports below the ephemeral range, each locked for this
    process and free to bind right now."""
    low, high = window()
    span = high - low
    directory = lock_dir()
    # Start where other processes are unlikely to: fewer lock collisions to step over.
    seed = (os.getpid() & 0xFFFF) ^ (time.time_ns() % 1_000_000_000)
    out: list[Reserved] = []
    for i in range(span):
        if len(out) == n:
            break
        r = try_reserve(low + (seed + i) % span, directory)
        if r is not None:
            out.append(r)
    if len(out) != n:
        release(out)
        raise RuntimeError(f"could not reserve {n} loopback ports in {low}..{high}")
    return out
