"""Tests of the Chainer regularization/structured-loss gaps: forget, zoneout,
simplified_dropconnect, batch_renormalization (+ fixed), decov, cross_covariance, black_out,
crf1d and argmax_crf1d.

Each function is checked against a plain NumPy reference (brute force for the CRF), with
numerical gradients (first and second order), edge shapes and its error messages. Random
functions are made deterministic by reseeding the generator before each call.
"""
import itertools

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import backend
from dbr import gradient_check
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]


def _opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def _tol(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return dict(atol=1e-12, rtol=1e-10)
    return dict(atol=1e-5, rtol=1e-4)


def _normal(shape, dtype=numpy.float64, scale=1.0):
    return numpy.asarray(numpy.random.normal(0, scale, shape)).astype(dtype)


def _cpu(a):
    return backend.to_cpu(getattr(a, 'array', a))


def _seeded(xp, func, seed=5):
    def f(*args):
        xp.random.seed(seed)
        return func(*args)
    return f


def _check_grads(xp, func, inputs, dtype, double=True, y_grad=True):
    inputs = tuple(xp.asarray(a) for a in inputs)
    y = func(*inputs)
    gy = xp.asarray(_normal(y.shape, dtype)) if y_grad else None
    gradient_check.check_backward(func, inputs, gy, **_opts(dtype))
    if double:
        ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs)
        gradient_check.check_double_backward(func, inputs, gy, ggx, **_opts(dtype))


# ----- forget -----------------------------------------------------------------------------------

def _f2(a, b):
    return F.tanh(a * b) + F.exp(a) * 0.5, F.sum(a * b, axis=0)


@pytest.mark.parametrize('dtype', FLOATS)
def test_forget_matches_the_direct_call(xp, dtype):
    a, b = _normal((3, 4), dtype), _normal((3, 4), dtype)
    ga, gb = _normal((3, 4), dtype), _normal((4,), dtype)
    direct = [dbr.Variable(xp.asarray(v)) for v in (a, b)]
    forgot = [dbr.Variable(xp.asarray(v)) for v in (a, b)]
    y1, s1 = _f2(*direct)
    y2, s2 = F.forget(_f2, *forgot)
    testing.assert_allclose(y2.array, y1.array, atol=0, rtol=0)
    testing.assert_allclose(s2.array, s1.array, atol=0, rtol=0)
    assert y2.dtype == dtype
    F.sum(y1 * xp.asarray(ga) + s1 * xp.asarray(gb)).backward()
    F.sum(y2 * xp.asarray(ga) + s2 * xp.asarray(gb)).backward()
    for d, f in zip(direct, forgot):
        testing.assert_allclose(f.grad, d.grad, **_tol(dtype))


def test_forget_keeps_only_its_inputs():
    x = dbr.Variable(numpy.ones(3))
    calls = []

    def f(a):
        calls.append(dbr.config.enable_backprop)
        return F.exp(F.sin(a))

    y = F.forget(f, x)
    assert calls == [False]  # forward: no graph recorded
    node = y.creator
    assert type(node).__name__ == 'Forget' and node.inputs == (x.node,)
    assert node._retained_inputs[0] is x.array
    y.grad = numpy.ones(3)
    y.backward()
    assert calls == [False, True]  # backward: rerun with a graph
    testing.assert_allclose(x.grad, numpy.exp(numpy.sin(1.0)) * numpy.cos(1.0) * numpy.ones(3))


@pytest.mark.parametrize('dtype', FLOATS)
def test_forget_check_backward(xp, dtype):
    _check_grads(xp, lambda a, b: F.forget(lambda p, q: F.tanh(p * q), a, b),
                 (_normal((2, 3), dtype), _normal((2, 3), dtype)), dtype, double=False)


def test_forget_wraps_arrays_and_reaches_parameters():
    layer = L.Linear(3, 2)
    x = numpy.random.randn(4, 3).astype(numpy.float32)
    y = F.forget(lambda v: F.relu(layer(v)) * 2, x)
    assert y.creator is not None and y.requires_grad
    F.sum(y).backward()
    expected = 2 * ((x @ layer.W.array.T + layer.b.array) > 0).astype(numpy.float32)
    testing.assert_allclose(layer.W.grad, expected.T @ x, atol=1e-5, rtol=1e-5)
    testing.assert_allclose(layer.b.grad, expected.sum(0), atol=1e-5, rtol=1e-5)


def test_forget_single_element_tuple_and_identity():
    x = dbr.Variable(numpy.array([1., 2.]))
    y = F.forget(lambda a: (a,), x)
    assert isinstance(y, dbr.Variable)
    y.grad = numpy.array([3., 4.])
    y.backward()
    testing.assert_allclose(x.grad, [3., 4.])


def test_forget_sets_in_recomputing_only_in_the_rerun():
    seen = []

    def f(a):
        seen.append((getattr(dbr.config, '_will_recompute', False),
                     getattr(dbr.config, 'in_recomputing', False)))
        return a * 2

    x = dbr.Variable(numpy.ones(2))
    F.sum(F.forget(f, x)).backward()
    assert seen == [(True, False), (False, True)]
    assert not getattr(dbr.config, 'in_recomputing', False)


def test_forget_rejects_double_backprop():
    x = dbr.Variable(numpy.ones(2))
    y = F.sum(F.forget(lambda a: a * a, x))
    with pytest.raises(RuntimeError, match='forget: double backpropagation'):
        dbr.grad([y], [x], enable_double_backprop=True)


