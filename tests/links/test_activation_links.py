"""Tests of the links with learnable activation parameters and the gated layers: PReLU, Swish,
Scale, Bias, Maxout and Highway.

Forward against NumPy references, Chainer's parameter layout and initial values, lazy shapes,
gradients to inputs and parameters, serialization round trips and the errors.
"""
import io

import numpy
import pytest

import dbr.functions as F
import dbr.links as L
from dbr import gradient_check
from dbr import initializers
from dbr import serializers

from _link_helpers import make_in_dtype, normal, to_cpu

FLOATS = [numpy.float64, numpy.float32]


# ----- helpers ----------------------------------------------------------------------------------

def _tol(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return dict(atol=1e-12, rtol=1e-10)
    return dict(atol=1e-6, rtol=1e-5)


def _grad_tol(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return dict(dtype=None)
    return dict(dtype=numpy.float64, atol=1e-3, rtol=1e-2)


def _away_from_zero(shape, dtype):
    """Random values with ``|x| >= 0.2``, clear of the kink of (P)ReLU."""
    x = normal(shape)
    return (x + 0.2 * numpy.sign(x)).astype(dtype)


def _on(link, xp):
    return link.to_device('@numpy' if xp is numpy else '@cupy:0')


def _randomize(link):
    for param in link.params():
        param.array[...] = normal(param.shape, param.dtype, 0.5)
    return link


def _round_trip(link, fresh):
    """Saves ``link``, loads into ``fresh`` and checks every parameter arrived."""
    buf = io.BytesIO()
    serializers.save_npz(buf, link)
    buf.seek(0)
    serializers.load_npz(buf, fresh)
    buf.seek(0)
    keys = sorted(numpy.load(buf).files)
    assert keys == sorted(path[1:] for path, _ in link.namedparams())
    for (path, p), (_, q) in zip(link.namedparams(), fresh.namedparams()):
        numpy.testing.assert_array_equal(to_cpu(p), to_cpu(q), err_msg=path)


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


# ----- PReLU -------------------------------------------------------------------------------------

def test_prelu_defaults():
    link = L.PReLU()
    assert link.W.shape == () and link.W.dtype == numpy.float32 and float(link.W.array) == 0.25
    assert [p for p, _ in link.namedparams()] == ['/W']
    numpy.testing.assert_array_equal(L.PReLU((2,), init=0.5).W.array, [0.5, 0.5])


@pytest.mark.parametrize('dtype', FLOATS)
def test_prelu_forward_and_backward(xp, dtype):
    link = _on(_randomize(make_in_dtype(L.PReLU, dtype, (3,))), xp)
    x = _away_from_zero((2, 3, 4), dtype)
    y = link(xp.asarray(x))
    W = to_cpu(link.W).reshape(1, 3, 1)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(to_cpu(y), numpy.where(x >= 0, x, W * x), **_tol(dtype))
    gradient_check.check_backward(link, xp.asarray(x), xp.asarray(normal((2, 3, 4), dtype)),
                                  params=link.W, **_grad_tol(dtype))


def test_prelu_round_trip_and_shape_error():
    _round_trip(_randomize(L.PReLU((3,))), L.PReLU((3,)))
    with pytest.raises(ValueError, match=r'prelu: .*\(2, 4\).*\(3,\)'):
        L.PReLU((3,))(numpy.zeros((2, 4), 'f'))


# ----- Swish -------------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_swish_forward_and_backward(xp, dtype):
    link = _on(make_in_dtype(L.Swish, dtype, (3,), beta_init=initializers.Normal(1.0)), xp)
    x = normal((4, 3, 2), dtype)
    y = link(xp.asarray(x))
    beta = to_cpu(link.beta).reshape(1, 3, 1)
    assert y.dtype == dtype and link.beta.shape == (3,)
    numpy.testing.assert_allclose(to_cpu(y), x * _sigmoid(beta * x), **_tol(dtype))
    gradient_check.check_backward(link, xp.asarray(x), xp.asarray(normal(x.shape, dtype)),
                                  params=link.beta, **_grad_tol(dtype))


def test_swish_lazy_beta_takes_the_sample_shape():
    link = L.Swish(None, beta_init=2.0)
    assert link.beta.array is None
    x = normal((2, 3, 4), numpy.float32)
    y = link(x)
    assert link.beta.shape == (3, 4)
    numpy.testing.assert_allclose(y.array, x * _sigmoid(2 * x), rtol=1e-5)
    _round_trip(link, L.Swish(None))


def test_swish_shape_error():
    with pytest.raises(ValueError, match=r'swish: .*\(2, 4\).*\(3,\)'):
        L.Swish((3,))(numpy.zeros((2, 4), 'f'))


# ----- Bias --------------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_bias_learned_forward_and_backward(xp, dtype):
    link = _on(_randomize(make_in_dtype(L.Bias, dtype, axis=1, shape=(3, 4))), xp)
    x = normal((2, 3, 4, 5), dtype)
    y = link(xp.asarray(x))
    assert y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_allclose(to_cpu(y), x + to_cpu(link.b).reshape(1, 3, 4, 1), **_tol(dtype))
    gradient_check.check_backward(link, xp.asarray(x), xp.asarray(normal(x.shape, dtype)),
                                  params=link.b, **_grad_tol(dtype))


def test_bias_given_at_call_time(xp):
    link = L.Bias(axis=2)
    assert list(link.params()) == []
    x, b = normal((2, 3, 4)), normal((4,))
    y = link(xp.asarray(x), xp.asarray(b))
    numpy.testing.assert_allclose(to_cpu(y), x + b, rtol=1e-12)
    gradient_check.check_backward(link, (xp.asarray(x), xp.asarray(b)),
                                  xp.asarray(normal(x.shape)))


def test_bias_defaults_and_round_trip():
    link = L.Bias(shape=3)
    assert link.axis == 1 and link.b.shape == (3,) and (link.b.array == 0).all()
    _round_trip(_randomize(link), L.Bias(shape=3))


def test_bias_errors():
    with pytest.raises(ValueError, match=r'Bias: .*== \(3,\).*x\.shape=\(2, 4\), axis=1'):
        L.Bias(shape=3)(numpy.zeros((2, 4), 'f'))
    with pytest.raises(ValueError, match=r'Bias: .*\(4, 5\).*x\.shape=\(2, 4\), axis=1'):
        L.Bias()(numpy.zeros((2, 4), 'f'), numpy.zeros((4, 5), 'f'))
    with pytest.raises(TypeError, match=r'Bias: expected the arguments \(x, y\), got 1'):
        L.Bias()(numpy.zeros((2, 4), 'f'))
    with pytest.raises(TypeError, match=r'Bias: expected the arguments \(x\), got 2'):
        L.Bias(shape=4)(numpy.zeros((2, 4), 'f'), numpy.zeros(4, 'f'))


# ----- Scale -------------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_scale_learned_with_bias_forward_and_backward(xp, dtype):
    link = _on(_randomize(make_in_dtype(L.Scale, dtype, axis=1, W_shape=(3,), bias_term=True)), xp)
    x = normal((2, 3, 4), dtype)
    y = link(xp.asarray(x))
    expected = x * to_cpu(link.W).reshape(1, 3, 1) + to_cpu(link.bias.b).reshape(1, 3, 1)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(to_cpu(y), expected, **_tol(dtype))
    gradient_check.check_backward(link, xp.asarray(x), xp.asarray(normal(x.shape, dtype)),
                                  params=(link.W, link.bias.b), **_grad_tol(dtype))


def test_scale_given_at_call_time_with_learned_bias(xp):
    link = _on(_randomize(make_in_dtype(L.Scale, numpy.float64, axis=0, bias_term=True,
                                        bias_shape=(2, 3))), xp)
    assert [p for p, _ in link.namedparams()] == ['/bias/b']
    x, w = normal((2, 3, 4)), normal((2, 3))
    y = link(xp.asarray(x), xp.asarray(w))
    expected = x * w[..., None] + to_cpu(link.bias.b)[..., None]
    numpy.testing.assert_allclose(to_cpu(y), expected, rtol=1e-12)
    gradient_check.check_backward(link, (xp.asarray(x), xp.asarray(w)),
                                  xp.asarray(normal(x.shape)), params=link.bias.b)


def test_scale_defaults_paths_and_round_trip():
    link = L.Scale(W_shape=(2, 3), bias_term=True)
    assert [(p, v.shape) for p, v in link.namedparams()] == [('/W', (2, 3)),
                                                             ('/bias/b', (2, 3))]
    assert (link.W.array == 1).all() and (link.bias.b.array == 0).all()
    assert L.Scale(W_shape=3).axis == 1 and not hasattr(L.Scale(W_shape=3), 'bias')
    _round_trip(_randomize(link), L.Scale(W_shape=(2, 3), bias_term=True))


def test_scale_errors():
    with pytest.raises(ValueError, match=r'Scale: bias_shape is needed'):
        L.Scale(bias_term=True)
    with pytest.raises(ValueError, match=r'Scale: .*== \(3,\).*x\.shape=\(2, 4, 3\), axis=1'):
        L.Scale(W_shape=3)(numpy.zeros((2, 4, 3), 'f'))
    with pytest.raises(ValueError, match=r'Scale: .*x\.shape=\(2, 3\), axis=2'):
        L.Scale(axis=2)(numpy.zeros((2, 3), 'f'), numpy.zeros(3, 'f'))
    with pytest.raises(TypeError, match=r'Scale: expected the arguments \(x, y\), got 1'):
        L.Scale()(numpy.zeros((2, 4), 'f'))


# ----- Maxout ------------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_maxout_forward_and_backward(xp, dtype):
    W = normal((2, 3, 4))  # (out_size, pool_size, in_size)
    b = normal((2, 3))
    link = _on(make_in_dtype(L.Maxout, dtype, 4, 2, 3, initialW=W, initial_bias=b), xp)
    assert link.linear.W.shape == (6, 4) and link.linear.W.dtype == dtype
    x = normal((5, 4), dtype)
    y = link(xp.asarray(x))
    expected = (numpy.einsum('opi,bi->bop', W, x) + b).max(axis=2)
    assert y.dtype == dtype and y.shape == (5, 2)
    numpy.testing.assert_allclose(to_cpu(y), expected, **_tol(dtype) if dtype == numpy.float64
                                  else dict(atol=1e-5, rtol=1e-4))
    gradient_check.check_backward(link, xp.asarray(x), xp.asarray(normal((5, 2), dtype)),
                                  params=(link.linear.W, link.linear.b), **_grad_tol(dtype))


def test_maxout_initializers_and_paths():
    link = L.Maxout(4, 2, 3)
    assert [(p, v.shape) for p, v in link.namedparams()] == [('/linear/W', (6, 4)),
                                                             ('/linear/b', (6,))]
    assert (link.linear.b.array == 0).all() and link.out_size == 2 and link.pool_size == 3
    assert L.Maxout(4, 2, 3, initial_bias=None).linear.b is None
    seen = []

    def fill(array):  # a plain callable sees the pooled shape
        seen.append(array.shape)
        array[...] = numpy.arange(array.size).reshape(array.shape)

    link = L.Maxout(4, 2, 3, initialW=fill, initial_bias=fill)
    assert seen == [(2, 3, 4), (2, 3)]
    numpy.testing.assert_array_equal(link.linear.W.array.ravel(), numpy.arange(24))
    link = L.Maxout(4, 2, 3, initialW=initializers.Constant(0.5), initial_bias=1.5)
    assert (link.linear.W.array == 0.5).all() and (link.linear.b.array == 1.5).all()


def test_maxout_lazy_in_size_and_round_trip():
    link = L.Maxout(None, 2, 3)
    y = link(normal((4, 5), numpy.float32))
    assert y.shape == (4, 2) and link.linear.W.shape == (6, 5)
    _round_trip(link, L.Maxout(None, 2, 3))


def test_maxout_errors():
    with pytest.raises(ValueError, match=r'Maxout: initialW must be an array of shape '
                                         r'\(2, 3, 4\) .*got shape \(6, 4\)'):
        L.Maxout(4, 2, 3, initialW=numpy.zeros((6, 4), 'f'))
    with pytest.raises(ValueError, match=r"Maxout: initialW .*\(2, 3, 'in_size'\) .*"
                                         r"got shape \(3, 2, 4\)"):
        L.Maxout(None, 2, 3, initialW=numpy.zeros((3, 2, 4), 'f'))
    with pytest.raises(ValueError, match=r'Maxout: initial_bias must be an array of shape '
                                         r'\(2, 3\) .*got shape \(6,\)'):
        L.Maxout(4, 2, 3, initial_bias=numpy.zeros(6, 'f'))
    with pytest.raises(ValueError, match=r'linear: .*\(5, 3\).*\(6, 4\)'):
        L.Maxout(4, 2, 3)(numpy.zeros((5, 3), 'f'))


# ----- Highway -----------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_highway_forward_and_backward(xp, dtype):
    link = _on(_randomize(make_in_dtype(L.Highway, dtype, 3)), xp)
    x = normal((4, 3), dtype)
    y = link(xp.asarray(x))
    Wh, bh, Wt, bt = (to_cpu(p).astype(numpy.float64) for p in (
        link.plain.W, link.plain.b, link.transform.W, link.transform.b))
    h = numpy.maximum(x @ Wh.T + bh, 0)
    t = _sigmoid(x @ Wt.T + bt)
    assert y.dtype == dtype and y.shape == (4, 3)
    numpy.testing.assert_allclose(to_cpu(y), h * t + x * (1 - t), **_tol(dtype) if
                                  dtype == numpy.float64 else dict(atol=1e-5, rtol=1e-4))
    gradient_check.check_backward(link, xp.asarray(x), xp.asarray(normal((4, 3), dtype)),
                                  params=tuple(link.params()), **_grad_tol(dtype))


def test_highway_defaults_options_and_round_trip():
    link = L.Highway(3)
    assert [(p, v.shape) for p, v in link.namedparams()] == [
        ('/plain/W', (3, 3)), ('/plain/b', (3,)), ('/transform/W', (3, 3)),
        ('/transform/b', (3,))]
    assert (link.transform.b.array == -1).all() and (link.plain.b.array == 0).all()
    assert link.activate is F.relu
    link = L.Highway(2, nobias=True, activate=F.tanh, init_Wh=0.5, init_Wt=0.0)
    assert link.plain.b is None and link.transform.b is None
    x = numpy.array([[1.0, -2.0]], 'f')
    # W_t = 0 makes the gate 1/2: y = (tanh(W_h x) + x) / 2
    numpy.testing.assert_allclose(link(x).array, (numpy.tanh(x @ numpy.full((2, 2), 0.5)) + x)
                                  / 2, rtol=1e-6)
    _round_trip(_randomize(L.Highway(3)), L.Highway(3))


def test_highway_shape_error():
    with pytest.raises(ValueError, match=r'linear: .*\(2, 4\).*\(3, 3\)'):
        L.Highway(3)(numpy.zeros((2, 4), 'f'))
