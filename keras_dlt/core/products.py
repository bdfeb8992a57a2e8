"""Sums of transposed products, sum_i a_i^T b_i, as one matmul of stacked factors.

Weight gradients of the written-out steps (the dA's encoder and decoder terms,
the RBM's data and chain statistics) are such sums: one matmul of the rows
stacked reads and writes the [n_in, n_out] result once, where a matmul per term
and their sum make a pass over an [n_in, n_out] temporary per term.
"""

import tensorflow as tf

__all__ = ["sum_of_products"]


def sum_of_products(*pairs):
    """sum_i a_i^T b_i for `(a_i, b_i)` pairs of [n_i, p] and [n_i, q] tensors: a [p, q] tensor."""
    a, b = zip(*pairs)
    return tf.matmul(tf.concat(a, 0), tf.concat(b, 0), transpose_a=True)
