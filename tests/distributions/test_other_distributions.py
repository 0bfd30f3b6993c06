"""Tests of the scalar-event distributions beyond Normal/Bernoulli (Uniform, Laplace,
Exponential, LogNormal, Cauchy, Gumbel, Pareto, Gamma, Chisquare, Beta, Geometric, Poisson)
and of Dirichlet.

Each is checked against a log-density written here with NumPy and ``math.lgamma``: its
``log_prob`` directly, and its ``mean``, ``variance``, ``entropy``, ``cdf`` and registered KL
divergence against numerical integrals (trapezoid rule on a fine grid) or sums of that
reference density, so no closed form is trusted twice. Then gradients, sample statistics and
shapes.
"""
import math

import numpy
import pytest

import dbr
import dbr.distributions as D
from dbr import gradient_check

from _dist_helpers import FLOATS

_lgamma = numpy.vectorize(math.lgamma)


def _trapezoid(y, x):
    return float(numpy.sum((y[1:] + y[:-1]) * numpy.diff(x)) / 2)


def _cumtrapz(y, x):
    return numpy.concatenate([[0.0], numpy.cumsum((y[1:] + y[:-1]) * numpy.diff(x) / 2)])


_T = numpy.linspace(0.0, 1.0, 200001)


def _lin(a, b):
    """A uniform grid on [a, b] and dx/dt."""
    return a + (b - a) * _T, numpy.full_like(_T, b - a)


def _exp(c, lo, hi):
    """``c exp(u)`` for u uniform on [lo, hi] (fine near c e**lo, coarse in the tail)."""
    x = c * numpy.exp(lo + (hi - lo) * _T)
    return x, x * (hi - lo)


def _tan(m, s, delta=1e-7):
    """``m + s tan(theta)``, theta uniform on (-pi/2, pi/2) less ``delta`` at each end."""
    th = -math.pi / 2 + delta + (math.pi - 2 * delta) * _T
    return m + s * numpy.tan(th), s * (math.pi - 2 * delta) / numpy.cos(th) ** 2


