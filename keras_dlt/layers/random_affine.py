"""Expanded training data made on the fly: a small random rotation, skew and shift of each image.

Nielsen expands MNIST by shifting every digit one pixel four ways and storing
the 250,000 images (`expand_mnist.py`); his problems suggest rotations and
skews too. Here one affine map per image, drawn fresh every step, composes
all three, applied by a single `keras.ops.image.affine_transform` (one
resampling instead of one per Keras preprocessing layer).
"""

import math

import keras
from keras import ops

__all__ = ["RandomAffine"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class RandomAffine(keras.layers.Layer):
    """Random rotation, shear and translation of images, at training time only.

    Inputs: images [n, h, w, c], or flat [n, h*w] vectors when `image_shape`
    is given (returned flat). At inference (`training=False`) the identity.

    Args:
        rotation: maximum rotation in degrees (uniform in +-rotation). Default 10.
        shear: maximum horizontal shear factor (x += shear * y). Default 0.15.
        translation: maximum shift in pixels, each axis. Default 2.
        image_shape: (h, w, c) of flat inputs; None for image inputs.
        seed: seed of the random maps.

    Example:
        >>> expand = RandomAffine(image_shape=(28, 28, 1), seed=1)
        >>> x_new = expand(x_batch, training=True)      # same shape, labels unchanged
    """

    def __init__(self, rotation=10.0, shear=0.15, translation=2.0, image_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("rotation", rotation), ("shear", shear), ("translation", translation)):
            if not value >= 0:
                raise ValueError(f"RandomAffine: {name} must be >= 0. Received: {name}={value}")
        if image_shape is not None and (len(image_shape) != 3 or min(image_shape) < 1):
            raise ValueError(f"RandomAffine: image_shape must be (h, w, c). Received: image_shape={image_shape}")
        self.rotation, self.shear, self.translation = float(rotation), float(shear), float(translation)
        self.image_shape = None if image_shape is None else tuple(int(d) for d in image_shape)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def transforms(self, n, height, width):
        """[n, 8] projective transforms (output pixel -> input pixel), one random affine map per image."""
        def uniform(limit):
            return keras.random.uniform((n,), -limit, limit, seed=self.seed_generator)

        angle = uniform(self.rotation * math.pi / 180.0)
        shear = uniform(self.shear)
        tx, ty = uniform(self.translation), uniform(self.translation)
        cos, sin = ops.cos(angle), ops.sin(angle)
        # A = R(angle) @ [[1, shear], [0, 1]]; input = A (output - centre) + centre + t.
        a00, a01, a10, a11 = cos, cos * shear - sin, sin, sin * shear + cos
        cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
        a02 = cx - a00 * cx - a01 * cy + tx
        a12 = cy - a10 * cx - a11 * cy + ty
        zeros = ops.zeros_like(angle)
        return ops.stack([a00, a01, a02, a10, a11, a12, zeros, zeros], axis=1)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        x = inputs
        if self.image_shape is not None and len(x.shape) == 2:
            x = ops.reshape(x, (-1, *self.image_shape))
        if len(x.shape) != 4:
            raise ValueError(f"RandomAffine: inputs must be images [n, h, w, c] (or flat with image_shape). "
                             f"Received: shape={tuple(inputs.shape)}")
        height, width = x.shape[1], x.shape[2]
        out = ops.image.affine_transform(x, self.transforms(ops.shape(x)[0], height, width),
                                         interpolation="bilinear", fill_mode="constant", fill_value=0.0)
        return ops.reshape(out, ops.shape(inputs)) if len(inputs.shape) == 2 else out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rotation": self.rotation, "shear": self.shear, "translation": self.translation,
                       "image_shape": self.image_shape, "seed": self.seed})
        return config
