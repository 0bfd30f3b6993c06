"""Elementwise two-argument inverse tangent, with broadcasting."""
from dbr import backend
from dbr.functions.math._binary import as_operands
from dbr.functions.math._float_binary import FloatBinary


class Arctan2(FloatBinary):
    """``arctan2(x1, x2)``, the angle of the point ``(x2, x1)``, with NumPy broadcasting."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x1, x2 = inputs
        y = backend.get_array_module(x1).arctan2(x1, x2)
        self._record_shapes(x1, x2, y)
        return y,

    def backward(self, indexes, grad_outputs):
        x1, x2 = self.get_retained_inputs()
        g = grad_outputs[0] / (x1 * x1 + x2 * x2)
        return tuple([self._reduce(g * x2 if i == 0 else g * x1 * -1.0, i) for i in indexes])


def arctan2(x1, x2):
    """Elementwise arc tangent of ``x1 / x2``, in ``[-pi, pi]`` by the signs of both.

    Args:
        x1: Variable, array or scalar, the y-coordinates.
        x2: Variable, array or scalar, the x-coordinates; they broadcast with ``x1``, and at
            least one of the two must be a Variable.

    Example:
        >>> F.arctan2(dbr.Variable(numpy.array([1.], 'f')), numpy.array([0.], 'f')).array
        array([1.5707964], dtype=float32)
    """
    return Arctan2().apply(as_operands(x1, x2, 'arctan2'))[0]
