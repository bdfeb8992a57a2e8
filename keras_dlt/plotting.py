"""Pictures of filters, samples and runs: the tutorials' tiled sheets (`utils.py`) and plots with axes.

Tiled sheets (`tile_raster_images`, the tutorial's function) are saved with
each filter or digit at least `MIN_TILE_PIXELS` across and a title, so that a
projected sheet is legible. Plots (traces, scatters, training curves,
piano-rolls) are drawn by matplotlib's object API with the Agg renderer:
axes, ticks, labels and legends, and no change to the user's pyplot backend.
"""

import os
import textwrap

import numpy as np

__all__ = ["save_traces_png", "save_scatter_png", "save_training_curves_png", "save_piano_roll_png",
           "scale_to_unit_interval", "tile_raster_images", "save_png", "save_tiled_png", "filters_of",
           "MIN_TILE_PIXELS"]


def scale_to_unit_interval(ndar, eps=1e-8):
    """Scales all values of `ndar` to lie in [0, 1] (a copy)."""
    ndar = np.array(ndar, dtype=np.float64 if ndar.dtype == np.float64 else np.float32, copy=True)
    ndar -= ndar.min()
    ndar *= 1.0 / (ndar.max() + eps)
    return ndar


def tile_raster_images(
    X,
    img_shape,
    tile_shape,
    tile_spacing=(0, 0),
    scale_rows_to_unit_interval=True,
    output_pixel_vals=True,
):
    """Lays out the rows of `X`, each a flattened image, as tiles on a floor.

    The tutorial's function, same arguments and semantics: row `i` of `X`
    goes to tile `(i // tile_shape[1], i % tile_shape[1])`; tiles beyond
    `len(X)` stay 0; each row is scaled to [0, 1] on its own when
    `scale_rows_to_unit_interval`; the output is uint8 pixels (x255) when
    `output_pixel_vals`, else `X`'s dtype.

    Args:
        X: a 2-D array, one flattened image per row (for a weight matrix
            `[n_visible, n_hidden]` pass `W.T`), or a tuple of 4 such arrays
            (or `None`s) for the R, G, B and alpha channels. A `None` channel
            is filled with 0 (colour) or opaque (alpha).
        img_shape: `(height, width)` of each image.
        tile_shape: `(rows, cols)` of tiles.
        tile_spacing: `(rows, cols)` of blank pixels between tiles.
        scale_rows_to_unit_interval: scale each image to [0, 1] first.
        output_pixel_vals: return uint8 pixel values instead of floats.

    Returns:
        `[H, W]` array (or `[H, W, 4]` for the tuple form) with
        `H = (img_h + sp_h) * rows - sp_h`, `W = (img_w + sp_w) * cols - sp_w`.

    Example:
        >>> img = tile_raster_images(W.T, (28, 28), (10, 10), (1, 1))
        >>> PIL.Image.fromarray(img).save("filters.png")
    """
    if len(img_shape) != 2 or len(tile_shape) != 2 or len(tile_spacing) != 2:
        raise ValueError(
            "tile_raster_images: img_shape, tile_shape and tile_spacing must be pairs. Received: "
            f"img_shape={img_shape}, tile_shape={tile_shape}, tile_spacing={tile_spacing}"
        )
    out_shape = [(ishp + tsp) * tshp - tsp for ishp, tshp, tsp in zip(img_shape, tile_shape, tile_spacing)]

    if isinstance(X, tuple):
        if len(X) != 4:
            raise ValueError(f"tile_raster_images: a tuple X must hold 4 channels (R, G, B, A); got {len(X)}.")
        first = next((c for c in X if c is not None), None)
        dtype = np.uint8 if output_pixel_vals else (np.asarray(first).dtype if first is not None else np.float32)
        out = np.zeros((*out_shape, 4), dtype=dtype)
        defaults = [0, 0, 0, 255] if output_pixel_vals else [0.0, 0.0, 0.0, 1.0]
        for i in range(4):
            if X[i] is None:
                out[:, :, i] = defaults[i]
            else:
                out[:, :, i] = tile_raster_images(
                    X[i], img_shape, tile_shape, tile_spacing, scale_rows_to_unit_interval, output_pixel_vals
                )
        return out

    X = np.asarray(X)
    H, W = img_shape
    Hs, Ws = tile_spacing
    if X.ndim != 2 or X.shape[1] != H * W:
        raise ValueError(
            f"tile_raster_images: X must be 2-D with {H}*{W}={H * W} columns (one image per row). "
            f"Received: X.shape={X.shape}"
        )
    out = np.zeros(out_shape, dtype=np.uint8 if output_pixel_vals else X.dtype)
    n_tiles = min(len(X), tile_shape[0] * tile_shape[1])
    for i in range(n_tiles):
        row, col = divmod(i, tile_shape[1])
        img = scale_to_unit_interval(X[i]) if scale_rows_to_unit_interval else X[i]
        img = img.reshape(img_shape) * (255 if output_pixel_vals else 1)
        out[row * (H + Hs) : row * (H + Hs) + H, col * (W + Ws) : col * (W + Ws) + W] = img
    return out


