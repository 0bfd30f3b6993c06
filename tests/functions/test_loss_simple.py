"""Tests of the simple losses: mean_squared_error, mean_absolute_error, huber_loss, hinge,
contrastive, triplet, gaussian_kl_divergence, gaussian_nll, bernoulli_nll.

Each loss: forward against a NumPy reference (float64) for every ``reduce``, the output dtype,
``check_backward`` and ``check_double_backward`` w.r.t. its float inputs (inputs kept away from
the kinks), edge shapes, and its bad inputs.
"""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
FLOATS16 = [numpy.float64, numpy.float32, numpy.float16]


def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=1e-5, rtol=1e-5),
            numpy.float16: dict(atol=1e-2, rtol=1e-2)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def _normal(shape, dtype=numpy.float64):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _away(shape, lo, hi):
    """Magnitudes in [lo, hi] with random signs."""
    sign = numpy.where(numpy.random.uniform(size=shape) < 0.5, -1.0, 1.0)
    return numpy.random.uniform(lo, hi, shape) * sign


def _f64(a):
    return numpy.asarray(a, numpy.float64)


def _check_grads(xp, func, inputs, dtype, double=True):
    inputs = tuple(xp.asarray(a) for a in inputs)
    with dbr.no_backprop_mode():
        y = func(*inputs)
    gy = xp.asarray(_normal(y.shape, dtype))
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, inputs, gy, **opts)
    if double:
        ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs if a.dtype.kind == 'f')
        gradient_check.check_double_backward(func, inputs, gy, ggx, **opts)


def _reduce_ref(loss, reduce):
    return {'sum': loss.sum(), 'mean': loss.mean(), 'no': loss}[reduce]


# ----- mean_squared_error / mean_absolute_error -------------------------------------------------

