"""Elementwise polygamma functions."""
import numpy

from dbr import backend
from dbr.functions.math._special import special
from dbr.functions.math._unary import UnaryElementwise, raw_array


class Polygamma(UnaryElementwise):
    """``psi^(n)(x)``, the n-th derivative of digamma, for a constant integer order ``n`` (an
    int or an integer array of ``x``'s shape); its derivative is ``psi^(n+1)(x)``."""

    uses = 'x'

    def __init__(self, n):
        self.n = n

    def compute(self, xp, x):
        return special('polygamma', xp.asarray(self.n), x)

    def grad(self, x, y, gy):
        return gy * Polygamma(self.n + 1).apply((x,))[0]


def polygamma(n, x):
    """Returns the polygamma function ``psi^(n)(x)``, the n-th derivative of digamma.

    ``n = 0`` is digamma, ``n = 1`` trigamma. For ``n >= 1`` it is
    ``(-1)^(n+1) n! zeta(n + 1, x)``, here defined for ``x > 0`` (NaN elsewhere).

    Args:
        n: Non-negative integer order: an int, or an integer array or Variable broadcasting
            with ``x`` (elementwise orders, not differentiated).
        x: Variable or array of floats.

    Example:
        >>> F.polygamma(1, dbr.Variable(numpy.array([1.]))).array  # pi**2 / 6
        array([1.64493407])
    """
    if isinstance(n, (int, numpy.integer)):
        order = int(n)
        low = order
    else:
        order = raw_array(n, 'polygamma')
        if order.dtype.kind not in 'iu':
            raise TypeError(f'polygamma: n must be integers, got dtype {order.dtype}')
        low = int(order.min()) if order.size else 0
        x_shape = raw_array(x, 'polygamma').shape
        try:
            shape = numpy.broadcast_shapes(order.shape, x_shape)
        except ValueError:
            raise ValueError(f'polygamma: n of shape {order.shape} and x of shape {x_shape} '
                             'do not broadcast together') from None
        if order.shape != shape:
            order = backend.get_array_module(order).broadcast_to(order, shape)
        if x_shape != shape:
            from dbr.functions.array.broadcast_to import broadcast_to
            x = broadcast_to(x, shape)
    if low < 0:
        raise ValueError(f'polygamma: n must be non-negative, got {low}')
    return Polygamma(order).apply((x,))[0]
