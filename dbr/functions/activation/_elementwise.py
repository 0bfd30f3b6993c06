"""Pieces shared by the activation modules: a stable sigmoid on raw arrays, and a node that
multiplies by a constant array (the backward of piecewise-linear activations).

Forwards here select between branches with masks and min/max rather than ``xp.where``, which
NumPy runs several times slower on float32 with an unpredictable mask.
"""
from dbr.function_node import FunctionNode


def stable_sigmoid(xp, x):
    """``1 / (1 + exp(-x))`` as ``(1 if x >= 0 else e) / (1 + e)`` with ``e = exp(-|x|)``.

    No overflow for any ``x``, and full relative precision in the lower tail, where the
    ``tanh(x / 2) / 2 + 1 / 2`` form cancels (it gives 0 for ``sigmoid(-30)`` in float32).
    """
    if x.ndim == 0:  # NumPy turns 0-d results into scalars, which `out=` cannot take
        return stable_sigmoid(xp, x.reshape(1)).reshape(())
    # In place where possible: fresh temporaries cost more than the arithmetic here.
    e = xp.abs(x)
    xp.negative(e, out=e)
    xp.exp(e, out=e)
    neg = x < 0
    num = e * neg
    num += ~neg
    e += x.dtype.type(1)
    num /= e
    return num


class Scale(FunctionNode):
    """``g * scale`` for a constant array ``scale`` (a mask or per-element slopes).

    It is linear in ``g``, so its backward is itself; the input the mask came from gets no
    gradient through it, which is exact away from the kinks where the mask changes.
    """

    def __init__(self, scale):
        self.scale = scale

    def forward(self, inputs):
        return inputs[0] * self.scale,

    def backward(self, indexes, grad_outputs):
        return Scale(self.scale).apply(grad_outputs)
