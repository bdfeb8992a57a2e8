"""The documentation: the site builds with warnings as errors, and the tutorials' notebooks execute.

`mkdocs.yml` builds one page per tutorial from `docs/tutorials/<name>.py` (a jupytext script, also written as
`site/notebooks/<name>.ipynb`) and the API reference from the docstrings. Here the site is built without
executing the pages (fast), and each notebook is executed on its own, in a temporary folder, on the bundled data
with its default short settings: the quickest in the default run, all of them with `-m slow`.
"""

import html
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIALS = os.path.join(ROOT, "docs", "tutorials")
NAMES = sorted(n[:-3] for n in os.listdir(TUTORIALS) if n.endswith(".py"))
#: Executed in the default run (each well under a minute on 2 cores); the others with -m slow.
QUICK = {"logistic_sgd", "mlp", "hmc", "rbm"}
#: The public modules the API reference documents, every name of their `__all__`.
API_MODULES = ["models", "models.boltzmann", "models.network3", "layers", "callbacks", "training", "datasets", "samplers", "plotting",
               "metrics", "optimizers", "regularizers", "initializers", "midi", "two_sample", "presets", "core"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "KERAS_DLT_DOCS_EXECUTE": "false", "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}"
    return out


def test_every_tutorial_has_a_page_a_notebook_and_a_place_in_the_nav(site):
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        nav = f.read()
    for name in NAMES:
        assert f"tutorials/{name}.py" in nav, f"docs/tutorials/{name}.py is not in mkdocs.yml's nav"
        page = site / "tutorials" / name / "index.html"
        assert page.is_file(), f"no page for {name}"
        assert "FULL = False" in page.read_text(encoding="utf-8"), f"{name}'s page lacks its switch to the full data"
        notebook = site / "notebooks" / f"{name}.ipynb"
        assert notebook.is_file(), f"no notebook for {name}"
        import nbformat

        nb = nbformat.read(str(notebook), as_version=4)
        nbformat.validate(nb)
        assert [c for c in nb.cells if c.cell_type == "markdown"] and [c for c in nb.cells if c.cell_type == "code"]


def test_every_tutorial_app_has_a_page():
    from keras_dlt.cli import TUTORIALS as APPS

    for subcommand, (module, _) in APPS.items():
        assert module in NAMES, f"the app apps/{module}.py (keras-dlt {subcommand}) has no docs/tutorials/{module}.py"


def test_the_api_reference_documents_every_public_name(site):
    import importlib

    missing = {}
    for module in API_MODULES:
        page = (site / "api" / module / "index.html").read_text(encoding="utf-8")
        anchors = set(html.unescape(a) for a in re.findall(r'id="(keras_dlt\.[\w.]+)"', page))
        mod = importlib.import_module(f"keras_dlt.{module}")
        # A submodule in __all__ has a page of its own (models.network3).
        lacking = [n for n in mod.__all__ if not any(a.split(".")[-1] == n for a in anchors)
                   and f"{module}.{n}" not in API_MODULES]
        if lacking:
            missing[f"keras_dlt.{module}"] = lacking
    assert not missing, f"the API pages lack (an undocumented name is not shown): {missing}"


def execute(name, tmp_path):
    """Executes docs/tutorials/<name>.py as a notebook in `tmp_path`; returns the executed notebook."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(os.path.join(TUTORIALS, f"{name}.py"))
    # TensorFlow's C++ start-up lines stay out of the notebook's outputs, as in docs/hooks.py.
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   allow_errors=False, extra_arguments=["--IPKernelApp.capture_fd_output=False"]).execute()
    return notebook


@pytest.mark.parametrize("name", [n if n in QUICK else pytest.param(n, marks=pytest.mark.slow) for n in NAMES])
def test_the_notebook_runs_and_draws(name, tmp_path):
    notebook = execute(name, tmp_path)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"the {name} notebook shows no picture"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "nan" not in text.lower().split(), f"the {name} notebook printed a NaN:\n{text}"


def test_every_page_links_to_the_code_it_explains(site):
    """Each tutorial page links to API entries (which show their source); every such link lands on an entry."""
    for name in NAMES:
        page = (site / "tutorials" / name / "index.html").read_text(encoding="utf-8")
        links = re.findall(r'href="\.\./\.\./api/([\w.]+)/#([\w.]+)"', page)
        assert links, f"the {name} page links to no API entry"
        for api_page, anchor in links:
            target = (site / "api" / api_page / "index.html").read_text(encoding="utf-8")
            assert f'id="{anchor}"' in target, f"the {name} page links to {api_page}#{anchor}, which does not exist"


@pytest.mark.slow
def test_the_documented_build_executes_every_page(tmp_path):
    """The README's command as written: `mkdocs build --strict` executes every tutorial (about 10 minutes)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("KERAS_DLT_DOCS_EXECUTE", None)
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stderr[-6000:]}"
    for name in NAMES:
        page = (tmp_path / "site" / "tutorials" / name / "index.html").read_text(encoding="utf-8")
        assert "data:image/png;base64" in page, f"the executed {name} page shows no picture"