def test_forget_errors():
    x = dbr.Variable(numpy.ones(2))
    with pytest.raises(TypeError, match='forget: func must be callable, got int'):
        F.forget(3, x)
    with pytest.raises(RuntimeError, match='forget: func must return a Variable or a tuple'):
        F.forget(lambda a: a.array, x)
    with pytest.raises(RuntimeError, match='tuple whose element 1 is a ndarray'):
        F.forget(lambda a: (a * 1, a.array), x)
    count = []

    def changing(a):
        count.append(1)
        return a[:len(count)] * 1

    y = F.forget(changing, dbr.Variable(numpy.ones(3)))
    with pytest.raises(RuntimeError, match=r'forget: func gave outputs of shapes \[\(2,\)\]'):
        F.sum(y).backward()


# ----- zoneout ----------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('ratio', [0.0, 0.3, 1.0])
def test_zoneout_forward_matches_seeded_reference(dtype, ratio):
    h, x = _normal((4, 5), dtype), _normal((4, 5), dtype)
    numpy.random.seed(3)
    y = F.zoneout(h, x, ratio)
    numpy.random.seed(3)
    keep_x = numpy.random.random_sample(x.shape) >= ratio
    assert y.dtype == dtype and y.shape == x.shape
    testing.assert_allclose(y.array, numpy.where(keep_x, x, h), atol=0, rtol=0)


def test_zoneout_statistics_and_test_mode(xp):
    h = xp.zeros((300, 300), numpy.float32)
    x = xp.ones((300, 300), numpy.float32)
    y = F.zoneout(h, x, 0.3).array
    assert abs(float((y == 0).mean()) - 0.3) < 0.01
    with dbr.using_config('train', False):
        out = F.zoneout(h, x, 0.3)
    assert isinstance(out, dbr.Variable) and out.array is x


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(3, 4), (2, 1, 3), (1,), ()])
def test_zoneout_gradients(xp, dtype, shape):
    _check_grads(xp, _seeded(xp, lambda h, x: F.zoneout(h, x, 0.4)),
                 (_normal(shape, dtype), _normal(shape, dtype)), dtype)


def test_zoneout_masks_route_the_gradient():
    h = dbr.Variable(numpy.zeros((5, 6)))
    x = dbr.Variable(numpy.ones((5, 6)))
    y = F.zoneout(h, x, 0.5)
    y.grad = numpy.full((5, 6), 2.0)
    y.backward()
    testing.assert_allclose(x.grad, 2 * y.array, atol=0, rtol=0)
    testing.assert_allclose(h.grad, 2 * (1 - y.array), atol=0, rtol=0)


def test_zoneout_errors():
    a = numpy.zeros((2, 3), 'f')
    with pytest.raises(InvalidType, match=r'zoneout: expected h.shape == x.shape.*\(2, 4\)'):
        F.zoneout(numpy.zeros((2, 4), 'f'), a)
    with pytest.raises(InvalidType, match='zoneout: expected h.dtype == x.dtype'):
        F.zoneout(numpy.zeros((2, 3)), a)
    with pytest.raises(InvalidType, match="zoneout: expected x.dtype.kind == 'f'"):
        F.zoneout(numpy.zeros((2, 3), 'i'), numpy.zeros((2, 3), 'i'))
    with pytest.raises(ValueError, match='zoneout: ratio must be in'):
        F.zoneout(a, a, 1.5)
    with pytest.raises(ValueError, match='zoneout: the train argument is not supported'):
        F.zoneout(a, a, train=True)
    with pytest.raises(TypeError, match=r"zoneout: unexpected keyword arguments \['foo'\]"):
        F.zoneout(a, a, foo=1)


# ----- simplified_dropconnect -------------------------------------------------------------------

def _dropconnect_ref(x, W, b, mask, ratio):
    x2 = numpy.asarray(x, numpy.float64).reshape(len(x), -1)
    Wm = W * mask / (1 - ratio)
    y = numpy.einsum('ijk,ik->ij', Wm, x2) if mask.ndim == 3 else x2 @ Wm.T
    return y if b is None else y + b


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('batchwise', [True, False])
@pytest.mark.parametrize('nobias', [True, False])
def test_simplified_dropconnect_forward_with_given_mask(xp, dtype, batchwise, nobias):
    x, W, b = _normal((3, 2, 2), dtype), _normal((5, 4), dtype), _normal((5,), dtype)
    mask = numpy.random.rand(*((3, 5, 4) if batchwise else (5, 4))) >= 0.4
    y = F.simplified_dropconnect(xp.asarray(x), xp.asarray(W), None if nobias else xp.asarray(b),
                                 0.4, mask=xp.asarray(mask))
    assert y.dtype == dtype and y.shape == (3, 5)
    testing.assert_allclose(y.array, _dropconnect_ref(x, W, None if nobias else b, mask, 0.4),
                            **_tol(dtype))


@pytest.mark.parametrize('batchwise', [True, False])
def test_simplified_dropconnect_draws_a_seeded_mask(batchwise):
    x, W, b = _normal((4, 3)), _normal((2, 3)), _normal((2,))
    numpy.random.seed(9)
    y = F.simplified_dropconnect(x, W, b, 0.3, use_batchwise_mask=batchwise)
    numpy.random.seed(9)
    mask = numpy.random.random_sample((4, 2, 3) if batchwise else (2, 3)) >= 0.3
    testing.assert_allclose(y.array, _dropconnect_ref(x, W, b, mask, 0.3))


