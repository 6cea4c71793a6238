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
retrieval.index.server DATA_DIR`, detached), which runs `chroma run` as its child and
stops it, and itself, once no process holding a lease has been alive for IDLE_SECONDS.
The server dies with its supervisor (PR_SET_PDEATHSIG), and a server file naming a dead
supervisor, or a server that does not answer, is replaced.
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


def ensure_server(data_dir: Path) -> int:
    """The port of the data dir's chromadb server, started first if none is running."""
    data_dir = data_dir.resolve()
    register_lease(data_dir)
    with _locked(data_dir / "chroma-start.lock"):
        port = _running(data_dir)
        if port is not None:
            return port
        (data_dir / SERVER_FILE).unlink(missing_ok=True)  # stale: its server is gone
        started = time.perf_counter()
        supervisor = _spawn_supervisor(data_dir)
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


def _spawn_supervisor(data_dir: Path) -> subprocess.Popen[bytes]:
    home = str(Path(__file__).resolve().parents[2])  # so a checkout works uninstalled too
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [home, os.environ.get("PYTHONPATH")])),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "retrieval.index.server", str(data_dir)],
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


def serve(data_dir: Path, idle_seconds: float = IDLE_SECONDS) -> int:
    """Run the data dir's chromadb server until no client process is alive."""
    with _locked(data_dir / "chroma-server.lock", blocking=True):
        port = _free_port()
        with open(data_dir / "chroma-server.log", "ab") as output:
            server = subprocess.Popen(
                [sys.executable, "-c", _RUN_CHROMA, "--path", str(data_dir / "chroma"),
                 "--host", HOST, "--port", str(port)],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        published = False
        try:
            while server.poll() is None and not _answers(port):
                time.sleep(0.05)
            if server.poll() is None:
                _publish(data_dir, port)
                published = True
                _wait_until_idle(data_dir, server, idle_seconds)
        finally:
            # (a starting client holds the start lock until the server is published)
            with _locked(data_dir / "chroma-start.lock") if published else contextlib.nullcontext():
                _unpublish(data_dir)
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
    return 0 if published else 1


def _wait_until_idle(data_dir: Path, server: subprocess.Popen[bytes], idle: float) -> None:
    idle_since: float | None = None
    while server.poll() is None:
        time.sleep(POLL_SECONDS)
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


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1])))
