"""The local store as a chromadb server under the data dir, shared by every newsbot process.

chromadb's embedded client is not process-safe: another process's write makes this one's
reads fail, and two writers at once corrupt the store. So the local store is served by one
chromadb server per data dir, on 127.0.0.1, that every newsbot process talks to over HTTP
(the same code path as `NEWSBOT_CHROMA_HOST`). It keeps its data where the embedded store
did (`<data>/chroma`), so an existing data dir opens as it is.

    <data>/chroma/              the data
    <data>/chroma-server.json   {"port", "pid"} of the running server's supervisor
    <data>/chroma-server.lock   held by that supervisor for its whole life: one server at most
    <data>/chroma-start.lock    held while a server is looked up, started, or stopping
    <data>/chroma-server.log    what the server printed
    <data>/clients/<pid>        one lease per process using the store

The first process to need the store starts the supervisor (`python -m
retrieval.index.server DATA_DIR [--memory-mb MB]`, detached), which runs `chroma run` as
its child and stops it, and itself, once no process holding a lease has been alive for
IDLE_SECONDS. The server dies with its supervisor (PR_SET_PDEATHSIG), and a server file
naming a dead supervisor, or a server that does not answer, is replaced.

chromadb 1.5 keeps the vector (HNSW) index of every collection it has opened until it
stops, whatever its index cache is set to (measured: 10.5 MB more for each 4,000-chunk
collection counted, with a cache of 1 or of 100 alike), so a server of many spaces grows
without bound. With a memory budget (NEWSBOT_STORE_MEMORY_MB) the supervisor restarts
its server, on the same port, when it holds more: between writes (it takes the write
lock first) and with the start lock held, so a client whose request the restart cut
waits for the new server and asks again (see connection.py), and at most every
MIN_RESTART_SECONDS, so a budget below one collection's index costs a restart that often
rather than one per question.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from retrieval.errors import StoreUnavailable

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
IDLE_SECONDS = 5.0  # the server stops this long after the last client process ended
START_TIMEOUT = 60.0
POLL_SECONDS = 0.25
BUSY_SECONDS = 10.0  # how long a live supervisor's server may not answer before it is stale
MIN_RESTART_SECONDS = 30.0  # a server over its memory budget runs at least this long
SERVER_FILE = "chroma-server.json"
_RUN_CHROMA = "import sys, chromadb_rust_bindings as b; b.cli(['chroma', 'run', *sys.argv[1:]])"
_leases: set[Path] = set()


@contextlib.contextmanager
def _locked(path: Path, *, blocking: bool = True) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_lock(data_dir: Path) -> contextlib.AbstractContextManager[bool]:
    """Held by a process while it writes to the store (one writer at a time per data dir)."""
    return _locked(data_dir / "store-write.lock")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: not alive
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def register_lease(data_dir: Path) -> None:
    """Mark this process as a client of the data dir's server (removed when it exits)."""
    lease = data_dir / "clients" / str(os.getpid())
    if lease in _leases and lease.exists():
        return
    lease.parent.mkdir(parents=True, exist_ok=True)
    lease.touch()
    if lease not in _leases:
        _leases.add(lease)
        atexit.register(lease.unlink, missing_ok=True)


def live_clients(data_dir: Path) -> int:
    alive = 0
    for lease in (data_dir / "clients").glob("*"):
        if lease.name.isdigit() and _alive(int(lease.name)):
            alive += 1
        else:
            lease.unlink(missing_ok=True)
    return alive


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://{HOST}:{port}/api/v2/heartbeat", timeout=2.0).is_success
    except httpx.HTTPError:
        return False


def _running(data_dir: Path) -> int | None:
    """The port of the data dir's server, if it is up and answers."""
    try:
        info = json.loads((data_dir / SERVER_FILE).read_text())
        port, pid = int(info["port"]), int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    deadline = time.monotonic() + BUSY_SECONDS  # a busy machine may answer slowly
    while _alive(pid):
        if _answers(port):
            return port
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return None


def ensure_server(data_dir: Path, memory_mb: float | None = None) -> int:
    """The port of the data dir's chromadb server, started first if none is running (with
    `memory_mb`, restarted whenever it holds more: the first process to start it decides)."""
    data_dir = data_dir.resolve()
    register_lease(data_dir)
    with _locked(data_dir / "chroma-start.lock"):
        port = _running(data_dir)
        if port is not None:
            return port
        (data_dir / SERVER_FILE).unlink(missing_ok=True)  # stale: its server is gone
        started = time.perf_counter()
        supervisor = _spawn_supervisor(data_dir, memory_mb)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            port = _running(data_dir)
            if port is not None:
                log.info("started the store server on port %d in %.1f s", port,
                         time.perf_counter() - started)  # fmt: skip
                return port
            if supervisor.poll() is not None:
                break
            time.sleep(0.05)
        raise StoreUnavailable(
            f"The local article store could not be started; see {data_dir / 'chroma-server.log'}."
        )


