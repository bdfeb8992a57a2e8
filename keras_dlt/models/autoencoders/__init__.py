"""The autoencoder family: the tied-weight denoising (and contractive) autoencoder, and the stack of them."""

from keras_dlt.models.autoencoders.denoising import DenoisingAutoencoder
from keras_dlt.models.autoencoders.stacked import StackedDenoisingAutoencoder

__all__ = ["DenoisingAutoencoder", "StackedDenoisingAutoencoder"]
