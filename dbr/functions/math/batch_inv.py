"""Inverses of a batch of square matrices."""
from dbr import type_check
from dbr.functions.math.inv import Inv


class BatchInv(Inv):
    """``y[i] = a[i]^-1`` for ``a`` of shape ``(N, n, n)``; the gradient is :class:`Inv`'s."""

    check_type_forward = type_check.expects(
        'a', "a.dtype.kind == 'f'", 'a.ndim == 3', 'a.shape[-1] == a.shape[-2]')


def batch_inv(a):
    """Returns the inverses of a batch of square matrices.

    Args:
        a: Variable or array of floats, of shape ``(N, n, n)``.

    Raises:
        ValueError: If a matrix is singular (on the CPU; CuPy returns non-finite values).

    Example:
        >>> a = numpy.stack([numpy.eye(2) * 2, numpy.eye(2) * 4])
        >>> F.batch_inv(dbr.Variable(a)).array[:, 0, 0]
        array([0.5 , 0.25])
    """
    return BatchInv().apply((a,))[0]