def _spawn_supervisor(data_dir: Path, memory_mb: float | None) -> subprocess.Popen[bytes]:
    home = str(Path(__file__).resolve().parents[2])  # so a checkout works uninstalled too
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [home, os.environ.get("PYTHONPATH")])),
    }
    budget = [] if memory_mb is None else ["--memory-mb", str(memory_mb)]
    return subprocess.Popen(
        [sys.executable, "-m", "retrieval.index.server", str(data_dir), *budget],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not stopped by the Ctrl-C of the terminal that started it
        close_fds=True,
        env=env,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the server's process: be stopped when the supervisor ends, however it ends."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def rss_mb(pid: int | str = "self") -> float | None:
    """A process's resident memory (MB), None if it can't be read (it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1e3
    except (OSError, ValueError, IndexError):
        pass
    return None


class _Chroma:
    """The supervisor's `chroma run` child, on one port for the supervisor's whole life."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.stopping = False  # the supervisor was asked to end: no more restarts
        self.process = self._start()

    def end(self) -> None:
        """Stop for good (SIGTERM): the server ends, and is not started again even when
        the signal comes while it is being restarted."""
        self.stopping = True
        self.process.terminate()

    def _start(self) -> subprocess.Popen[bytes]:
        with open(self.data_dir / "chroma-server.log", "ab") as output:
            return subprocess.Popen(
                [sys.executable, "-c", _RUN_CHROMA, "--path", str(self.data_dir / "chroma"),
                 "--host", HOST, "--port", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )  # fmt: skip

    def answering(self) -> bool:
        """Wait until it answers; False if it ended first."""
        while self.process.poll() is None and not _answers(self.port):
            time.sleep(0.05)
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.terminate()  # chroma finishes the requests in flight first
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self, why: str) -> bool:
        """Stop it and start it again on the same port, between writes, while no client can
        look it up (lock order: write, then start, as a writer's retry takes them)."""
        with write_lock(self.data_dir), _locked(self.data_dir / "chroma-start.lock"):
            with open(self.data_dir / "chroma-server.log", "a") as output:
                output.write(f"newsbot: restarting the server: {why}\n")
            if self.stopping:
                return False
            self.stop()
            self.process = self._start()
            if self.stopping:  # asked to end while it was starting
                self.stop()
                return False
            return self.answering()


def serve(
    data_dir: Path, idle_seconds: float = IDLE_SECONDS, memory_mb: float | None = None
) -> int:
    """Run the data dir's chromadb server until no client process is alive (restarted
    whenever it holds more than `memory_mb`)."""
    with _locked(data_dir / "chroma-server.lock", blocking=True):
        server = _Chroma(data_dir, _free_port())
        signal.signal(signal.SIGTERM, lambda *_: server.end())
        published = False
        try:
            if server.answering():
                _publish(data_dir, server.port)
                published = True
                _wait_until_idle(data_dir, server, idle_seconds, memory_mb)
        finally:
            # (a starting client holds the start lock until the server is published)
            with _locked(data_dir / "chroma-start.lock") if published else contextlib.nullcontext():
                _unpublish(data_dir)
                server.stop()
    return 0 if published else 1


def _wait_until_idle(data_dir: Path, server: _Chroma, idle: float, memory_mb: float | None) -> None:
    idle_since: float | None = None
    started = time.monotonic()
    while server.process.poll() is None and not server.stopping:
        time.sleep(POLL_SECONDS)
        held = (rss_mb(server.process.pid) or 0.0) if memory_mb is not None else 0.0
        over = memory_mb is not None and held > memory_mb
        if over and time.monotonic() - started >= MIN_RESTART_SECONDS:
            if not server.restart(f"it holds {held:.0f} MB, over {memory_mb:.0f} MB"):
                return
            started = time.monotonic()
        if live_clients(data_dir):
            idle_since = None
            continue
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since < idle:
            continue
        with _locked(data_dir / "chroma-start.lock"):  # no client may look it up meanwhile
            if not live_clients(data_dir):
                _unpublish(data_dir)
                return


def _publish(data_dir: Path, port: int) -> None:
    temporary = data_dir / f"{SERVER_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps({"port": port, "pid": os.getpid()}))
    os.replace(temporary, data_dir / SERVER_FILE)


def _unpublish(data_dir: Path) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        if json.loads((data_dir / SERVER_FILE).read_text())["pid"] == os.getpid():
            (data_dir / SERVER_FILE).unlink()


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Serve a data dir's store (see the module).")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--memory-mb", type=float, help="restart the server beyond this")
    args = parser.parse_args(argv)
    return serve(args.data_dir, memory_mb=args.memory_mb)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
