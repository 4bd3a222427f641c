"""Apache Kafka 4 in KRaft mode (one broker that is also its controller) on loopback,
from the jars `.ci/install-deps.sh` copies out of Maven Central into the cache."""

from __future__ import annotations

import base64
import os
import subprocess
import time
import uuid
from pathlib import Path

from answers.tests import ports as reserved_ports, procs

VERSION = "4.1.1"


def libs() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "consentry-dev"
    path = cache / f"kafka-{VERSION}" / "libs"
    if not (path.parent / ".complete").exists():
        raise RuntimeError(f"Kafka jars missing in {path}: run .ci/install-deps.sh")
    return path


def _props(d: Path, broker: int, controller: int) -> Path:
    p = d / "server.properties"
    p.write_text(f"""process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller}
listeners=PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=PLAINTEXT://127.0.0.1:{broker}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={d / 'data'}
num.partitions=2
offsets.topic.replication.factor=1
offsets.topic.num.partitions=2
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.cleaner.dedupe.buffer.size=2097152
log.cleaner.threads=1
num.network.threads=2
num.io.threads=2
""")
    return p


class Broker:
    """A broker whose ports stay the same, and reserved, across `stop()` and `start()`,
    until `close()`."""

    def __init__(self, d: Path):
        self.dir = d
        self.proc = None
        self.ports = None
        self._reserved = []

    def _java(self, main: str, *args) -> list[str]:
        return ["java", "-Xmx256m", "-Xms64m", "-XX:+UseSerialGC", "-cp", f"{libs()}/*", main, *args]

    def first_start(self) -> None:
        def argv_env(p):
            props = _props(self.dir, p["broker"], p["controller"])
            data = self.dir / "data"
            if not data.exists():
                cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
                subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t", cluster, "-c", str(props)),
                               check=True, capture_output=True, timeout=120)
            return self._java("kafka.Kafka", str(props)), {}

        self.proc = procs.start(argv_env, ["broker", "controller"], self._ready, self.dir / "kafka.log")
        self.ports = self.proc.ports
        # Held by the broker, not by this one process: while it is stopped mid-test, no
        # other test may be handed the ports its clients keep dialling.
        self._reserved = self.proc.take_reserved()

    def _ready(self, proc, p, log):
        procs.wait_tcp(p["broker"], proc, log, timeout=90)

    def stop(self) -> None:
        self.proc.stop()

    def kill(self) -> None:
        self.proc.kill()

    def close(self) -> None:
        """Stops the broker for good and gives its ports back."""
        try:
            if self.proc:
                self.proc.stop()
        finally:
            if self.proc is None or self.proc.proc.poll() is not None:
                reserved_ports.release(self._reserved)
                self._reserved = []

    def start(self) -> None:
        """Again on the same ports (the clients know them); bounded retries while the
        old sockets are released."""
        props = self.dir / "server.properties"
        last = None
        for _ in range(procs.ATTEMPTS):
            log = self.dir / "kafka.log"
            out = open(log, "a")
            proc = subprocess.Popen(self._java("kafka.Kafka", str(props)), stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.dir)
            out.close()
            try:
                self._ready(proc, self.ports, log)
                self.proc = procs.Proc(proc, self.ports, log)
                return
            except procs.ProcessExit as e:
                last = e
                time.sleep(1)
        raise RuntimeError(f"Kafka did not start again: {last}")
