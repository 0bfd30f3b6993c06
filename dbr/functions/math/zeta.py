"""Elementwise Hurwitz zeta function."""
from dbr import type_check
from dbr.functions.math._binary import BinaryElementwise
from dbr.functions.math._special import special

_check_operands = type_check.expects('x, q', "x.dtype.kind == 'f'", 'x.dtype == q.dtype')


class Zeta(BinaryElementwise):
    """``zeta(x, q) = sum_k (q + k)^-x`` with broadcasting; ``d/dq = -x zeta(x + 1, q)``.

    The derivative in the exponent ``x`` (a sum of logarithmic terms) is not provided: a
    backward that needs it raises instead of returning a wrong or zero gradient.
    """

    def check_type_forward(self, in_types):
        _check_operands(self, in_types)
        x, q = in_types
        if x.shape != q.shape:
            type_check.expect_broadcastable(self, x.shape, q.shape)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, q = inputs
        y = special('zeta', x, q)
        self._record_shapes(x, q, y)
        return y,

    def backward(self, indexes, grad_outputs):
        if 0 in indexes:
            raise NotImplementedError(
                'zeta: the gradient with respect to the exponent x is not available; pass x '
                'as an array (or a Variable with requires_grad=False)')
        x, q = self.get_retained_inputs()
        gy, = grad_outputs
        return self._reduce(gy * -x * zeta(x + 1.0, q), 1),


def zeta(x, q):
    """Returns the Hurwitz zeta function ``sum_{k >= 0} (q + k)^-x`` elementwise.

    Defined for ``x > 1`` and ``q > 0`` (``inf`` at ``x = 1``, NaN elsewhere); ``x`` and ``q``
    broadcast. Differentiable in ``q`` only.

    Args:
        x: Variable or array of floats, the exponent.
        q: Variable or array of floats of ``x``'s dtype, the offset.

    Example:
        >>> F.zeta(numpy.array([2.]), dbr.Variable(numpy.array([1.]))).array  # pi**2 / 6
        array([1.64493407])
    """
    return Zeta().apply((x, q))[0]