ERRORS = {
    'mean_squared_error': (F.mean_squared_error, lambda d: (d * d).mean()),
    'mean_absolute_error': (F.mean_absolute_error, lambda d: abs(d).mean()),
}
ERROR_SHAPES = [(3, 4), (5,), (), (1,), (2, 3, 2)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', ERROR_SHAPES)
@pytest.mark.parametrize('name', sorted(ERRORS))
def test_error_forward(xp, name, shape, dtype):
    func, ref = ERRORS[name]
    x0 = _normal(shape, dtype)
    x1 = _normal(shape, dtype)
    y = func(xp.asarray(x0), xp.asarray(x1))
    assert isinstance(y, dbr.Variable) and y.shape == () and y.dtype == dtype
    testing.assert_allclose(y.array, ref(_f64(x0) - _f64(x1)), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', ERROR_SHAPES)
@pytest.mark.parametrize('name', sorted(ERRORS))
def test_error_grads(xp, name, shape, dtype):
    func, _ = ERRORS[name]
    x0 = _normal(shape)
    x1 = (x0 + _away(shape, 0.2, 1.0)).astype(dtype)  # no kink of |x0 - x1|
    _check_grads(xp, func, (x0.astype(dtype), x1), dtype)


@pytest.mark.parametrize('name', sorted(ERRORS))
def test_error_transposed_inputs(xp, name):
    func, ref = ERRORS[name]
    x0 = _normal((4, 3))
    x1 = _normal((3, 4))
    y = func(xp.asarray(x0).T, xp.asarray(x1))
    testing.assert_allclose(y.array, ref(x0.T - x1))


def test_float16_means_do_not_overflow(xp):
    # 90000 elements: the float16 sum (and the count itself) would overflow past 65504
    x0 = xp.ones((300, 300), numpy.float16)
    x1 = xp.zeros((300, 300), numpy.float16)
    for func in (F.mean_squared_error, F.mean_absolute_error):
        assert float(func(x0, x1).array) == 1.0
    assert float(F.bernoulli_nll(x1, x1, reduce='mean').array) == pytest.approx(numpy.log(2),
                                                                                rel=1e-3)


def test_mean_squared_error_gradient_values(xp):
    x0 = dbr.Variable(xp.asarray(_normal((2, 3))))
    x1 = dbr.Variable(xp.asarray(_normal((2, 3))))
    F.mean_squared_error(x0, x1).backward()
    testing.assert_allclose(x0.grad, 2 * (x0.array - x1.array) / 6, atol=1e-12)
    testing.assert_allclose(x1.grad, -2 * (x0.array - x1.array) / 6, atol=1e-12)


@pytest.mark.parametrize('name', sorted(ERRORS))
def test_error_errors(name):
    func, _ = ERRORS[name]
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match=fr'^{name}: expected x0.shape == x1.shape, got '
                                          r'x0.shape=\(2, 3\), x1.shape=\(3, 2\)'):
        func(a, a.T.copy())
    with pytest.raises(InvalidType, match=fr'^{name}: expected x0.dtype == x1.dtype, got '
                                          r'x0.dtype=float32, x1.dtype=float64'):
        func(a, a.astype(numpy.float64))
    with pytest.raises(InvalidType, match=fr"^{name}: expected x0.dtype.kind == 'f'"):
        func(a.astype(numpy.int32), a.astype(numpy.int32))
    with pytest.raises(InvalidType, match=fr'^{name}: expected x0.size > 0, got x0.size=0'):
        func(a[:0], a[:0])


# ----- huber_loss -------------------------------------------------------------------------------

def _huber_ref(x, t, delta, reduce):
    d = _f64(x) - _f64(t)
    loss = numpy.where(abs(d) <= delta, 0.5 * d * d, delta * (abs(d) - 0.5 * delta))
    return loss.sum(axis=1) if reduce == 'sum_along_second_axis' else loss


def _huber_inputs(shape, dtype, delta):
    x = _normal(shape)
    # errors inside and outside the quadratic band, away from its edges +-delta
    d = numpy.where(numpy.random.uniform(size=shape) < 0.5,
                    _away(shape, 0.1, 0.8) * delta, _away(shape, 1.2, 3.0) * delta)
    return x.astype(dtype), (x - d).astype(dtype)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', [(4, 3), (2, 3, 4), (1, 1), (3, 0)])
@pytest.mark.parametrize('reduce', ['sum_along_second_axis', 'no'])
@pytest.mark.parametrize('delta', [1.0, 0.3])
def test_huber_loss_forward(xp, shape, dtype, reduce, delta):
    x, t = _huber_inputs(shape, dtype, delta)
    y = F.huber_loss(xp.asarray(x), xp.asarray(t), delta, reduce=reduce)
    expected = _huber_ref(x, t, delta, reduce)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


def test_huber_loss_one_dimensional_elementwise(xp):
    x, t = _huber_inputs((5,), numpy.float64, 1.0)
    y = F.huber_loss(xp.asarray(x), xp.asarray(t), 1.0, reduce='no')
    testing.assert_allclose(y.array, _huber_ref(x, t, 1.0, 'no'))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(4, 3), (2, 3, 2)])
@pytest.mark.parametrize('reduce', ['sum_along_second_axis', 'no'])
def test_huber_loss_grads(xp, shape, dtype, reduce):
    x, t = _huber_inputs(shape, dtype, 1.0)
    _check_grads(xp, lambda a, b: F.huber_loss(a, b, 1.0, reduce=reduce), (x, t), dtype)


def test_huber_loss_transposed_input(xp):
    x, t = _huber_inputs((3, 4), numpy.float64, 1.0)
    y = F.huber_loss(xp.asarray(x).T, xp.asarray(t.T.copy()), 1.0)
    testing.assert_allclose(y.array, _huber_ref(x.T, t.T, 1.0, 'sum_along_second_axis'))


def test_huber_loss_errors():
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match="^huber_loss: reduce must be one of "
                                         "'sum_along_second_axis', 'no', got 'mean'"):
        F.huber_loss(a, a, 1.0, reduce='mean')
    with pytest.raises(ValueError, match='^huber_loss: delta must be positive, got -1.0'):
        F.huber_loss(a, a, -1.0)
    with pytest.raises(InvalidType, match=r'^huber_loss: expected x.shape == t.shape, got '
                                          r'x.shape=\(2, 3\), t.shape=\(3,\)'):
        F.huber_loss(a, a[0], 1.0)
    with pytest.raises(InvalidType, match='^huber_loss: expected x.dtype == t.dtype'):
        F.huber_loss(a, a.astype(numpy.float64), 1.0)
    with pytest.raises(InvalidType, match=r"^huber_loss: expected self.reduce == 'no' or "
                                          r"x.ndim >= 2, got self.reduce='sum_along_second_axis', "
                                          r'x.ndim=1'):
        F.huber_loss(a[0], a[0], 1.0)