def test_simplified_dropconnect_test_mode_is_linear_and_train_flag_rules():
    x, W, b = _normal((4, 3)), _normal((2, 3)), _normal((2,))
    y = F.simplified_dropconnect(x, W, b, 0.9, train=False)
    testing.assert_allclose(y.array, x @ W.T + b)
    with dbr.using_config('train', False):  # the argument decides, not the config
        y = F.simplified_dropconnect(numpy.ones((200, 50)), numpy.ones((1, 50)), ratio=0.5)
    assert not numpy.allclose(y.array, 50.0)
    assert abs(float(y.array.mean()) - 50.0) < 2.0  # the 1/(1 - ratio) scaling keeps the mean


def test_simplified_dropconnect_mask_variable_and_noncontiguous_input():
    x = _normal((3, 4)).T  # (4, 3), not C-contiguous
    W = _normal((2, 3))
    mask = numpy.random.rand(4, 2, 3) > 0.5
    y = F.simplified_dropconnect(x, W, ratio=0.5, mask=dbr.Variable(mask.astype('d')))
    testing.assert_allclose(y.array, _dropconnect_ref(x, W, None, mask, 0.5))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('mask_shape', [(3, 2, 4), (2, 4)])
def test_simplified_dropconnect_gradients(xp, dtype, mask_shape):
    mask = xp.asarray(numpy.random.rand(*mask_shape) > 0.3)
    _check_grads(xp, lambda x, W, b: F.simplified_dropconnect(x, W, b, 0.3, mask=mask),
                 (_normal((3, 2, 2), dtype), _normal((2, 4), dtype), _normal((2,), dtype)), dtype)
    _check_grads(xp, lambda x, W: F.simplified_dropconnect(x, W, train=False),
                 (_normal((3, 4), dtype), _normal((2, 4), dtype)), dtype)


def test_simplified_dropconnect_errors():
    x, W = numpy.zeros((3, 4), 'f'), numpy.zeros((2, 4), 'f')
    with pytest.raises(InvalidType, match=r'simplified_dropconnect: .*number W.shape\[1\].*'
                                          r'x.shape=\(3, 5\), W.shape=\(2, 4\)'):
        F.simplified_dropconnect(numpy.zeros((3, 5), 'f'), W)
    with pytest.raises(InvalidType, match=r'simplified_dropconnect: expected b is None or '
                                          r'b.shape == W.shape\[:1\]'):
        F.simplified_dropconnect(x, W, numpy.zeros(3, 'f'))
    with pytest.raises(InvalidType, match=r'simplified_dropconnect: .*mask.shape=\(2, 2, 4\)'):
        F.simplified_dropconnect(x, W, mask=numpy.ones((2, 2, 4), bool))
    with pytest.raises(ValueError, match=r'simplified_dropconnect: mask must be \(n, M, N\) or '
                                         r'\(M, N\), got shape \(4,\)'):
        F.simplified_dropconnect(x, W, mask=numpy.ones(4, bool))
    with pytest.raises(ValueError, match='simplified_dropconnect: ratio must be in'):
        F.simplified_dropconnect(x, W, ratio=1.0)
    with pytest.raises(InvalidType, match='simplified_dropconnect: expected x.ndim >= 2'):
        F.simplified_dropconnect(numpy.zeros(4, 'f'), W)
    with pytest.raises(InvalidType, match='simplified_dropconnect: expected W.dtype == x.dtype'):
        F.simplified_dropconnect(x, W.astype('d'))


# ----- batch_renormalization --------------------------------------------------------------------

def _renorm_ref(x, gamma, beta, rmax, dmax, eps, rm, rv):
    """NumPy reference; returns (y, r, d, mean, var) with per-channel r, d."""
    x = numpy.asarray(x, numpy.float64)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    std = numpy.sqrt(var + eps)
    sigma = numpy.sqrt(rv + eps)
    r = numpy.clip(std / sigma, 1 / rmax, rmax)
    d = numpy.clip((mean - rm) / sigma, -dmax, dmax)
    xh = (x - mean.reshape(shape)) / std.reshape(shape)
    y = gamma.reshape(shape) * (xh * r.reshape(shape) + d.reshape(shape)) + beta.reshape(shape)
    return y, r, d, mean, var


def _renorm_inputs(shape, dtype, loc=0.0, scale=1.0):
    c = shape[1]
    x = (_normal(shape) * scale + loc).astype(dtype)
    gamma = numpy.random.uniform(0.5, 1.5, c).astype(dtype)
    beta = _normal((c,), dtype)
    rm = _normal((c,), dtype, 0.2)
    rv = numpy.random.uniform(0.5, 1.5, c).astype(dtype)
    return x, gamma, beta, rm, rv


@pytest.mark.parametrize('dtype', FLOATS + [numpy.float16])
@pytest.mark.parametrize('shape', [(6, 3), (4, 3, 2, 2), (1, 2, 5)])
@pytest.mark.parametrize('rmax, dmax', [(1.0, 0.0), (1.2, 0.1), (10.0, 10.0)])
def test_batch_renormalization_forward(xp, dtype, shape, rmax, dmax):
    x, gamma, beta, rm, rv = _renorm_inputs(shape, dtype, loc=0.5, scale=1.5)
    y = F.batch_renormalization(*(xp.asarray(a) for a in (x, gamma, beta)), rmax, dmax, 1e-3,
                                xp.asarray(rm), xp.asarray(rv))
    ref = _renorm_ref(x, gamma.astype('d'), beta.astype('d'), rmax, dmax, 1e-3, rm.astype('d'),
                      rv.astype('d'))[0]
    assert y.dtype == dtype and y.shape == shape
    tol = dict(atol=5e-3, rtol=5e-3) if dtype == numpy.float16 else _tol(dtype)
    testing.assert_allclose(y.array, ref, **tol)


