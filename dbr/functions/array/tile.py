"""Repeat a whole array along each axis."""
import numpy

from dbr import backend
from dbr.function_node import FunctionNode


def _as_reps(reps):
    if isinstance(reps, (int, numpy.integer)):
        reps = (reps,)
    try:
        reps = tuple(reps)
    except TypeError:
        reps = None
    if reps is None or not all(isinstance(r, (int, numpy.integer)) and not isinstance(r, bool)
                               and r >= 0 for r in reps):
        raise TypeError(f'tile: reps must be a non-negative int or a sequence of them, '
                        f'got {reps!r}')
    return tuple([int(r) for r in reps])


class Tile(FunctionNode):
    """``numpy.tile``; the gradient sums the copies."""

    def __init__(self, reps):
        self.reps = _as_reps(reps)

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        return backend.get_array_module(x).tile(x, self.reps),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum import sum as sum_
        gy, = grad_outputs
        n = max(len(self.reps), len(self._in_shape))
        reps = (1,) * (n - len(self.reps)) + self.reps
        shape = (1,) * (n - len(self._in_shape)) + self._in_shape
        # Axis k of y is (reps[k], shape[k]) in C order: sum over the reps halves.
        interleaved = tuple([d for pair in zip(reps, shape) for d in pair])
        gx = sum_(reshape(gy, interleaved), axis=tuple(range(0, 2 * n, 2)))
        return reshape(gx, self._in_shape),


def tile(x, reps):
    """Constructs an array by repeating ``x`` the number of times given by ``reps``.

    Args:
        x: Variable or array.
        reps (int or tuple of ints): Repetitions along each axis, as in :func:`numpy.tile`
            (the shorter of ``x.shape`` and ``reps`` is padded with leading 1s).

    Returns:
        Variable: The tiled array.

    Example:
        >>> F.tile(numpy.array([1., 2.], 'f'), (2, 2)).array
        array([[1., 2., 1., 2.],
               [1., 2., 1., 2.]], dtype=float32)
    """
    return Tile(reps).apply((x,))[0]