# ----- hinge ------------------------------------------------------------------------------------

def _hinge_ref(x, t, norm, reduce):
    s = numpy.ones(x.shape)
    s[numpy.arange(len(t)), t] = -1
    loss = numpy.maximum(0, 1 + s * _f64(x))
    if norm == 'L2':
        loss = loss ** 2
    return loss.sum() / len(x) if reduce == 'mean' else loss


def _hinge_inputs(n, k, dtype):
    # 1 +- x stays at least 0.2 away from 0 (the kink)
    x = numpy.where(numpy.random.uniform(size=(n, k)) < 0.5, _away((n, k), 0.0, 0.8),
                    _away((n, k), 1.2, 2.0))
    return x.astype(dtype), numpy.random.randint(0, k, n).astype(numpy.int32)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('n,k', [(5, 4), (1, 1), (3, 2), (0, 3)])
@pytest.mark.parametrize('norm', ['L1', 'L2'])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_hinge_forward(xp, n, k, dtype, norm, reduce):
    x, t = _hinge_inputs(n, k, dtype)
    y = F.hinge(xp.asarray(x), xp.asarray(t), norm, reduce)
    expected = _hinge_ref(x, t, norm, reduce) if n else numpy.zeros(() if reduce == 'mean'
                                                                     else (0, k))
    assert y.dtype == dtype and y.shape == numpy.shape(expected)
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('norm', ['L1', 'L2'])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_hinge_grads(xp, dtype, norm, reduce):
    x, t = _hinge_inputs(6, 3, dtype)
    _check_grads(xp, lambda a, b: F.hinge(a, b, norm, reduce), (x, t), dtype)


def test_hinge_transposed_input(xp):
    x, t = _hinge_inputs(4, 3, numpy.float64)
    y = F.hinge(xp.asarray(x.T.copy()).T, xp.asarray(t))
    testing.assert_allclose(y.array, _hinge_ref(x, t, 'L1', 'mean'))


def test_hinge_errors():
    x = numpy.zeros((3, 4), numpy.float32)
    t = numpy.zeros(3, numpy.int32)
    with pytest.raises(ValueError, match=r'^hinge: t must be in \[0, 3\], got 4'):
        F.hinge(x, numpy.array([0, 4, 1], numpy.int32))
    with pytest.raises(ValueError, match=r'^hinge: t must be in \[0, 3\], got -1'):
        F.hinge(x, numpy.array([0, -1, 1], numpy.int32))
    with pytest.raises(ValueError, match="^hinge: norm must be 'L1' or 'L2', got 'L3'"):
        F.hinge(x, t, norm='L3')
    with pytest.raises(ValueError, match="^hinge: reduce must be one of 'mean', 'no', got 'sum'"):
        F.hinge(x, t, reduce='sum')
    with pytest.raises(InvalidType, match=r'^hinge: expected x.shape\[0\] == t.shape\[0\], got '
                                          r'x.shape=\(3, 4\), t.shape=\(2,\)'):
        F.hinge(x, t[:2])
    with pytest.raises(InvalidType, match=r"^hinge: expected t.dtype.kind in 'iu'"):
        F.hinge(x, t.astype(numpy.float32))
    with pytest.raises(InvalidType, match=r'^hinge: expected x.ndim == 2, got x.ndim=1'):
        F.hinge(x[0], t)


# ----- contrastive ------------------------------------------------------------------------------

def _contrastive_ref(x0, x1, y, margin, reduce):
    d = numpy.sqrt(((_f64(x0) - _f64(x1)) ** 2).sum(axis=1))
    loss = 0.5 * (y * d * d + (1 - y) * numpy.maximum(margin - d, 0) ** 2)
    return loss.mean() if reduce == 'mean' else loss


