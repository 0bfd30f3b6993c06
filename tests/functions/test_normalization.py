"""Tests of dbr.functions.normalization.

batch_normalization, fixed_batch_normalization, layer_normalization, group_normalization,
normalize and local_response_normalization: forward against plain NumPy references (float64),
running statistics, ``check_backward`` and ``check_double_backward`` with respect to every
input, edge shapes, and the errors for bad inputs.
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


# ----- helpers ----------------------------------------------------------------------------------

def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=2e-5, rtol=1e-4),
            numpy.float16: dict(atol=1e-2, rtol=1e-2)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    dtype = numpy.dtype(dtype).type
    if dtype is numpy.float64:
        return {}
    if dtype is numpy.float32:
        return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)
    return dict(dtype=numpy.float64, eps=1e-2, atol=1e-2, rtol=1e-2)


def _normal(shape, dtype, scale=1.0, loc=0.0):
    return numpy.asarray(numpy.random.normal(loc, scale, shape)).astype(dtype)


def _uniform(shape, dtype, lo, hi):
    return numpy.asarray(numpy.random.uniform(lo, hi, shape)).astype(dtype)


def _f64(a):
    return numpy.asarray(a, dtype=numpy.float64)


def _check_grads(func, inputs, dtype, xp, double=True, **overrides):
    """check_backward and check_double_backward of ``func`` w.r.t. every input."""
    inputs = tuple(xp.asarray(a) for a in inputs)
    with dbr.no_backprop_mode():
        y = func(*[dbr.Variable(a) for a in inputs])
    gy = xp.asarray(_normal(y.shape, dtype))
    opts = _grad_opts(dtype)
    opts.update(overrides)
    gradient_check.check_backward(func, inputs, gy, **opts)
    if double:
        ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs)
        gradient_check.check_double_backward(func, inputs, gy, ggx, **opts)


def _x(shape, dtype):
    """Inputs with a spread (and offset) that keeps every variance well away from zero."""
    return _normal(shape, dtype, scale=2.0, loc=0.5)


# ----- references (NumPy, float64) --------------------------------------------------------------

def _standardize_ref(x, axes, eps):
    x = _f64(x)
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / numpy.sqrt(var + eps)


def _bn_axes_ref(x_ndim, gamma_ndim, axis):
    if axis is None:
        return (0,) + tuple(range(gamma_ndim + 1, x_ndim))
    axis = (axis,) if isinstance(axis, int) else axis
    return tuple(sorted(a % x_ndim for a in axis))


def _bn_ref(x, gamma, beta, eps, axis=None):
    axes = _bn_axes_ref(x.ndim, gamma.ndim, axis)
    shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    xh = _standardize_ref(x, axes, eps)
    return xh * _f64(gamma).reshape(shape) + _f64(beta).reshape(shape)


def _fixed_bn_ref(x, gamma, beta, mean, var, eps, axis=None):
    axes = _bn_axes_ref(x.ndim, gamma.ndim, axis)
    shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))

    def r(a):
        return _f64(a).reshape(shape)
    return r(gamma) * (_f64(x) - r(mean)) / numpy.sqrt(r(var) + eps) + r(beta)


def _ln_ref(x, gamma, beta, eps):
    axes = tuple(range(x.ndim - gamma.ndim, x.ndim))
    return _standardize_ref(x, axes, eps) * _f64(gamma) + _f64(beta)


def _gn_ref(x, groups, gamma, beta, eps):
    n, c = x.shape[:2]
    xg = _f64(x).reshape(n, groups, -1)
    xh = _standardize_ref(xg, (2,), eps).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return xh * _f64(gamma).reshape(shape) + _f64(beta).reshape(shape)


def _normalize_ref(x, eps, axis):
    x = _f64(x)
    return x / (numpy.sqrt((x * x).sum(axis=axis, keepdims=True)) + eps)


def _lrn_ref(x, n, k, alpha, beta):
    x = _f64(x)
    c = x.shape[1]
    half = n // 2
    y = numpy.empty_like(x)
    for i in range(c):
        lo, hi = max(0, i - half), min(c, i + half + 1)
        s = (x[:, lo:hi] ** 2).sum(axis=1)
        y[:, i] = x[:, i] / (k + alpha * s) ** beta
    return y


# ----- batch_normalization ----------------------------------------------------------------------

# (x shape, gamma shape, axis)
BN_CASES = [
    ((5, 3), (3,), None),
    ((4, 3, 2, 3), (3,), None),
    ((1, 3, 4, 4), (3,), None),           # batch of one: statistics over the spatial axes
    ((3, 2, 4, 2), (2, 4), None),         # two channel axes
    ((4, 3, 5, 2), (3, 2), (0, 2)),
    ((6, 4), (4,), 0),
    ((3, 4, 5), (3, 4), -1),              # statistics over the last axis only
    ((4, 3, 2, 3), (3,), (0, 2, 3)),      # the default, spelled out
    ((2, 5, 4), (2, 4), (1,)),
]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', BN_CASES)
def test_batch_normalization_forward(xp, case, dtype):
    x_shape, g_shape, axis = case
    x = _x(x_shape, dtype)
    gamma = _uniform(g_shape, dtype, 0.5, 1.5)
    beta = _normal(g_shape, dtype)
    y = F.batch_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta), axis=axis)
    assert isinstance(y, dbr.Variable)
    assert y.shape == x_shape and y.dtype == dtype
    testing.assert_allclose(y.array, _bn_ref(x, gamma, beta, 2e-5, axis), **_fwd_tol(dtype))


def test_batch_normalization_eps_and_defaults(xp):
    x = _x((6, 2), numpy.float64)
    gamma, beta = numpy.ones(2), numpy.zeros(2)
    y = F.batch_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta), eps=0.5)
    testing.assert_allclose(y.array, _bn_ref(x, gamma, beta, 0.5), atol=1e-12, rtol=1e-10)
    # Chainer's default eps is 2e-5.
    y = F.batch_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta))
    testing.assert_allclose(y.array, _bn_ref(x, gamma, beta, 2e-5), atol=1e-12, rtol=1e-10)


def test_batch_normalization_output_statistics(xp):
    x = _x((16, 4, 3, 3), numpy.float32)
    y = F.batch_normalization(xp.asarray(x), xp.ones(4, 'f'), xp.zeros(4, 'f')).array
    testing.assert_allclose(y.mean(axis=(0, 2, 3)), numpy.zeros(4), atol=1e-5)
    testing.assert_allclose(y.var(axis=(0, 2, 3)), numpy.ones(4), atol=1e-4, rtol=1e-4)


def test_batch_normalization_noncontiguous(xp):
    x = _x((3, 5, 4), numpy.float64)
    xt = xp.asarray(x).transpose(2, 1, 0)  # (4, 5, 3), not C-contiguous
    assert not xt.flags.c_contiguous
    gamma, beta = _uniform(5, numpy.float64, 0.5, 1.5), _normal(5, numpy.float64)
    y = F.batch_normalization(xt, xp.asarray(gamma), xp.asarray(beta))
    testing.assert_allclose(y.array, _bn_ref(x.transpose(2, 1, 0), gamma, beta, 2e-5),
                            atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', [((8, 3), (3,), None), ((4, 3, 2, 5), (3,), None),
                                  ((4, 3, 5, 2), (3, 2), (0, 2))])
def test_batch_normalization_running_statistics(xp, case, dtype):
    x_shape, g_shape, axis = case
    x = _x(x_shape, dtype)
    gamma, beta = numpy.ones(g_shape, dtype), numpy.zeros(g_shape, dtype)
    mean0 = _normal(g_shape, dtype)
    var0 = _uniform(g_shape, dtype, 0.5, 2.0)
    running_mean, running_var = xp.array(mean0), xp.array(var0)  # copies: updated in place
    decay = 0.7
    F.batch_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta),
                          running_mean=running_mean, running_var=running_var, decay=decay,
                          axis=axis)
    axes = _bn_axes_ref(len(x_shape), len(g_shape), axis)
    batch_mean = _f64(x).mean(axis=axes)
    unbiased_var = _f64(x).var(axis=axes, ddof=1)
    tol = dict(atol=1e-2, rtol=1e-2) if dtype == numpy.float16 else _fwd_tol(dtype)
    assert running_mean.dtype == dtype and running_var.dtype == dtype
    testing.assert_allclose(running_mean, decay * _f64(mean0) + (1 - decay) * batch_mean, **tol)
    testing.assert_allclose(running_var, decay * _f64(var0) + (1 - decay) * unbiased_var, **tol)


def test_batch_normalization_running_statistics_default_decay_and_repeat(xp):
    x1, x2 = _x((5, 2), numpy.float64), _x((5, 2), numpy.float64)
    gamma, beta = xp.ones(2), xp.zeros(2)
    running_mean, running_var = xp.zeros(2), xp.ones(2)
    expected_mean, expected_var = numpy.zeros(2), numpy.ones(2)
    for x in (x1, x2):
        F.batch_normalization(xp.asarray(x), gamma, beta, running_mean=running_mean,
                              running_var=running_var)
        expected_mean = 0.9 * expected_mean + 0.1 * x.mean(axis=0)
        expected_var = 0.9 * expected_var + 0.1 * x.var(axis=0) * 5 / 4
    testing.assert_allclose(running_mean, expected_mean, atol=1e-12, rtol=1e-10)
    testing.assert_allclose(running_var, expected_var, atol=1e-12, rtol=1e-10)


def test_batch_normalization_running_statistics_only_in_forward(xp):
    x = dbr.Variable(xp.asarray(_x((4, 3), numpy.float64)))
    gamma = dbr.Variable(xp.ones(3))
    beta = dbr.Variable(xp.zeros(3))
    running_mean, running_var = xp.zeros(3), xp.ones(3)
    y = F.batch_normalization(x, gamma, beta, running_mean=running_mean,
                              running_var=running_var)
    after_forward = (running_mean.copy(), running_var.copy())
    F.sum(y * y).backward()
    testing.assert_allclose(running_mean, after_forward[0], atol=0, rtol=0)
    testing.assert_allclose(running_var, after_forward[1], atol=0, rtol=0)
    # Only the mean is given: the variance is left alone, and vice versa.
    rm = xp.zeros(3)
    F.batch_normalization(x, gamma, beta, running_mean=rm)
    testing.assert_allclose(rm, 0.1 * _f64(dbr.backend.to_cpu(x.array)).mean(axis=0),
                            atol=1e-12, rtol=1e-10)


def test_batch_normalization_running_statistics_single_sample(xp):
    # One value per channel: variance 0, no Bessel correction (m / max(m - 1, 1) = 1).
    x = _x((1, 3), numpy.float64)
    running_mean, running_var = xp.zeros(3), xp.full(3, 2.0)
    y = F.batch_normalization(xp.asarray(x), xp.ones(3), xp.full(3, 0.25),
                              running_mean=running_mean, running_var=running_var, decay=0.5)
    testing.assert_allclose(y.array, numpy.full((1, 3), 0.25), atol=1e-12, rtol=0)
    testing.assert_allclose(running_mean, 0.5 * x[0], atol=1e-12, rtol=1e-10)
    testing.assert_allclose(running_var, numpy.full(3, 1.0), atol=1e-12, rtol=1e-10)


def test_batch_normalization_running_statistics_as_variables(xp):
    x = _x((6, 2), numpy.float32)
    rm = dbr.Variable(xp.zeros(2, 'f'), requires_grad=False)
    F.batch_normalization(xp.asarray(x), xp.ones(2, 'f'), xp.zeros(2, 'f'), running_mean=rm,
                          decay=0.0)
    testing.assert_allclose(rm.array, _f64(x).mean(axis=0), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', BN_CASES)
def test_batch_normalization_grads(xp, case, dtype):
    x_shape, g_shape, axis = case
    x = _x(x_shape, dtype)
    gamma = _uniform(g_shape, dtype, 0.5, 1.5)
    beta = _normal(g_shape, dtype)
    _check_grads(lambda x, g, b: F.batch_normalization(x, g, b, axis=axis), (x, gamma, beta),
                 dtype, xp)


def test_batch_normalization_grads_float16(xp):
    x = _x((6, 3, 2), numpy.float16)
    gamma, beta = _uniform(3, numpy.float16, 0.5, 1.5), _normal(3, numpy.float16)
    _check_grads(F.batch_normalization, (x, gamma, beta), numpy.float16, xp, double=False)


def test_batch_normalization_gradient_values(xp):
    # The textbook closed forms, written out in NumPy.
    x = _x((7, 3), numpy.float64)
    gamma, beta = _uniform(3, numpy.float64, 0.5, 1.5), _normal(3, numpy.float64)
    gy = _normal((7, 3), numpy.float64)
    xv, gv, bv = (dbr.Variable(xp.asarray(a)) for a in (x, gamma, beta))
    y = F.batch_normalization(xv, gv, bv)
    y.grad = xp.asarray(gy)
    y.backward()
    inv_std = 1 / numpy.sqrt(x.var(axis=0) + 2e-5)
    xh = (x - x.mean(axis=0)) * inv_std
    gx = gamma * inv_std * (gy - gy.mean(axis=0) - xh * (gy * xh).mean(axis=0))
    testing.assert_allclose(bv.grad, gy.sum(axis=0), atol=1e-12, rtol=1e-10)
    testing.assert_allclose(gv.grad, (gy * xh).sum(axis=0), atol=1e-12, rtol=1e-10)
    testing.assert_allclose(xv.grad, gx, atol=1e-12, rtol=1e-10)


def test_batch_normalization_third_order(xp):
    # The double-backward graph is made of dbr functions, so it differentiates again: the
    # derivative of a second-order quantity matches its finite difference.
    x = _x((5, 2), numpy.float64)
    gamma, beta = _uniform(2, numpy.float64, 0.5, 1.5), _normal(2, numpy.float64)

    def second_order(x):
        # check_backward evaluates without a graph; the gradients need one.
        with dbr.force_backprop_mode():
            y = F.batch_normalization(x, xp.asarray(gamma), xp.asarray(beta))
            gx, = dbr.grad([F.sum(y * y * y)], [x], enable_double_backprop=True)
            ggx, = dbr.grad([F.sum(gx * gx)], [x], enable_double_backprop=True)
        return ggx

    gradient_check.check_backward(second_order, xp.asarray(x), xp.asarray(_normal((5, 2), 'd')),
                                  atol=1e-3, rtol=1e-3)


def test_batch_normalization_matches_fixed_with_batch_statistics(xp):
    x = _x((6, 3, 2), numpy.float64)
    gamma, beta = _uniform(3, numpy.float64, 0.5, 1.5), _normal(3, numpy.float64)
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    args = [xp.asarray(a) for a in (x, gamma, beta)]
    y = F.batch_normalization(*args, eps=1e-3)
    z = F.fixed_batch_normalization(*args, xp.asarray(mean), xp.asarray(var), eps=1e-3)
    testing.assert_allclose(y.array, z.array, atol=1e-12, rtol=1e-10)


def test_batch_normalization_errors():
    x = numpy.zeros((4, 3, 2), 'f')
    g3, b3 = numpy.ones(3, 'f'), numpy.zeros(3, 'f')
    with pytest.raises(InvalidType, match=r'batch_normalization: .*gamma\.shape=\(4,\).*'
                                          r'x\.shape=\(4, 3, 2\)'):
        F.batch_normalization(x, numpy.ones(4, 'f'), numpy.zeros(4, 'f'))
    with pytest.raises(InvalidType, match=r'batch_normalization: .*beta\.shape == gamma\.shape'
                                          r'.*beta\.shape=\(2,\).*gamma\.shape=\(3,\)'):
        F.batch_normalization(x, g3, numpy.zeros(2, 'f'))
    with pytest.raises(InvalidType, match=r'batch_normalization: .*x\.ndim >= gamma\.ndim \+ 1'
                                          r'.*x\.shape=\(3,\)'):
        F.batch_normalization(numpy.zeros(3, 'f'), g3, b3)
    with pytest.raises(InvalidType, match=r'batch_normalization: .*axis=3.*x\.shape=\(4, 3, 2\)'):
        F.batch_normalization(x, g3, b3, axis=3)
    with pytest.raises(InvalidType, match=r'batch_normalization: .*gamma\.shape=\(3,\).*'
                                          r'reduced axes=\(0,\)'):
        F.batch_normalization(x, g3, b3, axis=0)
    with pytest.raises(InvalidType, match=r"batch_normalization: .*x\.dtype=int64"):
        F.batch_normalization(numpy.zeros((4, 3), numpy.int64), numpy.ones(3, numpy.int64),
                              numpy.zeros(3, numpy.int64))
    with pytest.raises(InvalidType, match=r'batch_normalization: .*gamma\.dtype == x\.dtype.*'
                                          r'float64.*float32'):
        F.batch_normalization(x, numpy.ones(3), numpy.zeros(3))
    with pytest.raises(InvalidType, match=r'batch_normalization: .*running_mean\.shape=\(4,\).*'
                                          r'gamma\.shape=\(3,\)'):
        F.batch_normalization(x, g3, b3, running_mean=numpy.zeros(4, 'f'))
    with pytest.raises(InvalidType, match=r'batch_normalization: .*running_var\.shape=\(3, 1\)'):
        F.batch_normalization(x, g3, b3, running_var=numpy.zeros((3, 1), 'f'))
    with pytest.raises(ValueError, match=r'batch_normalization: .*zero elements.*'
                                         r'x\.shape=\(0, 3\)'):
        F.batch_normalization(numpy.zeros((0, 3), 'f'), g3, b3)


# ----- fixed_batch_normalization ----------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', [((5, 3), (3,), None), ((2, 3, 4, 2), (3,), None),
                                  ((1, 3, 2, 2), (3,), None), ((4, 3, 5, 2), (3, 2), (0, 2)),
                                  ((3, 4, 5), (3, 4), -1)])
def test_fixed_batch_normalization_forward(xp, case, dtype):
    x_shape, g_shape, axis = case
    x = _x(x_shape, dtype)
    gamma, beta = _uniform(g_shape, dtype, 0.5, 1.5), _normal(g_shape, dtype)
    mean, var = _normal(g_shape, dtype), _uniform(g_shape, dtype, 0.5, 2.0)
    args = [xp.asarray(a) for a in (x, gamma, beta, mean, var)]
    y = F.fixed_batch_normalization(*args, axis=axis)
    assert y.shape == x_shape and y.dtype == dtype
    testing.assert_allclose(y.array, _fixed_bn_ref(x, gamma, beta, mean, var, 2e-5, axis),
                            **_fwd_tol(dtype))
    y = F.fixed_batch_normalization(*args, eps=0.25, axis=axis)
    testing.assert_allclose(y.array, _fixed_bn_ref(x, gamma, beta, mean, var, 0.25, axis),
                            **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', [((5, 3), (3,), None), ((2, 3, 2, 2), (3,), None),
                                  ((4, 3, 2), (3, 2), 0)])
def test_fixed_batch_normalization_grads(xp, case, dtype):
    x_shape, g_shape, axis = case
    x = _x(x_shape, dtype)
    gamma, beta = _uniform(g_shape, dtype, 0.5, 1.5), _normal(g_shape, dtype)
    mean, var = _normal(g_shape, dtype), _uniform(g_shape, dtype, 0.5, 2.0)
    _check_grads(lambda *a: F.fixed_batch_normalization(*a, axis=axis),
                 (x, gamma, beta, mean, var), dtype, xp)


@pytest.mark.parametrize('target', range(5))
def test_fixed_batch_normalization_single_input_grads(xp, target):
    # Each input alone requiring a gradient (the others constant).
    inputs = [_x((4, 3), 'd'), _uniform(3, 'd', 0.5, 1.5), _normal(3, 'd'), _normal(3, 'd'),
              _uniform(3, 'd', 0.5, 2.0)]
    no_grads = [i != target for i in range(5)]
    args = tuple(xp.asarray(a) for a in inputs)
    gy = xp.asarray(_normal((4, 3), 'd'))
    gradient_check.check_backward(F.fixed_batch_normalization, args, gy, no_grads=no_grads)
    gradient_check.check_double_backward(F.fixed_batch_normalization, args, gy,
                                         (xp.asarray(_normal(inputs[target].shape, 'd')),),
                                         no_grads=no_grads)


def test_fixed_batch_normalization_errors():
    x = numpy.zeros((4, 3), 'f')
    g = numpy.ones(3, 'f')
    with pytest.raises(InvalidType, match=r'fixed_batch_normalization: .*mean\.shape == '
                                          r'gamma\.shape.*mean\.shape=\(2,\)'):
        F.fixed_batch_normalization(x, g, g, numpy.zeros(2, 'f'), g)
    with pytest.raises(InvalidType, match=r'fixed_batch_normalization: .*var\.dtype == x\.dtype'):
        F.fixed_batch_normalization(x, g, g, g, numpy.ones(3))
    with pytest.raises(InvalidType, match=r'fixed_batch_normalization: .*gamma\.shape=\(4,\).*'
                                          r'x\.shape=\(4, 3\)'):
        F.fixed_batch_normalization(x, numpy.ones(4, 'f'), g, g, g)


# ----- layer_normalization ----------------------------------------------------------------------

# (x shape, gamma shape)
LN_CASES = [((4, 6), (6,)), ((1, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)),
            ((0, 3), (3,))]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', LN_CASES)
def test_layer_normalization_forward(xp, case, dtype):
    x_shape, g_shape = case
    x = _x(x_shape, dtype)
    gamma, beta = _uniform(g_shape, dtype, 0.5, 1.5), _normal(g_shape, dtype)
    y = F.layer_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta))
    assert y.shape == x_shape and y.dtype == dtype
    testing.assert_allclose(y.array, _ln_ref(x, gamma, beta, 1e-5), **_fwd_tol(dtype))
    y = F.layer_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta), eps=0.5)
    testing.assert_allclose(y.array, _ln_ref(x, gamma, beta, 0.5), **_fwd_tol(dtype))


def test_layer_normalization_noncontiguous(xp):
    x = _x((5, 3), numpy.float64)
    xt = xp.asarray(x).T
    gamma, beta = _uniform(5, 'd', 0.5, 1.5), _normal(5, 'd')
    y = F.layer_normalization(xt, xp.asarray(gamma), xp.asarray(beta))
    testing.assert_allclose(y.array, _ln_ref(x.T, gamma, beta, 1e-5), atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', LN_CASES[:4])
def test_layer_normalization_grads(xp, case, dtype):
    x_shape, g_shape = case
    x = _x(x_shape, dtype)
    gamma, beta = _uniform(g_shape, dtype, 0.5, 1.5), _normal(g_shape, dtype)
    _check_grads(F.layer_normalization, (x, gamma, beta), dtype, xp)


def test_layer_normalization_grads_float16(xp):
    x = _x((3, 8), numpy.float16)
    gamma, beta = _uniform(8, numpy.float16, 0.5, 1.5), _normal(8, numpy.float16)
    _check_grads(F.layer_normalization, (x, gamma, beta), numpy.float16, xp, double=False)


def test_layer_normalization_errors():
    g = numpy.ones(4, 'f')
    with pytest.raises(InvalidType, match=r'layer_normalization: .*x\.shape=\(4,\), '
                                          r'gamma\.shape=\(4,\)'):
        F.layer_normalization(numpy.zeros(4, 'f'), g, g)
    with pytest.raises(InvalidType, match=r'layer_normalization: .*x\.shape=\(2, 5\), '
                                          r'gamma\.shape=\(4,\)'):
        F.layer_normalization(numpy.zeros((2, 5), 'f'), g, g)
    with pytest.raises(InvalidType, match=r'layer_normalization: .*beta\.shape=\(5,\)'):
        F.layer_normalization(numpy.zeros((2, 4), 'f'), g, numpy.zeros(5, 'f'))
    with pytest.raises(InvalidType, match=r'layer_normalization: .*gamma\.dtype == x\.dtype'):
        F.layer_normalization(numpy.zeros((2, 4), 'f'), numpy.ones(4), g)
    with pytest.raises(InvalidType, match=r'layer_normalization: .*x\.shape=\(2, 4\), '
                                          r'gamma\.shape=\(\)'):
        F.layer_normalization(numpy.zeros((2, 4), 'f'), numpy.ones((), 'f'), numpy.ones((), 'f'))


# ----- group_normalization ----------------------------------------------------------------------

# (x shape, groups)
GN_CASES = [((2, 6, 3, 2), 3), ((3, 4, 5), 2), ((3, 8), 2), ((1, 4, 2, 2), 2), ((2, 4, 3), 1),
            ((2, 4, 3), 4)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', GN_CASES)
def test_group_normalization_forward(xp, case, dtype):
    x_shape, groups = case
    x = _x(x_shape, dtype)
    c = x_shape[1]
    gamma, beta = _uniform(c, dtype, 0.5, 1.5), _normal(c, dtype)
    y = F.group_normalization(xp.asarray(x), groups, xp.asarray(gamma), xp.asarray(beta))
    assert y.shape == x_shape and y.dtype == dtype
    testing.assert_allclose(y.array, _gn_ref(x, groups, gamma, beta, 1e-5), **_fwd_tol(dtype))
    y = F.group_normalization(xp.asarray(x), groups, xp.asarray(gamma), xp.asarray(beta),
                              eps=0.5)
    testing.assert_allclose(y.array, _gn_ref(x, groups, gamma, beta, 0.5), **_fwd_tol(dtype))


def test_group_normalization_noncontiguous(xp):
    x = _x((3, 4, 2), numpy.float64)
    xt = xp.asarray(x).transpose(2, 1, 0)  # (2, 4, 3)
    gamma, beta = _uniform(4, 'd', 0.5, 1.5), _normal(4, 'd')
    y = F.group_normalization(xt, 2, xp.asarray(gamma), xp.asarray(beta))
    testing.assert_allclose(y.array, _gn_ref(x.transpose(2, 1, 0), 2, gamma, beta, 1e-5),
                            atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', GN_CASES)
def test_group_normalization_grads(xp, case, dtype):
    x_shape, groups = case
    x = _x(x_shape, dtype)
    c = x_shape[1]
    gamma, beta = _uniform(c, dtype, 0.5, 1.5), _normal(c, dtype)
    _check_grads(lambda x, g, b: F.group_normalization(x, groups, g, b), (x, gamma, beta),
                 dtype, xp)


def test_group_normalization_errors():
    g = numpy.ones(6, 'f')
    x = numpy.zeros((2, 6, 3), 'f')
    with pytest.raises(InvalidType, match=r'group_normalization: .*divisible by groups.*'
                                          r'x\.shape=\(2, 6, 3\), groups=4'):
        F.group_normalization(x, 4, g, g)
    with pytest.raises(InvalidType, match=r'group_normalization: .*gamma\.shape=\(3,\), '
                                          r'x\.shape=\(2, 6, 3\)'):
        F.group_normalization(x, 3, numpy.ones(3, 'f'), g)
    with pytest.raises(InvalidType, match=r'group_normalization: .*beta\.shape=\(6, 1\)'):
        F.group_normalization(x, 3, g, numpy.ones((6, 1), 'f'))
    with pytest.raises(InvalidType, match=r'group_normalization: .*x\.ndim >= 2.*'
                                          r'x\.shape=\(6,\)'):
        F.group_normalization(numpy.zeros(6, 'f'), 3, g, g)
    with pytest.raises(ValueError, match=r'group_normalization: groups must be a positive '
                                         r'integer, got 0'):
        F.group_normalization(x, 0, g, g)
    with pytest.raises(ValueError, match=r'group_normalization: groups must be a positive '
                                         r'integer, got 1\.5'):
        F.group_normalization(x, 1.5, g, g)
    with pytest.raises(InvalidType, match=r'group_normalization: .*gamma\.dtype == x\.dtype'):
        F.group_normalization(x, 3, numpy.ones(6), numpy.ones(6))
    with pytest.raises(ValueError, match=r'group_normalization: .*zero elements'):
        F.group_normalization(numpy.zeros((2, 6, 0), 'f'), 3, g, g)


# ----- normalize (L2) ---------------------------------------------------------------------------

# (x shape, axis)
NORMALIZE_CASES = [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1), ((2, 3, 4), (1, 2)), ((5,), 0),
                   ((1, 3), 1)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', NORMALIZE_CASES)
def test_normalize_forward(xp, case, dtype):
    x_shape, axis = case
    x = _normal(x_shape, dtype)
    y = F.normalize(xp.asarray(x), axis=axis)
    assert y.shape == x_shape and y.dtype == dtype
    testing.assert_allclose(y.array, _normalize_ref(x, 1e-5, axis), **_fwd_tol(dtype))
    y = F.normalize(xp.asarray(x), eps=0.5, axis=axis)
    testing.assert_allclose(y.array, _normalize_ref(x, 0.5, axis), **_fwd_tol(dtype))


def test_normalize_float16_large_values(xp):
    # The squared norm overflows float16 (300**2 > 65504); it is taken in float32.
    x = numpy.full((2, 4), 300, numpy.float16)
    y = F.normalize(xp.asarray(x))
    testing.assert_allclose(y.array, numpy.full((2, 4), 0.5), atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', NORMALIZE_CASES)
def test_normalize_grads(xp, case, dtype):
    x_shape, axis = case
    x = _normal(x_shape, dtype)
    _check_grads(lambda x: F.normalize(x, axis=axis), (x,), dtype, xp)


def test_normalize_zero_vector(xp):
    # An all-zero row stays zero; its gradient is gy / eps and second derivatives are finite.
    x = _normal((3, 4), numpy.float64)
    x[1] = 0
    gy = _normal((3, 4), numpy.float64)
    v = dbr.Variable(xp.asarray(x))
    y = F.normalize(v, eps=1e-2)
    testing.assert_allclose(y.array[1], numpy.zeros(4), atol=0, rtol=0)
    gx, = dbr.grad([y], [v], [xp.asarray(gy)], enable_double_backprop=True)
    testing.assert_allclose(gx.array[1], gy[1] / 1e-2, atol=1e-10, rtol=1e-10)
    ggx, = dbr.grad([F.sum(gx * gx)], [v])
    assert bool(numpy.isfinite(dbr.backend.to_cpu(ggx.array)).all())
    # The norm has a kink at the zero row: a small step keeps the finite difference honest.
    gradient_check.check_backward(lambda x: F.normalize(x, eps=1.0), xp.asarray(x),
                                  xp.asarray(gy), eps=1e-6)


def test_normalize_errors():
    with pytest.raises(InvalidType, match=r"normalize: .*x\.dtype=int64"):
        F.normalize(numpy.zeros((2, 3), numpy.int64))
    with pytest.raises(InvalidType, match=r'normalize: .*axis=2.*x\.shape=\(2, 3\)'):
        F.normalize(numpy.zeros((2, 3), 'f'), axis=2)


# ----- local_response_normalization -------------------------------------------------------------

# (x shape, n, k, alpha, beta)
LRN_CASES = [((2, 7, 3, 2), 5, 2, 1e-4, 0.75), ((2, 6, 3), 3, 1, 0.5, 0.75),
             ((3, 5), 4, 1.5, 0.3, 1.0), ((2, 2, 2), 5, 1, 0.4, 0.5), ((1, 4), 1, 2, 0.1, 0.75)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', LRN_CASES)
def test_local_response_normalization_forward(xp, case, dtype):
    x_shape, n, k, alpha, beta = case
    x = _normal(x_shape, dtype)
    y = F.local_response_normalization(xp.asarray(x), n, k, alpha, beta)
    assert y.shape == x_shape and y.dtype == dtype
    testing.assert_allclose(y.array, _lrn_ref(x, n, k, alpha, beta), **_fwd_tol(dtype))


def test_local_response_normalization_defaults(xp):
    x = _normal((2, 8, 2, 2), numpy.float64) * 30
    y = F.local_response_normalization(xp.asarray(x))
    testing.assert_allclose(y.array, _lrn_ref(x, 5, 2, 1e-4, 0.75), atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', LRN_CASES)
def test_local_response_normalization_grads(xp, case, dtype):
    x_shape, n, k, alpha, beta = case
    x = _normal(x_shape, dtype)
    _check_grads(lambda x: F.local_response_normalization(x, n, k, alpha, beta), (x,), dtype,
                 xp)


def test_local_response_normalization_errors():
    with pytest.raises(InvalidType, match=r'local_response_normalization: .*x\.ndim >= 2.*'
                                          r'x\.ndim=1'):
        F.local_response_normalization(numpy.zeros(5, 'f'))
    with pytest.raises(InvalidType, match=r'local_response_normalization: .*x\.dtype=int64'):
        F.local_response_normalization(numpy.zeros((2, 5), numpy.int64))
    with pytest.raises(ValueError, match=r'local_response_normalization: n must be a positive '
                                         r'integer, got 0'):
        F.local_response_normalization(numpy.zeros((2, 5), 'f'), n=0)


# ----- registry ---------------------------------------------------------------------------------

def test_exports():
    for name in ('batch_normalization', 'fixed_batch_normalization', 'layer_normalization',
                 'group_normalization', 'normalize', 'local_response_normalization'):
        assert callable(getattr(F, name))
        assert name in F.__all__
