"""The README's tour runs as written (on the bundled sample, one epoch each)."""

import os
import re

from conftest import ROOT


def test_readme_tour_runs(tmp_path, monkeypatch):
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    code = "\n".join(blocks)
    # Small and quick: the bundled sample, one epoch per fit.
    code = code.replace("load_mnist()", 'load_mnist("sample")')
    code = re.sub(r"epochs=\d+", "epochs=1", code)
    # And short sampling: the tour's chains, AIS temperatures and runs cut (the calls are the README's).
    for long, short in (("steps_between=1000", "steps_between=50"), ("ais_betas(2000)", "ais_betas(200)"),
                        ("n_runs=100, n_betas=500", "n_runs=10, n_betas=50"), ("n_moves=100", "n_moves=20"),
                        ("num_results=1000, num_burnin=1000", "num_results=200, num_burnin=200"),
                        ("n_steps=400", "n_steps=40")):
        assert long in code, long
        code = code.replace(long, short)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert os.path.exists(tmp_path / "lenet.keras") and os.path.isdir(tmp_path / "lenet_savedmodel")
    assert os.path.exists(tmp_path / "runs" / "mlp_filters.png")
    assert namespace["stop"].best_validation_error < 0.5
    # The resuming example: backed up each epoch, discarded at the end.
    assert namespace["backup"].saved_epoch() is None and namespace["early"].best_validation_error < 0.5
    assert not os.path.exists(tmp_path / "runs" / "mlp" / "backup")