def _contrastive_inputs(n, k, dtype, margin=1.0):
    x0 = _normal((n, k))
    direction = _normal((n, k))
    direction /= numpy.linalg.norm(direction, axis=1, keepdims=True)
    # distances on both sides of the margin, away from it (the kink of the hinge term)
    dist = numpy.where(numpy.arange(n) % 2 == 0, numpy.random.uniform(0.2, 0.7, n),
                       numpy.random.uniform(1.3, 2.0, n)) * margin
    x1 = x0 + direction * dist[:, None]
    y = numpy.random.randint(0, 2, n).astype(numpy.int32)
    return x0.astype(dtype), x1.astype(dtype), y


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('n,k', [(6, 3), (1, 1), (4, 5)])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('margin', [1, 2.5])
def test_contrastive_forward(xp, n, k, dtype, reduce, margin):
    x0, x1, y = _contrastive_inputs(n, k, dtype, margin)
    loss = F.contrastive(xp.asarray(x0), xp.asarray(x1), xp.asarray(y), margin, reduce)
    expected = _contrastive_ref(x0, x1, y, margin, reduce)
    assert loss.dtype == dtype and loss.shape == numpy.shape(expected)
    testing.assert_allclose(loss.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_contrastive_grads(xp, dtype, reduce):
    x0, x1, y = _contrastive_inputs(8, 3, dtype)
    y[:4] = [0, 0, 1, 1]  # both labels on both sides of the margin
    _check_grads(xp, lambda a, b, c: F.contrastive(a, b, c, reduce=reduce), (x0, x1, y), dtype)


def test_contrastive_zero_distance_has_finite_gradient(xp):
    x0 = dbr.Variable(xp.asarray(numpy.ones((2, 3))))
    x1 = dbr.Variable(xp.asarray(numpy.ones((2, 3))))
    loss = F.contrastive(x0, x1, xp.asarray(numpy.array([0, 1], numpy.int32)))
    assert float(loss.array) == pytest.approx(0.25)  # (margin**2 / 2) / N for the pair y = 0
    loss.backward()
    assert bool((x0.grad == 0).all()) and bool((x1.grad == 0).all())


def test_contrastive_transposed_input(xp):
    x0, x1, y = _contrastive_inputs(4, 3, numpy.float64)
    loss = F.contrastive(xp.asarray(x0.T.copy()).T, xp.asarray(x1), xp.asarray(y))
    testing.assert_allclose(loss.array, _contrastive_ref(x0, x1, y, 1, 'mean'))


def test_contrastive_errors():
    x = numpy.zeros((3, 2), numpy.float32)
    y = numpy.zeros(3, numpy.int32)
    with pytest.raises(ValueError, match=r'^contrastive: y must be in \[0, 1\], got 2'):
        F.contrastive(x, x, numpy.array([0, 2, 1], numpy.int32))
    with pytest.raises(ValueError, match='^contrastive: margin must be positive, got 0'):
        F.contrastive(x, x, y, margin=0)
    with pytest.raises(ValueError, match="^contrastive: reduce must be one of 'mean', 'no', "
                                         "got 'sum'"):
        F.contrastive(x, x, y, reduce='sum')
    with pytest.raises(InvalidType, match=r'^contrastive: expected x0.shape\[0\] == y.shape\[0\], '
                                          r'got x0.shape=\(3, 2\), y.shape=\(2,\)'):
        F.contrastive(x, x, y[:2])
    with pytest.raises(InvalidType, match=r'^contrastive: expected x0.shape == x1.shape'):
        F.contrastive(x, x[:, :1], y)
    with pytest.raises(InvalidType, match=r'^contrastive: expected x0.shape\[0\] > 0'):
        F.contrastive(x[:0], x[:0], y[:0])
    with pytest.raises(InvalidType, match=r"^contrastive: expected y.dtype.kind in 'iu'"):
        F.contrastive(x, x, y.astype(numpy.float32))


# ----- triplet ----------------------------------------------------------------------------------

def _triplet_ref(a, p, n, margin, reduce):
    a, p, n = _f64(a), _f64(p), _f64(n)
    loss = numpy.maximum(((a - p) ** 2).sum(axis=1) - ((a - n) ** 2).sum(axis=1) + margin, 0)
    return loss.mean() if reduce == 'mean' else loss


def _triplet_inputs(b, k, dtype, margin=0.2):
    # resample until every sample is clearly inside or outside the hinge
    while True:
        a, p, n = (_normal((b, k)) for _ in range(3))
        dist = ((a - p) ** 2).sum(axis=1) - ((a - n) ** 2).sum(axis=1) + margin
        if (abs(dist) > 0.1).all() and (dist > 0).any() and (b == 1 or (dist < 0).any()):
            return a.astype(dtype), p.astype(dtype), n.astype(dtype)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('b,k', [(6, 3), (1, 1), (5, 2)])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_triplet_forward(xp, b, k, dtype, reduce):
    a, p, n = _triplet_inputs(b, k, dtype)
    loss = F.triplet(xp.asarray(a), xp.asarray(p), xp.asarray(n), 0.2, reduce)
    expected = _triplet_ref(a, p, n, 0.2, reduce)
    assert loss.dtype == dtype and loss.shape == numpy.shape(expected)
    testing.assert_allclose(loss.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_triplet_grads(xp, dtype, reduce):
    inputs = _triplet_inputs(6, 3, dtype)
    _check_grads(xp, lambda a, p, n: F.triplet(a, p, n, reduce=reduce), inputs, dtype)


def test_triplet_transposed_input(xp):
    a, p, n = _triplet_inputs(4, 3, numpy.float64)
    loss = F.triplet(xp.asarray(a.T.copy()).T, xp.asarray(p), xp.asarray(n), margin=0.2)
    testing.assert_allclose(loss.array, _triplet_ref(a, p, n, 0.2, 'mean'))


def test_triplet_errors():
    x = numpy.zeros((3, 2), numpy.float32)
    with pytest.raises(ValueError, match=r'^triplet: margin must be positive, got -0.5'):
        F.triplet(x, x, x, margin=-0.5)
    with pytest.raises(ValueError, match="^triplet: reduce must be one of 'mean', 'no', got 'x'"):
        F.triplet(x, x, x, reduce='x')
    with pytest.raises(InvalidType, match=r'^triplet: expected anchor.shape == negative.shape, '
                                          r'got anchor.shape=\(3, 2\), negative.shape=\(2, 2\)'):
        F.triplet(x, x, x[:2])
    with pytest.raises(InvalidType, match='^triplet: expected anchor.dtype == positive.dtype'):
        F.triplet(x, x.astype(numpy.float64), x)
    with pytest.raises(InvalidType, match=r'^triplet: expected anchor.ndim == 2, got '
                                          r'anchor.ndim=1'):
        F.triplet(x[0], x[0], x[0])
    with pytest.raises(InvalidType, match=r'^triplet: expected anchor.shape\[0\] > 0'):
        F.triplet(x[:0], x[:0], x[:0])


# ----- gaussian_kl_divergence, gaussian_nll, bernoulli_nll --------------------------------------

def _softplus(y):
    return numpy.logaddexp(0, y)


LIKELIHOODS = {
    # name: (function, number of inputs, reference on float64 inputs)
    'gaussian_kl_divergence': (
        F.gaussian_kl_divergence, 2,
        lambda m, v: 0.5 * (m * m + numpy.exp(v) - v - 1)),
    'gaussian_nll': (
        F.gaussian_nll, 3,
        lambda x, m, v: 0.5 * (numpy.log(2 * numpy.pi) + v + (x - m) ** 2 * numpy.exp(-v))),
    'bernoulli_nll': (
        F.bernoulli_nll, 2,
        lambda x, y: _softplus(y) - x * y),
}
LIKELIHOOD_SHAPES = [(3, 4), (5,), (), (2, 1, 3)]


def _likelihood_inputs(name, n, shape, dtype):
    inputs = [_normal(shape) for _ in range(n)]
    if name == 'bernoulli_nll':
        inputs[0] = numpy.random.uniform(0, 1, shape)  # targets are probabilities
    return [a.astype(dtype) for a in inputs]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', LIKELIHOOD_SHAPES)
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
@pytest.mark.parametrize('name', sorted(LIKELIHOODS))
def test_likelihood_forward(xp, name, shape, dtype, reduce):
    func, n, ref = LIKELIHOODS[name]
    inputs = _likelihood_inputs(name, n, shape, dtype)
    y = func(*[xp.asarray(a) for a in inputs], reduce=reduce)
    expected = _reduce_ref(ref(*[_f64(a) for a in inputs]), reduce)
    assert y.dtype == dtype and y.shape == numpy.shape(expected)
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(3, 4), ()])
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
@pytest.mark.parametrize('name', sorted(LIKELIHOODS))
def test_likelihood_grads(xp, name, shape, dtype, reduce):
    func, n, _ = LIKELIHOODS[name]
    inputs = _likelihood_inputs(name, n, shape, dtype)
    _check_grads(xp, lambda *args: func(*args, reduce=reduce), inputs, dtype)


