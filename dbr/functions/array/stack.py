"""Stack arrays along a new axis."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import normalize_axis
from dbr.functions.array._join import as_inputs


class Stack(FunctionNode):
    """Joins arrays of one shape along a new ``axis``; the gradient is a :func:`separate`."""

    def __init__(self, axis=0):
        self.axis = axis

    def check_type_forward(self, in_types):
        if not in_types:
            raise type_check.InvalidType('at least one input', 'no inputs', self.label)
        x0 = in_types[0]
        for i in range(1, len(in_types)):
            x = in_types[i]
            if x.shape != x0.shape or x.dtype != x0.dtype:
                raise type_check.InvalidType(
                    'inputs of one shape and dtype',
                    f'x0: shape={x0.shape}, dtype={x0.dtype}; x{i}: shape={x.shape}, '
                    f'dtype={x.dtype}', self.label)

    def forward(self, inputs):
        x0 = inputs[0]
        self._axis = normalize_axis(self.axis, x0.ndim, self.label, x0.shape, insert=True,
                                    arg='x0')
        return backend.get_array_module(*inputs).stack(inputs, axis=self._axis),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.separate import separate
        gxs = separate(grad_outputs[0], self._axis)
        return tuple([gxs[i] for i in indexes])


def stack(xs, axis=0):
    """Stacks Variables or arrays of one shape along a new axis.

    Args:
        xs (list or tuple): Variables or arrays of equal shape and dtype.
        axis (int): Position of the new axis in the result, in ``[-ndim - 1, ndim]``.

    Returns:
        Variable: The stacked array, with one more axis than the inputs.

    Example:
        >>> F.stack((numpy.zeros(3, 'f'), numpy.ones(3, 'f')), axis=1).shape
        (3, 2)
    """
    return Stack(axis).apply(as_inputs(xs, 'stack'))[0]
