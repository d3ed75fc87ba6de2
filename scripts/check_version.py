#!/usr/bin/env python3
"""Checks that every version tenet states is the one of CMakeLists.txt.

The version is defined once, by project(VERSION) in CMakeLists.txt; C and C++
read it from there (TENET_VERSION, the tenet::version target). What cannot
read it are the packages of the other languages, so they repeat it, and this
check (ctest: version_consistency) fails when one of them differs:

  - bindings/python/pyproject.toml           version = "X"
  - bindings/python/tenet_client/__init__.py __version__ = "X"
  - bindings/node/package.json               "version": "X"

Given the built programs it also asks them, so a C or C++ copy that stopped
following CMake (a default, a stale generated file) fails too:

  --tenet BINARY     `tenet --version` prints `tenet X`, and `hello` on a
                     `tenet serve` answers "version": "X"
  --library SO       tenet_version() of libtenet.so returns X

Exits 1 naming each mismatch. `--root DIR` checks another tree (the version
is read from DIR/CMakeLists.txt).
"""

import argparse
import ctypes
import json
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time


def cmake_version(root: pathlib.Path) -> str:
    text = (root / "CMakeLists.txt").read_text(encoding="utf-8")
    found = re.search(r"project\(\s*tenet\s+VERSION\s+([0-9][0-9.]*)", text)
    if not found:
        sys.exit("check_version: no project(tenet VERSION ...) in CMakeLists.txt")
    return found.group(1)


def package_versions(root: pathlib.Path) -> dict[str, str | None]:
    """Each package file → the version it states (None: not found)."""
    def first(path: str, pattern: str) -> str | None:
        found = re.search(pattern, (root / path).read_text(encoding="utf-8"), re.M)
        return found.group(1) if found else None

    node = json.loads((root / "bindings/node/package.json").read_text(encoding="utf-8"))
    return {
        "bindings/python/pyproject.toml": first("bindings/python/pyproject.toml",
                                                r'^version\s*=\s*"([^"]*)"'),
        "bindings/python/tenet_client/__init__.py": first(
            "bindings/python/tenet_client/__init__.py", r'^__version__\s*=\s*"([^"]*)"'),
        "bindings/node/package.json": node.get("version"),
    }


def cli_version(tenet: str) -> str | None:
    out = subprocess.run([tenet, "--version"], capture_output=True, text=True, timeout=30).stdout
    found = re.fullmatch(r"tenet (\S+)\n", out)
    return found.group(1) if found else None


def hello_version(tenet: str, root: pathlib.Path) -> str | None:
    """Starts `tenet serve` on a Unix socket and asks `hello`."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(pathlib.Path(folder) / "tenet.sock")
        server = subprocess.Popen([tenet, "serve", str(root / "policies"), "--unix", path],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    client.settimeout(10)
                    client.connect(path)
                    break
                except OSError:
                    client.close()
                    if time.monotonic() > deadline or server.poll() is not None:
                        return None
                    time.sleep(0.05)
            with client:
                client.sendall(b'{"op":"hello"}\n')
                answer = b""
                while not answer.endswith(b"\n"):
                    chunk = client.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
            return json.loads(answer).get("version")
        finally:
            server.terminate()
            server.wait(timeout=30)


def library_version(library: str) -> str:
    lib = ctypes.CDLL(library)
    lib.tenet_version.argtypes = []
    lib.tenet_version.restype = ctypes.c_char_p
    return lib.tenet_version().decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent)
    parser.add_argument("--tenet", help="the built tenet binary")
    parser.add_argument("--library", help="the built libtenet.so")
    args = parser.parse_args()

    expected = cmake_version(args.root)
    stated = package_versions(args.root)
    if args.tenet:
        stated["tenet --version"] = cli_version(args.tenet)
        stated["tenet serve: hello's version"] = hello_version(args.tenet, args.root)
    if args.library:
        stated["libtenet.so: tenet_version()"] = library_version(args.library)

    wrong = {where: version for where, version in stated.items() if version != expected}
    for where, version in wrong.items():
        print(f"check_version: {where} says {version!r}, CMakeLists.txt says {expected!r}",
              file=sys.stderr)
    if wrong:
        return 1
    print(f"check_version: {len(stated)} places say {expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