@pytest.mark.parametrize('name', sorted(LIKELIHOODS))
def test_likelihood_transposed_and_empty(xp, name):
    func, n, ref = LIKELIHOODS[name]
    inputs = _likelihood_inputs(name, n, (4, 3), numpy.float64)
    y = func(xp.asarray(inputs[0]).T, *[xp.asarray(a.T.copy()) for a in inputs[1:]])
    testing.assert_allclose(y.array, ref(*[a.T for a in inputs]).sum())
    empty = [xp.zeros((0, 3)) for _ in range(n)]
    assert float(func(*empty).array) == 0.0
    assert func(*empty, reduce='no').shape == (0, 3)


def test_bernoulli_nll_large_logits(xp):
    x = numpy.array([1.0, 0.0, 1.0, 0.0, 0.5], numpy.float32)
    y = numpy.array([1e4, -1e4, -1e4, 1e4, 80.0], numpy.float32)
    xv = dbr.Variable(xp.asarray(x))
    yv = dbr.Variable(xp.asarray(y))
    loss = F.bernoulli_nll(xv, yv, reduce='no')
    testing.assert_allclose(loss.array, _softplus(_f64(y)) - _f64(x) * _f64(y), rtol=1e-6)
    F.sum(loss).backward()
    assert bool(xp.isfinite(yv.grad).all()) and bool(xp.isfinite(xv.grad).all())
    testing.assert_allclose(yv.grad, [0.0, 0.0, -1.0, 1.0, 0.5], atol=1e-6)


