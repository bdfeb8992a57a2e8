"""What a classifier's run leaves behind: its filters as a picture, the model (`.keras`, SavedModel), `result.json`."""

import os

from keras_dlt.training.pictures import FilterPictures
from keras_dlt.training.record import as_dict, write_result

__all__ = ["save_classifier_run", "closing_line"]


def closing_line(result):
    """The tutorial's last line for a `ClassifierResult`."""
    if result.test_error is None:  # Ctrl+C before the first validation point
        return f"Stopped before the first validation point: nothing to report, {result.epochs} epochs, " \
               f"{result.seconds:.1f} s"
    return (f"Optimization complete: best validation error {result.best_validation_error * 100:.3f} %, "
            f"test error {result.test_error * 100:.3f} %, {result.epochs} epochs, {result.seconds:.1f} s")


def save_classifier_run(model, result, out, name, filters_layer, filter_shape=None, export=True, extra=None,
                        backup=None):
    """Writes `filters.png`, `{name}.keras`, `saved_model/` (unless `export` is False) and `result.json` in `out`.

    Prints the paths and the tutorial's closing line; returns the record
    written to `result.json` (the `ClassifierResult`'s fields, the paths,
    and `extra`). Once all is written, the run's `backup` (a `RunBackup`) is
    discarded, unless Ctrl+C cut the training short (the same command then
    goes on from it).
    """
    pictures = FilterPictures(filters_layer, out, img_shape=filter_shape)
    pictures.set_model(model)
    filters_png = pictures.save(os.path.join(out, "filters.png"),
                                title=f"{type(model).__name__} after training: first-layer filters")
    keras_path = os.path.join(out, f"{name}.keras")
    model.save(keras_path)
    saved_model = os.path.join(out, "saved_model") if export else None
    if export:
        model.export(saved_model, verbose=False)
    record = {"model": type(model).__name__, **as_dict(result), "filters_png": filters_png, "keras_model": keras_path,
              "saved_model": saved_model, **(extra or {})}
    write_result(out, record)
    print(f"wrote {filters_png}, {keras_path}" + (f", {saved_model}" if saved_model else ""))
    if backup is not None and not result.interrupted:
        backup.discard()
    print(closing_line(result), flush=True)
    return record
