"""Pictures of filters and samples, as the tutorials draw them (`utils.py`)."""

import os

import numpy as np

__all__ = ["save_traces_png", "scale_to_unit_interval", "tile_raster_images", "save_png", "save_tiled_png", "filters_of"]


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
