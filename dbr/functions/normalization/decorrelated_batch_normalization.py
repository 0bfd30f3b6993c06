"""Decorrelated batch normalization: ZCA whitening of channel groups with batch statistics."""
import numbers

import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


def _eigh(a, xp):
    """Eigendecomposition of a stack of symmetric matrices (per matrix where not batched)."""
    try:
        return xp.linalg.eigh(a)
    except (ValueError, NotImplementedError, numpy.linalg.LinAlgError):
        # an older CuPy: eigh of one matrix at a time
        pairs = [xp.linalg.eigh(m) for m in a]
        return xp.stack([w for w, _ in pairs]), xp.stack([v for _, v in pairs])


class InverseSqrtm(FunctionNode):
    """``S^(-1/2)`` of symmetric positive definite matrices ``S (g, C, C)``.

    With ``S = V diag(lam) V^T`` the result is ``V diag(lam^(-1/2)) V^T``. Its gradient (the
    Daleckii-Krein formula) is :class:`InverseSqrtmGrad`, first order only.
    """

    def forward(self, inputs):
        s, = inputs
        xp = backend.get_array_module(s)
        # float16 has no eigendecomposition; float32 is enough for its precision.
        lam, v = _eigh(s.astype(numpy.float32) if s.dtype == numpy.float16 else s, xp)
        r = 1 / xp.sqrt(lam)
        self.v = v
        self.r = r
        w = (v * r[:, None, :]) @ v.transpose(0, 2, 1)
        return w.astype(s.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        return InverseSqrtmGrad(self.v, self.r).apply(grad_outputs)


class InverseSqrtmGrad(FunctionNode):
    """``gS = V (K * (V^T gW V)) V^T``, symmetrized, for ``W = S^(-1/2)``.

    ``K[i, j] = (f(lam_i) - f(lam_j)) / (lam_i - lam_j)`` with ``f(lam) = lam^(-1/2)``, which is
    ``-(r_i r_j)^2 / (r_i + r_j)`` with ``r = lam^(-1/2)``: no division by eigenvalue gaps, so
    repeated eigenvalues need no special case (the diagonal is ``f'(lam_i)``).
    """

    def __init__(self, v, r):
        self.v = v
        self.r = r

    def forward(self, inputs):
        gw, = inputs
        v, r = self.v, self.r
        rr = r[:, :, None] * r[:, None, :]
        k = -(rr * rr) / (r[:, :, None] + r[:, None, :])
        vt = v.transpose(0, 2, 1)
        g = v @ (k * (vt @ gw.astype(v.dtype, copy=False) @ v)) @ vt
        g = (g + g.transpose(0, 2, 1)) * 0.5
        return g.astype(gw.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        raise NotImplementedError('decorrelated_batch_normalization: double backpropagation is '
                                  'not supported (nor is it in Chainer)')


def _check(label, x, groups):
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise TypeError(f'{label}: groups must be a positive int, got {groups!r}')
    if x.ndim < 2 or x.dtype.kind != 'f' or x.shape[1] % groups:
        raise type_check.InvalidType(
            'x a float array (batch, channels, ...) with channels divisible by groups',
            f'x.shape={tuple(x.shape)}, x.dtype={x.dtype}, groups={groups}', label)
    m = x.size // x.shape[1] if x.shape[1] else 0
    if m == 0:
        raise ValueError(f'{label}: cannot compute statistics over zero elements '
                         f'(x.shape={tuple(x.shape)})')
    return x.shape[1] // groups, m


def _grouped(x, groups, size):
    """``x (b, c, ...)`` as ``(groups, c // groups, m)``: each group's channels by samples."""
    from dbr.functions.array.reshape import reshape
    from dbr.functions.array.transpose import transpose
    axes = (1, 0) + tuple(range(2, x.ndim))
    return reshape(transpose(x, axes), (groups, x.shape[1] // groups, size))


def _ungrouped(y, shape):
    from dbr.functions.array.reshape import reshape
    from dbr.functions.array.transpose import transpose
    y = reshape(y, (shape[1], shape[0]) + tuple(shape[2:]))
    return transpose(y, (1, 0) + tuple(range(2, len(shape))))


def _running(stat, name, shape, label):
    if stat is None:
        return None
    stat = getattr(stat, 'array', stat)
    if tuple(stat.shape) != shape:
        raise type_check.InvalidType(f'{name}.shape == {shape} (groups, channels per group'
                                     f'{", channels per group" if len(shape) == 3 else ""})',
                                     f'{name}.shape={tuple(stat.shape)}', label)
    return stat


def decorrelated_batch_normalization(x, *, groups=16, eps=2e-5, running_mean=None,
                                     running_projection=None, decay=0.9):
    """Decorrelated batch normalization: ZCA whitening of groups of channels.

    The channels (axis 1) of ``x`` are split into ``groups`` groups of ``C`` consecutive
    channels. For each group, with ``x_c`` its values centered by their mean over the batch and
    spatial axes (``m`` values per channel) and ``S = x_c x_c^T / m + eps I`` their covariance,
    the output is ``S^(-1/2) x_c``: zero mean, and identity covariance (up to ``eps``) within
    the group. Gradients flow through the statistics (first order only; double
    backpropagation raises NotImplementedError, as in Chainer).

    When given, the running statistics are updated in place, as in Chainer::

        running_mean = decay * running_mean + (1 - decay) * mean
        running_projection = decay * running_projection
                             + (1 - decay) * m / max(m - 1, 1) * S^(-1/2)

    See `Decorrelated Batch Normalization <https://arxiv.org/abs/1804.08450>`_.

    Args:
        x: Float Variable or array ``(b, c, ...)`` with ``c`` divisible by ``groups``.
        groups (int): Keyword only. Number of channel groups whitened separately.
        eps (float): Keyword only. Added to the diagonal of each covariance.
        running_mean: Keyword only. Array ``(groups, C)`` updated in place, or None.
        running_projection: Keyword only. Array ``(groups, C, C)`` updated in place, or None.
        decay (float): Keyword only. Weight of the old running statistics.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(50, 4).astype('f') @ numpy.random.randn(4, 4).astype('f')
        >>> y = F.decorrelated_batch_normalization(x, groups=1).array
        >>> bool(numpy.allclose(y.T @ y / 50, numpy.eye(4), atol=1e-2))
        True
    """
    from dbr.functions.math.matmul import matmul
    from dbr.functions.math.mean import mean as mean_
    label = 'decorrelated_batch_normalization'
    c, m = _check(label, x, groups)
    running_mean = _running(running_mean, 'running_mean', (groups, c), label)
    running_projection = _running(running_projection, 'running_projection', (groups, c, c),
                                  label)
    xg = _grouped(x, groups, m)
    mu = mean_(xg, axis=2, keepdims=True)
    xc = xg - mu
    xp = backend.get_array_module(mu.array)
    cov = matmul(xc, xc, transb=True) * (1.0 / m) + (eps * xp.eye(c)).astype(x.dtype)
    w, = InverseSqrtm().apply((cov,))
    if running_mean is not None:
        running_mean *= decay
        running_mean += (1 - decay) * mu.array[:, :, 0]
    if running_projection is not None:
        running_projection *= decay
        running_projection += ((1 - decay) * m / max(m - 1, 1)) * w.array
    return _ungrouped(matmul(w, xc), x.shape)


def fixed_decorrelated_batch_normalization(x, mean, projection, groups=16):
    """Decorrelated batch normalization with given statistics, as used at inference.

    For each of the ``groups`` channel groups, computes ``projection[g] (x_g - mean[g])``
    (see :func:`decorrelated_batch_normalization` for the grouping). Differentiable in ``x``,
    ``mean`` and ``projection``, to any order.

    Args:
        x: Float Variable or array ``(b, c, ...)``.
        mean: Variable or array ``(groups, C)`` with ``C = c // groups``.
        projection: Variable or array ``(groups, C, C)``.
        groups (int): Number of channel groups.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(3, 4).astype('f')
        >>> mean = numpy.zeros((2, 2), 'f')
        >>> projection = numpy.stack([numpy.eye(2, dtype='f')] * 2)
        >>> bool((F.fixed_decorrelated_batch_normalization(x, mean, projection, 2).array
        ...       == x).all())
        True
    """
    from dbr.functions.array.expand_dims import expand_dims
    from dbr.functions.math.matmul import matmul
    label = 'fixed_decorrelated_batch_normalization'
    c, m = _check(label, x, groups)
    if (mean.shape != (groups, c) or projection.shape != (groups, c, c)
            or mean.dtype != x.dtype or projection.dtype != x.dtype):
        raise type_check.InvalidType(
            'mean (groups, C) and projection (groups, C, C) of x.dtype, C = x.shape[1] // '
            'groups', f'x.shape={tuple(x.shape)}, x.dtype={x.dtype}, groups={groups}, '
            f'mean: shape={tuple(mean.shape)}, dtype={mean.dtype}; projection: '
            f'shape={tuple(projection.shape)}, dtype={projection.dtype}', label)
    xc = _grouped(x, groups, m) - expand_dims(mean, 2)
    return _ungrouped(matmul(projection, xc), x.shape)