#: One filter or digit is drawn at least this many pixels across, so that a projected sheet stays legible.
MIN_TILE_PIXELS = 40


def _figure(width_px, height_px, dpi=100):
    """A matplotlib `Figure` of that size in pixels, drawn by Agg (no pyplot: the user's backend is left alone)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)


def _save_figure(fig, path):
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(path)
    return path


def save_png(array, path, scale=1, title=None, row_labels=None, rows=None):
    """Writes a `[H, W]` or `[H, W, 4]` uint8 array as a PNG, `scale`x enlarged (each pixel a square block).

    With `title`, a caption line is added above the picture; with `row_labels`
    (one per band of `rows` equal bands), each band is labelled on the left
    (e.g. the Gibbs step of each row of samples). The picture's own pixels are
    copied as they are (matplotlib's `figimage`, no resampling).
    """
    array = np.asarray(array)
    if scale != 1:
        array = np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)
    if title is None and row_labels is None:
        from PIL import Image

        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        Image.fromarray(array).save(path)
        return path
    h, w = array.shape[:2]
    left = 8 + (9 * max(len(str(label)) for label in row_labels) if row_labels else 0)
    width = max(w + left + 8, 320)
    lines = textwrap.wrap(title, max(20, width // 10)) if title else []  # about 10 px per character at 12 pt
    title = "\n".join(lines)
    top = 16 + 20 * len(lines) if lines else 8
    fig = _figure(width, h + top + 8)
    fig.figimage(array, xo=left, yo=8, cmap="gray" if array.ndim == 2 else None, vmin=0, vmax=255, origin="upper")
    width, height = fig.bbox.width, fig.bbox.height
    if title:
        fig.text(0.5, 1 - 8 / height, title, ha="center", va="top", fontsize=12)
    if row_labels:
        band = h / (rows or len(row_labels))
        for i, label in enumerate(row_labels):
            y = 8 + h - (i + 0.5) * band
            fig.text((left - 6) / width, y / height, str(label), ha="right", va="center", fontsize=10)
    return _save_figure(fig, path)


def save_tiled_png(X, path, img_shape, tile_shape=None, tile_spacing=(1, 1), scale=None, title=None,
                   row_labels=None, **kwargs):
    """Tiles the rows of `X` (`tile_raster_images`) and saves them as a PNG.

    `tile_shape` defaults to a near-square grid holding every row. `scale`
    (an int) defaults to the smallest that draws each tile at least
    `MIN_TILE_PIXELS` across. `title` captions the sheet; `row_labels` label
    its rows of tiles (e.g. "step 1000").
    """
    n = len(X[0] if isinstance(X, tuple) else X)
    if tile_shape is None:
        cols = int(np.ceil(np.sqrt(n)))
        tile_shape = (int(np.ceil(n / cols)), cols)
    if scale is None:
        scale = max(1, int(np.ceil(MIN_TILE_PIXELS / min(img_shape))))
    if row_labels is not None and len(row_labels) != tile_shape[0]:
        raise ValueError(f"save_tiled_png: {len(row_labels)} row labels for {tile_shape[0]} rows of tiles")
    return save_png(tile_raster_images(X, img_shape, tile_shape, tile_spacing, **kwargs), path, scale=scale,
                    title=title, row_labels=row_labels, rows=tile_shape[0])


def filters_of(kernel):
    """A layer kernel as rows of flattened filters.

    Dense `[n_in, n_units]` -> `[n_units, n_in]` (the tutorial's `W.T`);
    convolution `[h, w, in, out]` -> `[out * in, h * w]`.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim == 2:
        return kernel.T
    if kernel.ndim == 4:
        h, w, c_in, c_out = kernel.shape
        return kernel.transpose(3, 2, 0, 1).reshape(c_out * c_in, h * w)
    raise ValueError(f"filters_of: expected a 2-D or 4-D kernel. Received: shape={kernel.shape}")


def save_traces_png(samples, path, targets=None, step_size=None, acceptance=None, title=None):
    """Trace plot of MCMC draws: one panel per dimension, one line per chain, with axes, labels and a legend.

    Args:
        samples: `[n_draws, n_chains, dim]`.
        path: PNG to write.
        targets: optional `[dim]` values drawn as dashed lines (e.g. the true mean).
        step_size, acceptance: optional per-draw step size and running acceptance rate, drawn in a last
            panel (the adaptation the tutorial's sampler does).
        title: the figure's title.
    """
    samples = np.asarray(samples, dtype="float64")
    if samples.ndim != 3 or not samples.size:
        raise ValueError(f"save_traces_png: samples must be [n_draws, n_chains, dim]; got shape {samples.shape}")
    n, chains, dim = samples.shape
    extra = step_size is not None or acceptance is not None
    fig = _figure(900, 150 * (dim + extra) + 60)
    axes = fig.subplots(dim + extra, 1, sharex=True, squeeze=False)[:, 0]
    draws = np.arange(1, n + 1)
    for d in range(dim):
        ax = axes[d]
        for c in range(chains):
            ax.plot(draws, samples[:, c, d], lw=0.7, label=f"chain {c + 1}")
        if targets is not None:
            ax.axhline(targets[d], color="black", ls="--", lw=1, label="target mean")
        ax.set_ylabel(f"x[{d}]")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right", ncol=chains + (targets is not None), fontsize=8)
    if extra:
        ax = axes[-1]
        if step_size is not None:
            ax.plot(draws, np.asarray(step_size)[-n:], color="tab:purple", label="step size")
            ax.set_ylabel("step size")
        if acceptance is not None:
            twin = ax.twinx()
            twin.plot(draws, np.asarray(acceptance)[-n:], color="tab:green", label="acceptance rate")
            twin.set_ylabel("acceptance rate")
            twin.set_ylim(0, 1)
            twin.legend(loc="lower right", fontsize=8)
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("draw (after burn-in)")
    fig.suptitle(title or f"HMC traces: {chains} chains, {dim} dimensions")
    fig.tight_layout()
    return _save_figure(fig, path)


def save_scatter_png(point_sets, path, titles=None, size=300, limits=None, suptitle=None):
    """2-D point sets side by side on shared axes (e.g. data vs model samples), with titles and axis labels.

    Args:
        point_sets: list of [n, 2] arrays.
        path: PNG to write.
        titles: optional panel titles.
        size: panel width and height in pixels (about).
        limits: ((xmin, xmax), (ymin, ymax)); default the pooled range plus 5 %.
        suptitle: the figure's title.
    """
    sets = [np.asarray(p, "float64") for p in point_sets]
    for i, p in enumerate(sets):
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"save_scatter_png: point set {i} must be [n, 2]; got shape {p.shape}")
    if limits is None:
        pooled = np.concatenate(sets)
        pooled = pooled[np.all(np.isfinite(pooled), axis=1)]
        lo, hi = pooled.min(0), pooled.max(0)
        pad = 0.05 * np.maximum(hi - lo, 1e-6)
        limits = tuple(zip(lo - pad, hi + pad))
    fig = _figure(size * len(sets) + 60, size + 90)
    axes = fig.subplots(1, len(sets), sharex=True, sharey=True, squeeze=False)[0]
    for i, (ax, p) in enumerate(zip(axes, sets)):
        ax.scatter(p[:, 0], p[:, 1], s=3, alpha=0.5, color="tab:blue", label=f"{len(p)} points")
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
        ax.set_xlabel("x[0]")
        if i == 0:
            ax.set_ylabel("x[1]")
        if titles:
            ax.set_title(str(titles[i]), fontsize=10)
        ax.legend(loc="upper right", fontsize=8, markerscale=3)
        ax.grid(alpha=0.3)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return _save_figure(fig, path)


def save_training_curves_png(history, path, panels=(("accuracy", ("train_accuracy", "val_accuracy")),
                                                    ("cost", ("train_cost", "val_loss"))), size=(420, 300),
                             title=None):
    """Per-epoch curves, one panel per quantity (training vs validation): the overfitting diagnostic.

    Args:
        history: a Keras `History` or its `.history` dict (lists per key).
        path: PNG to write.
        panels: (title, keys) pairs; keys missing from the history are skipped.
        size: (width, height) of each panel in pixels (about).
        title: the figure's title.
    """
    logs = getattr(history, "history", history)
    panels = [(name, [k for k in keys if logs.get(k)]) for name, keys in panels]
    panels = [(name, keys) for name, keys in panels if keys]
    if not panels:
        raise ValueError(f"save_training_curves_png: none of the curves are in the history (keys: {sorted(logs)})")
    width, height = size
    fig = _figure(width * len(panels), height + 40)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, keys) in zip(axes, panels):
        for k in keys:
            v = np.asarray(logs[k], "float64")
            ax.plot(np.arange(1, len(v) + 1), v, marker="o" if len(v) < 30 else None, ms=3,
                    label=k.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(f"{name} per epoch", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save_figure(fig, path)


def save_piano_roll_png(roll, path, dt=0.3, note_range=(21, 109), title=None):
    """A piano-roll as the tutorial's figure: time in seconds across, MIDI note number up, with axes and a title.

    Args:
        roll: [T, n_notes] of 0/1 (column j = MIDI note note_range[0] + j).
        path: PNG to write.
        dt: seconds per frame (for the time axis). Default 0.3.
        note_range: (low, high) MIDI notes of the columns.
        title: the figure's title. Default "piano-roll: T frames of dt s".
    """
    roll = np.asarray(roll)
    lo, hi = note_range
    if roll.ndim != 2 or roll.shape[1] != hi - lo:
        raise ValueError(f"save_piano_roll_png: roll must be [T, {hi - lo}]; got shape {roll.shape}")
    n_frames = len(roll)
    fig = _figure(min(1600, max(600, 4 * n_frames + 120)), 480)
    ax = fig.subplots()
    ax.imshow(roll.T > 0.5, origin="lower", aspect="auto", cmap="Greys", interpolation="nearest",
              extent=(0, n_frames * dt, lo - 0.5, hi - 0.5))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("MIDI note")
    ax.set_yticks([n for n in range(lo, hi) if n % 12 == 0])  # the Cs
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title or f"piano-roll: {n_frames} frames of {dt} s")
    fig.tight_layout()
    return _save_figure(fig, path)
