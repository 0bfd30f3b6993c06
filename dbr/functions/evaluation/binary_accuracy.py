"""Binary classification accuracy (not differentiable)."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import as_array


class BinaryAccuracy(FunctionNode):
    """Fraction of labels (-1: ignored) equal to ``y >= 0``."""

    check_type_forward = type_check.expects(
        'y, t', "y.dtype.kind == 'f'", "t.dtype.kind == 'i'", 'y.shape == t.shape')

    def forward(self, inputs):
        y, t = inputs
        xp = backend.get_array_module(y)
        if bool(((t < -1) | (t > 1)).any()):
            value = int(t[(t < -1) | (t > 1)].ravel()[0])
            raise ValueError(f'{self.label}: labels must be 0, 1 or -1 (ignored), got {value}')
        valid = t != -1
        count = ((y >= 0) == t).sum()  # an ignored -1 never equals a boolean
        return xp.asarray(count / xp.maximum(valid.sum(), 1), dtype=y.dtype),


def binary_accuracy(y, t):
    """Fraction of samples whose sign of ``y`` matches the binary label ``t``.

    ``y >= 0`` predicts 1. Labels equal to -1 are ignored; if all are, the accuracy is 0.

    Args:
        y: Float Variable or array of scores.
        t: Signed integer labels (0, 1 or -1) of the same shape.

    Returns:
        A 0-d Variable of ``y``'s dtype with no gradient.

    Example:
        >>> F.binary_accuracy(numpy.array([-1., 2., 3.], 'f'), numpy.array([0, 1, -1], 'i')).array
        array(1., dtype=float32)
    """
    return BinaryAccuracy().apply((as_array(y), as_array(t)))[0]
