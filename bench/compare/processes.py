"""The processes a run starts — `tenet serve`, the Cerbos PDP, the drivers —
and the guarantee that every one of them is stopped: on return, on an
exception, on SIGINT/SIGTERM/SIGHUP. Servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

import atexit
import http.client
import json
import signal
import socket
import subprocess
import time
from pathlib import Path

_running: list[subprocess.Popen] = []


class StartError(RuntimeError):
    """A server that could not be started (or never became ready)."""


def _stop_all() -> None:
    while _running:
        stop(_running[-1])


def _on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through every `finally`, then atexit


atexit.register(_stop_all)
for _signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_signal, _on_signal)


def start(command: list[str], **kwargs) -> subprocess.Popen:
    process = subprocess.Popen(command, **kwargs)
    _running.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process in _running:
        _running.remove(process)


def run(command: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """A bounded child: killed if it outlives `timeout` seconds."""
    process = start(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise RuntimeError(f"{Path(command[0]).name} took more than {timeout:.0f} s: stopped")
    finally:
        if process in _running:
            _running.remove(process)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_kib(process: subprocess.Popen) -> int | None:
    """VmHWM of a running child, in KiB."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _tenet_healthy(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b'{"op":"health"}\n')
            return b'"ok":true' in s.recv(4096)
    except OSError:
        return False


def _cerbos_healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/_cerbos/health")
        response = connection.getresponse()
        return response.status == 200 and b"SERVING" in response.read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def wait_ready(process: subprocess.Popen, healthy, started: float, timeout: float, log_file: Path) -> float:
    """Polls `healthy()` every 10 ms; returns the seconds since `started`."""
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise StartError(f"exited with {process.returncode} before it was ready: "
                               + " / ".join(log_file.read_text().splitlines()[-3:]))
        if healthy():
            return time.monotonic() - started
        time.sleep(0.01)
    raise StartError(f"not ready after {timeout:.0f} s")


def start_tenet_serve(tenet: Path, policies: Path, work: Path, timeout: float):
    """`tenet serve` on a free loopback port: (process, port, seconds to ready)."""
    port = free_port()
    log_file = work / "tenet-serve.log"
    started = time.monotonic()
    process = start([str(tenet), "serve", str(policies), "--listen", f"127.0.0.1:{port}", "--threads", "2"],
                    stdout=subprocess.DEVNULL, stderr=open(log_file, "w"))
    try:
        ready = wait_ready(process, lambda: _tenet_healthy(port), started, timeout, log_file)
    except BaseException:
        stop(process)
        raise
    return process, port, ready


def start_cerbos(binary: Path, policies: Path, work: Path, timeout: float):
    """The Cerbos PDP on free loopback ports (HTTP and gRPC), disk store, no
    audit, no telemetry: (process, HTTP port, seconds to ready)."""
    http_port, grpc_port = free_port(), free_port()
    if not binary.exists():
        raise StartError(f"{binary} is missing")
    config = work / "cerbos.yaml"
    # JSON is YAML: no YAML writer needed.
    config.write_text(json.dumps({
        "server": {"httpListenAddr": f"127.0.0.1:{http_port}", "grpcListenAddr": f"127.0.0.1:{grpc_port}"},
        "storage": {"driver": "disk", "disk": {"directory": str(policies), "watchForChanges": False}},
        "audit": {"enabled": False},
        "telemetry": {"disabled": True},
    }, indent=1))
    log_file = work / "cerbos.log"
    started = time.monotonic()
    process = start([str(binary), "server", f"--config={config}"], stdout=open(log_file, "w"),
                    stderr=subprocess.STDOUT, env={"CERBOS_NO_TELEMETRY": "1", "PATH": "/usr/bin:/bin", "HOME": str(work)})
    try:
        ready = wait_ready(process, lambda: _cerbos_healthy(http_port), started, timeout, log_file)
    except BaseException:
        stop(process)
        raise
    return process, http_port, ready
