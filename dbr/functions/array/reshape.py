"""Reshape without copying data."""
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import Variable


def _resolve(shape, size, label):
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise type_check.InvalidType('a shape with non-negative sizes and at most one -1',
                                     f'shape={shape}', label)
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if unknown:
        if known == 0 or size % known:
            raise type_check.InvalidType(f'a shape compatible with size {size}',
                                         f'shape={shape}', label)
        shape = shape[:unknown[0]] + (size // known,) + shape[unknown[0] + 1:]
    elif known != size:
        raise type_check.InvalidType(f'a shape with {size} elements (the input size)',
                                     f'shape={shape}', label)
    return shape


class Reshape(FunctionNode):
    """Gives ``x`` a new shape with the same number of elements (one -1 allowed)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        return x.reshape(_resolve(self.shape, x.size, self.label)),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self._in_shape),


def reshape(x, shape):
    """Reshapes ``x`` to ``shape`` (returns ``x`` itself if the shape is unchanged).

    Args:
        x: Variable or array.
        shape (tuple of ints): New shape; one entry may be -1.

    Example:
        >>> F.reshape(dbr.Variable(numpy.arange(6, dtype='f')), (2, -1)).shape
        (2, 3)
    """
    if isinstance(shape, int):
        shape = (shape,)
    if isinstance(x, Variable) and x.shape == tuple(shape):
        return x
    return Reshape(tuple(shape)).apply((x,))[0]
