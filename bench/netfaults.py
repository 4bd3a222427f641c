"""Helpers of bench/exit_path.py: Toxiproxy on loopback (found through
CONSENTRY_TOXIPROXY, built by .ci/install-deps.sh), a private CA and a localhost
certificate it signed, a held spool lock, and the collector output by install id."""
import fcntl
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def listening_ports(pid):
    """TCP ports `pid` listens on: its socket inodes looked up in the kernel's tables
    (the server binds port 0, so there is no pick-a-free-port race)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if len(f) > 9 and f[3] == "0A" and f[9] in inodes:
                ports.append(int(f[1].rsplit(":", 1)[1], 16))
    return ports


class Toxiproxy:
    def __init__(self):
        exe = os.environ.get("CONSENTRY_TOXIPROXY")
        if not exe or not Path(exe).is_file():
            sys.exit("CONSENTRY_TOXIPROXY is not set: run .ci/install-deps.sh and source .ci/env.sh")
        self.proc = subprocess.Popen([exe, "-host", "127.0.0.1", "-port", "0"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        self.api = None
        while self.api is None:
            if time.monotonic() > deadline:
                sys.exit("toxiproxy-server did not listen")
            ports = listening_ports(self.proc.pid)
            self.api = ports[0] if ports else None
            time.sleep(0.02)

    def call(self, method, path, body):
        c = http.client.HTTPConnection("127.0.0.1", self.api, timeout=10)
        c.request(method, path, json.dumps(body), {"content-type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if r.status >= 300:
            sys.exit(f"toxiproxy {method} {path}: {r.status} {data!r}")
        return json.loads(data) if data else None

    def proxy(self, name, upstream, rtt_ms, bandwidth_kbs=None):
        """A proxy to 127.0.0.1:upstream with rtt_ms round trip (half each way); returns
        its port."""
        p = self.call("POST", "/proxies", {"name": name, "listen": "127.0.0.1:0",
                                           "upstream": f"127.0.0.1:{upstream}", "enabled": True})
        if rtt_ms:
            for stream in ("upstream", "downstream"):
                self.call("POST", f"/proxies/{name}/toxics", {"name": f"rtt-{stream}", "type": "latency",
                                                              "stream": stream, "toxicity": 1.0,
                                                              "attributes": {"latency": rtt_ms // 2, "jitter": 0}})
        if bandwidth_kbs:
            for stream in ("upstream", "downstream"):
                self.call("POST", f"/proxies/{name}/toxics", {"name": f"bw-{stream}", "type": "bandwidth",
                                                              "stream": stream, "toxicity": 1.0,
                                                              "attributes": {"rate": bandwidth_kbs}})
        return int(p["listen"].rsplit(":", 1)[1])

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def certificates(d):
    """ca.pem (trusted by the tool through TASKR_TELEMETRY_CA_FILE), cert.pem/key.pem
    for localhost and 127.0.0.1, signed by it (webpki refuses a CA:TRUE leaf)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=bench CA")
    openssl("req", *ec, "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                               "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "cert.pem", "-days", "2", "-extfile", "ext.cnf")


def lock_spool(home):
    """Holds taskr's sender lock in `home` (as a sender that never finishes would)."""
    spool = home / ".local/state/taskr/telemetry-spool"
    spool.mkdir(parents=True, exist_ok=True)
    f = open(spool / ".lock", "a")
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return f


def spans_by_install(spans_file):
    """{install id: [span id, ...]} from the collector's OTLP JSON lines."""
    out = {}
    try:
        text = Path(spans_file).read_text()
    except OSError:
        return out
    for line in text.splitlines():
        try:
            req = json.loads(line)
        except ValueError:
            continue
        for rs in req.get("resourceSpans", []):
            attrs = {a["key"]: a["value"].get("stringValue") for a in rs.get("resource", {}).get("attributes", [])}
            install = attrs.get("app.installation.id")
            for ss in rs.get("scopeSpans", []):
                for s in ss.get("spans", []):
                    out.setdefault(install, []).append(s["spanId"])
    return out
