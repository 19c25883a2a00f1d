"""The production server as a child process: start it on a free 127.0.0.1 port, find its workers, stop it.

Shared by benchmarks/load.py, benchmarks/faults.py and tests/test_serving.py, so that all of them
measure the real thing: ``python main.py serve`` (gunicorn master + gthread workers) over the
database URL given, with a temporary instance folder and rate limits off (one client address
sends all the load; ESAPR_RATE_LIMITS=0).

    with Server("sqlite:///tmp/x.sqlite3", workers=2) as server:
        requests.get(server.url("/"))
        server.worker_pids()

The server runs in its own process group (its own session), so stopping it - SIGTERM to the
group, then SIGKILL - reaches the master and every worker, also when a test fails half-way.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerFailed(RuntimeError):
    """The server did not come up (or died); the message ends with the tail of its log."""


def free_port() -> int:
    """A port nobody listens on now (the kernel's pick); the server binds it a moment later."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from /proc (this kernel has no /proc/<pid>/task/*/children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        fields = stat[stat.rfind(")") + 2:].split()
        if fields and fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _server_socket_inode(server_port: int, client_port: int) -> int | None:
    # Lines read "sl local_address rem_address st ... uid timeout inode", addresses as HEXIP:HEXPORT.
    local_end, remote_end = f":{server_port:04X}", f":{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(local_end) and fields[2].endswith(remote_end) and fields[9] != "0":
            return int(fields[9])
    return None


class Server:
    """``python main.py serve --workers N`` on 127.0.0.1, over ``database_url``."""

    def __init__(self, database_url: str, *, workers: int = 2, threads: int | None = None,
                 warm_models: bool = True, env: dict[str, str] | None = None):
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.warm_models = warm_models
        self.extra_env = env or {}
        self.port = free_port()
        self.folder: Path | None = None
        self.log_path: Path | None = None
        self.final_log = ""
        self._proc: subprocess.Popen | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self, timeout_s: float = 120) -> Server:
        """Start it and wait until GET / answers 200 (at most ``timeout_s``)."""
        self.folder = Path(tempfile.mkdtemp(prefix="esapr-serve-"))
        self.log_path = self.folder / "server.log"
        env = {**os.environ,
               "ESAPR_INSTANCE_PATH": str(self.folder / "instance"),
               "DATABASE_URL": self.database_url,
               "ESAPR_RATE_LIMITS": "0",
               "ESAPR_WARM_MODELS": "1" if self.warm_models else "0",
               "PYTHONUNBUFFERED": "1",
               **self.extra_env}
        command = [sys.executable, str(ROOT / "main.py"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers)]
        if self.threads:
            command += ["--threads", str(self.threads)]
        with open(self.log_path, "wb") as log:
            self._proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_for_home(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_home(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.master_exited():
                raise ServerFailed(f"the server exited while starting\n{self.log_tail()}")
            if self.home_status(timeout_s=2) == 200:
                return
            time.sleep(0.1)
        raise ServerFailed(f"GET / did not answer 200 within {timeout_s:.0f} s\n{self.log_tail()}")

    def stop(self, timeout_s: float = 40) -> None:
        """SIGTERM to the whole group (gunicorn's graceful stop), SIGKILL if it lingers; idempotent."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            self._signal_group(proc, signal.SIGTERM)
            if not self._exited_within(proc, timeout_s):
                self._signal_group(proc, signal.SIGKILL)
                self._exited_within(proc, 10)
            # The master is not reaped yet (a zombie), so its group id cannot have been reused:
            # sweeping the group now only hits a worker that outlived it.
            self._signal_group(proc, signal.SIGKILL)
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.final_log = self.log_text()
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)  # start_new_session made the master the group's leader
        except (ProcessLookupError, PermissionError):
            pass

    @staticmethod
    def _exited_within(proc: subprocess.Popen, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if Server._has_exited(proc):
                return True
            time.sleep(0.05)
        return Server._has_exited(proc)

    @staticmethod
    def _has_exited(proc: subprocess.Popen) -> bool:
        # WNOWAIT: look without reaping, so that the pid (= the group id) stays ours until stop() ends.
        try:
            return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return True

    # -- looking at it ----------------------------------------------------------------------

    @property
    def master_pid(self) -> int:
        if self._proc is None:
            raise ServerFailed("the server is not running")
        return self._proc.pid

    def master_exited(self) -> bool:
        return self._proc is None or self._has_exited(self._proc)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def home_status(self, timeout_s: float = 5) -> int | None:
        """The status of GET /, or None when nothing answered."""
        try:
            with urllib.request.urlopen(self.url("/"), timeout=timeout_s) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def worker_pids(self) -> list[int]:
        return children_of(self.master_pid)

    def worker_serving(self, client_port: int) -> int | None:
        """The worker that holds the server end of the open connection from ``client_port``.

        Found through the kernel: /proc/net/tcp names the socket's inode, a worker's fd table
        holds it. Lets a client warm every worker up for sure, instead of hoping the kernel spread
        its connections. None when the connection is closed already.
        """
        inode = _server_socket_inode(self.port, client_port)
        if inode is None:
            return None
        target = f"socket:[{inode}]"
        for pid in self.worker_pids():
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
                except OSError:
                    continue
        return None

    def wait_for_workers(self, count: int | None = None, *, without: set[int] = frozenset(),
                         timeout_s: float = 60) -> list[int]:
        """Wait until ``count`` (default: all) live workers exist, none of them in ``without``."""
        count = count or self.workers
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pids = [pid for pid in self.worker_pids() if pid not in without]
            if len(pids) >= count:
                return pids
            if self.master_exited():
                break
            time.sleep(0.1)
        raise ServerFailed(f"{count} workers (besides {sorted(without)}) did not appear within {timeout_s:.0f} s\n"
                           f"{self.log_tail()}")

    def wait_until_idle(self, *, quiet_s: float = 1.5, timeout_s: float = 180) -> bool:
        """Wait until every worker has used almost no CPU for ``quiet_s``: the background warm-up
        (web/platform/serve.py loads every model after the fork) is over. False if that took too long."""
        deadline = time.monotonic() + timeout_s
        pids = self.wait_for_workers(timeout_s=timeout_s)
        while time.monotonic() < deadline:
            before = {pid: cpu_seconds(pid) for pid in pids}
            time.sleep(quiet_s)
            used = max(cpu_seconds(pid) - before[pid] for pid in pids)
            if used < 0.05 * quiet_s:
                return True
        return False

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return self.final_log
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])
