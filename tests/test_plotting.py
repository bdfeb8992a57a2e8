"""tile_raster_images against the tutorial's own loop, and the PNG helper."""

import numpy as np
import pytest
from PIL import Image

from keras_dlt.plotting import filters_of, save_tiled_png, scale_to_unit_interval, tile_raster_images


def _tutorial_tile(X, img_shape, tile_shape, tile_spacing, scale, pixels):
    """The tutorial's single-channel branch, transcribed loop for loop."""
    out_shape = [(i + s) * t - s for i, t, s in zip(img_shape, tile_shape, tile_spacing)]
    H, W = img_shape
    Hs, Ws = tile_spacing
    out = np.zeros(out_shape, dtype="uint8" if pixels else X.dtype)
    for r in range(tile_shape[0]):
        for c in range(tile_shape[1]):
            if r * tile_shape[1] + c < X.shape[0]:
                x = X[r * tile_shape[1] + c]
                img = ((x - x.min()) / (x - x.min()).max()).reshape(img_shape) if scale else x.reshape(img_shape)
                out[r * (H + Hs): r * (H + Hs) + H, c * (W + Ws): c * (W + Ws) + W] = img * (255 if pixels else 1)
    return out


@pytest.mark.parametrize("spacing", [(0, 0), (1, 1), (2, 3)])
@pytest.mark.parametrize("scale,pixels", [(True, True), (False, False), (True, False)])
def test_matches_the_tutorial(rng, spacing, scale, pixels):
    X = rng.uniform(size=(7, 12)).astype("float32")  # 7 images of 3x4 in a 3x3 grid: 2 tiles empty
    ours = tile_raster_images(X, (3, 4), (3, 3), spacing, scale, pixels)
    ref = _tutorial_tile(X, (3, 4), (3, 3), spacing, scale, pixels)
    assert ours.shape == ((3 + spacing[0]) * 3 - spacing[0], (4 + spacing[1]) * 3 - spacing[1])
    assert ours.dtype == ref.dtype
    np.testing.assert_allclose(ours.astype(float), ref.astype(float), atol=1 if pixels else 1e-6)
    assert not ours[-3:, -4:].any()  # the empty tiles stay 0


def test_four_channel_tuple_form(rng):
    X = rng.uniform(size=(4, 9))
    out = tile_raster_images((X, None, X, None), (3, 3), (2, 2), (1, 1))
    assert out.shape == (7, 7, 4) and out.dtype == np.uint8
    assert (out[:, :, 1] == 0).all() and (out[:, :, 3] == 255).all()
    np.testing.assert_array_equal(out[:, :, 0], tile_raster_images(X, (3, 3), (2, 2), (1, 1)))
    floats = tile_raster_images((None, X, None, None), (3, 3), (2, 2), output_pixel_vals=False)
    assert floats.dtype == X.dtype and (floats[:, :, 3] == 1.0).all()


def test_scale_to_unit_interval(rng):
    a = rng.normal(size=50) * 7 + 3
    s = scale_to_unit_interval(a)
    assert s.min() == pytest.approx(0) and s.max() == pytest.approx(1, abs=1e-6)
    assert a.min() != 0  # the input is not modified


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"2\*2=4 columns"):
        tile_raster_images(np.zeros((3, 5)), (2, 2), (2, 2))
    with pytest.raises(ValueError, match="4 channels"):
        tile_raster_images((None, None), (2, 2), (1, 1))


def test_save_png_and_filters_of(tmp_path, rng):
    W = rng.normal(size=(784, 30))
    path = save_tiled_png(filters_of(W), tmp_path / "sub" / "f.png", (28, 28), scale=1)
    img = Image.open(path)
    assert img.size == (6 * 29 - 1, 5 * 29 - 1)  # scale 1, no title: the tutorial's raster as it is
    conv = rng.normal(size=(5, 5, 2, 3))
    rows = filters_of(conv)
    assert rows.shape == (6, 25)
    np.testing.assert_array_equal(rows[1], conv[:, :, 1, 0].reshape(-1))
