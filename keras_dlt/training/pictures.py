"""Saves tiled pictures of a layer's filters while training."""

import os

import keras

from keras_dlt.plotting import filters_of, save_tiled_png

__all__ = ["FilterPictures"]


class FilterPictures(keras.callbacks.Callback):
    """Every `every` epochs, writes `{prefix}_at_epoch_{epoch}.png` of a layer's filters.

    The filters are the layer's kernel as rows of images (a Dense kernel's
    columns, a convolution's 2-D filters), tiled with `tile_raster_images`.

    Args:
        layer: the layer (or its name in the model) whose `kernel` to draw.
        out_dir: folder for the PNGs (created).
        img_shape: `(height, width)` of one filter. Default: 28x28 for a
            dense layer on 784 inputs, the kernel size for a convolution.
        every: period in epochs. Default 1.
        max_filters: draw at most this many. Default 100.
        prefix: file name prefix. Default `"filters"`.
        scale: enlargement of the picture. Default: each filter at least `plotting.MIN_TILE_PIXELS` across.
        title: the sheet's caption, `{epoch}` filled in. Default "{prefix} of <layer> after epoch {epoch}".

    Attributes:
        written: list of the paths written.
    """

    def __init__(self, layer, out_dir, img_shape=None, every=1, max_filters=100, prefix="filters", scale=None,
                 title=None):
        super().__init__()
        if every < 1:
            raise ValueError(f"FilterPictures: every must be >= 1. Received: every={every}")
        self.layer = layer
        self.out_dir = os.fspath(out_dir)
        self.img_shape = img_shape
        self.every = every
        self.max_filters = max_filters
        self.prefix = prefix
        self.scale = scale
        self.title = title
        self.written = []

    def _layer(self):
        return self.model.get_layer(self.layer) if isinstance(self.layer, str) else self.layer

    def save(self, path, title=None):
        """Writes the current filters to `path`, captioned `title` (default: the layer's name and size)."""
        layer = self._layer()
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        rows = filters_of(kernel)[: self.max_filters]
        if self.img_shape is not None:
            img_shape = tuple(self.img_shape)
        elif kernel.ndim == 4:
            img_shape = kernel.shape[:2]
        else:
            side = int(round(rows.shape[1] ** 0.5))
            if side * side != rows.shape[1]:
                raise ValueError(f"FilterPictures: give img_shape for filters of {rows.shape[1]} values.")
            img_shape = (side, side)
        if title is None:
            title = f"{len(rows)} filters of {layer.name} ({img_shape[0]}x{img_shape[1]})"
        save_tiled_png(rows, path, img_shape, tile_spacing=(1, 1), scale=self.scale, title=title)
        self.written.append(path)
        return path

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            title = (self.title or "{prefix} of {layer} after epoch {epoch}").format(
                prefix=self.prefix, layer=self._layer().name, epoch=epoch + 1)
            self.save(os.path.join(self.out_dir, f"{self.prefix}_at_epoch_{epoch + 1}.png"), title=title)
