"""L2 normalization along axes."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import normalize_axes
from dbr.functions.normalization._standardize import upcast


class NormalizeL2(FunctionNode):
    """``x / (||x||_2 + eps)`` with the norm over ``axis``."""

    label = 'normalize'  # errors name the public function, not Chainer's class name

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, eps, axis):
        self.eps = eps
        self.axis = axis

    def forward(self, inputs):
        self.retain_inputs((0,))
        dtype = inputs[0].dtype
        x, = upcast(*inputs)
        xp = backend.get_array_module(x)
        self._axes = normalize_axes(self.axis, x.shape, self.label)
        norm = xp.sqrt(xp.square(x).sum(axis=self._axes, keepdims=True))
        norm += self.eps
        y = x / norm
        return (y if y.dtype == dtype else y.astype(dtype)),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.sum import sum as sum_
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        axes = self._axes
        sq = sum_(x * x, axis=axes, keepdims=True)
        # d||x||/dx = x / ||x|| is 0/0 for an all-zero slice, where the exact gradient is
        # gy / eps. Adding 1 to the squared norm there (and taking it off the norm) keeps
        # every derivative of this expression finite and leaves the others unchanged.
        zero = (sq.array == 0).astype(x.dtype)
        safe_norm = (sq + zero) ** 0.5
        denom = (safe_norm - zero) + self.eps
        x_gy = sum_(x * gy, axis=axes, keepdims=True)
        return gy / denom - x * (x_gy / (safe_norm * denom * denom)),


def normalize(x, eps=1e-5, axis=1):
    """L2 normalization: ``x / (||x||_2 + eps)``, the norm taken along ``axis``.

    For ``x`` of shape ``(N, K)`` and ``axis=1``, each row is scaled to unit Euclidean norm
    (up to ``eps``, which keeps all-zero rows finite: they stay zero). The norm of float16
    inputs is computed in float32.

    Args:
        x: Variable or array.
        eps (float): Added to the norm.
        axis (int or tuple of ints): Axes the norm is taken over.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> y = F.normalize(numpy.array([[3., 4.]], 'f'))
        >>> numpy.round(y.array, 4)
        array([[0.6, 0.8]], dtype=float32)
    """
    return NormalizeL2(eps, axis).apply((x,))[0]
