"""Mean and weighted average over axes."""
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import check_nonempty, kept_shape, normalize_axes, reduced_size
from dbr.variable import Variable, as_variable


class Mean(FunctionNode):
    """Mean of ``x`` over ``axis`` (all axes when None)."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        self._axes = normalize_axes(self.axis, x.shape, self.label)
        check_nonempty(x, self._axes, self.axis, self.label)
        # ndarray.mean accumulates float16 in float32, and keeps the dtype.
        return x.mean(axis=self._axes, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        gy = grad_outputs[0] * (1.0 / reduced_size(self._in_shape, self._axes))
        if not self.keepdims:
            gy = reshape(gy, kept_shape(self._in_shape, self._axes))
        return broadcast_to(gy, self._in_shape),


def mean(x, axis=None, weights=None, keepdims=False):
    """Mean, or weighted average, of the elements of ``x`` over ``axis``.

    Args:
        x: Variable or array of floats.
        axis: None (all axes), an int or a tuple of ints.
        weights: None, or a Variable or array of weights (differentiable too): of ``x``'s
            shape when ``axis`` is None, of shape ``(x.shape[axis],)`` for one axis. Weights
            with a tuple of several axes are not supported. The result is
            ``sum(x * weights) / sum(weights)``.
        keepdims (bool): Keep the reduced axes with length 1.

    Example:
        >>> x = dbr.Variable(numpy.array([[1., 2.], [3., 6.]], 'f'))
        >>> F.mean(x, axis=1).array
        array([1.5, 4.5], dtype=float32)
        >>> F.mean(x, axis=1, weights=numpy.array([1., 3.], 'f')).array
        array([1.75, 5.25], dtype=float32)
    """
    if weights is None:
        return Mean(axis, keepdims).apply((x,))[0]
    from dbr.functions.array.reshape import reshape
    from dbr.functions.math.sum import sum as sum_
    x = as_variable(x)
    if x.dtype.kind != 'f':
        raise type_check.InvalidType("x.dtype.kind == 'f'", f'x.dtype={x.dtype}', 'mean')
    if not isinstance(weights, Variable):
        weights = x.xp.asarray(weights, dtype=x.dtype)
    axes = normalize_axes(axis, x.shape, 'mean')
    w_shape = x.shape if axes is None else tuple(x.shape[a] for a in axes)
    if axes is not None and len(axes) != 1:
        raise ValueError(f'mean: weights need axis None or a single axis, got axis={axis}')
    if tuple(weights.shape) != w_shape:
        raise type_check.InvalidType(
            f'weights.shape == {"x.shape" if axes is None else "(x.shape[axis],)"}',
            f'weights.shape={tuple(weights.shape)}, x.shape={x.shape}, axis={axis}', 'mean')
    total = sum_(weights)
    if axes is not None:
        weights = reshape(weights, tuple(s if i in axes else 1 for i, s in enumerate(x.shape)))
    return sum_(x * weights, axis=axes, keepdims=keepdims) / total


average = mean
