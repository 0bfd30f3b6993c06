"""Multivariate normal distribution, parameterized by the Cholesky factor of its covariance."""
import math

import numpy

from dbr import backend
from dbr import type_check
from dbr.distributions import utils
from dbr.distributions.distribution import Distribution
from dbr.distributions.kl import register_kl
from dbr.function_node import FunctionNode
from dbr.functions.noise._random import draw

LOGPROBC = -0.5 * math.log(2 * math.pi)
ENTROPYC = 0.5 * math.log(2 * math.pi * math.e)


class Solve(FunctionNode):
    """``X = A^{-1} B`` for batches of square ``A`` (``(..., d, d)``) and ``B`` (``(..., d, k)``)
    with equal batch axes; ``A`` is the first input, or its transpose when ``trans``.

    Backward: ``gB = A^{-T} gX`` (the same solve, transposed) and ``gA = -gB X^T``, so the
    gradient is again made of solves and matmuls and can be differentiated.
    """

    check_type_forward = type_check.expects(
        'a, b', "a.dtype.kind == 'f'", 'a.dtype == b.dtype', 'a.ndim >= 2', 'b.ndim == a.ndim',
        'a.shape[-1] == a.shape[-2]', 'b.shape[-2] == a.shape[-1]',
        'a.shape[:-2] == b.shape[:-2]')

    def __init__(self, trans=False):
        self.trans = trans

    def forward(self, inputs):
        a, b = inputs
        xp = backend.get_array_module(a)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        m = a.swapaxes(-1, -2) if self.trans else a
        if a.dtype == numpy.float16:
            x = xp.linalg.solve(m.astype(numpy.float32), b.astype(numpy.float32))
            return x.astype(numpy.float16),
        return xp.linalg.solve(m, b),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.matmul import matmul
        a, = self.get_retained_inputs()
        x, = self.get_retained_outputs()
        gb = solve(a, grad_outputs[0], trans=not self.trans)
        ret = []
        for i in indexes:
            if i == 0:
                # d(op(A)) = -gB X^T; for trans the gradient of A is its transpose.
                ret.append(-(matmul(x, gb, transb=True) if self.trans else
                             matmul(gb, x, transb=True)))
            else:
                ret.append(gb)
        return tuple(ret)


def solve(a, b, trans=False):
    """Solves ``a @ x = b`` (or ``a^T @ x = b``) for batches of matrices (differentiable).

    Example:
        >>> solve(numpy.eye(2)[None] * 2, numpy.ones((1, 2, 1))).array[0, :, 0]
        array([0.5, 0.5])
    """
    return Solve(trans).apply((a, b))[0]


