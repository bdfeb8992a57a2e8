"""The RNN-RBM's RNN alone, as an exact next-frame predictor with independent notes.

u_t = tanh(bu + v_t Wvu + u_{t-1} Wuu) and p(v_t,i = 1 | v_<t) = sigmoid(bv + u_{t-1} Wuv)_i: the RNN-RBM of
Boulanger-Lewandowski et al. (2012) with the RBM's couplings W = 0, whose log-likelihood is exact. The paper
(sec. 6) starts the RNN-RBM from such a pretrained RNN; `keras_dlt.training.music.pretrain_frame_rnn` trains
one and copies its weights into an `RnnRbm`.
"""

import keras

from keras_dlt.core.random import sub_seed
from keras_dlt.models.tutorial_sgd import TutorialSGD

__all__ = ["FrameRNN"]


@keras.saving.register_keras_serializable(package="keras_dlt")
class FrameRNN(TutorialSGD, keras.Model):
    """Next-frame logits of piano-rolls `[batch, time, n_visible]`: frame t sees u_{t-1} (u_0 = 0).

    Keras' `SimpleRNN` (tanh) gives u_t; a `Dense` gives the logits bv + u_{t-1} Wuv. The package's `fit`:
    a NaN or inf stops it (`TrainingDiverged`), and it trains under `MultiWorkerMirroredStrategy` too.

    Args:
        n_visible: notes per frame.
        n_hidden_recurrent: size of u.
        seed: seed of the initialisation (Glorot-uniform Wvu and Wuv, orthogonal Wuu).
    """

    def __init__(self, n_visible, n_hidden_recurrent, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.n_visible, self.n_hidden_recurrent, self.seed = n_visible, n_hidden_recurrent, seed
        self.rnn = keras.layers.SimpleRNN(
            n_hidden_recurrent, return_sequences=True, seed=sub_seed(seed, 30),
            kernel_initializer=keras.initializers.GlorotUniform(sub_seed(seed, 31)),
            recurrent_initializer=keras.initializers.Orthogonal(seed=sub_seed(seed, 32)), name="rnn")
        self.out = keras.layers.Dense(n_visible, kernel_initializer=keras.initializers.GlorotUniform(sub_seed(seed, 33)),
                                      name="visible_logits")

    def build(self, input_shape=None):
        self.rnn.build((None, None, self.n_visible))
        self.out.build((None, None, self.n_hidden_recurrent))

    def call(self, v):
        u = self.rnn(v)
        u_prev = keras.ops.pad(u[:, :-1], ((0, 0), (1, 0), (0, 0)))  # frame t sees u_{t-1}; u_0 = 0
        return self.out(u_prev)

    def get_config(self):
        return {**super().get_config(), "n_visible": self.n_visible, "n_hidden_recurrent": self.n_hidden_recurrent,
                "seed": self.seed}
