"""Maximum over axes."""
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import check_nonempty, kept_shape, normalize_axes
from dbr.functions.math.where import masked


class Max(FunctionNode):
    """Maximum of ``x`` over ``axis`` (all axes when None).

    The gradient goes to every element equal to the maximum (each gets the whole output
    gradient), as in Chainer.
    """

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")
    _reduce = 'max'

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        x, = inputs
        self._axes = normalize_axes(self.axis, x.shape, self.label)
        check_nonempty(x, self._axes, self.axis, self.label)
        return getattr(x, self._reduce)(axis=self._axes, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        y = y.array
        if not self.keepdims:
            keep = kept_shape(x.shape, self._axes)
            y = y.reshape(keep)
            gy = reshape(gy, keep)
        return masked(x.array == y, gy),


def max(x, axis=None, keepdims=False):
    """Maximum of the elements of ``x`` over ``axis``.

    Where several elements share the maximum, each of them gets the output gradient.

    Args:
        x: Variable or array of floats.
        axis: None (all axes), an int or a tuple of ints.
        keepdims (bool): Keep the reduced axes with length 1.

    Example:
        >>> F.max(dbr.Variable(numpy.array([[1., 5.], [4., 2.]], 'f')), axis=1).array
        array([5., 4.], dtype=float32)
    """
    return Max(axis, keepdims).apply((x,))[0]
