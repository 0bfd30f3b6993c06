"""Elementwise remainder of division, with the sign of the dividend."""
from dbr import backend
from dbr.functions.math._float_binary import FloatBinary


class Fmod(FloatBinary):
    """``fmod(x, divisor) = x - fix(x / divisor) * divisor`` with NumPy broadcasting.

    Between the jumps its derivatives are 1 in ``x`` and ``-fix(x / divisor)`` in ``divisor``.
    """

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, divisor = inputs
        y = backend.get_array_module(x).fmod(x, divisor)
        self._record_shapes(x, divisor, y)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(self._reduce(gy, 0))
            else:
                x, divisor = self.get_retained_inputs()
                xp = backend.get_array_module(x.array)
                quotient = xp.trunc(x.array / divisor.array)
                ret.append(self._reduce(gy * -quotient, 1))
        return tuple(ret)


def fmod(x, divisor):
    """Returns the elementwise remainder of ``x / divisor``, with the sign of ``x`` (C's fmod).

    Args:
        x: Variable or array of floats, the dividend.
        divisor: Variable or array of ``x``'s dtype (broadcasting with ``x``).

    Example:
        >>> F.fmod(dbr.Variable(numpy.array([-5., 5.])), numpy.array([3., 3.])).array
        array([-2.,  2.])
    """
    return Fmod().apply((x, divisor))[0]
