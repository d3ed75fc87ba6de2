"""The peers, installed from the npm registry into a temporary folder (never
into the repository), at pinned versions known to work on Node 20.

A peer that cannot be installed or started is reported with the reason and
left out; the run goes on with the others (tenet alone at worst).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# name -> npm package spec. The Cerbos PDP's Linux x86-64 binary is the npm
# package @cerbos/cerbos-linux-x64, taken directly: the `cerbos` package is a
# launcher whose newest release (0.51.0) pins the platform packages at 0.51.0,
# while the platform package itself is at 0.55.0.
PACKAGES = {
    "Cedar": "@cedar-policy/cedar-wasm@4.13.0",
    "casbin": "casbin@5.51.1",
    "Cerbos": "@cerbos/cerbos-linux-x64@0.55.0",
}
CERBOS_BINARY = "node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64"
NPM_TIMEOUT_S = 300
# npm's codes for a registry it cannot reach: no use trying package by package.
NETWORK_ERRORS = ("ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "ENETUNREACH", "ECONNRESET",
                  "took more than")


@dataclass
class Peers:
    directory: Path | None = None
    available: dict[str, str] = field(default_factory=dict)  # name -> version
    missing: dict[str, str] = field(default_factory=dict)  # name -> why
    node_version: str = ""

    @property
    def cerbos_binary(self) -> Path:
        return self.directory / CERBOS_BINARY


def _package_name(spec: str) -> str:
    return spec.rsplit("@", 1)[0]


def _installed_version(directory: Path, spec: str) -> str | None:
    manifest = directory / "node_modules" / _package_name(spec) / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _npm_install(directory: Path, specs: list[str]) -> str:
    """Installs `specs`; returns "" or the tail of npm's complaint."""
    try:
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "--fetch-retries=1",
             "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=2000",
             *specs],
            cwd=directory, capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"npm install took more than {NPM_TIMEOUT_S} s"
    if done.returncode == 0:
        return ""
    # npm's first lines name the error (`npm error code ECONNREFUSED`, then the
    # reason); the stack trace and the log-file hint after them say nothing.
    lines = [line.removeprefix("npm error").strip() for line in (done.stderr or done.stdout).splitlines()]
    lines = [line for line in lines if line and not line.startswith(("at ", "syscall", "errno"))]
    return "; ".join(lines[:2]) or f"npm exited with {done.returncode}"


def install(directory: Path, reuse: bool, log) -> Peers:
    """Installs every peer into `directory` (all at once, then one by one if
    that fails, so one broken package does not take the others with it)."""
    peers = Peers(directory=directory)
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        peers.missing = {name: "node and npm are not on PATH" for name in PACKAGES}
        return peers
    peers.node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    if int(peers.node_version.lstrip("v").split(".")[0]) < 18:
        peers.missing = {name: f"Node {peers.node_version} is too old (18 or newer)" for name in PACKAGES}
        return peers

    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "package.json").exists():
        (directory / "package.json").write_text('{"name": "tenet-compare-peers", "private": true}\n')
    wanted = {name: spec for name, spec in PACKAGES.items()
              if not (reuse and _installed_version(directory, spec) == spec.rsplit("@", 1)[1])}
    if wanted:
        log(f"installing {', '.join(wanted.values())} from npm into {directory}")
        problem = _npm_install(directory, list(wanted.values()))
        if problem and any(code in problem for code in NETWORK_ERRORS):
            peers.missing = {name: f"npm cannot reach its registry: {problem}" for name in wanted}
        elif problem:
            for name, spec in wanted.items():
                one = _npm_install(directory, [spec])
                if one:
                    peers.missing[name] = f"npm install {spec} failed: {one}"
    for name, spec in PACKAGES.items():
        if name in peers.missing:
            continue
        version = _installed_version(directory, spec)
        if version is None:
            peers.missing[name] = f"{spec} is not in {directory}/node_modules after npm install"
        else:
            peers.available[name] = version

    if "Cerbos" in peers.available:
        problem = _check_cerbos(peers.cerbos_binary)
        if problem:
            peers.missing["Cerbos"] = problem
            del peers.available["Cerbos"]
    return peers


def _check_cerbos(binary: Path) -> str:
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return f"the npm package holds a Linux x86-64 binary; this is {platform.system()} {platform.machine()}"
    if not os.access(binary, os.X_OK):
        return f"{binary} is missing or not executable"
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{binary} --version: {error}"
    if done.returncode != 0:
        return f"{binary} --version exited with {done.returncode}"
    return ""
