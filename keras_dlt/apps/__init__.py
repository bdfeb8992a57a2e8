"""The tutorials' apps: readable scripts on the public API, one per tutorial (`apps/` in the repository is a
link to this folder). Run one as `python apps/lenet.py ...` from a checkout, or as `keras-dlt lenet ...` once
the package is installed."""
