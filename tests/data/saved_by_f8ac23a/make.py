"""Run with the package at f8ac23a on the path: small models of every family, saved as .keras, and their outputs."""
import sys
import numpy as np, keras
from keras_dlt.models import *
from keras_dlt.models.network3 import ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer, ReLU, Network
out_dir = sys.argv[1]
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.uniform(size=(16, 784)).astype("float32")
seq = (rng.uniform(size=(30, 88)) < 0.1).astype("float32")
out = {}
def fit_sup(m):
    m.compile(); m.fit(x, np.arange(16) % 10, epochs=1, batch_size=8, verbose=0)
net = Network([ConvPoolLayer(image_shape=(8, 1, 28, 28), filter_shape=(2, 1, 5, 5), poolsize=(2, 2), activation_fn=ReLU, seed=1),
               FullyConnectedLayer(n_in=2 * 12 * 12, n_out=6, activation_fn=ReLU, p_dropout=0.5, seed=2),
               SoftmaxLayer(n_in=6, n_out=10, p_dropout=0.5, seed=3)], mini_batch_size=8)
models = {"mlp": MLP(hidden_units=(6,), seed=1), "lenet": LeNet(nkerns=(2, 3), n_hidden=5, seed=1),
          "logistic": LogisticRegression(), "sda": StackedDenoisingAutoencoder((6, 4), corruption_levels=(0.1, 0.2), seed=1),
          "dbn": DBN((6, 4), seed=1), "network3": net}
for k, m in models.items():
    fit_sup(m); m.save(f"{out_dir}/{k}.keras"); out[k] = m.predict(x, verbose=0)
dae = DenoisingAutoencoder(n_hidden=6, corruption_level=0.3, seed=1); dae.compile(); dae.fit(x, batch_size=8, epochs=1, verbose=0)
dae.save(f"{out_dir}/dA.keras"); out["dA"] = keras.ops.convert_to_numpy(dae.reconstruct(x))
rbm = RBM(n_hidden=6, k=2, seed=1, n_chains=8); rbm.compile(); rbm.fit(x, batch_size=8, epochs=1, verbose=0)
rbm.save(f"{out_dir}/RBM.keras"); out["RBM"] = keras.ops.convert_to_numpy(rbm.free_energy(x))
rr = RnnRbm(n_hidden=6, n_hidden_recurrent=5, seed=1); rr.compile(); rr.fit([seq], epochs=1, verbose=0)
rr.save(f"{out_dir}/RnnRbm.keras"); out["RnnRbm"] = keras.ops.convert_to_numpy(rr.recurrence(seq)[0])
gb = GaussianBernoulliRBM(4, n_chains=8, seed=1); gb.compile(); gb.fit(rng.normal(size=(16, 2)).astype("float32"), batch_size=8, epochs=1, verbose=0)
gb.save(f"{out_dir}/GaussianBernoulliRBM.keras"); out["GaussianBernoulliRBM"] = keras.ops.convert_to_numpy(gb.free_energy(x[:, :2]))
np.savez_compressed(f"{out_dir}/outputs.npz", x=x, seq=seq, **out)
