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


def test_version_matches_the_package():
    import tensorlite
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"tensorlite {tensorlite.__version__}"


def test_devices_without_pyopencl_names_the_extra():
    # None in sys.modules makes `import pyopencl` raise ImportError, as when it is not installed
    code = "import sys; sys.modules['pyopencl'] = None; from tensorlite.cli import main; sys.exit(main(['devices']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "pip install 'tensorlite[opencl]'" in result.stdout and "no OpenCL backend yet" not in result.stdout


def _train_in_process(capsys, tmp_path, text):
    """Run ``tensorlite train`` in this process on a config with the given text: (status, stderr)."""
    from tensorlite.cli import main
    config = tmp_path / "run.toml"
    config.write_text(text)
    status = main(["train", str(config)])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("options, message", [
    ("max_epoch = 3", "unknown option 'max_epoch'. Did you mean 'max_epochs'?"),
    ("max_epochs = 0", "max_epochs=0 must be a positive integer"),
    ("solver = 'adamw'", "solver='adamw' is not one of"),
])
def test_train_bad_option_is_one_clean_line(capsys, tmp_path, options, message):
    out = tmp_path / "never"
    status, err = _train_in_process(capsys, tmp_path, f'[options]\n{options}\n[output]\ndir = "{out}"\n')
    assert status == 2
    assert err.startswith("tensorlite train: [options]: TrainingOptions: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()  # refused before anything was written


def test_train_missing_or_invalid_config(capsys, tmp_path):
    from tensorlite.cli import main
    assert main(["train", str(tmp_path / "absent.toml")]) == 2
    assert "cannot read the configuration" in capsys.readouterr().err
    status, err = _train_in_process(capsys, tmp_path, "[options\nmax_epochs = 3\n")
    assert status == 2 and "is not valid TOML" in err and err.count("\n") == 1
    status, err = _train_in_process(capsys, tmp_path, "options = 3\n")
    assert status == 2 and "[options] must be a table" in err


def test_bad_option_exits_2_without_traceback(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text("[options]\nmini_batch = 8\n")
    result = run("train", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Did you mean 'mini_batch_size'?" in result.stderr


def test_train_reads_toml_with_tomli_before_python_311(monkeypatch, tmp_path):
    """Python 3.10 has no tomllib: the config is read with tomli (a dependency there)."""
    from tensorlite import cli
    monkeypatch.setattr(sys, "version_info", (3, 10, 14, "final", 0))
    monkeypatch.setitem(sys.modules, "tomllib", None)  # an import of tomllib would now fail
    config = tmp_path / "run.toml"
    config.write_text('[options]\nmax_epochs = 2\n[data]\ndataset = "digits"\n')
    assert cli._read_config(str(config)) == {"options": {"max_epochs": 2}, "data": {"dataset": "digits"}}
    config.write_text("[options\n")
    with pytest.raises(cli.CommandError, match="not valid TOML"):
        cli._read_config(str(config))
