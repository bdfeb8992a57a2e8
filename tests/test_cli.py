"""The installed command `keras-dlt` and the package's form (issue 24): subcommands, fast help, no side effects."""

import json
import os
import subprocess
import sys
import time

from conftest import ROOT

from keras_dlt.cli import TUTORIALS


def run_cli(*args, timeout=600):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "keras_dlt.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def test_every_tutorial_is_an_app_and_every_app_a_tutorial():
    apps = {f[:-3] for f in os.listdir(os.path.join(ROOT, "apps")) if f.endswith(".py")} - {"__init__"}
    assert {module for module, _ in TUTORIALS.values()} == apps


def test_help_lists_the_tutorials_without_loading_tensorflow():
    code = ("import sys, time; t = time.perf_counter(); from keras_dlt.cli import main; main(['--help']); "
            "print(time.perf_counter() - t, 'tensorflow' in sys.modules, 'TF_CPP_MIN_LOG_LEVEL' in __import__('os').environ)")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = ROOT
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=120).stdout
    seconds = time.perf_counter() - start
    for name in TUTORIALS:
        assert f"  {name} " in out
    assert out.strip().endswith("False False"), out  # neither TensorFlow nor an environment variable
    assert seconds < 2.0, seconds


def test_importing_the_package_changes_no_environment_and_loads_tensorflow_lazily():
    code = ("import os, sys; before = dict(os.environ); import keras_dlt; "
            "print(dict(os.environ) == before, 'tensorflow' in sys.modules, keras_dlt.__version__); "
            "keras_dlt.models; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env=dict(os.environ, PYTHONPATH=ROOT)).stdout.split()
    from keras_dlt import __version__

    assert out == ["True", "False", __version__, "True"]


def test_unknown_tutorial_and_version():
    bad = run_cli("lenett")
    assert bad.returncode == 2 and "unknown tutorial 'lenett'" in bad.stderr
    version = run_cli("--version")
    from keras_dlt import __version__

    assert version.returncode == 0 and version.stdout.strip() == f"keras-dlt {__version__}"


def test_a_subcommand_runs_its_app_with_the_same_options_and_statuses(tmp_path):
    out = tmp_path / "hmc"
    proc = run_cli("hmc", "--samples", "40", "--burnin", "10", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.load(open(out / "result.json"))
    help_ = run_cli("lenet", "--help")
    assert help_.returncode == 0 and help_.stdout.startswith("usage: keras-dlt lenet")
    bad = run_cli("lenet", "--epochs", "0")
    assert bad.returncode == 2 and "--epochs" in bad.stderr
