"""The type check of tensorlite's public API (run by .ci/typecheck; needs mypy).

1. tensor.py's declarations of the attached methods are those tools/tensor_methods.py makes
   from the running package;
2. mypy accepts usage.py (PyTorch-style code: tensors, an nn.Module subclass, an optimizer
   loop, F calls, training.fit);
3. mypy reports exactly the errors and revealed types errors.py marks (an unknown Tensor
   method, a misspelt keyword, a Tensor where an int is declared; chains revealed as Tensor),
   so the hints are not Any everywhere.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

from mypy import api

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def expected_errors(path: Path) -> set:
    """(line, kind, message) for each ``# E: message`` (error) or ``# N: message`` (note) comment."""
    found = set()
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for mark, kind in (("# E: ", "error"), ("# N: ", "note")):
            if mark in line:
                found.add((number, kind, _plain(line.split(mark, 1)[1].strip())))
    return found


def _plain(message: str) -> str:
    """Without what mypy versions write differently: "builtins.bool" or "bool", a "; did you
    mean ...?" hint or none."""
    return re.sub(r"; did you mean .*$", "", message.replace("builtins.", ""))


def mypy(path: Path) -> tuple:
    out, err, status = api.run(["--config-file", str(HERE / "mypy.ini"), "--no-error-summary", str(path)])
    errors = set()
    for line in out.splitlines():
        match = re.match(rf"{re.escape(str(path))}:(\d+): (error|note): (.*?)(  \[[a-z-]+\])?$", line)
        if match and not re.match(r'"\w+" defined in "tensorlite', match.group(3)):  # an error's location note
            errors.add((int(match.group(1)), match.group(2), _plain(match.group(3))))
    return out + err, status, errors


def main() -> int:
    os.chdir(ROOT)  # mypy reads tensorlite from this checkout and reports paths as given
    status = subprocess.run([sys.executable, str(ROOT / "tools" / "tensor_methods.py"), "--check"]).returncode
    output, code, _ = mypy(HERE.relative_to(ROOT) / "usage.py")
    if code != 0:
        print(f"mypy rejects tests/typing/usage.py:\n{output}")
        status = 1
    path = HERE.relative_to(ROOT) / "errors.py"
    output, _, errors = mypy(path)
    expected = expected_errors(ROOT / path)
    if errors != expected:
        print(f"tests/typing/errors.py: mypy's errors differ from the marked ones\n"
              f"  missing: {sorted(expected - errors)}\n  unexpected: {sorted(errors - expected)}\n{output}")
        status = 1
    print("typecheck:", "FAILED" if status else "ok (declarations up to date, usage.py clean, errors.py as marked)")
    return status


if __name__ == "__main__":
    sys.exit(main())
