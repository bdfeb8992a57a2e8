"""Pictures of filters and samples, as the tutorials draw them (`utils.py`)."""

import os

import numpy as np

__all__ = ["save_traces_png", "save_scatter_png", "save_training_curves_png", "save_piano_roll_png", "scale_to_unit_interval", "tile_raster_images", "save_png", "save_tiled_png", "filters_of"]


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


def save_png(array, path, scale=1):
    """Writes a `[H, W]` or `[H, W, 4]` uint8 array as a PNG (PIL), `scale`x enlarged."""
    from PIL import Image

    image = Image.fromarray(np.asarray(array))
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    image.save(path)
    return path


def save_tiled_png(X, path, img_shape, tile_shape=None, tile_spacing=(1, 1), scale=1, **kwargs):
    """Tiles the rows of `X` (`tile_raster_images`) and saves them as a PNG.

    `tile_shape` defaults to a near-square grid holding every row.
    """
    n = len(X[0] if isinstance(X, tuple) else X)
    if tile_shape is None:
        cols = int(np.ceil(np.sqrt(n)))
        tile_shape = (int(np.ceil(n / cols)), cols)
    return save_png(tile_raster_images(X, img_shape, tile_shape, tile_spacing, **kwargs), path, scale=scale)


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


def save_traces_png(samples, path, targets=None, panel_height=80, width=800):
    """Trace plot of MCMC draws: one panel per dimension, one coloured line per chain (PIL only).

    Args:
        samples: `[n_draws, n_chains, dim]`.
        path: PNG to write.
        targets: optional `[dim]` values drawn as grey horizontal lines (e.g. the true mean).
        panel_height, width: pixels per panel and picture width (draws are
            spread over the width).
    """
    from PIL import Image, ImageDraw

    samples = np.asarray(samples, dtype="float64")
    if samples.ndim != 3 or not samples.size:
        raise ValueError(f"save_traces_png: samples must be [n_draws, n_chains, dim]; got shape {samples.shape}")
    n, chains, dim = samples.shape
    colours = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
    image = Image.new("RGB", (width, panel_height * dim), "white")
    draw = ImageDraw.Draw(image)
    xs = np.linspace(0, width - 1, n)
    for d in range(dim):
        top = d * panel_height
        lo, hi = samples[:, :, d].min(), samples[:, :, d].max()
        span = (hi - lo) or 1.0

        def y(v):
            return top + 2 + (panel_height - 5) * (1 - (v - lo) / span)

        if targets is not None:
            draw.line([(0, y(targets[d])), (width - 1, y(targets[d]))], fill=(160, 160, 160))
        for c in range(chains):
            draw.line(list(zip(xs, y(samples[:, c, d]))), fill=colours[c % len(colours)])
        draw.line([(0, top + panel_height - 1), (width - 1, top + panel_height - 1)], fill=(220, 220, 220))
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    image.save(path)
    return path


def save_scatter_png(point_sets, path, titles=None, size=300, limits=None):
    """2-D point sets side by side, one panel each, on shared axes (e.g. data vs model samples; PIL only).

    Args:
        point_sets: list of [n, 2] arrays.
        path: PNG to write.
        titles: optional panel captions.
        size: panel width and height in pixels.
        limits: ((xmin, xmax), (ymin, ymax)); default the pooled range plus 5 %.
    """
    from PIL import Image, ImageDraw

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
    (x0, x1), (y0, y1) = limits
    top = 16 if titles else 0
    image = Image.new("RGB", (size * len(sets), size + top), "white")
    draw = ImageDraw.Draw(image)
    for i, p in enumerate(sets):
        left = i * size
        if titles:
            draw.text((left + 4, 2), str(titles[i]), fill=(0, 0, 0))
        draw.rectangle([left, top, left + size - 1, top + size - 1], outline=(200, 200, 200))
        px = left + (p[:, 0] - x0) / (x1 - x0) * (size - 1)
        py = top + (1 - (p[:, 1] - y0) / (y1 - y0)) * (size - 1)
        for a, b in zip(px, py):
            if np.isfinite(a) and np.isfinite(b):
                draw.point((a, b), fill=(31, 119, 180))
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    image.save(path)
    return path


