"""What one run creates, from strace -f: threads, processes, sockets, connects, files
written and descriptors open at exit; and the verdict on the opted-out runs."""
import re
import subprocess
import sys
from pathlib import Path

from procs import ARGS, home_env

# System calls strace records for the counts: everything that makes a thread or a
# process, a socket, a file, or a descriptor, and close.
TRACED = ("clone,clone3,fork,vfork,execve,socket,socketpair,connect,open,openat,creat,mkdir,mkdirat,"
          "rename,renameat,renameat2,link,linkat,symlink,symlinkat,unlink,unlinkat,close,dup,dup2,dup3,"
          "pipe,pipe2,eventfd2,epoll_create1,timerfd_create,memfd_create,accept,accept4,fcntl")
FD_RETURNING = {"open", "openat", "creat", "socket", "dup", "dup2", "dup3", "eventfd2", "epoll_create1",
                "timerfd_create", "memfd_create", "accept", "accept4"}
WRITES = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC")


def count(exe, env, cwd, log):
    """Runs once under strace -f; returns what the process tree created. Descriptors
    are tracked for the main process and its threads (which share its table); child
    processes (the detached uploader) are counted, not followed for descriptors."""
    r = subprocess.run(["strace", "-f", "-qq", "-o", str(log), "-e", "trace=" + ",".join("?" + n for n in TRACED.split(",")), str(exe), *ARGS],
                       env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    if r.returncode != 0:
        sys.exit(f"strace run failed ({r.returncode}): {r.stderr[-500:]}")
    c = {"threads": 0, "processes": 0, "sockets": 0, "connects": 0, "files_written": 0, "fds_at_exit": 0,
         "own_sockets": 0}
    lines = log.read_text().splitlines()
    main = None
    ours = set()  # the main process and its threads
    fds = {0, 1, 2}
    pending = {}
    for raw in lines:
        m = re.match(r"^(\d+)\s+(.*)$", raw)
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        if main is None:
            main = pid
            ours.add(pid)
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[: -len("<unfinished ...>")]
            continue
        rm = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", rest)
        if rm:
            rest = pending.pop(pid, rm.group(1) + "(") + rm.group(2)
        cm = re.match(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)", rest)
        if not cm:
            continue
        name, args, ret = cm.group(1), cm.group(2), cm.group(3)
        ok = ret != "?" and int(ret) >= 0
        if name in ("clone", "clone3", "fork", "vfork") and ok and int(ret) > 0:
            if "CLONE_THREAD" in args:
                c["threads"] += 1
                if pid in ours:
                    ours.add(int(ret))
            else:
                c["processes"] += 1
            continue
        if name == "socket" and ok:
            c["sockets"] += 1
            # The run itself (not the uploader it starts) must never touch the network.
            if pid in ours:
                c["own_sockets"] += 1
        if name == "connect":
            c["connects"] += 1
        written = name in ("creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "link", "linkat",
                           "symlink", "symlinkat", "unlink", "unlinkat")
        if name in ("open", "openat") and WRITES.search(args) and "/dev/null" not in args:
            written = True
        if written and ok:
            c["files_written"] += 1
        if pid not in ours or not ok:
            continue
        if name in FD_RETURNING:
            fds.add(int(ret))
        elif name == "fcntl" and "F_DUPFD" in args:
            fds.add(int(ret))
        elif name in ("pipe", "pipe2", "socketpair"):
            pair = re.search(r"\[(\d+), (\d+)\]", args)
            if pair:
                fds.update((int(pair.group(1)), int(pair.group(2))))
        elif name == "close":
            fds.discard(int(args.split(",")[0]))
    c["fds_at_exit"] = len(fds)
    return c


def counts_phase(vs, tmp):
    out = {}
    for key, label, exe, extra in vs:
        env = home_env(tmp, key, extra)
        out[key] = count(exe, env, tmp, Path(tmp) / f"strace-{key}.log")
    return out


def print_counts(vs, counts):
    cols = ["threads", "processes", "sockets", "own_sockets", "connects", "files_written", "fds_at_exit"]
    print("\nwhat one run creates (strace -f; homes past the notice; d/e: the first run that tries)")
    print(f"{'variant':42} " + " ".join(f"{c:>13}" for c in cols))
    for key, label, _, _ in vs:
        print(f"{label:42} " + " ".join(f"{counts[key][c]:>13}" for c in cols))


def opted_out_breaches(counts):
    """What an opted-out run creates beyond nothing (threads, processes, sockets, files)
    and beyond the CLI without consentry (descriptors at exit; 3 when there is no (a))."""
    base_fds = counts["a"]["fds_at_exit"] if "a" in counts else 3
    bad = []
    for key in ("b", "b_tool", "b_file"):
        c = counts[key]
        for col in ("threads", "processes", "sockets", "connects", "files_written"):
            if c[col]:
                bad.append(f"{key}: {col}={c[col]}")
        if c["fds_at_exit"] > base_fds:
            bad.append(f"{key}: fds_at_exit={c['fds_at_exit']} > {base_fds}")
    control = counts.get("d")
    if control is not None and not (control["processes"] and control["sockets"]):
        bad.append(f"positive control saw no uploader or socket: {control} (is the counting broken?)")
    if control is not None and (control["own_sockets"] or control["processes"] > 1):
        bad.append(f"an opted-in run opened a socket itself or started more than one process: {control}")
    return bad