# name -> (constructor, parameters of p, parameters of q (for KL), reference log-density,
#          quadrature grid (x and dx/dt for a uniform t in [0, 1]) for one element's
#          parameters or None for a discrete support, reparameterized sampling?, a point inside
#          the support for log_prob/gradients)
SPECS = {
    'Uniform': (
        lambda a, b: D.Uniform(low=a, high=b), ([-1.0, 0.5], [1.0, 2.5]), ([-2.0, 0.0], [2.0, 3.0]),
        lambda x, a, b: numpy.where((x >= a) & (x <= b), -numpy.log(b - a), -numpy.inf),
        lambda a, b: _lin(a, b), True, lambda a, b: a + (b - a) * 0.3),
    'Laplace': (
        D.Laplace, ([0.3, -1.0], [0.7, 1.5]), ([0.0, 0.5], [1.0, 0.8]),
        lambda x, m, s: -numpy.log(2 * s) - numpy.abs(x - m) / s,
        lambda m, s: _lin(m - 45 * s, m + 45 * s), True, lambda m, s: m + 0.4 * s),
    'Exponential': (
        D.Exponential, ([0.5, 2.0],), ([1.5, 0.7],),
        lambda x, lam: numpy.where(x >= 0, numpy.log(lam) - lam * x, -numpy.inf),
        lambda lam: _lin(0, 60 / lam), True, lambda lam: 0.8 / lam),
    'LogNormal': (
        D.LogNormal, ([0.1, -0.5], [0.4, 0.6]), ([0.0, -0.2], [0.5, 0.3]),
        lambda x, mu, s: -numpy.log(x * s * math.sqrt(2 * math.pi))
        - (numpy.log(x) - mu) ** 2 / (2 * s * s),
        lambda mu, s: _exp(1.0, mu - 14 * s, mu + 14 * s), True,
        lambda mu, s: math.exp(mu + 0.3 * s)),
    'Cauchy': (
        D.Cauchy, ([0.2, -1.0], [0.5, 2.0]), ([0.0, 1.0], [1.0, 1.5]),
        lambda x, m, s: -numpy.log(math.pi * s * (1 + ((x - m) / s) ** 2)),
        _tan, True, lambda m, s: m + 0.7 * s),
    'Gumbel': (
        D.Gumbel, ([0.2, -1.0], [0.5, 2.0]), ([0.0, -0.5], [0.8, 1.5]),
        lambda x, m, s: -numpy.log(s) - (x - m) / s - numpy.exp(-(x - m) / s),
        lambda m, s: _lin(m - 6 * s, m + 45 * s), True, lambda m, s: m + 0.2 * s),
    'Pareto': (
        D.Pareto, ([1.0, 0.5], [5.0, 6.5]), ([0.8, 0.3], [4.0, 7.0]),
        lambda x, xm, a: numpy.where(x >= xm, numpy.log(a) + a * numpy.log(xm)
                                     - (a + 1) * numpy.log(numpy.maximum(x, xm)), -numpy.inf),
        lambda xm, a: _exp(xm, 0, 45 / a), True,
        lambda xm, a: 1.3 * xm),
    'Gamma': (
        D.Gamma, ([2.5, 4.0], [0.7, 1.3]), ([3.0, 2.0], [0.5, 2.0]),
        lambda x, k, t: (k - 1) * numpy.log(x) - x / t - _lgamma(k) - k * numpy.log(t),
        lambda k, t: _lin(1e-12, (k + 40 * math.sqrt(k)) * t), False,
        lambda k, t: 0.9 * k * t),
    'Chisquare': (
        D.Chisquare, ([4.0, 7.5],), ([5.0, 3.0],),
        lambda x, k: (k / 2 - 1) * numpy.log(x) - x / 2 - k / 2 * math.log(2) - _lgamma(k / 2),
        lambda k: _lin(1e-12, k + 60 * math.sqrt(2 * k)), False,
        lambda k: 0.8 * k),
    'Beta': (
        D.Beta, ([2.0, 3.5], [2.5, 5.0]), ([3.0, 2.0], [2.0, 4.0]),
        lambda x, a, b: (a - 1) * numpy.log(x) + (b - 1) * numpy.log1p(-x)
        - (_lgamma(a) + _lgamma(b) - _lgamma(a + b)),
        lambda a, b: _lin(1e-12, 1 - 1e-12), False, lambda a, b: 0.35),
    'Geometric': (
        D.Geometric, ([0.3, 0.75],), ([0.5, 0.2],),
        lambda x, p: (x - 1) * numpy.log1p(-p) + numpy.log(p),
        None, False, lambda p: 2.0),
    'Poisson': (
        D.Poisson, ([2.5, 0.7],), ([1.0, 3.0],),
        lambda x, lam: x * numpy.log(lam) - lam - _lgamma(x + 1),
        None, False, lambda lam: 2.0),
}
_DISCRETE_SUPPORT = {'Geometric': numpy.arange(1, 400.0), 'Poisson': numpy.arange(0, 120.0)}
# What a distribution leaves undefined (Cauchy: mean and variance; Poisson: entropy).
_UNDEFINED = {'Cauchy': {'mean', 'variance'}, 'Poisson': {'entropy'}}
_NO_CDF = {'Gamma', 'Chisquare', 'Beta', 'Geometric', 'Poisson'}


def _make(name, params, xp, dtype):
    return SPECS[name][0](*[xp.asarray(numpy.asarray(p, dtype)) for p in params])


def _integrals(name, params, i):
    """Mean, variance, entropy, the grid and the reference density of element ``i``."""
    _, _, _, logpdf, grid, _, _ = SPECS[name]
    theta = [p[i] for p in params]
    if grid is None:
        x = _DISCRETE_SUPPORT[name]
    else:
        x, dxdt = grid(*theta)
    lp = logpdf(x, *theta)
    p = numpy.exp(lp)
    if grid is None:
        def integrate(y):
            return float(numpy.sum(y))
    else:
        # The grids are smooth maps of a uniform t: integrate in t, with dx/dt, so that the
        # wide spacing of a tail grid costs no accuracy.
        def integrate(y):
            return _trapezoid(y * dxdt, _T)

        integrate.cumulative = lambda y: _cumtrapz(y * dxdt, _T)
    plogp = numpy.where(p > 0, p * lp, 0.0)
    mean = integrate(x * p)
    return mean, integrate((x - mean) ** 2 * p), -integrate(plogp), x, lp, integrate


