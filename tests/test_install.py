"""The wheel as a user installs it (issue 24): into someone else's environment, used from a folder with no checkout."""

import glob
import os
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT


def build_wheel(folder):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), ROOT], check=True,
                   capture_output=True, timeout=600)
    (wheel,) = glob.glob(os.path.join(folder, "keras_dlt-*.whl"))
    return wheel


def test_the_wheel_carries_the_apps_and_the_command_and_asks_for_ranges(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry = z.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert {f"keras_dlt/apps/{m}.py" for m in ("lenet", "rnnrbm", "hmc")} <= names
    assert "keras-dlt = keras_dlt.cli:main" in entry
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert len(requires) >= 7 and not [r for r in requires if "==" in r], requires  # ranges, never pins
    # Installed (without touching any dependency) into a folder of its own, run from a folder with no checkout.
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), wheel],
                   check=True, capture_output=True, timeout=600)
    os.makedirs(elsewhere)
    env = dict(os.environ, PYTHONPATH=str(site))
    command = [sys.executable, str(site / "bin" / "keras-dlt")]
    where = subprocess.run([sys.executable, "-c", "import keras_dlt, keras_dlt.apps; print(keras_dlt.__file__)"],
                           capture_output=True, text=True, env=env, cwd=elsewhere, timeout=120)
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr  # the wheel's copy, not the checkout
    assert subprocess.run(command + ["--help"], capture_output=True, text=True, env=env, cwd=elsewhere,
                          timeout=120).stdout.count("\n  ") >= 11
    run = subprocess.run(command + ["lenet", "--data", "sample", "--epochs", "1", "--no-export", "--verbose", "0",
                                    "--nkerns", "4", "8", "--hidden", "50"],
                         capture_output=True, text=True, env=env, cwd=elsewhere, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Optimization complete" in run.stdout and os.path.exists(elsewhere / "runs" / "lenet" / "filters.png")


@pytest.mark.slow
@pytest.mark.parametrize("user_has, extra", [
    (["numpy==2.3.5", "tensorflow==2.20.0", "tf-keras==2.20.1"], []),  # TF 2.20 with the tf-keras TFP needs
    (["numpy==2.3.5", "tensorflow==2.20.0"], ["tf-keras~=2.20.0"]),    # no tf-keras yet: name the one for TF 2.20
])
def test_pip_install_keeps_an_older_compatible_numpy_and_tensorflow(tmp_path, user_has, extra):
    """A fresh venv with numpy 2.3.5 and TensorFlow 2.20 (in our ranges, not our constraints): both are kept.

    TensorFlow Probability needs tf-keras, whose version follows TensorFlow's: without one installed, pip picks
    the newest tf-keras (2.21), which upgrades TensorFlow to 2.21, so the README says to name `tf-keras~=2.20.0`.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run(pip + user_has, check=True, capture_output=True, timeout=1800)
    proc = subprocess.run(pip + [build_wheel(tmp_path / "dist"), *extra], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    versions = subprocess.run([str(venv / "bin" / "python"), "-c",
                               "import numpy, tensorflow; print(numpy.__version__, tensorflow.__version__)"],
                              capture_output=True, text=True, timeout=300).stdout.split()
    assert versions == ["2.3.5", "2.20.0"], versions
    help_ = subprocess.run([str(venv / "bin" / "keras-dlt"), "lenet", "--help"], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    assert help_.returncode == 0 and "--tensorboard" in help_.stdout
