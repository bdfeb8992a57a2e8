"""The version of keras_dlt, in one place (read by pyproject.toml and `keras_dlt.__version__`)."""

__version__ = "0.2.0"
