"""Embedding lookup: rows of a weight matrix selected by integer ids."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class EmbedIDFunction(FunctionNode):
    """``W[x]``, with zero rows where ``x == ignore_label``; differentiable in ``W`` only."""

    label = 'embed_id'

    check_type_forward = type_check.expects(
        'x, W', "x.dtype.kind in 'iu'", "W.dtype.kind == 'f'", 'W.ndim == 2')

    def __init__(self, ignore_label=None):
        self.ignore_label = ignore_label

    def forward(self, inputs):
        x, W = inputs
        xp = backend.get_array_module(x, W)
        self._x = x
        self._w_shape = W.shape
        ignore = self.ignore_label
        n = W.shape[0]
        # Two reductions on the common path; the mask is only built when something is off.
        if x.size and (int(x.min()) < 0 or int(x.max()) >= n):
            valid = (x >= 0) & (x < n)
            if ignore is not None:
                valid |= x == ignore
            if not bool(valid.all()):
                bad = x[~valid]
                allowed = f'0 <= id < {n} (W.shape[0])'
                if ignore is not None:
                    allowed += f' or id == ignore_label ({ignore})'
                raise ValueError(f'embed_id: ids must satisfy {allowed}; got {int(bad[0])} '
                                 f'({bad.size} out-of-range of {x.size} ids, x.shape='
                                 f'{tuple(x.shape)})')
        if ignore is None:
            return xp.take(W, x, axis=0),
        mask = x == ignore
        y = xp.take(W, xp.where(mask, 0, x), axis=0)
        y[mask] = 0
        return y,

    def backward(self, indexes, grad_outputs):
        return tuple(None if i == 0 else
                     EmbedIDGrad(self._x, self._w_shape, self.ignore_label).apply(grad_outputs)[0]
                     for i in indexes)


class EmbedIDGrad(FunctionNode):
    """Scatter-adds ``gy`` rows into a zero ``W``-shaped gradient at rows ``x``."""

    def __init__(self, x, w_shape, ignore_label):
        self.x = x
        self.w_shape = w_shape
        self.ignore_label = ignore_label

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        x = self.x
        d = self.w_shape[1]
        if self.ignore_label is not None:
            keep = x != self.ignore_label
            x = x[keep]
            gy = gy[keep]
        gW = xp.zeros(self.w_shape, gy.dtype)
        # add.at on flat element indices takes NumPy's fast 1-D path (~4x faster than rows).
        flat = (x.reshape(-1, 1).astype(numpy.intp) * d + xp.arange(d)).reshape(-1)
        xp.add.at(gW.reshape(-1), flat, gy.reshape(-1))
        return gW,

    def backward(self, indexes, grad_outputs):
        return EmbedIDFunction(self.ignore_label).apply((self.x, grad_outputs[0]))[0],


def embed_id(x, W, ignore_label=None):
    """Looks up rows of ``W``: ``y[..., :] = W[x[...]]``.

    Args:
        x: Integer Variable or array of any shape, ids in ``[0, W.shape[0])`` (or
            ``ignore_label``). It is not differentiable.
        W: Embedding matrix ``(n_vocab, n_units)``.
        ignore_label: An id whose rows are zero vectors and get no gradient, or None.

    Returns:
        Variable ``x.shape + (n_units,)``.

    Raises:
        ValueError: When an id (other than ``ignore_label``) is out of range.

    Example:
        >>> W = numpy.arange(6, dtype='f').reshape(3, 2)
        >>> F.embed_id(numpy.array([2, -1]), W, ignore_label=-1).array
        array([[4., 5.],
               [0., 0.]], dtype=float32)
    """
    return EmbedIDFunction(ignore_label).apply((x, W))[0]
