"""Tests of dbr.functions.activation beyond tanh.

Elementwise activations (relu, sigmoid, leaky_relu, elu, selu, gelu, silu, hard_sigmoid,
softplus, clipped_relu) share one table; softmax/log_softmax, swish, prelu, maxout, crelu and
lstm have their own sections. Every function: forward against a NumPy reference (float64),
dtype and shape kept, large ``|x|`` without warnings, ``check_backward`` and
``check_double_backward``, and its bad inputs.
"""
import math

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
FLOATS16 = [numpy.float64, numpy.float32, numpy.float16]
SHAPES = [(3, 4), (), (1,), (0, 3), (2, 1, 3)]


# ----- helpers ----------------------------------------------------------------------------------

def _fwd_tol(dtype):
    return {numpy.float64: dict(atol=1e-12, rtol=1e-10),
            numpy.float32: dict(atol=1e-6, rtol=1e-5),
            numpy.float16: dict(atol=2e-3, rtol=5e-3)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    dtype = numpy.dtype(dtype).type
    if dtype is numpy.float64:
        return {}
    if dtype is numpy.float32:
        return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)
    return dict(dtype=numpy.float64, eps=1e-2, atol=1e-2, rtol=1e-2)


def _uniform(shape, dtype, lo=-2.0, hi=2.0):
    return numpy.asarray(numpy.random.uniform(lo, hi, shape)).astype(dtype)


def _away(shape, dtype, kinks=(0.0,), margin=0.1, lo=-3.0, hi=3.0):
    """Uniform values in [lo, hi] at least ``margin`` away from every kink."""
    x = numpy.random.uniform(lo, hi, shape)
    for k in kinks:
        near = numpy.abs(x - k) < margin
        x = numpy.where(near, k + numpy.where(x >= k, margin, -margin) * 2, x)
    return numpy.asarray(x).astype(dtype)


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _f64(a):
    return numpy.asarray(a, dtype=numpy.float64)


def _check_grads(func, inputs, dtype, xp, double=True, **overrides):
    """check_backward and check_double_backward of ``func`` at host arrays ``inputs``."""
    inputs = tuple(xp.asarray(a) for a in inputs)
    ys = func(*[dbr.Variable(a) for a in inputs])
    ys = ys if isinstance(ys, tuple) else (ys,)
    gys = tuple(xp.asarray(_normal(y.shape, dtype)) for y in ys)
    opts = _grad_opts(dtype)
    opts.update(overrides)
    gradient_check.check_backward(func, inputs, gys, **opts)
    if double:
        ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs)
        gradient_check.check_double_backward(func, inputs, gys, ggx, **opts)


def _grads_of(loss, wrt=None):
    """The first-order gradients of the scalar ``loss(*xs)`` w.r.t. ``xs`` (or ``xs[i]`` for
    ``i`` in ``wrt``), as a differentiable function; check it to test double backward."""
    def first(*xs):
        # The checks evaluate functions without a graph; a gradient needs one.
        with dbr.force_backprop_mode():
            targets = list(xs) if wrt is None else [xs[i] for i in wrt]
            gs = dbr.grad([loss(*xs)], targets, enable_double_backprop=True)
        return tuple(gs) if len(gs) > 1 else gs[0]
    return first


def _erfc(x):
    return numpy.vectorize(math.erfc, otypes=[numpy.float64])(x)


def _sigmoid_ref(x):
    with numpy.errstate(over='ignore'):
        return 1 / (1 + numpy.exp(-x))


# ----- elementwise activations ------------------------------------------------------------------

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _elu_ref(x, alpha=1.0):
    return numpy.where(x >= 0, x, alpha * numpy.expm1(numpy.minimum(x, 0)))


def _elu_grad_ref(x, alpha=1.0):
    return numpy.where(x >= 0, 1.0, alpha * numpy.exp(numpy.minimum(x, 0)))


def _gelu_grad_ref(x):
    return 0.5 * _erfc(-x / math.sqrt(2)) + x * numpy.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


