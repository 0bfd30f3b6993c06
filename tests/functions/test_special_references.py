"""Tests of the special functions the distributions use (lgamma, digamma, polygamma, ndtri, log_ndtr).

References are written with the Python ``math`` module (lgamma, erfc) and with series or
identities evaluated independently in the test (no SciPy): digamma as the Richardson-
extrapolated derivative of ``math.lgamma``, polygamma(n >= 1) as its defining series, ndtri
through ``ndtr(ndtri(p)) == p`` with ``math.erfc``.
"""
import math

import numpy
import pytest

import dbr
from dbr import gradient_check
import dbr.functions as F

FLOATS = [numpy.float64, numpy.float32]


def _tol(dtype):
    return dict(atol=1e-12, rtol=1e-11) if dtype == numpy.float64 else dict(atol=1e-5, rtol=2e-6)


def _grad_opts(dtype):
    return {} if dtype == numpy.float64 else dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def _digamma_ref(x):
    """Richardson extrapolation of the central difference of math.lgamma (error ~ h**6)."""
    def d(h):
        return (math.lgamma(x + h) - math.lgamma(x - h)) / (2 * h)
    h = 1e-2 * min(1.0, x / 4)
    d1, d2, d4 = d(h), d(h / 2), d(h / 4)
    r1, r2 = (4 * d2 - d1) / 3, (4 * d4 - d2) / 3
    return (16 * r2 - r1) / 15


def _polygamma_ref(n, x):
    """(-1)**(n+1) n! sum_k 1/(x+k)**(n+1), summed to N terms plus the Euler-Maclaurin tail."""
    N = 2000
    k = numpy.arange(N, dtype=numpy.float64)
    s = numpy.sum(1.0 / (x + k) ** (n + 1))
    t = x + N
    tail = 1 / (n * t ** n) + 1 / (2 * t ** (n + 1)) + (n + 1) / (12 * t ** (n + 2))
    return (-1) ** (n + 1) * math.factorial(n) * (s + tail)