@pytest.mark.parametrize('name', sorted(SPECS))
def test_log_prob_against_reference(xp, name):
    params = SPECS[name][1]
    logpdf, point = SPECS[name][3], SPECS[name][6]
    d = _make(name, params, xp, numpy.float64)
    assert d.batch_shape == (2,) and d.event_shape == ()
    x = numpy.array([[point(*[p[i] for p in params]) for i in range(2)]] * 3)
    x[1] *= 1.1
    lp = d.log_prob(xp.asarray(x))
    assert lp.shape == (3, 2)
    numpy.testing.assert_allclose(dbr.backend.to_cpu(lp.array), logpdf(x, *[
        numpy.asarray(p) for p in params]), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(dbr.backend.to_cpu(d.prob(xp.asarray(x)).array), numpy.exp(
        logpdf(x, *[numpy.asarray(p) for p in params])), rtol=1e-12)


@pytest.mark.parametrize('name', sorted(SPECS))
def test_statistics_against_integrals(name):
    params = SPECS[name][1]
    d = _make(name, params, numpy, numpy.float64)
    undefined = _UNDEFINED.get(name, set())
    for i in range(2):
        mean, var, ent, _, _, _ = _integrals(name, params, i)
        for stat, ref in (('mean', mean), ('variance', var), ('entropy', ent)):
            if stat in undefined:
                continue
            numpy.testing.assert_allclose(getattr(d, stat).array[i], ref, rtol=2e-5,
                                          atol=1e-7, err_msg=f'{name}.{stat}')
        if 'variance' not in undefined:
            numpy.testing.assert_allclose(d.stddev.array[i], math.sqrt(var), rtol=2e-5)
    if 'mean' in undefined:
        assert numpy.isnan(d.mean.array).all() and numpy.isnan(d.variance.array).all()
    if 'entropy' in undefined:
        with pytest.raises(NotImplementedError, match=f'{name} does not implement entropy'):
            d.entropy


@pytest.mark.parametrize('name', sorted(set(SPECS) - _NO_CDF))
def test_cdf_and_icdf(name):
    params = SPECS[name][1]
    d = _make(name, params, numpy, numpy.float64)
    u = numpy.array([[0.1, 0.3], [0.5, 0.62], [0.9, 0.97]])
    x = d.icdf(u).array
    numpy.testing.assert_allclose(d.cdf(x).array, u, rtol=1e-10)
    numpy.testing.assert_allclose(d.survival_function(x).array, 1 - u, rtol=1e-10)
    numpy.testing.assert_allclose(d.log_cdf(x).array, numpy.log(u), rtol=1e-10)
    for i in range(2):
        _, _, _, grid, lp, integrate = _integrals(name, params, i)
        cdf = integrate.cumulative(numpy.exp(lp))
        numpy.testing.assert_allclose(numpy.interp(x[:, i], grid, cdf), u[:, i], atol=2e-6)


@pytest.mark.parametrize('name', sorted(SPECS))
def test_kl_against_integrals(name):
    _, p_params, q_params, logpdf, _, _, _ = SPECS[name]
    kl = dbr.kl_divergence(_make(name, p_params, numpy, numpy.float64),
                           _make(name, q_params, numpy, numpy.float64)).array
    assert kl.shape == (2,)
    for i in range(2):
        _, _, _, x, lp, integrate = _integrals(name, p_params, i)
        lq = logpdf(x, *[q[i] for q in q_params])
        p = numpy.exp(lp)
        ref = integrate(numpy.where(p > 0, p * (lp - lq), 0.0))
        numpy.testing.assert_allclose(kl[i], ref, rtol=2e-5, atol=1e-7, err_msg=name)


def test_kl_outside_the_support_is_infinite():
    u = dbr.kl_divergence(D.Uniform(low=numpy.array([0.0]), high=numpy.array([2.0])),
                          D.Uniform(low=numpy.array([0.5]), high=numpy.array([3.0])))
    p = dbr.kl_divergence(D.Pareto(numpy.array([0.5]), numpy.array([3.0])),
                          D.Pareto(numpy.array([1.0]), numpy.array([3.0])))
    assert u.array[0] == numpy.inf and p.array[0] == numpy.inf


def test_out_of_support_log_prob():
    cases = [(D.Uniform(low=0.0, high=1.0), [-0.1, 1.1]), (D.Exponential(1.0), [-1.0]),
             (D.LogNormal(0.0, 1.0), [0.0, -2.0]), (D.Pareto(1.0, 2.0), [0.5]),
             (D.Gamma(2.0, 1.0), [0.0, -1.0]), (D.Beta(2.0, 2.0), [0.0, 1.0, 1.5]),
             (D.Chisquare(3.0), [-1.0]), (D.Geometric(0.5), [0.0]), (D.Poisson(1.0), [-1.0])]
    for d, xs in cases:
        lp = d.log_prob(numpy.array(xs, dbr.get_dtype())).array
        assert (lp == -numpy.inf).all(), type(d).__name__
    assert (D.Exponential(1.0).cdf(numpy.array([-1.0], 'f')).array == 0).all()


@pytest.mark.parametrize('name', sorted(SPECS))
@pytest.mark.parametrize('dtype', FLOATS)
def test_gradients(xp, name, dtype):
    _, params, q_params, _, _, reparam, point = SPECS[name]
    x = numpy.array([point(*[p[i] for p in params]) for i in range(2)], dtype)
    args = tuple(xp.asarray(numpy.asarray(p, dtype)) for p in params)
    opts = {} if dtype == numpy.float64 else dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)
    if name in ('Geometric', 'Uniform', 'Pareto'):
        # keep the finite differences inside the parameter/support domain
        opts['eps'] = 1e-4
    gy = xp.asarray(numpy.random.standard_normal(2).astype(dtype))
    ctor = SPECS[name][0]

    def log_prob(*a):
        return ctor(*a).log_prob(x)

    def kl(*a):
        q = ctor(*[xp.asarray(numpy.asarray(p, a[0].dtype)) for p in q_params])
        return dbr.kl_divergence(ctor(*a), q)

    funcs = [log_prob, kl]
    if 'entropy' not in _UNDEFINED.get(name, ()):
        funcs.append(lambda *a: ctor(*a).entropy)
    for f in funcs:
        gradient_check.check_backward(f, args, gy, **opts)
        gradient_check.check_double_backward(
            f, args, gy, tuple(xp.asarray(numpy.random.standard_normal(2).astype(dtype))
                               for _ in args), **opts)
    if reparam:
        def sample(*a):
            xp.random.seed(7)
            return ctor(*a).sample(3)
        gradient_check.check_backward(sample, args, xp.asarray(
            numpy.random.standard_normal((3, 2)).astype(dtype)), **opts)


