"""The package is described in pyproject.toml; this adds what it cannot say there: the apps/ folder installed as
`keras_dlt.apps`, so the wheel carries the tutorials' scripts while they stay apart from the library's code."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["keras_dlt", "keras_dlt.*"]) + ["keras_dlt.apps"],
      package_dir={"keras_dlt.apps": "apps"})