class MultivariateNormal(Distribution):
    """Multivariate normal distribution ``N(loc, L L^T)`` with ``L = scale_tril``.

    ``loc`` has shape ``batch_shape + (d,)`` and ``scale_tril`` ``batch_shape + (d, d)`` (the
    batch axes broadcast together); ``event_shape`` is ``(d,)``. ``scale_tril`` is a
    lower-triangular matrix with a positive diagonal, e.g. a Cholesky factor of the
    covariance; its strictly upper triangle is ignored (and gets no gradient). Samples are
    reparameterized, ``loc + L eps``.

    Args:
        loc (Variable or array): The mean.
        scale_tril (Variable or array): The lower-triangular scale matrix ``L`` (keyword
            argument in Chainer; required).

    Example:
        >>> d = D.MultivariateNormal(numpy.zeros(2, 'f'), scale_tril=numpy.eye(2, dtype='f'))
        >>> d.event_shape, d.log_prob(numpy.zeros(2, 'f')).array
        ((2,), array(-1.837877, dtype=float32))
    """

    def __init__(self, loc, scale_tril=None):
        if scale_tril is None:
            raise ValueError('MultivariateNormal: scale_tril must be given')
        loc, scale_tril = utils.as_params('MultivariateNormal', loc=loc, scale_tril=scale_tril)
        if loc.ndim < 1 or scale_tril.ndim < 2 or \
                scale_tril.shape[-2:] != (loc.shape[-1], loc.shape[-1]):
            raise ValueError(f'MultivariateNormal: loc must be (..., d) and scale_tril '
                             f'(..., d, d), got loc.shape={loc.shape} and scale_tril.shape='
                             f'{scale_tril.shape}')
        self._loc = loc
        self._scale_tril = scale_tril
        self.d = loc.shape[-1]
        self._batch_shape = utils.broadcast_shapes(
            'MultivariateNormal', loc=loc.shape[:-1], scale_tril=scale_tril.shape[:-2])

    @property
    def loc(self):
        """Variable: The mean, ``(..., d)``."""
        return self._loc

    @utils.cached_property
    def scale_tril(self):
        """Variable: ``L`` with its strictly upper triangle zeroed."""
        from dbr.functions.math.where import masked
        xp = self.xp
        return masked(xp.tril(xp.ones((self.d, self.d), dtype=bool)), self._scale_tril)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return (self.d,)

    @property
    def params(self):
        return {'loc': self._loc, 'scale_tril': self._scale_tril}

    @property
    def xp(self):
        return backend.get_array_module(self._loc)

    @property
    def support(self):
        return 'real'

    @utils.cached_property
    def _log_det(self):
        """``log |det L| = sum(log |L_ii|)``, of the scale_tril's batch shape."""
        from dbr.functions.array.diagonal import diagonal
        from dbr.functions.math.absolute import absolute
        from dbr.functions.math.log import log
        from dbr.functions.math.sum import sum as sum_
        return sum_(log(absolute(diagonal(self._scale_tril, axis1=-2, axis2=-1))), axis=-1)

    def _whiten(self, v):
        """``L^{-1} v`` for ``v`` of shape ``S + (d,)`` whose batch axes broadcast with L's."""
        shape = numpy.broadcast_shapes(v.shape[:-1], self._scale_tril.shape[:-2])
        L = utils.broadcast_to(self.scale_tril, shape + (self.d, self.d))
        v = utils.broadcast_to(v, shape + (self.d,))
        return solve(L, v.reshape(shape + (self.d, 1))).reshape(shape + (self.d,))

    def log_prob(self, x):
        from dbr.functions.math.sum import sum as sum_
        x = utils.as_input(x, self._loc)
        self._check_x(x, 'log_prob')
        z = self._whiten(x - self._loc)
        return LOGPROBC * self.d - self._log_det - 0.5 * sum_(z * z, axis=-1)

    @utils.cached_property
    def mean(self):
        return utils.broadcast_to(self._loc, self._batch_shape + (self.d,))

    @property
    def mode(self):
        return self.mean

    @utils.cached_property
    def covariance(self):
        from dbr.functions.math.matmul import matmul
        L = self.scale_tril
        cov = matmul(L, L, transb=True)
        return utils.broadcast_to(cov, self._batch_shape + (self.d, self.d))

    @utils.cached_property
    def variance(self):
        from dbr.functions.math.sum import sum as sum_
        L = self.scale_tril
        return utils.broadcast_to(sum_(L * L, axis=-1), self._batch_shape + (self.d,))

    @utils.cached_property
    def entropy(self):
        return utils.broadcast_to(self._log_det + ENTROPYC * self.d, self._batch_shape)

    def sample_n(self, n):
        from dbr.functions.math.matmul import matmul
        eps = draw(self.xp, 'standard_normal', (n,) + self._batch_shape + (self.d, 1),
                   self._loc.dtype)
        return self._loc + matmul(self.scale_tril, eps).reshape((n,) + self._batch_shape +
                                                                (self.d,))


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    from dbr.functions.math.sum import sum as sum_
    if p.d != q.d:
        raise ValueError(f'kl_divergence: MultivariateNormal dimensions differ: {p.d} and {q.d}')
    d = p.d
    shape = numpy.broadcast_shapes(p.batch_shape, q.batch_shape)
    # tr(S_q^-1 S_p) = ||L_q^-1 L_p||_F^2 and the Mahalanobis term ||L_q^-1 (mu_p - mu_q)||^2
    lq = utils.broadcast_to(q.scale_tril, shape + (d, d))
    m = solve(lq, utils.broadcast_to(p.scale_tril, shape + (d, d)))
    trace = sum_(m * m, axis=(-2, -1))
    z = q._whiten(p.loc - q.loc)
    return q._log_det - p._log_det + 0.5 * (trace + sum_(z * z, axis=-1) - d)