def test_gamma_sample_gradient_reaches_theta_only():
    k = dbr.Variable(numpy.array([2.0, 3.0]))
    theta = dbr.Variable(numpy.array([0.5, 1.5]))
    s = D.Gamma(k, theta).sample(4)
    dbr.functions.sum(s).backward()
    assert k.grad is None
    numpy.testing.assert_allclose(theta.grad, (s.array / theta.array).sum(0))


@pytest.mark.parametrize('name', sorted(SPECS))
def test_sample_statistics(xp, name):
    params = SPECS[name][1]
    d = _make(name, params, xp, numpy.float32)
    s = d.sample(20000)
    assert s.shape == (20000, 2)
    a = dbr.backend.to_cpu(s.array)
    if name in ('Geometric', 'Poisson'):
        assert a.dtype.kind == 'i'
    else:
        assert a.dtype == numpy.float32
    a = a.astype(numpy.float64)
    n = a.shape[0]
    if name == 'Cauchy':
        # no moments: compare the median and the quartiles with loc and loc +- scale
        loc, scale = (numpy.asarray(p) for p in params)
        q = numpy.percentile(a, [25, 50, 75], axis=0)
        assert (numpy.abs(q[1] - loc) < 0.05 * scale).all()
        assert (numpy.abs(q[2] - q[0] - 2 * scale) < 0.1 * scale).all()
        return
    for i in range(2):
        mean, var, _, _, _, _ = _integrals(name, params, i)
        col = a[:, i]
        assert abs(col.mean() - mean) <= 5 * col.std() / math.sqrt(n), name
        d2 = (col - col.mean()) ** 2
        assert abs(d2.sum() / (n - 1) - var) <= 5 * d2.std() / math.sqrt(n), name
    # samples lie in the support
    assert numpy.isfinite(dbr.backend.to_cpu(d.log_prob(s).array)).all()


