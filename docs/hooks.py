"""MkDocs hooks: the tutorial notebooks, and quiet kernels while the pages execute.

- Every tutorial's literate script also becomes a notebook, `site/notebooks/<name>.ipynb`. The page (rendered
  by mkdocs-jupyter) and the notebook are made from the same `docs/tutorials/<name>.py` (jupytext "percent"
  format), so they cannot drift apart. The notebooks are written unexecuted, as a teacher hands them out.
- TensorFlow's C++ start-up lines (oneDNN, CUDA) go to the build's log rather than into every page: the kernels
  that execute the pages leave file-descriptor output uncaptured (`IPKernelApp.capture_fd_output`).
"""

import os
import shutil
import tempfile

import jupytext

#: The option the kernels that execute pages start with (`tests/test_docs.py` passes the same on its command line).
KERNEL_OPTION = "c.IPKernelApp.capture_fd_output = False\n"


_IPYTHONDIR = []  # the temporary IPython folder this build made, removed at its end


def on_config(config, **kwargs):
    _IPYTHONDIR.append(tempfile.mkdtemp(prefix="keras_dlt_docs_ipython_"))
    profile = os.path.join(_IPYTHONDIR[-1], "profile_default")
    os.makedirs(profile)
    with open(os.path.join(profile, "ipython_kernel_config.py"), "w", encoding="utf-8") as f:
        f.write(KERNEL_OPTION)
    os.environ["IPYTHONDIR"] = os.path.dirname(profile)  # read by the kernels this build starts
    return config


def on_post_build(config, **kwargs):
    while _IPYTHONDIR:
        shutil.rmtree(_IPYTHONDIR.pop(), ignore_errors=True)
    tutorials = os.path.join(config["docs_dir"], "tutorials")
    out = os.path.join(config["site_dir"], "notebooks")
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(tutorials)):
        if name.endswith(".py"):
            notebook = jupytext.read(os.path.join(tutorials, name))
            jupytext.write(notebook, os.path.join(out, name[:-3] + ".ipynb"))
