"""Tests of D.MultivariateNormal against numpy.linalg references: log_prob, entropy,
covariance, KL; gradients through log_prob, samples and KL; sample moments; bad shapes."""
import math

import numpy
import pytest

import dbr
import dbr.distributions as D
import dbr.functions as F
from dbr import gradient_check
from dbr.distributions.multivariate_normal import solve

from _dist_helpers import FLOATS, grad_options, to_cpu


def _tol(dtype):
    return dict(atol=1e-10, rtol=1e-10) if dtype == numpy.float64 else dict(atol=1e-4, rtol=1e-4)


def _chol(batch, d, dtype):
    A = numpy.random.standard_normal(batch + (d, d))
    cov = A @ numpy.swapaxes(A, -1, -2) + d * numpy.eye(d)
    return numpy.linalg.cholesky(cov).astype(dtype), cov


def _ref_log_prob(x, loc, cov):
    d = loc.shape[-1]
    diff = x - loc
    m = numpy.einsum('...i,...i->...', diff, numpy.linalg.solve(
        numpy.broadcast_to(cov, diff.shape + (d,)), diff[..., None])[..., 0])
    return -0.5 * m - 0.5 * numpy.linalg.slogdet(2 * math.pi * cov)[1]


@pytest.mark.parametrize('dtype', FLOATS)
def test_mvn_values(xp, dtype):
    L, cov = _chol((2,), 3, dtype)
    cov = L.astype(float) @ numpy.swapaxes(L.astype(float), -1, -2)
    loc = numpy.random.standard_normal((2, 3)).astype(dtype)
    d = D.MultivariateNormal(xp.asarray(loc), scale_tril=xp.asarray(L))
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.d == 3
    x = numpy.random.standard_normal((5, 2, 3)).astype(dtype)
    lp = d.log_prob(xp.asarray(x))
    assert lp.shape == (5, 2) and lp.dtype == dtype
    numpy.testing.assert_allclose(to_cpu(lp), _ref_log_prob(x.astype(float), loc.astype(float),
                                                            cov), **_tol(dtype))
    numpy.testing.assert_allclose(to_cpu(d.entropy), 0.5 * numpy.linalg.slogdet(
        2 * math.pi * math.e * cov)[1], **_tol(dtype))
    numpy.testing.assert_allclose(to_cpu(d.covariance), cov, **_tol(dtype))
    numpy.testing.assert_allclose(to_cpu(d.variance), numpy.diagonal(cov, axis1=-2, axis2=-1),
                                  **_tol(dtype))
    numpy.testing.assert_allclose(to_cpu(d.mean), loc, **_tol(dtype))
    assert set(d.params) == {'loc', 'scale_tril'} and d.support == 'real'


def test_mvn_broadcasting_and_upper_triangle_ignored():
    L, cov = _chol((), 2, numpy.float64)
    junk = L + numpy.triu(numpy.ones((2, 2)), 1) * 7.0     # the upper part is not read
    d = D.MultivariateNormal(numpy.zeros((4, 2)), scale_tril=junk)
    assert d.batch_shape == (4,)
    x = numpy.random.standard_normal((3, 4, 2))
    numpy.testing.assert_allclose(d.log_prob(x).array, _ref_log_prob(x, numpy.zeros(2), cov))
    numpy.testing.assert_allclose(d.covariance.array[0], cov)
    assert d.log_prob(numpy.zeros(2)).shape == (4,)
    assert d.sample((2, 3)).shape == (2, 3, 4, 2)
    # the gradient leaves the ignored upper triangle alone
    Lv = dbr.Variable(junk)
    F.sum(D.MultivariateNormal(numpy.zeros(2), scale_tril=Lv).log_prob(x)).backward()
    assert Lv.grad[0, 1] == 0.0