def test_shapes_broadcasting_and_errors():
    d = D.Gamma(numpy.ones((3, 1)), numpy.ones(4))
    assert d.batch_shape == (3, 4) and d.sample((2, 5)).shape == (2, 5, 3, 4)
    assert d.log_prob(numpy.ones(4)).shape == (3, 4)
    assert D.Uniform(loc=numpy.zeros(2), scale=numpy.ones(2)).high.array.tolist() == [1, 1]
    with pytest.raises(ValueError, match='Uniform: give either low and high, or loc and scale'):
        D.Uniform(low=numpy.zeros(2))
    with pytest.raises(TypeError, match="Uniform: unexpected keyword arguments \\['width'\\]"):
        D.Uniform(low=0.0, high=1.0, width=1.0)
    with pytest.raises(ValueError, match=r'Laplace: parameter shapes do not broadcast: '
                                         r'loc.shape=\(2,\), scale.shape=\(3,\)'):
        D.Laplace(numpy.zeros(2), numpy.ones(3))
    with pytest.raises(TypeError, match='Beta: b must have a float dtype, got int64'):
        D.Beta(numpy.ones(2), numpy.ones(2, numpy.int64))
    with pytest.raises(ValueError, match=r'Poisson.log_prob: x.shape=\(3,\) does not match '
                                         r'batch_shape=\(2,\)'):
        D.Poisson(numpy.ones(2)).log_prob(numpy.ones(3))


@pytest.mark.parametrize('dtype', FLOATS)
def test_dirichlet(xp, dtype):
    alpha = numpy.array([[2.0, 3.5], [1.5, 4.0]], dtype)
    d = D.Dirichlet(xp.asarray(alpha))
    assert d.batch_shape == (2,) and d.event_shape == (2,)
    # with K = 2, Dirichlet(a, b) on (x, 1 - x) is Beta(a, b) on x
    b = D.Beta(xp.asarray(alpha[:, 0]), xp.asarray(alpha[:, 1]))
    tol = dict(rtol=1e-10) if dtype == numpy.float64 else dict(rtol=1e-5, atol=1e-6)
    x = numpy.array([0.3, 0.6], dtype)
    xx = numpy.stack([x, 1 - x], axis=-1)
    cpu = dbr.backend.to_cpu
    numpy.testing.assert_allclose(cpu(d.log_prob(xp.asarray(xx)).array),
                                  cpu(b.log_prob(xp.asarray(x)).array), **tol)
    numpy.testing.assert_allclose(cpu(d.entropy.array), cpu(b.entropy.array), **tol)
    numpy.testing.assert_allclose(cpu(d.mean.array)[:, 0], cpu(b.mean.array), **tol)
    numpy.testing.assert_allclose(cpu(d.variance.array)[:, 0], cpu(b.variance.array), **tol)
    q = numpy.array([[3.0, 2.0], [2.0, 4.0]], dtype)
    numpy.testing.assert_allclose(
        cpu(dbr.kl_divergence(d, D.Dirichlet(xp.asarray(q))).array),
        cpu(dbr.kl_divergence(b, D.Beta(xp.asarray(q[:, 0]), xp.asarray(q[:, 1]))).array), **tol)
    # a 3-category check of log_prob against the formula
    a3 = numpy.array([1.5, 2.0, 3.0])
    x3 = numpy.array([0.2, 0.3, 0.5])
    ref = ((a3 - 1) * numpy.log(x3)).sum() - (_lgamma(a3).sum() - math.lgamma(a3.sum()))
    numpy.testing.assert_allclose(D.Dirichlet(a3).log_prob(x3).array, ref, rtol=1e-12)
    s = d.sample(5000)
    assert s.shape == (5000, 2, 2) and s.dtype == dtype
    sa = cpu(s.array).astype(float)
    numpy.testing.assert_allclose(sa.sum(-1), 1, rtol=1e-5)
    m = cpu(d.mean.array)
    assert (numpy.abs(sa.mean(0) - m) <= 5 * sa.std(0) / math.sqrt(5000)).all()
    opts = {} if dtype == numpy.float64 else dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)
    gy = xp.asarray(numpy.ones(2, dtype))
    gradient_check.check_backward(lambda a: D.Dirichlet(a).log_prob(xx) + D.Dirichlet(a).entropy
                                  + dbr.kl_divergence(D.Dirichlet(a), D.Dirichlet(
                                      xp.asarray(q.astype(a.dtype)))), xp.asarray(alpha), gy,
                                  **opts)
    with pytest.raises(ValueError, match=r'Dirichlet.log_prob: x.shape=\(2, 3\)'):
        d.log_prob(numpy.ones((2, 3), dtype) / 3)