def test_batch_renormalization_without_correction_is_batch_normalization():
    x, gamma, beta, rm, rv = _renorm_inputs((5, 4, 3), numpy.float64, loc=2.0)
    y = F.batch_renormalization(x, gamma, beta, 1.0, 0.0, 2e-5, rm, rv)
    testing.assert_allclose(y.array, F.batch_normalization(x, gamma, beta).array)


@pytest.mark.parametrize('dtype', FLOATS)
def test_batch_renormalization_updates_statistics_only_when_asked(xp, dtype):
    x, gamma, beta, rm, rv = _renorm_inputs((6, 3, 2), dtype, loc=1.0)
    rm_d, rv_d = xp.array(rm), xp.array(rv)  # copies: updated in place
    F.batch_renormalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta), 2.0, 1.0,
                            running_mean=rm_d, running_var=rv_d)
    testing.assert_allclose(rm_d, rm, atol=0, rtol=0)
    testing.assert_allclose(rv_d, rv, atol=0, rtol=0)
    y = F.batch_renormalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta), 2.0, 1.0,
                                running_mean=rm_d, running_var=rv_d, decay=0.7,
                                update_statistics=True)
    # the output used the statistics from before the update
    ref, _, _, mean, var = _renorm_ref(x, gamma, beta, 2.0, 1.0, 2e-5, rm, rv)
    testing.assert_allclose(y.array, ref, **_tol(dtype))
    m = 12
    testing.assert_allclose(rm_d, 0.7 * rm + 0.3 * mean, **_tol(dtype))
    testing.assert_allclose(rv_d, 0.7 * rv + 0.3 * var * m / (m - 1), **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(5, 3), (3, 2, 2, 2)])
def test_batch_renormalization_gradients_where_r_and_d_are_clipped(xp, dtype, shape):
    # With std far above the running one and the mean far from it, r and d sit at their
    # bounds and do not move under a small perturbation: the numerical gradient is then the
    # gradient that treats them as constants.
    x, gamma, beta, rm, rv = _renorm_inputs(shape, numpy.float64, loc=3.0, scale=3.0)
    rm, rv = xp.asarray(rm), xp.asarray(rv)

    def f(x, gamma, beta):
        return F.batch_renormalization(x, gamma, beta, 1.5, 0.5, 2e-5, rm, rv)

    _check_grads(xp, f, tuple(a.astype(dtype) for a in (x, gamma, beta)), dtype)


def test_batch_renormalization_gradient_treats_r_and_d_as_constants():
    x, gamma, beta, rm, rv = _renorm_inputs((7, 3), numpy.float64, loc=0.3, scale=1.2)
    _, r, d, mean, var = _renorm_ref(x, gamma, beta, 5.0, 5.0, 2e-5, rm, rv)
    assert ((r > 1 / 5) & (r < 5)).all() and (abs(d) < 5).all()  # unclipped
    xv, gv, bv = (dbr.Variable(a) for a in (x, gamma, beta))
    y = F.batch_renormalization(xv, gv, bv, 5.0, 5.0, 2e-5, rm, rv)
    gy = _normal(x.shape)
    y.grad = gy
    y.backward()
    std = numpy.sqrt(var + 2e-5)
    xh = (x - mean) / std
    gx = r * gamma / std * (gy - gy.mean(0) - xh * (gy * xh).mean(0))
    testing.assert_allclose(xv.grad, gx)
    testing.assert_allclose(gv.grad, (gy * (xh * r + d)).sum(0))
    testing.assert_allclose(bv.grad, gy.sum(0))


def test_batch_renormalization_errors():
    x, g = numpy.zeros((4, 3), 'f'), numpy.ones(3, 'f')
    with pytest.raises(TypeError, match='batch_renormalization: running_mean is required'):
        F.batch_renormalization(x, g, g, 1, 0, running_var=g)
    with pytest.raises(TypeError, match='batch_renormalization: running_var is required'):
        F.batch_renormalization(x, g, g, 1, 0, running_mean=g)
    with pytest.raises(InvalidType, match=r'batch_renormalization: expected running_var.shape == '
                                          r'gamma.shape, got running_var.shape=\(2,\)'):
        F.batch_renormalization(x, g, g, 1, 0, running_mean=g, running_var=g[:2])
    with pytest.raises(ValueError, match='batch_renormalization: rmax must be >= 1'):
        F.batch_renormalization(x, g, g, 0.5, 0, running_mean=g, running_var=g)
    with pytest.raises(InvalidType, match='batch_renormalization: expected gamma.shape equal'):
        F.batch_renormalization(numpy.zeros((4, 2), 'f'), g, g, 1, 0, running_mean=g,
                                running_var=g)
    with pytest.raises(InvalidType, match='batch_renormalization: expected gamma.dtype == '):
        F.batch_renormalization(x, g.astype('d'), g, 1, 0, running_mean=g, running_var=g)
    with pytest.raises(ValueError, match='batch_renormalization: cannot compute statistics over '
                                         'zero elements'):
        F.batch_renormalization(numpy.zeros((0, 3), 'f'), g, g, 1, 0, running_mean=g,
                                running_var=g)


def test_fixed_batch_renormalization_is_fixed_batch_normalization():
    x, gamma, beta, mean, var = _renorm_inputs((4, 3, 2), numpy.float32)
    with pytest.warns(DeprecationWarning, match='fixed_batch_renormalization is deprecated'):
        y = F.fixed_batch_renormalization(x, gamma, beta, mean, var, eps=1e-3)
    expected = F.fixed_batch_normalization(x, gamma, beta, mean, var, eps=1e-3)
    testing.assert_allclose(y.array, expected.array, atol=0, rtol=0)


