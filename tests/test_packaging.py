"""What the wheel and its metadata promise: the licence, py.typed, the version, the dependencies.

(The built wheel's contents are checked by .ci/run, which builds it; mypy runs in .ci/typecheck.)
"""
import sys
from pathlib import Path

import tensorlite

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_file_is_the_declared_mit():
    assert PROJECT["project"]["license"] == "MIT"
    assert PROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_py_typed_and_stubs_ship_in_the_wheel():
    assert (Path(tensorlite.__file__).parent / "py.typed").is_file()
    assert {"py.typed", "*.pyi"} <= set(PROJECT["tool"]["setuptools"]["package-data"]["tensorlite"])
    assert (Path(tensorlite.__file__).parent / "_table_functions.pyi").is_file()


def test_version_is_the_projects():
    assert tensorlite.__version__ == PROJECT["project"]["version"]


def test_metadata_for_an_index():
    project = PROJECT["project"]
    assert "urls" not in project  # no public address yet: no guessed links (see pyproject)
    assert "Typing :: Typed" in project["classifiers"] and project["keywords"]
    python_versions = {c.rsplit(" ", 1)[1] for c in project["classifiers"]
                       if c.startswith("Programming Language :: Python :: 3.")}
    assert min(python_versions, key=lambda v: tuple(map(int, v.split(".")))) == \
        project["requires-python"].removeprefix(">=")
    # the SPDX license string needs setuptools 77; an older build backend rejects the file
    assert PROJECT["build-system"]["requires"] == ["setuptools>=77"]


def test_tomli_where_tomllib_is_missing():
    assert "tomli>=1.1; python_version<'3.11'" in PROJECT["project"]["dependencies"]
    assert any(d.startswith("mypy") for d in PROJECT["project"]["optional-dependencies"]["typecheck"])