# name -> (dbr function, NumPy reference, its derivative, points where a derivative jumps, which
# gradient checks keep away from; elu with alpha 1 is C1 but its second derivative jumps at 0)
ELEMENTWISE = {
    'relu': (F.relu, lambda x: numpy.maximum(x, 0), lambda x: (x > 0) * 1.0, (0.0,)),
    'sigmoid': (F.sigmoid, _sigmoid_ref, lambda x: _sigmoid_ref(x) * (1 - _sigmoid_ref(x)), ()),
    'leaky_relu': (F.leaky_relu, lambda x: numpy.where(x < 0, 0.2 * x, x),
                   lambda x: numpy.where(x < 0, 0.2, 1.0), (0.0,)),
    'leaky_relu_0.5': (lambda x: F.leaky_relu(x, slope=0.5),
                       lambda x: numpy.where(x < 0, 0.5 * x, x),
                       lambda x: numpy.where(x < 0, 0.5, 1.0), (0.0,)),
    'leaky_relu_0': (lambda x: F.leaky_relu(x, 0.0), lambda x: numpy.where(x < 0, 0.0, x),
                     lambda x: numpy.where(x < 0, 0.0, 1.0), (0.0,)),
    'leaky_relu_-1.5': (lambda x: F.leaky_relu(x, -1.5), lambda x: numpy.where(x < 0, -1.5 * x, x),
                        lambda x: numpy.where(x < 0, -1.5, 1.0), (0.0,)),
    'elu': (F.elu, _elu_ref, _elu_grad_ref, (0.0,)),
    'elu_0.3': (lambda x: F.elu(x, alpha=0.3), lambda x: _elu_ref(x, 0.3),
                lambda x: _elu_grad_ref(x, 0.3), (0.0,)),
    'selu': (F.selu, lambda x: SELU_SCALE * _elu_ref(x, SELU_ALPHA),
             lambda x: SELU_SCALE * _elu_grad_ref(x, SELU_ALPHA), (0.0,)),
    'selu_custom': (lambda x: F.selu(x, alpha=2.0, scale=0.5), lambda x: 0.5 * _elu_ref(x, 2.0),
                    lambda x: 0.5 * _elu_grad_ref(x, 2.0), (0.0,)),
    'gelu': (F.gelu, lambda x: x * 0.5 * _erfc(-x / math.sqrt(2)), _gelu_grad_ref, ()),
    'silu': (F.silu, lambda x: x * _sigmoid_ref(x),
             lambda x: _sigmoid_ref(x) * (1 + x * (1 - _sigmoid_ref(x))), ()),
    'hard_sigmoid': (F.hard_sigmoid, lambda x: numpy.clip(0.2 * x + 0.5, 0, 1),
                     lambda x: (numpy.abs(x) < 2.5) * 0.2, (-2.5, 2.5)),
    'softplus': (F.softplus, lambda x: numpy.logaddexp(0, x), _sigmoid_ref, ()),
    'softplus_2': (lambda x: F.softplus(x, beta=2.0), lambda x: numpy.logaddexp(0, 2 * x) / 2,
                   lambda x: _sigmoid_ref(2 * x), ()),
    'softplus_-0.5': (lambda x: F.softplus(x, -0.5), lambda x: numpy.logaddexp(0, -0.5 * x) / -0.5,
                      lambda x: _sigmoid_ref(-0.5 * x), ()),
    'clipped_relu': (F.clipped_relu, lambda x: numpy.clip(x, 0, 20),
                     lambda x: ((x > 0) & (x < 20)) * 1.0, (0.0,)),
    'clipped_relu_1': (lambda x: F.clipped_relu(x, z=1.0), lambda x: numpy.clip(x, 0, 1),
                       lambda x: ((x > 0) & (x < 1)) * 1.0, (0.0, 1.0)),
}


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_forward(xp, name, dtype, shape):
    func, ref = ELEMENTWISE[name][:2]
    x = _uniform(shape, dtype, -4, 4)
    y = func(dbr.Variable(xp.asarray(x)))
    assert isinstance(y, dbr.Variable)
    assert y.shape == shape and y.dtype == dtype
    testing.assert_allclose(y.array, ref(_f64(x)), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_large_inputs(xp, name, dtype):
    """Values and gradients at +-1e4 (+-30, +-100) match the reference without warnings."""
    func, ref, dref = ELEMENTWISE[name][:3]
    x = numpy.array([-1e4, -100.0, -30.0, 30.0, 100.0, 1e4], dtype)
    v = dbr.Variable(xp.asarray(x))
    y = func(v)
    assert y.dtype == dtype
    expected = ref(_f64(x))
    # atol: results below the dtype's smallest normal number may flush to zero
    testing.assert_allclose(y.array, expected, atol=float(numpy.finfo(dtype).tiny),
                            rtol=_fwd_tol(dtype)['rtol'])
    F.sum(y).backward()
    assert v.grad.dtype == dtype
    testing.assert_allclose(v.grad, dref(_f64(x)), atol=1e-6, rtol=_fwd_tol(dtype)['rtol'])


@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_non_contiguous(xp, name):
    func, ref = ELEMENTWISE[name][:2]
    x = xp.asarray(_uniform((4, 3), numpy.float32, -4, 4)).T
    assert not x.flags.c_contiguous
    y = func(x)
    assert y.shape == (3, 4)
    testing.assert_allclose(y.array, ref(_f64(dbr.backend.to_cpu(x))), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('shape', [(3, 4), (), (2, 1, 3)])
@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_grads(xp, name, dtype, shape):
    func, _, _, kinks = ELEMENTWISE[name]
    x = _away(shape, dtype, kinks)
    _check_grads(func, (x,), dtype, xp)


@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_grads_float16(xp, name):
    func, _, _, kinks = ELEMENTWISE[name]
    x = _away((3, 4), numpy.float16, kinks, margin=0.2)
    _check_grads(func, (x,), numpy.float16, xp, double=False)


@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_gradient_matches_reference(xp, name):
    func, _, dref, kinks = ELEMENTWISE[name]
    x = _away((2, 5), numpy.float64, kinks)
    gy = _normal((2, 5), numpy.float64)
    v = dbr.Variable(xp.asarray(x))
    y = func(v)
    y.grad = xp.asarray(gy)
    y.backward()
    testing.assert_allclose(v.grad, gy * dref(x), atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('name', ['elu', 'selu', 'gelu', 'silu', 'softplus_2', 'sigmoid'])
def test_elementwise_third_order(xp, name):
    """The Grad nodes' backwards are differentiable too."""
    func = ELEMENTWISE[name][0]
    x = _away((2, 3), numpy.float64, ELEMENTWISE[name][3])
    _check_grads(_grads_of(lambda v: F.sum(func(v))), (x,), numpy.float64, xp)


@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_of_plain_array(xp, name):
    func, ref = ELEMENTWISE[name][:2]
    x = _uniform((3,), numpy.float32)
    y = func(xp.asarray(x))
    assert isinstance(y, dbr.Variable) and not y.requires_grad and y.creator is None
    testing.assert_allclose(y.array, ref(_f64(x)), atol=1e-6, rtol=1e-5)


LABELLED = ['relu', 'sigmoid', 'leaky_relu', 'elu', 'selu', 'gelu', 'silu', 'hard_sigmoid',
            'softplus', 'clipped_relu']


@pytest.mark.parametrize('bad_dtype', [numpy.int32, numpy.bool_])
@pytest.mark.parametrize('name', LABELLED)
def test_elementwise_rejects_non_float(name, bad_dtype):
    x = dbr.Variable(numpy.zeros(3, bad_dtype))
    with pytest.raises(InvalidType, match=fr"^{name}: expected x\.dtype\.kind == 'f', got "
                                          fr"x\.dtype={numpy.dtype(bad_dtype).name}$"):
        getattr(F, name)(x)


@pytest.mark.parametrize('z', [0.0, -1.0])
def test_clipped_relu_rejects_non_positive_z(z):
    with pytest.raises(ValueError, match=fr'^clipped_relu: z must be positive, got {z}$'):
        F.clipped_relu(numpy.zeros(3, 'f'), z=z)


def test_softplus_rejects_zero_beta():
    with pytest.raises(ValueError, match=r'^softplus: beta must be nonzero, got 0\.0$'):
        F.softplus(numpy.zeros(3, 'f'), beta=0)


def test_leaky_relu_slope_zero_gradient_is_zero_on_negative_side(xp):
    # Chainer gave gradient 1 here (it kept the output and tested y < 0).
    v = dbr.Variable(xp.asarray(numpy.array([-2.0, -0.5, 1.0])))
    F.sum(F.leaky_relu(v, slope=0.0)).backward()
    testing.assert_allclose(v.grad, numpy.array([0.0, 0.0, 1.0]), atol=0, rtol=0)


def test_relu_and_friends_gradient_at_zero(xp):
    # At the kink x == 0, as in Chainer: relu and clipped_relu pass nothing, leaky_relu and
    # elu use the positive side's slope.
    x = xp.asarray(numpy.zeros(1))
    expected = {'relu': 0.0, 'leaky_relu': 1.0, 'elu': 1.0, 'clipped_relu': 0.0}
    for name, g in expected.items():
        v = dbr.Variable(x.copy())
        F.sum(getattr(F, name)(v)).backward()
        testing.assert_allclose(v.grad, numpy.array([g]), atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
def test_gelu_accuracy(xp, dtype):
    """The erf form to about one ulp, including the far lower tail where Phi is tiny."""
    x = numpy.concatenate([numpy.linspace(-38, 38, 4001), [-1e-9, 0.0, 1e-9]]).astype(dtype)
    y = F.gelu(xp.asarray(x)).array
    expected = _f64(x) * 0.5 * _erfc(-_f64(x) / math.sqrt(2))
    # float64: ~1e-13 is the conditioning of Phi at x = -38 (about x**2 ulps), not the method
    rtol = 1e-12 if dtype == numpy.float64 else 4e-7
    tiny = numpy.finfo(dtype).tiny * 1e3
    testing.assert_allclose(y, expected, atol=tiny, rtol=rtol)
    # Deep in the tail, where 1 + erf(x / sqrt(2)) would cancel to 0: -10 * Phi(-10).
    y = F.gelu(xp.asarray(numpy.array([-10.0], dtype))).array
    testing.assert_allclose(y, [-7.619853024160527e-23], atol=0, rtol=rtol)


def test_gelu_special_values(xp):
    x = xp.asarray(numpy.array([numpy.inf, numpy.nan, 0.0, -0.0]))
    y = dbr.backend.to_cpu(F.gelu(x).array)
    assert y[0] == numpy.inf and numpy.isnan(y[1]) and y[2] == 0 and y[3] == 0


def test_gelu_example_values():
    y = F.gelu(numpy.array([-1.0, 0.0, 1.0, 2.0])).array
    # x * Phi(x) with Phi from tables: Phi(1) = 0.841344746068543, Phi(2) = 0.977249868051821
    testing.assert_allclose(y, [-(1 - 0.841344746068543), 0, 0.841344746068543,
                                2 * 0.977249868051821], atol=1e-15, rtol=1e-14)


def test_sigmoid_extremes_in_float32(xp):
    y = F.sigmoid(xp.asarray(numpy.array([-1e4, -80.0, 80.0, 1e4], 'f'))).array
    testing.assert_allclose(y, [0, 1.8048513e-35, 1, 1], atol=1e-40, rtol=1e-5)


def test_softplus_keeps_small_values(xp):
    # log1p keeps softplus(-40) = 4.25e-18 instead of rounding 1 + exp(-40) to 1.
    y = F.softplus(xp.asarray(numpy.array([-40.0]))).array
    testing.assert_allclose(y, numpy.log1p(numpy.exp(-40.0)), atol=0, rtol=1e-14)


# ----- softmax and log_softmax ------------------------------------------------------------------

def _softmax_ref(x, axis):
    if x.shape[axis] == 0:
        return x
    e = numpy.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax_ref(x, axis):
    if x.shape[axis] == 0:
        return x
    m = x.max(axis=axis, keepdims=True)
    return x - m - numpy.log(numpy.exp(x - m).sum(axis=axis, keepdims=True))


SOFTMAXES = {'softmax': (F.softmax, _softmax_ref), 'log_softmax': (F.log_softmax, _log_softmax_ref)}
AXIS_CASES = [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1), ((2, 3, 4), 2),
              ((2, 3, 4), -3), ((5,), 0), ((1, 1), 1), ((0, 3), 1), ((3, 0), 1), ((2, 1, 3), 1)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape,axis', AXIS_CASES)
@pytest.mark.parametrize('name', sorted(SOFTMAXES))
def test_softmax_forward(xp, name, shape, axis, dtype):
    func, ref = SOFTMAXES[name]
    x = _uniform(shape, dtype, -3, 3)
    y = func(xp.asarray(x)) if axis is None else func(xp.asarray(x), axis=axis)
    assert y.shape == shape and y.dtype == dtype
    testing.assert_allclose(y.array, ref(_f64(x), 1 if axis is None else axis), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('name', sorted(SOFTMAXES))
def test_softmax_large_logits(xp, name, dtype):
    func, ref = SOFTMAXES[name]
    x = numpy.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 1.0]], dtype)
    v = dbr.Variable(xp.asarray(x))
    y = func(v)
    expected = ref(_f64(x), 1)
    assert numpy.isfinite(dbr.backend.to_cpu(y.array)).all()
    testing.assert_allclose(y.array, expected, atol=1e-6, rtol=_fwd_tol(dtype)['rtol'])
    y.grad = xp.asarray(_normal(x.shape, dtype))
    y.backward()
    assert numpy.isfinite(dbr.backend.to_cpu(v.grad)).all()


def test_softmax_rows_sum_to_one(xp):
    x = xp.asarray(_uniform((4, 7), numpy.float32, -50, 50))
    s = dbr.backend.to_cpu(F.softmax(x).array).sum(axis=1)
    testing.assert_allclose(s, numpy.ones(4), atol=1e-6, rtol=0)


def test_log_softmax_matches_log_of_softmax(xp):
    x = xp.asarray(_uniform((3, 5), numpy.float64, -5, 5))
    log_of_softmax = numpy.log(dbr.backend.to_cpu(F.softmax(x).array))
    testing.assert_allclose(F.log_softmax(x).array, log_of_softmax, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,axis', [((3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4), -1), ((5,), 0),
                                        ((1, 1), 1)])
@pytest.mark.parametrize('name', sorted(SOFTMAXES))
def test_softmax_grads(xp, name, shape, axis, dtype):
    func = SOFTMAXES[name][0]
    x = _uniform(shape, dtype)
    _check_grads(lambda v: func(v, axis=axis), (x,), dtype, xp)


@pytest.mark.parametrize('name', sorted(SOFTMAXES))
def test_softmax_grads_float16(xp, name):
    func = SOFTMAXES[name][0]
    _check_grads(func, (_uniform((2, 3), numpy.float16),), numpy.float16, xp, double=False)


@pytest.mark.parametrize('name', sorted(SOFTMAXES))
def test_softmax_non_contiguous(xp, name):
    func, ref = SOFTMAXES[name]
    x = _uniform((4, 3), numpy.float64)
    y = func(xp.asarray(x).T)
    testing.assert_allclose(y.array, ref(x.T, 1), atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('name', sorted(SOFTMAXES))
def test_softmax_rejects_bad_axis(name):
    with pytest.raises(InvalidType, match=fr'^{name}: expected -x\.ndim <= self\.axis < x\.ndim, '
                                          r'got x\.ndim=2, self\.axis=2$'):
        SOFTMAXES[name][0](numpy.zeros((2, 3), 'f'), axis=2)


@pytest.mark.parametrize('name', sorted(SOFTMAXES))
def test_softmax_rejects_scalar_and_int(name):
    func = SOFTMAXES[name][0]
    with pytest.raises(InvalidType, match=fr'^{name}: expected x\.ndim >= 1, got x\.ndim=0$'):
        func(numpy.zeros((), 'f'), axis=0)
    with pytest.raises(InvalidType, match=fr"^{name}: expected x\.dtype\.kind == 'f', got "
                                          r'x\.dtype=int64$'):
        func(numpy.zeros((2, 3), numpy.int64))


# ----- swish and prelu: a per-feature parameter broadcast over axis 0 and trailing axes -------

PARAM_SHAPES = [((3, 4), (4,)), ((3, 4), ()), ((2, 3, 4, 2), (3,)), ((2, 3, 4, 2), (3, 4)),
                ((2, 3, 4), (3, 4)), ((1, 1), (1,))]


def _swish_ref(x, beta):
    b = beta.reshape((1,) + beta.shape + (1,) * (x.ndim - beta.ndim - 1))
    return x * _sigmoid_ref(b * x)


def _prelu_ref(x, W):
    w = W.reshape((1,) + W.shape + (1,) * (x.ndim - W.ndim - 1))
    return numpy.where(x >= 0, x, w * x)


PARAMETRIC = {'swish': (F.swish, _swish_ref), 'prelu': (F.prelu, _prelu_ref)}


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shapes', PARAM_SHAPES)
@pytest.mark.parametrize('name', sorted(PARAMETRIC))
def test_parametric_forward(xp, name, shapes, dtype):
    func, ref = PARAMETRIC[name]
    x = _uniform(shapes[0], dtype, -4, 4)
    w = _uniform(shapes[1], dtype, -1.5, 1.5)
    y = func(dbr.Variable(xp.asarray(x)), dbr.Variable(xp.asarray(w)))
    assert y.shape == x.shape and y.dtype == dtype
    testing.assert_allclose(y.array, ref(_f64(x), _f64(w)), **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', PARAM_SHAPES)
@pytest.mark.parametrize('name', sorted(PARAMETRIC))
def test_parametric_grads(xp, name, shapes, dtype):
    x = _away(shapes[0], dtype)
    w = _uniform(shapes[1], dtype, -1.5, 1.5)
    _check_grads(PARAMETRIC[name][0], (x, w), dtype, xp)


@pytest.mark.parametrize('name', sorted(PARAMETRIC))
def test_parametric_grads_float16(xp, name):
    x = _away((3, 4), numpy.float16, margin=0.2)
    w = _uniform((4,), numpy.float16, -1.5, 1.5)
    _check_grads(PARAMETRIC[name][0], (x, w), numpy.float16, xp, double=False)


@pytest.mark.parametrize('name', sorted(PARAMETRIC))
def test_parametric_grads_wrt_x_only(xp, name):
    """The parameter as a plain array (a fixed slope/beta) gets no gradient."""
    func = PARAMETRIC[name][0]
    w = xp.asarray(_uniform((4,), numpy.float64, -1.5, 1.5))
    x = _away((3, 4), numpy.float64)
    _check_grads(lambda v: func(v, w), (x,), numpy.float64, xp)


@pytest.mark.parametrize('name', sorted(PARAMETRIC))
def test_parametric_gradient_shapes(xp, name):
    x = dbr.Variable(xp.asarray(_away((2, 3, 4), numpy.float32)))
    w = dbr.Variable(xp.asarray(_uniform((3,), numpy.float32)))
    F.sum(PARAMETRIC[name][0](x, w)).backward()
    assert x.grad.shape == (2, 3, 4) and x.grad.dtype == numpy.float32
    assert w.grad.shape == (3,) and w.grad.dtype == numpy.float32


def test_prelu_gradient_matches_reference(xp):
    x = _away((4, 3, 2), numpy.float64)
    W = _uniform((3,), numpy.float64)
    gy = _normal(x.shape, numpy.float64)
    xv, wv = dbr.Variable(xp.asarray(x)), dbr.Variable(xp.asarray(W))
    y = F.prelu(xv, wv)
    y.grad = xp.asarray(gy)
    y.backward()
    neg = x < 0
    testing.assert_allclose(xv.grad, numpy.where(neg, W[None, :, None] * gy, gy), atol=1e-12)
    testing.assert_allclose(wv.grad, (gy * x * neg).sum(axis=(0, 2)), atol=1e-12)


def test_swish_gradient_matches_reference(xp):
    x = _uniform((4, 3), numpy.float64)
    beta = _uniform((3,), numpy.float64)
    gy = _normal(x.shape, numpy.float64)
    xv, bv = dbr.Variable(xp.asarray(x)), dbr.Variable(xp.asarray(beta))
    y = F.swish(xv, bv)
    y.grad = xp.asarray(gy)
    y.backward()
    s = _sigmoid_ref(beta * x)
    testing.assert_allclose(xv.grad, gy * (s + beta * x * s * (1 - s)), atol=1e-12)
    testing.assert_allclose(bv.grad, (gy * x * x * s * (1 - s)).sum(axis=0), atol=1e-12)


def test_swish_special_betas(xp):
    x = _uniform((2, 3), numpy.float64, -5, 5)
    half = F.swish(xp.asarray(x), xp.zeros(3)).array
    testing.assert_allclose(half, x / 2, atol=1e-15)
    silu = F.swish(xp.asarray(x), xp.ones(3)).array
    testing.assert_allclose(silu, F.silu(xp.asarray(x)).array, atol=1e-15)
    big = F.swish(xp.asarray(numpy.array([[-1e4, 1e4]])), xp.asarray(numpy.array([1e4, 1e4])))
    testing.assert_allclose(big.array, [[0, 1e4]], atol=0, rtol=1e-15)


def test_swish_third_order(xp):
    x = _uniform((2, 3), numpy.float64)
    beta = _uniform((3,), numpy.float64)
    _check_grads(_grads_of(lambda v, b: F.sum(F.swish(v, b))), (x, beta), numpy.float64, xp)


@pytest.mark.parametrize('name', sorted(PARAMETRIC))
def test_parametric_rejects_bad_shapes(name):
    func = PARAMETRIC[name][0]
    param = 'beta' if name == 'swish' else 'W'
    x = numpy.zeros((2, 3, 4), 'f')
    with pytest.raises(InvalidType, match=fr'^{name}: expected x\.shape\[1:1 \+ {param}\.ndim\] == '
                                          fr'{param}\.shape, got x\.shape=\(2, 3, 4\), '
                                          fr'{param}\.ndim=1, {param}\.shape=\(4,\)$'):
        func(x, numpy.zeros(4, 'f'))
    with pytest.raises(InvalidType, match=fr'^{name}: expected x\.ndim >= {param}\.ndim \+ 1, got '
                                          fr'x\.ndim=3, {param}\.ndim=3$'):
        func(x, numpy.zeros((3, 4, 1), 'f'))
    with pytest.raises(InvalidType, match=fr'^{name}: expected {param}\.dtype == x\.dtype, got '
                                          fr'{param}\.dtype=float64, x\.dtype=float32$'):
        func(x, numpy.zeros(3))
    with pytest.raises(InvalidType, match=fr"^{name}: expected x\.dtype\.kind == 'f'"):
        func(numpy.zeros((2, 3), numpy.int32), numpy.zeros(3, numpy.int32))


# ----- maxout -----------------------------------------------------------------------------------

def _maxout_ref(x, pool_size, axis):
    axis = axis % x.ndim
    shape = x.shape[:axis] + (x.shape[axis] // pool_size, pool_size) + x.shape[axis + 1:]
    return x.reshape(shape).max(axis=axis + 1)


def _distinct(shape, dtype):
    """Values with gaps of at least 0.05 between any two, so no max changes under the checks."""
    n = int(numpy.prod(shape))
    return (numpy.random.permutation(n) * 0.05 - n * 0.025).reshape(shape).astype(dtype)


MAXOUT_CASES = [((2, 6), 3, 1), ((2, 6), 2, -1), ((4, 3), 2, 0), ((2, 4, 3), 2, 1),
                ((2, 3, 4), 4, 2), ((2, 3), 1, 1), ((2, 3), 3, 1), ((0, 4), 2, 1)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape,pool_size,axis', MAXOUT_CASES)
def test_maxout_forward(xp, shape, pool_size, axis, dtype):
    x = _uniform(shape, dtype)
    y = F.maxout(xp.asarray(x), pool_size, axis=axis)
    expected = _maxout_ref(x, pool_size, axis)
    assert y.shape == expected.shape and y.dtype == dtype
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)


def test_maxout_default_axis_and_non_contiguous(xp):
    x = _uniform((6, 2), numpy.float32)
    y = F.maxout(xp.asarray(x).T, 3)
    testing.assert_allclose(y.array, _maxout_ref(x.T, 3, 1), atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,pool_size,axis', [c for c in MAXOUT_CASES if 0 not in c[0]])
def test_maxout_grads(xp, shape, pool_size, axis, dtype):
    x = _distinct(shape, dtype)
    _check_grads(lambda v: F.maxout(v, pool_size, axis), (x,), dtype, xp)


def test_maxout_gradient_goes_to_one_winner(xp):
    x = xp.asarray(numpy.array([[1.0, 3.0, 3.0, 0.0, -1.0, 2.0]]))
    v = dbr.Variable(x)
    y = F.maxout(v, 3)
    testing.assert_allclose(y.array, [[3.0, 2.0]], atol=0, rtol=0)
    y.grad = xp.asarray(numpy.array([[10.0, 20.0]]))
    y.backward()
    testing.assert_allclose(v.grad, [[0, 10, 0, 0, 0, 20]], atol=0, rtol=0)


def test_maxout_large_values(xp):
    x = numpy.array([[-numpy.inf, -1e30, 1e30, numpy.inf]], 'f')
    testing.assert_allclose(F.maxout(xp.asarray(x), 2).array, x[:, 1::2], atol=0, rtol=0)


def test_maxout_errors():
    x = numpy.zeros((2, 6), 'f')
    for bad in (0, -2, 1.5, True, None):
        with pytest.raises(ValueError, match=r'^maxout: pool_size must be a positive integer, '
                                             fr'got {bad!r}$'):
            F.maxout(x, bad)
    with pytest.raises(InvalidType, match=r'^maxout: expected x\.shape\[self\.axis\] % '
                                          r'self\.pool_size == 0, got x\.shape=\(2, 6\), '
                                          r'self\.axis=1, self\.pool_size=4$'):
        F.maxout(x, 4)
    with pytest.raises(InvalidType, match=r'^maxout: expected -x\.ndim <= self\.axis < x\.ndim, '
                                          r'got x\.ndim=2, self\.axis=2$'):
        F.maxout(x, 2, axis=2)
    with pytest.raises(TypeError, match=r"^maxout: axis must be an int, got \(1,\)$"):
        F.maxout(x, 2, axis=(1,))
    with pytest.raises(InvalidType, match=r"^maxout: expected x\.dtype\.kind == 'f'"):
        F.maxout(numpy.zeros((2, 6), numpy.int32), 2)


# ----- crelu ------------------------------------------------------------------------------------

def _crelu_ref(x, axis):
    return numpy.concatenate((numpy.maximum(x, 0), numpy.maximum(-x, 0)), axis=axis)


CRELU_CASES = [((2, 3), 1), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), 2), ((3,), 0), ((0, 2), 1),
               ((1, 1), 1)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape,axis', CRELU_CASES)
def test_crelu_forward(xp, shape, axis, dtype):
    x = _uniform(shape, dtype)
    y = F.crelu(xp.asarray(x), axis=axis)
    expected = _crelu_ref(x, axis)
    assert y.shape == expected.shape and y.dtype == dtype
    testing.assert_allclose(y.array, expected, atol=0, rtol=0)


def test_crelu_default_axis_non_contiguous(xp):
    x = _uniform((3, 2), numpy.float32)
    y = F.crelu(xp.asarray(x).T)
    testing.assert_allclose(y.array, _crelu_ref(x.T, 1), atol=0, rtol=0)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape,axis', [c for c in CRELU_CASES if 0 not in c[0]])
def test_crelu_grads(xp, shape, axis, dtype):
    x = _away(shape, dtype)
    _check_grads(lambda v: F.crelu(v, axis), (x,), dtype, xp)


def test_crelu_third_order(xp):
    """crelu's Grad nodes are linear; through a product they still carry second derivatives."""
    x = _away((2, 3), numpy.float64)
    _check_grads(_grads_of(lambda v: F.sum(F.crelu(v) * F.crelu(v))), (x,), numpy.float64, xp)


def test_crelu_errors():
    with pytest.raises(InvalidType, match=r'^crelu: expected -x\.ndim <= self\.axis < x\.ndim, '
                                          r'got x\.ndim=2, self\.axis=-3$'):
        F.crelu(numpy.zeros((2, 3), 'f'), axis=-3)
    with pytest.raises(InvalidType, match=r"^crelu: expected x\.dtype\.kind == 'f'"):
        F.crelu(numpy.zeros((2, 3), numpy.int64))
    with pytest.raises(TypeError, match=r'^crelu: axis must be an int, got 1\.0$'):
        F.crelu(numpy.zeros((2, 3), 'f'), axis=1.0)


# ----- lstm -------------------------------------------------------------------------------------

def _lstm_ref(c_prev, x):
    units = c_prev.shape[1]
    b = x.shape[0]
    r = x.reshape((b, units, 4) + x.shape[2:])
    a, i, f, o = (r[:, :, k] for k in range(4))
    cb = numpy.tanh(a) * _sigmoid_ref(i) + _sigmoid_ref(f) * c_prev[:b]
    c = c_prev.copy()
    c[:b] = cb
    return c, _sigmoid_ref(o) * numpy.tanh(cb)


LSTM_CASES = [((3, 2), (3, 8)), ((4, 3), (2, 12)), ((3, 2, 2), (3, 8, 2)), ((3, 2), (0, 8)),
              ((1, 1), (1, 4)), ((2, 2, 1, 2), (1, 8, 1, 2))]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shapes', LSTM_CASES)
def test_lstm_forward(xp, shapes, dtype):
    c_prev = _uniform(shapes[0], dtype)
    x = _uniform(shapes[1], dtype)
    c, h = F.lstm(dbr.Variable(xp.asarray(c_prev)), dbr.Variable(xp.asarray(x)))
    c_ref, h_ref = _lstm_ref(_f64(c_prev), _f64(x))
    assert c.shape == c_prev.shape and h.shape == h_ref.shape
    assert c.dtype == dtype and h.dtype == dtype
    testing.assert_allclose(c.array, c_ref, **_fwd_tol(dtype))
    testing.assert_allclose(h.array, h_ref, **_fwd_tol(dtype))


def test_lstm_gate_order_is_interleaved_a_i_f_o(xp):
    """x[:, 4k + j] is gate j (a, i, f, o) of unit k."""
    big = 50.0
    c_prev = numpy.array([[0.5, -0.25]])
    # unit 0: forget gate open, input gate shut -> c = c_prev; output gate open -> h = tanh(c)
    # unit 1: input gate open with a = 10 -> tanh(a) ~ 1, forget shut -> c ~ 1; output shut -> 0
    x = numpy.array([[3.0, -big, big, big, 10.0, big, -big, -big]])
    c, h = F.lstm(xp.asarray(c_prev), xp.asarray(x))
    testing.assert_allclose(c.array, [[0.5, numpy.tanh(10.0)]], atol=1e-12)
    testing.assert_allclose(h.array, [[numpy.tanh(0.5), 0.0]], atol=1e-12)


def test_lstm_rows_beyond_x_pass_through(xp):
    c_prev = _uniform((4, 3), numpy.float32)
    x = _uniform((1, 12), numpy.float32)
    cv = dbr.Variable(xp.asarray(c_prev))
    c, h = F.lstm(cv, xp.asarray(x))
    assert h.shape == (1, 3)
    testing.assert_allclose(c.array[1:], c_prev[1:], atol=0, rtol=0)
    c.grad = xp.ones((4, 3), numpy.float32)
    c.backward()
    testing.assert_allclose(cv.grad[1:], numpy.ones((3, 3)), atol=0, rtol=0)


def test_lstm_non_contiguous(xp):
    c_prev = _uniform((2, 3), numpy.float64)
    x = _uniform((12, 2), numpy.float64)
    c, h = F.lstm(xp.asarray(c_prev.T.copy()).T, xp.asarray(x).T)
    c_ref, h_ref = _lstm_ref(c_prev, x.T)
    testing.assert_allclose(c.array, c_ref, atol=1e-12)
    testing.assert_allclose(h.array, h_ref, atol=1e-12)


def test_lstm_large_inputs(xp):
    c_prev = numpy.array([[1e4, -1e4]], 'f')
    x = numpy.array([[1e4, -1e4, 1e4, 1e4, -1e4, 1e4, 1e4, -1e4]], 'f')
    cv, xv = dbr.Variable(xp.asarray(c_prev)), dbr.Variable(xp.asarray(x))
    c, h = F.lstm(cv, xv)
    testing.assert_allclose(c.array, [[1e4, -1e4 - 1]], atol=0, rtol=1e-6)
    testing.assert_allclose(h.array, [[1.0, 0.0]], atol=0, rtol=1e-6)
    F.sum(c + h).backward()
    assert numpy.isfinite(dbr.backend.to_cpu(cv.grad)).all()
    assert numpy.isfinite(dbr.backend.to_cpu(xv.grad)).all()


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', [s for s in LSTM_CASES if s[1][0] > 0])
def test_lstm_grads(xp, shapes, dtype):
    c_prev = _uniform(shapes[0], dtype)
    x = _uniform(shapes[1], dtype)
    _check_grads(F.lstm, (c_prev, x), dtype, xp)


@pytest.mark.parametrize('used', ['c', 'h'])
def test_lstm_grads_with_one_output_used(xp, used):
    """The unused output's gradient is None inside backward."""
    c_prev = _uniform((4, 3), numpy.float64)
    x = _uniform((3, 12), numpy.float64)

    def f(c, v):
        return F.lstm(c, v)[0 if used == 'c' else 1]

    _check_grads(f, (c_prev, x), numpy.float64, xp)


def test_lstm_double_backward_with_one_grad_grad(xp):
    """check_double_backward through only gc_prev or only gx (the other arrives as None)."""
    c_prev = _uniform((3, 2), numpy.float64)
    x = _uniform((2, 8), numpy.float64)

    def loss(c, v):
        return F.sum(F.lstm(c, v)[1] ** 2)

    _check_grads(_grads_of(loss, wrt=(0,)), (c_prev, x), numpy.float64, xp, double=False)
    _check_grads(_grads_of(loss, wrt=(1,)), (c_prev, x), numpy.float64, xp, double=False)


def test_lstm_gradient_matches_reference(xp):
    c_prev = _uniform((3, 2), numpy.float64)
    x = _uniform((2, 8), numpy.float64)
    gc = _normal((3, 2), numpy.float64)
    gh = _normal((2, 2), numpy.float64)
    cv, xv = dbr.Variable(xp.asarray(c_prev)), dbr.Variable(xp.asarray(x))
    c, h = F.lstm(cv, xv)
    gx, gcp = dbr.grad([c, h], [xv, cv], [xp.asarray(gc), xp.asarray(gh)])
    r = x.reshape(2, 2, 4)
    a = numpy.tanh(r[:, :, 0])
    i, f, o = (_sigmoid_ref(r[:, :, k]) for k in (1, 2, 3))
    cb = a * i + f * c_prev[:2]
    t = numpy.tanh(cb)
    gcell = gc[:2] + gh * o * (1 - t * t)
    expected_gx = numpy.stack([gcell * i * (1 - a * a), gcell * a * i * (1 - i),
                               gcell * c_prev[:2] * f * (1 - f), gh * t * o * (1 - o)], axis=2)
    testing.assert_allclose(gx.array, expected_gx.reshape(2, 8), atol=1e-12)
    testing.assert_allclose(gcp.array, numpy.concatenate([gcell * f, gc[2:]]), atol=1e-12)


def test_lstm_third_order(xp):
    c_prev = _uniform((3, 2), numpy.float64)
    x = _uniform((2, 8), numpy.float64)

    def loss(c, v):
        cn, h = F.lstm(c, v)
        return F.sum(cn * cn) + F.sum(h)

    _check_grads(_grads_of(loss), (c_prev, x), numpy.float64, xp)


def test_lstm_errors():
    c = numpy.zeros((3, 2), 'f')
    with pytest.raises(InvalidType, match=r'^lstm: expected x\.shape\[1\] == '
                                          r'4 \* c_prev\.shape\[1\], got x\.shape=\(3, 6\), '
                                          r'c_prev\.shape=\(3, 2\)$'):
        F.lstm(c, numpy.zeros((3, 6), 'f'))
    with pytest.raises(InvalidType, match=r'^lstm: expected x\.shape\[0\] <= c_prev\.shape\[0\], '
                                          r'got x\.shape=\(4, 8\), c_prev\.shape=\(3, 2\)$'):
        F.lstm(c, numpy.zeros((4, 8), 'f'))
    with pytest.raises(InvalidType, match=r'^lstm: expected x\.ndim == c_prev\.ndim, got '
                                          r'x\.ndim=3, c_prev\.ndim=2$'):
        F.lstm(c, numpy.zeros((3, 8, 1), 'f'))
    with pytest.raises(InvalidType, match=r'^lstm: expected x\.shape\[2:\] == c_prev\.shape\[2:\], '
                                          r'got x\.shape=\(3, 8, 2\), c_prev\.shape=\(3, 2, 3\)$'):
        F.lstm(numpy.zeros((3, 2, 3), 'f'), numpy.zeros((3, 8, 2), 'f'))
    with pytest.raises(InvalidType, match=r'^lstm: expected x\.dtype == c_prev\.dtype, got '
                                          r'x\.dtype=float64, c_prev\.dtype=float32$'):
        F.lstm(c, numpy.zeros((3, 8)))
    with pytest.raises(InvalidType, match=r'^lstm: expected c_prev\.ndim >= 2, got '
                                          r'c_prev\.ndim=1$'):
        F.lstm(numpy.zeros(2, 'f'), numpy.zeros(8, 'f'))
    with pytest.raises(InvalidType, match=r"^lstm: expected c_prev\.dtype\.kind == 'f', got "
                                          r'c_prev\.dtype=int32$'):
        F.lstm(numpy.zeros((3, 2), numpy.int32), numpy.zeros((3, 8), numpy.int32))
