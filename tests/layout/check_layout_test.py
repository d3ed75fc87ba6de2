#!/usr/bin/env python3
"""scripts/check_layout.py finds each kind of include against the layout,
and passes a tree that keeps to it. Run by ctest (layout_check_self_test)."""

import pathlib
import subprocess
import sys
import tempfile

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "check_layout.py"


def write(root: pathlib.Path, path: str, text: str) -> None:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


def run(root: pathlib.Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, str(SCRIPT), "--root", str(root)],
                          capture_output=True, text=True, check=False)
    return done.returncode, done.stderr


def tree(root: pathlib.Path) -> None:
    """A minimal tree that keeps to the layout."""
    write(root, "engine/CMakeLists.txt",
          "HEADERS engine.hpp eval/evaluator.hpp json/request_parser.hpp json/line_handler.hpp "
          "checker/checker.hpp compile/compiled.hpp\n")
    write(root, "engine/engine.hpp", '#include "engine/eval/evaluator.hpp"\n')
    write(root, "engine/compile/compiled.hpp", "")
    write(root, "engine/eval/evaluator.hpp", '#include "engine/compile/compiled.hpp"\n')
    write(root, "engine/json/request_parser.hpp", '#include "engine/eval/evaluator.hpp"\n')
    write(root, "engine/json/line_handler.hpp", '#include "engine/json/request_parser.hpp"\n')
    write(root, "engine/checker/checker.hpp", '#include "engine/checker/internal/pass.hpp"\n')
    write(root, "engine/checker/internal/pass.hpp", "")
    write(root, "server/CMakeLists.txt", "FILES service.hpp\n")
    write(root, "server/service.hpp",
          '#include "engine/engine.hpp"\n#include "engine/json/line_handler.hpp"\n')
    write(root, "grammar/CMakeLists.txt", "source/source.hpp\nparser.hpp\n")
    write(root, "grammar/source/source.hpp", "")
    write(root, "grammar/parser.hpp", '#include "grammar/source/source.hpp"\n')
    write(root, "cli/main.cpp",
          '#include "server/service.hpp"\n#include "grammar/source/source.hpp"\n')


def main() -> int:
    failures = []
    with tempfile.TemporaryDirectory() as directory:
        root = pathlib.Path(directory)
        tree(root)
        code, errors = run(root)
        if code != 0:
            failures.append(f"a tree that keeps to the layout was refused:\n{errors}")

        cases = [
            ("engine/compile/back.cpp", '#include "engine/eval/evaluator.hpp"\n',
             "engine/compile/ may not depend on engine/eval/"),
            ("engine/sql/peek.cpp", '#include "engine/checker/internal/pass.hpp"\n',
             "an internal header of engine/checker/, included from engine/sql/"),
            ("engine/json/hidden.cpp", '#include "engine/eval/unlisted.hpp"\n',
             "not a public header of engine/eval/"),
            ("server/deep.cpp", '#include "engine/json/request_parser.hpp"\n',
             "server/ may include from engine/ only"),
            ("server/up.cpp", '#include "cli/main.hpp"\n', "server/ may not depend on cli/"),
            # Of grammar/, the folders outside engine/ may include the vocabulary only.
            ("cli/limits.cpp", '#include "grammar/parser.hpp"\n',
             "cli/ may include from grammar/ only grammar/source/"),
            ("server/reload.cpp", '#include "grammar/parser.hpp"\n',
             "server/ may include from grammar/ only grammar/source/"),
            ("bindings/c/src/open.cpp", '#include "grammar/parser.hpp"\n',
             "bindings/c/ may include from grammar/ only grammar/source/"),
        ]
        for path, text, expected in cases:
            write(root, path, text)
            code, errors = run(root)
            if code == 0 or expected not in errors or path not in errors:
                failures.append(f"{path}: expected an error '{expected}', got (exit {code}):\n{errors}")
            (root / path).unlink()
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
