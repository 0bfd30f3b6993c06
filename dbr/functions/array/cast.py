"""Cast to another dtype."""
import numpy

from dbr.configuration import config
from dbr.function_node import FunctionNode
from dbr.variable import as_variable


class Cast(FunctionNode):
    """``x.astype(typ)``; the gradient is cast back to the input dtype."""

    def __init__(self, typ):
        self.type = numpy.dtype(typ)

    def forward(self, inputs):
        x, = inputs
        self._in_type = x.dtype
        return x.astype(self.type, copy=False),

    def backward(self, indexes, grad_outputs):
        return cast(grad_outputs[0], self._in_type),


def cast(x, typ):
    """Casts ``x`` to the dtype ``typ``; gradients flow back cast to ``x``'s dtype.

    Args:
        x: Variable or array.
        typ: A dtype or anything :class:`numpy.dtype` accepts (``'f'``, ``numpy.float16``).

    Returns:
        Variable: The cast array. When ``x`` already has that dtype and backprop is off,
        ``x`` itself (as a Variable) is returned.

    Example:
        >>> F.cast(numpy.ones(2, 'f'), numpy.float16).dtype
        dtype('float16')
    """
    if x.dtype == typ and not config.enable_backprop:
        return as_variable(x)
    return Cast(typ).apply((x,))[0]