def save_training_curves_png(history, path, panels=(("accuracy", ("train_accuracy", "val_accuracy")),
                                                    ("cost", ("train_cost", "val_loss"))), size=(420, 260)):
    """Per-epoch curves, one panel per quantity (training vs validation): the overfitting diagnostic (PIL only).

    Args:
        history: a Keras `History` or its `.history` dict (lists per key).
        path: PNG to write.
        panels: (title, keys) pairs; keys missing from the history are skipped.
        size: (width, height) of each panel in pixels.
    """
    from PIL import Image, ImageDraw

    logs = getattr(history, "history", history)
    panels = [(title, [k for k in keys if logs.get(k)]) for title, keys in panels]
    panels = [(title, keys) for title, keys in panels if keys]
    if not panels:
        raise ValueError(f"save_training_curves_png: none of the curves are in the history (keys: {sorted(logs)})")
    colours = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)]
    width, height = size
    image = Image.new("RGB", (width * len(panels), height), "white")
    draw = ImageDraw.Draw(image)
    for p, (title, keys) in enumerate(panels):
        left, top, bottom = p * width + 40, 20, height - 20
        right = (p + 1) * width - 10
        values = np.concatenate([np.asarray(logs[k], "float64") for k in keys])
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        span = (hi - lo) or 1.0
        draw.rectangle([left, top, right, bottom], outline=(200, 200, 200))
        draw.text((left, 4), f"{title} per epoch", fill=(0, 0, 0))
        draw.text((p * width + 2, top), f"{hi:.3g}", fill=(90, 90, 90))
        draw.text((p * width + 2, bottom - 10), f"{lo:.3g}", fill=(90, 90, 90))
        for i, k in enumerate(keys):
            v = np.asarray(logs[k], "float64")
            xs = left + (right - left) * (np.arange(len(v)) / max(len(v) - 1, 1))
            ys = bottom - (bottom - top) * (v - lo) / span
            colour = colours[i % len(colours)]
            if len(v) > 1:
                draw.line(list(zip(xs, ys)), fill=colour, width=2)
            else:
                draw.ellipse([xs[0] - 2, ys[0] - 2, xs[0] + 2, ys[0] + 2], fill=colour)
            draw.text((right - 110, top + 4 + 12 * i), k, fill=colour)
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    image.save(path)
    return path


def save_piano_roll_png(roll, path, dt=0.3, note_range=(21, 109), px_per_frame=4, px_per_note=4):
    """A piano-roll as the tutorial's figure: time in seconds across, MIDI note number up (PIL only).

    Args:
        roll: [T, n_notes] of 0/1 (column j = MIDI note note_range[0] + j).
        path: PNG to write.
        dt: seconds per frame (for the time axis). Default 0.3.
        note_range: (low, high) MIDI notes of the columns.
        px_per_frame, px_per_note: pixel size of one cell.
    """
    from PIL import Image, ImageDraw

    roll = np.asarray(roll)
    lo, hi = note_range
    if roll.ndim != 2 or roll.shape[1] != hi - lo:
        raise ValueError(f"save_piano_roll_png: roll must be [T, {hi - lo}]; got shape {roll.shape}")
    n_frames, n_notes = roll.shape
    left, bottom, top = 34, 18, 6
    width, height = left + n_frames * px_per_frame + 6, top + n_notes * px_per_note + bottom
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for t, j in zip(*np.nonzero(roll > 0.5)):
        x0, y0 = left + t * px_per_frame, top + (n_notes - 1 - j) * px_per_note
        draw.rectangle([x0, y0, x0 + px_per_frame - 1, y0 + px_per_note - 1], fill=(20, 20, 20))
    base = top + n_notes * px_per_note
    draw.rectangle([left - 1, top - 1, left + n_frames * px_per_frame, base], outline=(150, 150, 150))
    for note in range(lo, hi):
        if note % 12 == 0:  # the Cs, labelled with their MIDI number
            y = top + (hi - 1 - note) * px_per_note + px_per_note // 2
            draw.line([(left - 4, y), (left - 1, y)], fill=(0, 0, 0))
            draw.text((2, y - 5), str(note), fill=(0, 0, 0))
    seconds = n_frames * dt
    step = max(1, int(round(seconds / 10)))
    for s in range(0, int(seconds) + 1, step):
        x = left + s / dt * px_per_frame
        draw.line([(x, base), (x, base + 3)], fill=(0, 0, 0))
        draw.text((x - 3, base + 4), f"{s}s", fill=(0, 0, 0))
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    image.save(path)
    return path
