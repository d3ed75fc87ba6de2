#!/usr/bin/env python3
"""Checks that every #include follows the layout of docs/ARCHITECTURE.md.

  grammar/source ◄─ grammar ◄─ engine/checker ─► engine/model ◄─ engine/compile
      ◄─ engine/eval ◄─ engine/partial ◄─ engine/sql;  engine/json on eval,
      partial and sql;  engine/engine.hpp (the facade) on top;
  server/, cli/, bindings/c: the facade and the line handler only, and of
  grammar/ only its vocabulary (grammar/source/): the facade re-exports what
  they need of the rest (tenet::ParseLimits, ast::File for `tenet test`).

Three rules, each an error naming the file, the line and the rule broken:
  1. direction: a folder includes only the folders it may depend on;
  2. internal:  a header under X/internal/ is included from folder X only;
  3. public:    a header of another folder is one its CMakeLists.txt lists.

Run by the build (target tenet_layout_check) and by ctest; exits 1 on any
error. `--root DIR` checks another tree (the test of this script does).
"""

import argparse
import pathlib
import re
import sys

# Folder → the folders it may include, besides itself. Transitive
# dependencies are listed: a stage may name what its own dependencies expose.
SOURCE = {"grammar/source"}
ENGINE_STAGES = {
    "engine/model": SOURCE,
    "engine/checker": SOURCE | {"grammar", "engine/model"},
    "engine/compile": SOURCE | {"engine/model"},
    "engine/eval": SOURCE | {"engine/model", "engine/compile"},
    "engine/partial": SOURCE | {"engine/model", "engine/compile", "engine/eval"},
    "engine/sql": SOURCE | {"engine/model", "engine/compile", "engine/eval", "engine/partial"},
    "engine/json": SOURCE
    | {"engine/model", "engine/compile", "engine/eval", "engine/partial", "engine/sql"},
    # Partner units (docs/UNITS.md): check and compile one unit at a time.
    "engine/units": SOURCE | {"grammar", "engine/model", "engine/checker", "engine/compile"},
}
ALLOWED = {
    "grammar/source": set(),
    "grammar": SOURCE,
    **ENGINE_STAGES,
    "engine": SOURCE | {"grammar"} | set(ENGINE_STAGES),  # the facade
}
# Outside engine/: exactly these engine headers (and the grammar's
# vocabulary), nothing else of engine/.
OUTSIDE_ENGINE_HEADERS = {
    "engine/engine.hpp",
    "engine/json/line_handler.hpp",
    "engine/json/line_framer.hpp",
}
OUTSIDE = ("server", "cli", "bindings/c")
# Between the folders outside engine/: cli on server, nothing else.
OUTSIDE_ALLOWED = {"server": set(), "cli": {"server"}, "bindings/c": set()}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_SUFFIXES = {".hpp", ".cpp", ".h", ".c", ".cc"}


def folder_of(path: str) -> str | None:
    """The layout folder a repository path belongs to (None: not checked)."""
    parts = path.split("/")
    if parts[0] == "grammar":
        return "grammar/source" if len(parts) > 2 and parts[1] == "source" else "grammar"
    if parts[0] == "engine":
        return "engine" if len(parts) == 2 else "engine/" + parts[1]
    for outside in OUTSIDE:
        if path.startswith(outside + "/"):
            return outside
    return None


def internal_owner(path: str) -> str | None:
    """For X/internal/..., the folder X; None for any other header."""
    parts = path.split("/")
    if "internal" not in parts:
        return None
    return folder_of("/".join(parts[: parts.index("internal")]) + "/x")


def listed_in_cmake(root: pathlib.Path, header: str, cache: dict) -> bool:
    """True when the CMakeLists.txt nearest above `header` names it."""
    directory = (root / header).parent
    while directory != root and not (directory / "CMakeLists.txt").exists():
        directory = directory.parent
    cmake = directory / "CMakeLists.txt"
    if cmake not in cache:
        cache[cmake] = cmake.read_text(encoding="utf-8") if cmake.exists() else ""
    relative = (root / header).relative_to(directory).as_posix()
    return re.search(r"(?<![\w/])" + re.escape(relative) + r"(?![\w])", cache[cmake]) is not None


def check(root: pathlib.Path) -> list[str]:
    errors = []
    cmake_cache: dict = {}
    for file in sorted(root.rglob("*")):
        if file.suffix not in SOURCE_SUFFIXES or not file.is_file():
            continue
        path = file.relative_to(root).as_posix()
        folder = folder_of(path)
        if folder is None:
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header = match.group(1)
            target = folder_of(header)
            if target is None or target == folder:
                continue  # the folder's own files, or tests/ and generated headers
            where = f"{path}:{number}: includes {header}"
            owner = internal_owner(header)
            if owner is not None and owner != folder:
                errors.append(f"{where}: an internal header of {owner}/, included from {folder}/")
                continue
            if folder in OUTSIDE:
                if target.startswith("engine") and header not in OUTSIDE_ENGINE_HEADERS:
                    errors.append(
                        f"{where}: {folder}/ may include from engine/ only "
                        + " and ".join(sorted(OUTSIDE_ENGINE_HEADERS)))
                    continue
                if target == "grammar":
                    errors.append(f"{where}: {folder}/ may include from grammar/ only "
                                  "grammar/source/ (the facade engine/engine.hpp has the rest)")
                    continue
                if target in OUTSIDE and target not in OUTSIDE_ALLOWED[folder]:
                    errors.append(f"{where}: {folder}/ may not depend on {target}/")
                    continue
            elif target not in ALLOWED.get(folder, set()):
                errors.append(f"{where}: {folder}/ may not depend on {target}/ "
                              "(see the dependency direction in docs/ARCHITECTURE.md)")
                continue
            if not listed_in_cmake(root, header, cmake_cache):
                errors.append(f"{where}: not a public header of {target}/ "
                              "(its CMakeLists.txt does not list it)")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    errors = check(args.root.resolve())
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"check_layout: {len(errors)} include(s) against the layout", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
