"""SavedModel export with named endpoints, declared once for every model."""

import keras

__all__ = ["export_endpoints", "ExportsEndpoints"]


def export_endpoints(model, filepath, endpoints, verbose=True):
    """Write `model` as a SavedModel whose endpoints are `{name: (fn, input_signature)}`.

    The models' `export` methods name their own endpoints (`encode`, `free_energy`,
    `generate`, ...) on top of `serve`; this is `keras.export.ExportArchive` with
    the model tracked, so the weights go with the graph.
    """
    if not model.built:
        raise ValueError(f"{type(model).__name__}.export: the model is not built; fit or call it first.")
    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (fn, signature) in endpoints.items():
        archive.add_endpoint(name, fn, input_signature=signature)
    archive.write_out(filepath, verbose=verbose)


class ExportsEndpoints:
    """Mixin for `keras.Model`s: `export()` writes a SavedModel with the endpoints `self.endpoints()` declares.

    `endpoints()` returns `{name: (fn, input_signature)}` (one of them
    `serve`); other formats go to `keras.Model.export`.
    """

    def endpoints(self):
        raise NotImplementedError

    def export(self, filepath, format="tf_saved_model", verbose=True, **kwargs):
        """SavedModel with the endpoints of `endpoints()` (see the model's docstring); other formats: Keras'."""
        if format != "tf_saved_model":
            return super().export(filepath, format=format, verbose=verbose, **kwargs)
        export_endpoints(self, filepath, self.endpoints() if self.built else {}, verbose=verbose)
