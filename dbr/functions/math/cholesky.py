"""Cholesky decomposition of a symmetric positive-definite matrix."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._linalg import lapack_input


class Cholesky(FunctionNode):
    """The lower-triangular ``L`` with ``L L^T = a``.

    The gradient is the symmetric one (Murray, 2016): with ``P = Phi(L^T gL)`` (the lower
    triangle, diagonal halved) and ``S = L^-T P L^-1``, ``ga = (S + S^T) / 2``. It is the
    derivative along symmetric perturbations of ``a``, the only ones that keep ``a`` a valid
    input; built from matmul and :class:`~dbr.functions.math.inv.Inv`, so differentiable again.
    """

    check_type_forward = type_check.expects(
        'a', "a.dtype.kind == 'f'", 'a.ndim == 2', 'a.shape[0] == a.shape[1]')

    def forward(self, inputs):
        self.retain_outputs((0,))
        a, = inputs
        xp = backend.get_array_module(a)
        try:
            y = xp.linalg.cholesky(lapack_input(a))
        except numpy.linalg.LinAlgError:
            raise ValueError(f'{self.label}: the matrix is not positive definite') from None
        return y.astype(a.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.inv import Inv
        from dbr.functions.math.matmul import matmul
        L, = self.get_retained_outputs()
        xp = backend.get_array_module(L.array)
        n = L.shape[0]
        phi = xp.tril(xp.ones((n, n), L.dtype)) - xp.eye(n, dtype=L.dtype) * 0.5
        L_inv, = Inv().apply((L,))
        s = matmul(matmul(L_inv, matmul(L, grad_outputs[0], transa=True) * phi, transa=True),
                   L_inv)
        return (s + s.T) * 0.5,


def cholesky(a):
    """Returns the Cholesky factor of the symmetric positive-definite matrix ``a``.

    The result is the lower-triangular ``L`` with ``L @ L.T == a``; only ``a``'s lower triangle
    is read, and the gradient is symmetric.

    Args:
        a: Variable or array of floats, of shape ``(n, n)``.

    Raises:
        ValueError: If ``a`` is not positive definite (on the CPU; CuPy returns NaNs).

    Example:
        >>> F.cholesky(dbr.Variable(numpy.array([[4., 2.], [2., 5.]]))).array
        array([[2., 0.],
               [1., 2.]])
    """
    return Cholesky().apply((a,))[0]