@pytest.mark.parametrize('dtype', FLOATS)
def test_mvn_kl(xp, dtype):
    L1, c1 = _chol((3,), 2, dtype)
    L2, c2 = _chol((3,), 2, dtype)
    c1 = L1.astype(float) @ numpy.swapaxes(L1.astype(float), -1, -2)
    c2 = L2.astype(float) @ numpy.swapaxes(L2.astype(float), -1, -2)
    m1 = numpy.random.standard_normal((3, 2)).astype(dtype)
    m2 = numpy.random.standard_normal((2,)).astype(dtype)
    kl = dbr.kl_divergence(D.MultivariateNormal(xp.asarray(m1), scale_tril=xp.asarray(L1)),
                           D.MultivariateNormal(xp.asarray(m2), scale_tril=xp.asarray(L2)))
    assert kl.shape == (3,) and kl.dtype == dtype
    ref = []
    for b in range(3):
        inv = numpy.linalg.inv(c2[b])
        diff = m2.astype(float) - m1[b].astype(float)
        ref.append(0.5 * (numpy.trace(inv @ c1[b]) + diff @ inv @ diff - 2
                          + numpy.linalg.slogdet(c2[b])[1] - numpy.linalg.slogdet(c1[b])[1]))
    numpy.testing.assert_allclose(to_cpu(kl), ref, **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_mvn_gradients(xp, dtype):
    L, _ = _chol((2,), 3, dtype)
    loc = xp.asarray(numpy.random.standard_normal((2, 3)).astype(dtype))
    L = xp.asarray(L)
    x = numpy.random.standard_normal((4, 2, 3)).astype(dtype)
    opts = grad_options(dtype)

    def log_prob(loc, L):
        return D.MultivariateNormal(loc, scale_tril=L).log_prob(x)

    def sample(loc, L):
        xp.random.seed(1)
        return D.MultivariateNormal(loc, scale_tril=L).sample(3)

    def kl(loc, L):
        q = D.MultivariateNormal(xp.zeros(3, loc.dtype), scale_tril=2 * xp.eye(3, dtype=L.dtype))
        return dbr.kl_divergence(D.MultivariateNormal(loc, scale_tril=L), q) + \
            dbr.kl_divergence(q, D.MultivariateNormal(loc, scale_tril=L))

    for f, shape in ((log_prob, (4, 2)), (sample, (3, 2, 3)), (kl, (2,))):
        gy = xp.asarray(numpy.random.standard_normal(shape).astype(dtype))
        gradient_check.check_backward(f, (loc, L), gy, **opts)
        gg = tuple(xp.asarray(numpy.random.standard_normal(a.shape).astype(dtype))
                   for a in (loc, L))
        gradient_check.check_double_backward(f, (loc, L), gy, gg, **opts)


def test_solve_node(xp):
    A = xp.asarray(numpy.random.standard_normal((2, 3, 3)) + 3 * numpy.eye(3))
    B = xp.asarray(numpy.random.standard_normal((2, 3, 2)))
    for trans in (False, True):
        X = solve(A, B, trans=trans).array
        M = A.swapaxes(-1, -2) if trans else A
        numpy.testing.assert_allclose(dbr.backend.to_cpu(M @ X), dbr.backend.to_cpu(B),
                                      atol=1e-12)
        gy = xp.asarray(numpy.random.standard_normal((2, 3, 2)))
        gradient_check.check_backward(lambda a, b: solve(a, b, trans=trans), (A, B), gy)
        gradient_check.check_double_backward(
            lambda a, b: solve(a, b, trans=trans), (A, B), gy,
            (xp.asarray(numpy.random.standard_normal((2, 3, 3))),
             xp.asarray(numpy.random.standard_normal((2, 3, 2)))))
    with pytest.raises(TypeError, match=r'solve: expected a.shape\[:-2\] == b.shape\[:-2\]'):
        solve(A, B[:1])


def test_mvn_sample_moments(xp):
    L, _ = _chol((), 3, numpy.float64)
    cov = L @ L.T
    loc = numpy.array([1.0, -2.0, 0.5])
    s = dbr.backend.to_cpu(D.MultivariateNormal(xp.asarray(loc), scale_tril=xp.asarray(L))
                           .sample(40000).array)
    n = s.shape[0]
    assert (numpy.abs(s.mean(0) - loc) <= 5 * numpy.sqrt(numpy.diag(cov) / n)).all()
    c = numpy.cov(s, rowvar=False)
    # standard error of a sample covariance entry of a Gaussian: sqrt((S_ij^2 + S_ii S_jj) / n)
    se = numpy.sqrt((cov ** 2 + numpy.outer(numpy.diag(cov), numpy.diag(cov))) / n)
    assert (numpy.abs(c - cov) <= 5 * se).all()


def test_mvn_errors():
    with pytest.raises(ValueError, match='MultivariateNormal: scale_tril must be given'):
        D.MultivariateNormal(numpy.zeros(3))
    with pytest.raises(ValueError, match=r'MultivariateNormal: loc must be \(\.\.\., d\) and '
                                         r'scale_tril \(\.\.\., d, d\), got loc.shape=\(3,\) '
                                         r'and scale_tril.shape=\(2, 2\)'):
        D.MultivariateNormal(numpy.zeros(3), scale_tril=numpy.eye(2))
    with pytest.raises(ValueError, match='got loc.shape=\\(\\)'):
        D.MultivariateNormal(numpy.zeros(()), scale_tril=numpy.eye(1))
    with pytest.raises(ValueError, match=r'MultivariateNormal: parameter shapes do not '
                                         r'broadcast: loc.shape=\(4,\), scale_tril.shape=\(3,\)'):
        D.MultivariateNormal(numpy.zeros((4, 2)), scale_tril=numpy.tile(numpy.eye(2), (3, 1, 1)))
    d = D.MultivariateNormal(numpy.zeros((4, 3)), scale_tril=numpy.eye(3))
    with pytest.raises(ValueError, match=r'MultivariateNormal.log_prob: x.shape=\(4, 2\) does '
                                         r'not match batch_shape=\(4,\) and event_shape=\(3,\)'):
        d.log_prob(numpy.zeros((4, 2)))
    with pytest.raises(ValueError, match='MultivariateNormal dimensions differ: 3 and 2'):
        dbr.kl_divergence(d, D.MultivariateNormal(numpy.zeros(2), scale_tril=numpy.eye(2)))