def _ndtr(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


@pytest.mark.parametrize('dtype', FLOATS)
def test_lgamma_forward(xp, dtype):
    x = numpy.array([1e-6, 0.01, 0.3, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 57.3, 171.6, 1e6,
                     -0.5, -2.3, -7.9], dtype)
    y = F.lgamma(xp.asarray(x))
    assert y.dtype == dtype
    ref = numpy.array([math.lgamma(float(v)) for v in x])
    numpy.testing.assert_allclose(dbr.backend.to_cpu(y.array), ref, **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_digamma_forward(xp, dtype):
    x = numpy.array([0.05, 0.5, 1.0, 1.5, 2.0, 3.7, 9.5, 10.5, 42.0, 1e4, -0.5, -2.3], dtype)
    y = F.digamma(xp.asarray(x))
    assert y.dtype == dtype
    ref = numpy.array([_digamma_ref(float(v)) for v in x])
    tol = dict(atol=1e-9, rtol=1e-9) if dtype == numpy.float64 else _tol(dtype)
    numpy.testing.assert_allclose(dbr.backend.to_cpu(y.array), ref, **tol)
    # exact values: psi(1) = -gamma, psi(1/2) = -gamma - 2 log 2
    exact = F.digamma(xp.asarray(numpy.array([1.0, 0.5]))).array
    numpy.testing.assert_allclose(dbr.backend.to_cpu(exact),
                                  [-0.5772156649015329, -0.5772156649015329 - 2 * math.log(2)],
                                  rtol=1e-14)


@pytest.mark.parametrize('n', [1, 2, 3])
def test_polygamma_forward(xp, n):
    x = numpy.array([0.05, 0.5, 1.0, 2.5, 11.0, 12.5, 30.0, 250.0])
    y = dbr.backend.to_cpu(F.polygamma(n, xp.asarray(x)).array)
    ref = numpy.array([_polygamma_ref(n, float(v)) for v in x])
    numpy.testing.assert_allclose(y, ref, rtol=1e-10)
    # psi_1(1) = pi**2 / 6
    if n == 1:
        assert abs(float(y[2]) - math.pi ** 2 / 6) < 1e-14


def test_polygamma_needs_positive_x_for_n_ge_1(xp):
    y = F.polygamma(1, xp.asarray(numpy.array([-1.5, 0.0, 2.0])))
    assert numpy.isnan(dbr.backend.to_cpu(y.array)[:2]).all()


@pytest.mark.parametrize('dtype', FLOATS)
def test_ndtri_forward(xp, dtype):
    p = numpy.array([1e-300, 1e-30, 1e-5, 0.01, 0.02425, 0.3, 0.5, 0.7, 0.97575, 0.999,
                     1 - 1e-12], numpy.float64)
    if dtype == numpy.float32:
        p = p[(p > 1e-30) & (p < 1 - 1e-7)]
    p = p.astype(dtype)
    x = dbr.backend.to_cpu(F.ndtri(xp.asarray(p)).array)
    assert x.dtype == dtype
    back = numpy.array([_ndtr(float(v)) for v in x])
    rtol = 1e-12 if dtype == numpy.float64 else 2e-5
    # compare in the smaller tail, where the CDF keeps its relative accuracy
    lower = p <= 0.5
    numpy.testing.assert_allclose(back[lower], p[lower], rtol=rtol)
    numpy.testing.assert_allclose(1 - back[~lower], 1 - p[~lower].astype(numpy.float64),
                                  rtol=rtol * 100)
    edges = dbr.backend.to_cpu(F.ndtri(xp.asarray(numpy.array([0.0, 1.0], dtype))).array)
    assert edges[0] == -numpy.inf and edges[1] == numpy.inf


@pytest.mark.parametrize('dtype', FLOATS)
def test_log_ndtr_forward(xp, dtype):
    x = numpy.array([-37.0, -30.0, -21.0, -20.0, -19.5, -5.0, -1.0, 0.0, 2.0, 8.0, 30.0], dtype)
    y = dbr.backend.to_cpu(F.log_ndtr(xp.asarray(x)).array)
    assert y.dtype == dtype
    ref = numpy.array([math.log(_ndtr(float(v))) if v < 5 else
                       math.log1p(-_ndtr(-float(v))) for v in x])
    numpy.testing.assert_allclose(y, ref, **_tol(dtype))
    # far beyond float64's ndtr underflow (-38.5): the asymptotic series stays finite
    far = dbr.backend.to_cpu(F.log_ndtr(xp.asarray(numpy.array([-100.0, -1e4]))).array)
    expected = [-0.5 * 1e4 - math.log(100) - 0.5 * math.log(2 * math.pi)
                + math.log1p(-1e-4 + 3e-8 - 15e-12),
                -0.5 * 1e8 - math.log(1e4) - 0.5 * math.log(2 * math.pi)]
    numpy.testing.assert_allclose(far, expected, rtol=1e-12)


@pytest.mark.parametrize('name, lo, hi', [
    ('lgamma', 0.3, 5.0), ('digamma', 0.3, 5.0), ('trigamma', 0.3, 5.0),
    ('ndtri', 0.05, 0.95), ('log_ndtr', -6.0, 4.0)])
@pytest.mark.parametrize('dtype', FLOATS)
def test_special_gradients(xp, name, lo, hi, dtype):
    func = {'lgamma': F.lgamma, 'digamma': F.digamma,
            'trigamma': lambda x: F.polygamma(1, x),
            'ndtri': F.ndtri, 'log_ndtr': F.log_ndtr}[name]
    x = xp.asarray(numpy.random.uniform(lo, hi, (3, 2)).astype(dtype))
    gy = xp.asarray(numpy.random.standard_normal((3, 2)).astype(dtype))
    ggx = xp.asarray(numpy.random.standard_normal((3, 2)).astype(dtype))
    gradient_check.check_backward(func, x, gy, **_grad_opts(dtype))
    gradient_check.check_double_backward(func, x, gy, ggx, **_grad_opts(dtype))


def test_special_rejects_integer_input(xp):
    with pytest.raises(TypeError, match=r'lgamma: expected x\.dtype\.kind'):
        F.lgamma(xp.arange(3))
