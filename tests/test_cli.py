"""The tensorlite command, run in subprocesses on tiny data."""
import os
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tensorlite", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_help_reads_well():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "train", "devices", "gradcheck"):
        assert command in result.stdout


def test_devices():
    result = run("devices")
    assert result.returncode == 0 and result.stdout.startswith("cpu:")


def test_gradcheck_ops():
    result = run("gradcheck", "exp", "conv2d")
    assert result.returncode == 0 and "2 passed, 0 failed" in result.stdout
    assert run("gradcheck", "nosuchop").returncode == 2


def test_demo_on_digits(tmp_path):
    result = run("demo", "--epochs", "3", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.split("test accuracy ")[1].split(",")[0])
    assert accuracy > 0.85
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"history.csv", "checkpoint.tl", "curves.png"}


def test_train_from_toml(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(f"""
[model]
layers = [{{type = "linear", in = 64, out = 32}}, {{type = "relu"}}, {{type = "linear", in = 32, out = 10}}]
[data]
dataset = "digits"
[options]
solver = "adam"
max_epochs = 3
mini_batch_size = 64
verbose = false
[output]
dir = "{tmp_path / 'run'}"
""")
    result = run("train", str(config))
    assert result.returncode == 0, result.stderr
    assert "test loss" in result.stdout and (tmp_path / "run" / "history.csv").exists()
    config.write_text('[model]\nlayers = [{type = "nope"}]\n')
    bad = run("train", str(config))
    assert bad.returncode != 0 and "unknown layer type 'nope'" in bad.stderr


@pytest.mark.parametrize("args", [["demo", "--dataset", "imagenet"], ["train"]])
def test_bad_arguments(args):
    assert run(*args).returncode == 2


class TestTrainOnRanks:
    def test_runs_this_command_under_the_venvs_mpiexec(self, monkeypatch, tmp_path):
        from tensorlite import cli
        calls = []
        monkeypatch.setattr(cli.subprocess, "run",
                            lambda command, env: calls.append((command, env)) or subprocess.CompletedProcess(command, 3))
        assert cli.main(["train", "--ranks", "2", str(tmp_path / "run.toml")]) == 3
        (command, env), = calls
        assert command == [os.path.join(os.path.dirname(sys.executable), "mpiexec"), "-n", "2",
                           sys.executable, "-m", "tensorlite", "train", str(tmp_path / "run.toml")]
        assert env[cli.RANKS_VARIABLE] == "2"

    def test_without_mpiexec_says_how_to_install(self, monkeypatch, tmp_path):
        from tensorlite import cli
        monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(SystemExit, match=r"mpiexec not found.*pip install tensorlite\[distributed\]"):
            cli.main(["train", "--ranks", "2", "run.toml"])
        with pytest.raises(SystemExit, match="--ranks must be at least 1"):
            cli.main(["train", "--ranks", "0", "run.toml"])
