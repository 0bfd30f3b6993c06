"""Elementwise selection between two operands by a boolean condition."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.functions.math._binary import BinaryElementwise, as_operands
from dbr.variable import Variable

_check_operands = type_check.expects('x, y', 'x.dtype == y.dtype')


class Where(BinaryElementwise):
    """``condition ? x : y`` with NumPy broadcasting of all three; ``condition`` is constant."""

    def __init__(self, condition):
        self.condition = condition

    def check_type_forward(self, in_types):
        _check_operands(self, in_types)
        cond = self.condition
        if cond.dtype != numpy.bool_:
            raise type_check.InvalidType('condition.dtype == bool',
                                         f'condition.dtype={cond.dtype}', self.label)
        x, y = in_types
        if not cond.shape == x.shape == y.shape:
            type_check.expect_broadcastable(self, cond.shape, x.shape, y.shape)

    def forward(self, inputs):
        x, y = inputs
        out = backend.get_array_module(x).where(self.condition, x, y)
        self._record_shapes(x, y, out)
        return out,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        zero = backend.get_array_module(gy.array).zeros((), gy.dtype)
        ret = []
        for i in indexes:
            g = Where(self.condition).apply((gy, zero) if i == 0 else (zero, gy))[0]
            ret.append(self._reduce(g, i))
        return tuple(ret)


def masked(mask, g):
    """``g`` where ``mask`` holds and 0 elsewhere (broadcast together), as a differentiable op.

    The gradient of the selecting functions (clip, max, maximum, ...): its own gradient is
    again a selection, so double backprop works.
    """
    return Where(mask).apply((g, backend.get_array_module(g.array).zeros((), g.dtype)))[0]


def where(condition, x, y):
    """Chooses elements from ``x`` where ``condition`` is True and from ``y`` elsewhere.

    Gradients flow to ``x`` and ``y`` (each gets the output gradient where it was chosen).

    Args:
        condition: Boolean Variable or array.
        x, y: Variables, arrays or scalars of one float dtype. ``condition``, ``x`` and ``y``
            broadcast together. A scalar, or an array beside a Variable, is taken as a
            constant of the other operand's dtype.

    Returns:
        Variable: The chosen values, of the broadcast shape.

    Example:
        >>> cond = numpy.array([True, False])
        >>> F.where(cond, dbr.Variable(numpy.ones(2, 'f')), 0.0).array
        array([1., 0.], dtype=float32)
    """
    if isinstance(condition, Variable):
        condition = condition.array
    elif isinstance(condition, numpy.generic):
        condition = numpy.asarray(condition)
    elif not _is_array(condition):
        raise TypeError(f'where: condition must be a boolean Variable or array, got '
                        f'{type(condition).__name__}')
    if not (isinstance(x, Variable) or isinstance(y, Variable)):
        # No Variable to take the dtype from: arrays keep theirs (two must agree), a scalar
        # takes the array's.
        x, y = [Variable(a, requires_grad=False) if _is_array(a) else a for a in (x, y)]
    x, y = as_operands(x, y, 'where')
    return Where(condition).apply((x, y))[0]


def _is_array(a):
    return isinstance(a, numpy.ndarray) or backend.is_gpu_array(a)
