"""Bilinear function of two batches of vectors."""
import math

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array.reshape import reshape
from dbr.functions.math.matmul import matmul
from dbr.functions.math.sum import sum as sum_

_check = type_check.expects(
    'e1, e2, W, V1=None, V2=None, b=None', "e1.dtype.kind == 'f'", 'e2.dtype == e1.dtype',
    'W.dtype == e1.dtype', 'e1.ndim >= 2', 'e2.ndim >= 2', 'e1.shape[0] == e2.shape[0]',
    'W.ndim == 3', 'V1 is None or V1.dtype == e1.dtype',
    'V1 is None or V1.shape == (W.shape[0], W.shape[2])', 'V2 is None or V2.dtype == e1.dtype',
    'V2 is None or V2.shape == (W.shape[1], W.shape[2])', 'b is None or b.dtype == e1.dtype',
    'b is None or b.shape == (W.shape[2],)')


class BilinearFunction(FunctionNode):
    """``y[n, l] = e1[n] W[:, :, l] e2[n] (+ e1[n] V1[:, l] + e2[n] V2[:, l] + b[l])``.

    Axes of ``e1`` and ``e2`` after the first are flattened.
    """

    label = 'bilinear'

    def check_type_forward(self, in_types):
        _check(self, in_types)
        e1, e2, W = in_types[:3]
        if math.prod(e1.shape[1:]) != W.shape[0] or math.prod(e2.shape[1:]) != W.shape[1]:
            raise type_check.InvalidType(
                'prod(e1.shape[1:]) == W.shape[0] and prod(e2.shape[1:]) == W.shape[1]',
                f'e1.shape={e1.shape}, e2.shape={e2.shape}, W.shape={W.shape}', self.label)

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2, 3, 4) if len(inputs) == 6 else (0, 1, 2))  # not b
        e1, e2, W = inputs[:3]
        xp = backend.get_array_module(e1)
        n = e1.shape[0]
        j, k, l = W.shape
        e1 = e1.reshape(n, j)
        e2 = e2.reshape(n, k)
        # (e1 @ W) contracts j; a batched (1, k) @ (k, l) per sample then contracts k.
        t = (e1 @ W.reshape(j, k * l)).reshape(n, k, l)
        y = xp.matmul(e2[:, None, :], t).reshape(n, l)
        if len(inputs) == 6:
            V1, V2, b = inputs[3:]
            y += e1 @ V1
            y += e2 @ V2
            y += b
        return y,

    def backward(self, indexes, grad_outputs):
        retained = self.get_retained_inputs()
        e1, e2, W = retained[:3]
        gy, = grad_outputs
        n = e1.shape[0]
        j, k, l = W.shape
        e1m = reshape(e1, (n, j))
        e2m = reshape(e2, (n, k))
        W2 = reshape(W, (j, k * l))
        # outer[n, k * l] = e2[n, k] * gy[n, l], shared by the gradients of e1 and W.
        outer = None
        if 0 in indexes or 2 in indexes:
            outer = reshape(reshape(e2m, (n, k, 1)) * reshape(gy, (n, 1, l)), (n, k * l))
        ret = []
        for i in indexes:
            if i == 0:
                g = matmul(outer, W2, transb=True)
                if len(retained) == 5:
                    g = g + matmul(gy, retained[3], transb=True)
                ret.append(reshape(g, e1.shape))
            elif i == 1:
                t = reshape(matmul(e1m, W2), (n, k, l))
                g = reshape(matmul(t, reshape(gy, (n, l, 1))), (n, k))
                if len(retained) == 5:
                    g = g + matmul(gy, retained[4], transb=True)
                ret.append(reshape(g, e2.shape))
            elif i == 2:
                ret.append(reshape(matmul(e1m, outer, transa=True), (j, k, l)))
            elif i == 3:
                ret.append(matmul(e1m, gy, transa=True))
            elif i == 4:
                ret.append(matmul(e2m, gy, transa=True))
            else:
                ret.append(sum_(gy, axis=0))
        return tuple(ret)


def bilinear(e1, e2, W, V1=None, V2=None, b=None):
    """Bilinear function: ``y[n, l] = sum_jk e1[n, j] e2[n, k] W[j, k, l]`` (+ linear terms).

    With ``V1``, ``V2`` and ``b``, ``e1 @ V1 + e2 @ V2 + b`` is added. Axes of ``e1`` and ``e2``
    after the first (batch) axis are flattened.

    Args:
        e1: Variable or array ``(N, J)`` (or ``(N, ...)`` with ``J`` elements per sample).
        e2: Variable or array ``(N, K)`` (likewise).
        W: Weight ``(J, K, L)``.
        V1: Optional ``(J, L)``; V1, V2 and b are given together or not at all.
        V2: Optional ``(K, L)``.
        b: Optional ``(L,)``.

    Returns:
        Variable ``(N, L)``.

    Example:
        >>> e1 = numpy.ones((2, 3), 'f'); e2 = numpy.ones((2, 4), 'f')
        >>> F.bilinear(e1, e2, numpy.ones((3, 4, 5), 'f')).shape
        (2, 5)
    """
    given = [v is not None for v in (V1, V2, b)]
    if any(given) and not all(given):
        raise ValueError('bilinear: V1, V2 and b must be given together or not at all, got '
                         + ', '.join(f'{name}={"given" if g else "None"}'
                                     for name, g in zip(('V1', 'V2', 'b'), given)))
    args = (e1, e2, W, V1, V2, b) if all(given) else (e1, e2, W)
    return BilinearFunction().apply(args)[0]