def test_gaussian_kl_divergence_extreme_log_variance(xp):
    m = numpy.zeros(2, numpy.float32)
    v = numpy.array([-50.0, 20.0], numpy.float32)
    loss = F.gaussian_kl_divergence(xp.asarray(m), xp.asarray(v), reduce='no')
    testing.assert_allclose(loss.array, 0.5 * (numpy.exp(_f64(v)) - _f64(v) - 1), rtol=1e-6)


@pytest.mark.parametrize('name', sorted(LIKELIHOODS))
def test_likelihood_errors(name):
    func, n, _ = LIKELIHOODS[name]
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match=fr"^{name}: reduce must be one of 'sum', 'mean', 'no', "
                                         r"got 'sum_along_second_axis'"):
        func(*[a] * n, reduce='sum_along_second_axis')
    with pytest.raises(InvalidType, match=fr'^{name}: expected .*shape.*\(2, 3\).*\(3, 2\)'):
        func(*[a] * (n - 1), a.T.copy())
    with pytest.raises(InvalidType, match=fr'^{name}: expected .*dtype.*float32.*float64'):
        func(*[a] * (n - 1), a.astype(numpy.float64))
    with pytest.raises(InvalidType, match=fr"^{name}: expected .*dtype.kind == 'f'"):
        func(*[a.astype(numpy.int32)] * n)
    with pytest.raises(InvalidType, match=fr"^{name}: expected self.reduce != 'mean' or "):
        func(*[a[:0]] * n, reduce='mean')
