"""The tutorials' apps: readable scripts on the public API, one per tutorial. Run one as `python apps/lenet.py ...`
from a checkout; the wheel installs this folder as `keras_dlt.apps`, which the `keras-dlt` command runs."""
