"""Batched matrix product of 3-D arrays (Chainer's older form of matmul)."""
from dbr import type_check
from dbr.functions.array.reshape import reshape
from dbr.functions.math._unary import raw_array
from dbr.functions.math.matmul import matmul


def batch_matmul(a, b, transa=False, transb=False):
    """Multiplies two batches of matrices: ``y[i] = op(a[i]) @ op(b[i])``.

    It is :func:`matmul` on 3-D operands (which also broadcasts a batch of 1); a 2-D operand
    of shape ``(B, N)`` is taken as ``B`` column vectors of shape ``(N, 1)``.

    Args:
        a, b: Variables or arrays of floats, 2-D or 3-D.
        transa, transb (bool): Transpose each matrix of ``a`` / ``b`` first.

    Returns:
        Variable: The 3-D batch of products.

    Example:
        >>> a = dbr.Variable(numpy.ones((5, 2, 3), 'f'))
        >>> F.batch_matmul(a, numpy.ones((5, 3, 4), 'f')).shape
        (5, 2, 4)
    """
    return matmul(_as_matrices(a, 'a'), _as_matrices(b, 'b'), transa, transb)


def _as_matrices(x, name):
    ndim = raw_array(x, 'batch_matmul').ndim
    if ndim == 2:
        return reshape(x, x.shape + (1,))
    if ndim != 3:
        raise type_check.InvalidType(f'{name}.ndim in (2, 3)', f'{name}.ndim={ndim}',
                                     'batch_matmul')
    return x
