"""The port reservations (`ports.py`): distinct within a process, exclusive across
processes while held, and bindable by the process they are for.

Where a test releases a lock to show what it guarded, it uses a private lock dir while
the port stays reserved in the shared one: no concurrent test can take it meanwhile."""

import os
import socket
import subprocess
import sys

from answers.tests import ports, procs

# Run in a child: another process, so its flocks are its own.
CHILD = """
import fcntl, os, socket, sys
from pathlib import Path
from answers.tests import ports
action, port = sys.argv[1], int(sys.argv[2])
if action == "reserve":
    print("reserved" if ports.try_reserve(port, Path(sys.argv[3])) else "refused")
elif action == "flock":
    # What the Rust support does with the same file: flock(2), exclusive, non-blocking.
    fd = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        print("locked")
    except BlockingIOError:
        print("busy")
else:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()
        print("bound")
"""


def _child(*args) -> str:
    done = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], cwd=procs.ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_two_reservations_never_share_a_port():
    low, high = ports.window()
    first, second = ports.reserve(8), ports.reserve(8)
    try:
        numbers = [r.port for r in first + second]
        assert len(set(numbers)) == 16, numbers
        assert all(low <= p < high for p in numbers), (low, high, numbers)
        # flock is per open file, so even this process cannot take a port it holds.
        assert all(ports.try_reserve(r.port) is None for r in first + second)
    finally:
        ports.release(first + second)


def test_the_window_is_below_the_ephemeral_range():
    low, high = ports.window()
    first = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    assert high == first and low == max(first - ports.WINDOW, 1024)


def test_a_held_port_is_locked_in_the_file_the_rust_support_uses():
    [r] = ports.reserve(1)
    tmp = os.environ.get("TMPDIR", "/tmp")
    path = os.path.join(tmp, "consentry-test-ports", f"{r.port}.lock")
    try:
        assert _child("flock", r.port, path) == "busy"
    finally:
        r.release()


def test_a_held_port_is_refused_to_another_process_until_released(tmp_path):
    [shared] = ports.reserve(1)
    try:
        mine = ports.try_reserve(shared.port, tmp_path)
        assert mine is not None
        assert _child("reserve", shared.port, tmp_path) == "refused"
        mine.release()
        # Released, the same port is free for the other process: the lock was the reason.
        assert _child("reserve", shared.port, tmp_path) == "reserved"
    finally:
        shared.release()


def test_a_held_port_is_bindable_by_the_child():
    [r] = ports.reserve(1)
    try:
        assert _child("bind", r.port) == "bound"
    finally:
        r.release()


def test_a_port_bound_outside_the_scheme_is_not_reserved(tmp_path):
    # The lock alone does not make a port free: one bound by something that never took
    # the lock is skipped, and reserved again once that socket is gone.
    [shared] = ports.reserve(1)
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", shared.port))
            s.listen()
            assert ports.try_reserve(shared.port, tmp_path) is None
        again = ports.try_reserve(shared.port, tmp_path)
        assert again is not None
        again.release()
    finally:
        shared.release()