# ----- decov and cross_covariance ---------------------------------------------------------------

def _cov(a, b):
    a, b = numpy.asarray(a, 'd'), numpy.asarray(b, 'd')
    return (a - a.mean(0)).T @ (b - b.mean(0)) / len(a)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', [(5, 3), (1, 2), (4, 1)])
def test_decov_forward(xp, dtype, shape):
    h = _normal(shape, dtype)
    c = _cov(h, h)
    numpy.fill_diagonal(c, 0)
    no = F.decov(xp.asarray(h), reduce='no')
    loss = F.decov(xp.asarray(h))
    assert no.dtype == dtype and no.shape == (shape[1],) * 2 and loss.shape == ()
    testing.assert_allclose(no.array, c, **_tol(dtype))
    testing.assert_allclose(loss.array, 0.5 * (c ** 2).sum(), **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('reduce', ['half_squared_sum', 'no'])
def test_decov_gradients(xp, dtype, reduce):
    _check_grads(xp, lambda h: F.decov(h, reduce), (_normal((4, 3), dtype),), dtype)


@pytest.mark.parametrize('dtype', FLOATS)
def test_cross_covariance_forward(xp, dtype):
    y = _normal((4, 3), dtype).T.copy().T  # a Fortran-ordered (non-C-contiguous) batch
    z = _normal((4, 2), dtype)
    c = _cov(y, z)
    no = F.cross_covariance(xp.asarray(y), xp.asarray(z), reduce='no')
    assert no.dtype == dtype and no.shape == (3, 2)
    testing.assert_allclose(no.array, c, **_tol(dtype))
    testing.assert_allclose(F.cross_covariance(xp.asarray(y), xp.asarray(z)).array,
                            0.5 * (c ** 2).sum(), **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('reduce', ['half_squared_sum', 'no'])
def test_cross_covariance_gradients(xp, dtype, reduce):
    _check_grads(xp, lambda y, z: F.cross_covariance(y, z, reduce),
                 (_normal((5, 3), dtype), _normal((5, 2), dtype)), dtype)


def test_covariance_losses_errors():
    a = numpy.zeros((3, 2), 'f')
    with pytest.raises(ValueError, match="decov: reduce must be one of 'half_squared_sum', "
                                         "'no', got 'mean'"):
        F.decov(a, reduce='mean')
    with pytest.raises(InvalidType, match=r'decov: expected h a 2-D float array.*h.shape=\(3,\)'):
        F.decov(numpy.zeros(3, 'f'))
    with pytest.raises(InvalidType, match=r'decov: .*h.shape=\(0, 2\)'):
        F.decov(numpy.zeros((0, 2), 'f'))
    with pytest.raises(InvalidType, match='decov: .*h.dtype=int32'):
        F.decov(numpy.zeros((3, 2), numpy.int32))
    with pytest.raises(InvalidType, match=r'cross_covariance: expected y and z with the same '
                                          r'batch size.*z.shape=\(4, 2\)'):
        F.cross_covariance(a, numpy.zeros((4, 2), 'f'))
    with pytest.raises(InvalidType, match='cross_covariance: .*z.dtype=float64'):
        F.cross_covariance(a, numpy.zeros((3, 2)))
    with pytest.raises(InvalidType, match=r'cross_covariance: expected z a 2-D float array'):
        F.cross_covariance(a, numpy.zeros((3, 2, 1), 'f'))
    with pytest.raises(ValueError, match="cross_covariance: reduce must be one of"):
        F.cross_covariance(a, a, reduce='sum')


# ----- black_out --------------------------------------------------------------------------------

def _black_out_ref(x, t, W, samples):
    """Per-example loss in float64, log(1 - p) through logsumexp of the other scores."""
    out = []
    for xi, ti, si in zip(numpy.asarray(x, 'd'), t, samples):
        if ti == -1:
            out.append(0.0)
            continue
        z = numpy.concatenate([[W[ti] @ xi], W[si] @ xi]).astype('d')

        def lse(v):
            m = v.max()
            return m + numpy.log(numpy.exp(v - m).sum())

        logz = lse(z)
        loss = logz - z[0]
        for j in range(1, len(z)):
            loss -= lse(numpy.delete(z, j)) - logz
        out.append(loss)
    return numpy.array(out)


def _black_out_inputs(dtype, n=4, d=3, v=6, s=3, scale=1.0):
    x = _normal((n, d), dtype, scale)
    W = _normal((v, d), dtype)
    t = numpy.array([0, 5, -1, 2, 3, 1][:n], numpy.int32)
    samples = numpy.random.randint(0, v, (n, s)).astype(numpy.int32)
    return x, t, W, samples


@pytest.mark.parametrize('dtype', FLOATS)
def test_black_out_forward(xp, dtype):
    x, t, W, samples = _black_out_inputs(dtype)
    samples[0, 1] = samples[0, 2]  # a repeated sample: tied scores
    args = (xp.asarray(x), xp.asarray(t), xp.asarray(W), xp.asarray(samples))
    no = F.black_out(*args, reduce='no')
    ref = _black_out_ref(x, t, W.astype('d'), samples)
    assert no.dtype == dtype and no.shape == (4,)
    testing.assert_allclose(no.array, ref, **_tol(dtype))
    mean = F.black_out(*args)
    assert mean.shape == ()
    testing.assert_allclose(mean.array, ref.sum() / 4, **_tol(dtype))


def test_black_out_with_dominant_scores_stays_finite():
    # Scores of order 1e4: p(s) of a dominant negative rounds to 1, yet log(1 - p(s)) is finite.
    x, t, W, samples = _black_out_inputs(numpy.float64, scale=1e4)
    loss = F.black_out(x, t, W, samples, reduce='no').array
    assert numpy.isfinite(loss).all()
    testing.assert_allclose(loss, _black_out_ref(x, t, W, samples), rtol=1e-10)
    x32, W32 = x.astype('f'), W.astype('f')
    testing.assert_allclose(F.black_out(x32, t, W32, samples, reduce='no').array,
                            _black_out_ref(x32, t, W32.astype('d'), samples), rtol=1e-4)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_black_out_gradients(xp, dtype, reduce):
    x, t, W, samples = _black_out_inputs(dtype)
    t_d, s_d = xp.asarray(t), xp.asarray(samples)
    _check_grads(xp, lambda x, W: F.black_out(x, t_d, W, s_d, reduce), (x, W), dtype)


def test_black_out_ignored_rows_get_no_gradient():
    x, t, W, samples = _black_out_inputs(numpy.float64)
    xv = dbr.Variable(x)
    F.black_out(xv, t, W, samples).backward()
    assert (xv.grad[2] == 0).all() and (xv.grad[[0, 1, 3]] != 0).any()


def test_black_out_edge_shapes():
    x, t, W, _ = _black_out_inputs(numpy.float64)
    no_samples = numpy.zeros((4, 0), numpy.int32)
    testing.assert_allclose(F.black_out(x, t, W, no_samples, reduce='no').array, numpy.zeros(4))
    empty = F.black_out(numpy.zeros((0, 3)), numpy.zeros(0, 'i'), W, numpy.zeros((0, 2), 'i'))
    assert empty.shape == () and float(empty.array) == 0.0


def test_black_out_errors():
    x, t, W, samples = _black_out_inputs(numpy.float32)
    with pytest.raises(ValueError, match=r'black_out: t must be in \[-1, 6\).*\[0, 6\]'):
        F.black_out(x, numpy.array([0, 6, 1, 1], 'i'), W, samples)
    with pytest.raises(ValueError, match=r'black_out: samples must be in \[0, 6\).*\[-2'):
        F.black_out(x, t, W, samples - 2)
    with pytest.raises(InvalidType, match=r'black_out: .*samples: shape=\(3, 3\)'):
        F.black_out(x, t, W, samples[:3])
    with pytest.raises(InvalidType, match=r'black_out: .*W: shape=\(6, 2\)'):
        F.black_out(x, t, W[:, :2], samples)
    with pytest.raises(InvalidType, match='black_out: .*t: shape=\\(4,\\), dtype=float32'):
        F.black_out(x, t.astype('f'), W, samples)
    with pytest.raises(ValueError, match="black_out: reduce must be one of 'mean', 'no'"):
        F.black_out(x, t, W, samples, reduce='sum')


# ----- crf1d and argmax_crf1d -------------------------------------------------------------------

def _crf_data(dtype, lengths=(4, 3, 3, 1), k=3):
    cost = _normal((k, k), dtype)
    seqs = [_normal((n, k), dtype) for n in lengths]
    labels = [numpy.random.randint(0, k, n).astype(numpy.int32) for n in lengths]
    steps = max(lengths)
    xs = [numpy.stack([s[i] for s in seqs if len(s) > i]) for i in range(steps)]
    ys = [numpy.array([y[i] for y in labels if len(y) > i], numpy.int32) for i in range(steps)]
    return cost, seqs, labels, xs, ys


def _crf_brute_force(cost, seq, label):
    """(nll, best path, best score) by enumerating every label sequence, in float64."""
    cost, seq = numpy.asarray(cost, 'd'), numpy.asarray(seq, 'd')
    k = cost.shape[0]

    def score(path):
        return (sum(seq[i, p] for i, p in enumerate(path))
                + sum(cost[a, b] for a, b in zip(path[:-1], path[1:])))

    paths = list(itertools.product(range(k), repeat=len(seq)))
    scores = numpy.array([score(p) for p in paths])
    logz = scores.max() + numpy.log(numpy.exp(scores - scores.max()).sum())
    best = int(scores.argmax())
    return logz - score(tuple(label)), paths[best], scores[best]


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('lengths', [(4, 3, 3, 1), (2, 2), (1,), (3,)])
def test_crf1d_forward_matches_brute_force(xp, dtype, lengths):
    cost, seqs, labels, xs, ys = _crf_data(dtype, lengths)
    ref = numpy.array([_crf_brute_force(cost, s, y)[0] for s, y in zip(seqs, labels)])
    args = (xp.asarray(cost), [xp.asarray(x) for x in xs], [xp.asarray(y) for y in ys])
    no = F.crf1d(*args, reduce='no')
    assert no.dtype == dtype and no.shape == (len(lengths),)
    testing.assert_allclose(no.array, ref, **_tol(dtype))
    mean = F.crf1d(*args)
    assert mean.shape == ()
    testing.assert_allclose(mean.array, ref.mean(), **_tol(dtype))


def test_crf1d_large_costs_stay_finite():
    cost, seqs, labels, xs, ys = _crf_data(numpy.float64)
    xs = [x * 1e4 for x in xs]
    loss = F.crf1d(cost * 1e4, xs, ys, reduce='no').array
    assert numpy.isfinite(loss).all() and (loss >= 0).all()


def test_crf1d_accepts_variables_for_labels_and_transposed_costs():
    cost, _, _, xs, ys = _crf_data(numpy.float64, lengths=(2, 2))
    xs_t = [numpy.asfortranarray(x) for x in xs]
    a = F.crf1d(cost.T.copy().T, xs_t, [dbr.Variable(y, requires_grad=False) for y in ys])
    testing.assert_allclose(a.array, F.crf1d(cost, xs, ys).array)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_crf1d_gradients(xp, dtype, reduce):
    cost, _, _, xs, ys = _crf_data(dtype, lengths=(3, 2, 1))
    ys_d = [xp.asarray(y) for y in ys]
    _check_grads(xp, lambda c, *xs: F.crf1d(c, list(xs), ys_d, reduce), (cost,) + tuple(xs),
                 dtype)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('lengths', [(4, 3, 3, 1), (2,), (1, 1)])
def test_argmax_crf1d_matches_brute_force(xp, dtype, lengths):
    cost, seqs, _, xs, _ = _crf_data(dtype, lengths)
    refs = [_crf_brute_force(cost, s, numpy.zeros(len(s), int)) for s in seqs]
    score, path = F.argmax_crf1d(xp.asarray(cost), [xp.asarray(x) for x in xs])
    assert score.dtype == dtype and score.shape == (len(lengths),)
    assert len(path) == len(xs)
    for p, x in zip(path, xs):
        assert p.dtype == numpy.int32 and p.shape == (x.shape[0],)
    path = [_cpu(p) for p in path]
    for i, (_, best, best_score) in enumerate(refs):
        assert tuple(int(p[i]) for p in path[:lengths[i]]) == best
    testing.assert_allclose(score.array, [r[2] for r in refs], **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_argmax_crf1d_score_gradient(xp, dtype):
    cost, _, _, xs, _ = _crf_data(dtype, lengths=(3, 2))
    # Away from ties the best path does not change under a small perturbation.
    _check_grads(xp, lambda c, *xs: F.argmax_crf1d(c, list(xs))[0], (cost,) + tuple(xs), dtype)


def test_crf1d_errors():
    cost, _, _, xs, ys = _crf_data(numpy.float32, lengths=(3, 2))
    with pytest.raises(ValueError, match='crf1d: xs must be a non-empty list.*got a list of '
                                         'length 0'):
        F.crf1d(cost, [], [])
    with pytest.raises(InvalidType, match=r'crf1d: expected cost a square.*cost.shape=\(3, 2\)'):
        F.crf1d(cost[:, :2], xs, ys)
    with pytest.raises(InvalidType, match=r'crf1d: expected xs\[1\] of shape \(batch, 3\)'):
        F.crf1d(cost, [xs[0], xs[1][:, :2]], ys)
    with pytest.raises(InvalidType, match=r'crf1d: .*non-increasing.*batch sizes \[1, 2\]'):
        F.crf1d(cost, [xs[0][:1], xs[1]], [ys[0][:1], ys[1]])
    with pytest.raises(ValueError, match=r'crf1d: ys must be a list with one label array per '
                                         r'element of xs \(3\), got a list of length 2'):
        F.crf1d(cost, xs, ys[:2])
    with pytest.raises(InvalidType, match=r'crf1d: expected ys\[0\] an integer array of shape '
                                          r'\(2,\)'):
        F.crf1d(cost, xs, [ys[0][:1]] + ys[1:])
    with pytest.raises(ValueError,
                       match=r'crf1d: labels must be in \[0, 3\).*\[3, 3\] in ys\[1\]'):
        F.crf1d(cost, xs, [ys[0], ys[1] * 0 + 3, ys[2]])
    with pytest.raises(ValueError, match="crf1d: reduce must be one of 'mean', 'no'"):
        F.crf1d(cost, xs, ys, reduce='sum')
    with pytest.raises(InvalidType, match=r'argmax_crf1d: expected xs\[0\] of shape'):
        F.argmax_crf1d(cost, [xs[0].astype('d')])


# ----- decorrelated_batch_normalization ---------------------------------------------------------

def _dbn_ref(x, groups, eps):
    """NumPy ZCA whitening per channel group; returns (y, mean (g, C), projection (g, C, C))."""
    x = numpy.asarray(x, 'd')
    b, c = x.shape[:2]
    xg = numpy.moveaxis(x, 1, 0).reshape(groups, c // groups, -1)
    mean = xg.mean(axis=2)
    xc = xg - mean[:, :, None]
    m = xc.shape[2]
    proj = []
    for a in xc:
        lam, v = numpy.linalg.eigh(a @ a.T / m + eps * numpy.eye(len(a)))
        proj.append(v @ numpy.diag(lam ** -0.5) @ v.T)
    proj = numpy.array(proj)
    y = numpy.moveaxis((proj @ xc).reshape((c, b) + x.shape[2:]), 0, 1)
    return y, mean, proj


def _correlated(shape, dtype=numpy.float64):
    c = shape[1]
    mix = numpy.random.randn(c, c) + 2 * numpy.eye(c)
    x = numpy.moveaxis(numpy.moveaxis(numpy.random.randn(*shape), 1, -1) @ mix, -1, 1)
    return (x + 1.5).astype(dtype)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape, groups', [((20, 4), 1), ((10, 6, 2), 2), ((4, 4, 2, 3), 4)])
def test_decorrelated_batch_normalization_forward(xp, dtype, shape, groups):
    x = _correlated(shape, dtype)
    y = F.decorrelated_batch_normalization(xp.asarray(x), groups=groups, eps=1e-3)
    ref = _dbn_ref(x, groups, 1e-3)[0]
    assert y.dtype == dtype and y.shape == shape
    tol = dict(atol=1e-10, rtol=1e-8) if dtype == numpy.float64 else dict(atol=1e-4, rtol=1e-3)
    testing.assert_allclose(y.array, ref, **tol)


def test_decorrelated_batch_normalization_whitens_each_group():
    x = _correlated((200, 6))
    y = F.decorrelated_batch_normalization(x, groups=2, eps=0.0).array
    for g in range(2):
        part = y[:, 3 * g:3 * g + 3]
        testing.assert_allclose(part.mean(0), numpy.zeros(3), atol=1e-12)
        testing.assert_allclose(part.T @ part / 200, numpy.eye(3), atol=1e-10)


def test_decorrelated_batch_normalization_running_statistics(xp):
    x = _correlated((8, 4, 2))
    rm = xp.asarray(numpy.random.randn(2, 2))
    rp = xp.asarray(numpy.random.randn(2, 2, 2))
    rm0, rp0 = _cpu(rm).copy(), _cpu(rp).copy()
    F.decorrelated_batch_normalization(xp.asarray(x), groups=2, running_mean=rm,
                                       running_projection=rp, decay=0.6)
    _, mean, proj = _dbn_ref(x, 2, 2e-5)
    testing.assert_allclose(rm, 0.6 * rm0 + 0.4 * mean)
    testing.assert_allclose(rp, 0.6 * rp0 + 0.4 * 16 / 15 * proj)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape, groups', [((6, 3), 1), ((4, 4, 2), 2)])
def test_decorrelated_batch_normalization_gradients(xp, dtype, shape, groups):
    _check_grads(xp, lambda x: F.decorrelated_batch_normalization(x, groups=groups, eps=1e-2),
                 (_correlated(shape, dtype),), dtype, double=False)


def test_decorrelated_batch_normalization_gradient_with_repeated_eigenvalues():
    # Orthogonal centered columns of equal norm: the covariance is a multiple of I, so all its
    # eigenvalues coincide (the gradient formula must not divide by their gaps).
    a = numpy.random.randn(8, 3)
    x = numpy.linalg.qr(a - a.mean(0))[0] * 2  # combinations of centered columns: centered
    testing.assert_allclose(x.T @ x / 8, 0.5 * numpy.eye(3), atol=1e-12)
    gradient_check.check_backward(lambda v: F.decorrelated_batch_normalization(v, groups=1),
                                  x, _normal(x.shape))


def test_decorrelated_batch_normalization_float16_and_double_backprop():
    x = _correlated((16, 4), numpy.float16)
    y = F.decorrelated_batch_normalization(x, groups=2, eps=1e-2)
    assert y.dtype == numpy.float16
    testing.assert_allclose(y.array, _dbn_ref(x, 2, 1e-2)[0], atol=2e-2, rtol=2e-2)
    xv = dbr.Variable(_correlated((6, 2)))
    gx, = dbr.grad([F.sum(F.decorrelated_batch_normalization(xv, groups=1) ** 3)], [xv],
                   enable_double_backprop=True)
    with pytest.raises(NotImplementedError, match='decorrelated_batch_normalization: double '
                                                  'backpropagation is not supported'):
        dbr.grad([F.sum(gx)], [xv])


@pytest.mark.parametrize('dtype', FLOATS)
def test_fixed_decorrelated_batch_normalization(xp, dtype):
    x = _correlated((5, 4, 3), dtype)
    mean, proj = _normal((2, 2), dtype), _normal((2, 2, 2), dtype)
    y = F.fixed_decorrelated_batch_normalization(*(xp.asarray(a) for a in (x, mean, proj)), 2)
    xg = numpy.moveaxis(x.astype('d'), 1, 0).reshape(2, 2, -1) - mean[:, :, None]
    ref = numpy.moveaxis((proj @ xg).reshape(4, 5, 3), 0, 1)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, ref, **_tol(dtype))
    _check_grads(xp, lambda x, m, p: F.fixed_decorrelated_batch_normalization(x, m, p, groups=2),
                 (x, mean, proj), dtype)


def test_decorrelated_batch_normalization_errors():
    x = numpy.zeros((4, 6), 'f')
    with pytest.raises(InvalidType, match=r'decorrelated_batch_normalization: expected x a float '
                                          r'array .*divisible by groups.*groups=4'):
        F.decorrelated_batch_normalization(x, groups=4)
    with pytest.raises(TypeError, match='decorrelated_batch_normalization: groups must be a '
                                        'positive int, got 0'):
        F.decorrelated_batch_normalization(x, groups=0)
    with pytest.raises(InvalidType, match=r'decorrelated_batch_normalization: expected '
                                          r'running_projection.shape == \(2, 3, 3\)'):
        F.decorrelated_batch_normalization(x, groups=2, running_projection=numpy.zeros((2, 3)))
    with pytest.raises(InvalidType, match=r'expected running_mean.shape == \(2, 3\)'):
        F.decorrelated_batch_normalization(x, groups=2, running_mean=numpy.zeros(6))
    with pytest.raises(ValueError, match='decorrelated_batch_normalization: cannot compute '
                                         'statistics over zero elements'):
        F.decorrelated_batch_normalization(numpy.zeros((0, 6), 'f'), groups=2)
    with pytest.raises(TypeError, match='takes 1 positional argument'):  # keyword-only
        F.decorrelated_batch_normalization(x, 2)
    with pytest.raises(InvalidType, match=r'fixed_decorrelated_batch_normalization: .*mean: '
                                          r'shape=\(3, 2\)'):
        F.fixed_decorrelated_batch_normalization(x, numpy.zeros((3, 2), 'f'),
                                                 numpy.zeros((2, 3, 3), 'f'), 2)
