"""The batch covariance shared by decov and cross_covariance."""
from dbr import type_check


def check_matrix(label, name, a):
    """Raises InvalidType naming ``label`` unless ``a`` is a 2-D float batch with rows."""
    if a.ndim != 2 or a.dtype.kind != 'f' or a.shape[0] == 0:
        raise type_check.InvalidType(
            f'{name} a 2-D float array (batch, features) with at least one row',
            f'{name}.shape={tuple(a.shape)}, {name}.dtype={a.dtype}', label)


def covariance(a, b):
    """``(a - mean(a))^T (b - mean(b)) / n`` over the batch axis, as a dbr expression.

    Written with dbr functions, so it (and any loss built on it) is differentiable to any order.
    """
    from dbr.functions.math.matmul import matmul
    from dbr.functions.math.mean import mean
    ac = a - mean(a, axis=0, keepdims=True)
    bc = ac if b is a else b - mean(b, axis=0, keepdims=True)
    return matmul(ac, bc, transa=True) * (1.0 / a.shape[0])
