"""Tests of L.DilatedConvolution2D and L.LocalConvolution2D.

Each link's forward against the ``F.*`` call with its parameters, gradients to every
parameter, Chainer's constructor forms and lazy shapes, parameter names and shapes (so npz
keys match Chainer's), initializers, npz round trips (also into a lazy link), device moves, and
errors.
"""
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import gradient_check
from dbr import initializers
from dbr import serializers
from dbr import testing
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]


def _on(link, xp):
    return link.to_device('@numpy' if xp is numpy else '@cupy:0')


def _uniform(*shape):
    return numpy.random.uniform(-1, 1, shape)


# name -> (make the link, input shape, the same computation through F with the link's params,
# parameter shapes after the first call)
CASES = {
    'dilated': (lambda: L.DilatedConvolution2D(3, 4, 3, stride=2, pad=2, dilate=2), (2, 3, 9, 8),
                lambda m, x: F.dilated_convolution_2d(x, m.W, m.b, 2, 2, 2),
                {'W': (4, 3, 3, 3), 'b': (4,)}),
    'dilated_short_lazy': (lambda: L.DilatedConvolution2D(4, (3, 2), dilate=(1, 2)),
                           (1, 2, 6, 7),
                           lambda m, x: F.dilated_convolution_2d(x, m.W, m.b, dilate=(1, 2)),
                           {'W': (4, 2, 3, 2), 'b': (4,)}),
    'dilated_nobias': (lambda: L.DilatedConvolution2D(None, 2, 2, nobias=True), (1, 3, 4, 4),
                       lambda m, x: F.dilated_convolution_2d(x, m.W),
                       {'W': (2, 3, 2, 2)}),
    'local': (lambda: L.LocalConvolution2D(3, 2, in_size=(6, 5), ksize=3, stride=(1, 2)),
              (2, 3, 6, 5), lambda m, x: F.local_convolution_2d(x, m.W, m.b, (1, 2)),
              {'W': (2, 4, 2, 3, 3, 3), 'b': (2, 4, 2)}),
    'local_lazy': (lambda: L.LocalConvolution2D(None, 2, ksize=2), (2, 3, 4, 3),
                   lambda m, x: F.local_convolution_2d(x, m.W, m.b),
                   {'W': (2, 3, 2, 3, 2, 2), 'b': (2, 3, 2)}),
    'local_lazy_size_nobias': (lambda: L.LocalConvolution2D(3, 1, ksize=(1, 2), nobias=True),
                               (1, 3, 2, 4), lambda m, x: F.local_convolution_2d(x, m.W),
                               {'W': (1, 2, 3, 3, 1, 2)}),
}


def _case(name, dtype, xp):
    make, x_shape, reference, shapes = CASES[name]
    x = xp.asarray(_uniform(*x_shape).astype(dtype))
    with dbr.using_config('dtype', numpy.dtype(dtype)):
        link = _on(make(), xp)
        link(x)
    if getattr(link, 'b', None) is not None:
        link.b.array[...] = xp.asarray(_uniform(*link.b.shape))  # not the zeros it starts with
    return link, x, reference, shapes


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('name', sorted(CASES))
def test_forward_equals_function_with_its_parameters(xp, name, dtype):
    link, x, reference, shapes = _case(name, dtype, xp)
    y = link(x)
    assert y.dtype == dtype
    testing.assert_allclose(y.array, reference(link, x).array, atol=0, rtol=0)
    assert {p.name: p.shape for p in link.params()} == shapes
    assert sorted(path for path, _ in link.namedparams()) == sorted('/' + k for k in shapes)
    for param in link.params():
        assert param.dtype == dtype


@pytest.mark.parametrize('name', sorted(CASES))
def test_gradients_flow_to_every_parameter(xp, name):
    link, x, _, _ = _case(name, numpy.float64, xp)
    gy = xp.asarray(numpy.random.normal(size=link(x).shape))
    params = tuple(link.params())
    gradient_check.check_backward(lambda v: link(v), x, gy, params=params)
    link.cleargrads()
    F.sum(link(x) * gy).backward()
    for param in params:
        assert param.grad is not None and param.grad.shape == param.shape, param.name


@pytest.mark.parametrize('name', sorted(CASES))
def test_save_load_npz_round_trip_also_into_a_lazy_link(name):
    link, x, _, shapes = _case(name, numpy.float32, numpy)
    y = link(x).array
    buf = io.BytesIO()
    serializers.save_npz(buf, link)
    for fresh in (_case(name, numpy.float32, numpy)[0], CASES[name][0]()):
        buf.seek(0)
        serializers.load_npz(buf, fresh)
        assert {p.name: p.shape for p in fresh.params()} == shapes
        testing.assert_allclose(fresh(x).array, y, atol=0, rtol=0)
    buf.seek(0)
    assert sorted(numpy.load(buf).files) == sorted(shapes)


@pytest.mark.parametrize('name', ['dilated', 'local'])
def test_to_device_numpy_and_copy(name):
    link, x, _, _ = _case(name, numpy.float32, numpy)
    y = link(x).array
    moved = link.to_device('@numpy')
    assert moved is link and isinstance(link.W.array, numpy.ndarray)
    testing.assert_allclose(link(x).array, y, atol=0, rtol=0)
    copied = link.copy('copy')
    assert copied.W.array is not link.W.array
    testing.assert_allclose(copied(x).array, y, atol=0, rtol=0)


@pytest.mark.parametrize('name', ['dilated_short_lazy', 'local_lazy', 'local_lazy_size_nobias'])
def test_lazy_parameters_appear_on_the_first_call(name):
    make, x_shape, _, shapes = CASES[name]
    link = make()
    assert link.W.array is None
    # The convolution's bias does not depend on the input; the local one's does.
    before = [p.name for p in link.params(include_uninit=False)]
    assert before == (['b'] if name == 'dilated_short_lazy' else [])
    link(numpy.ones(x_shape, numpy.float32))
    assert {p.name: p.shape for p in link.params(include_uninit=False)} == shapes


def test_dilated_convolution_2d_argument_forms_agree():
    forms = [L.DilatedConvolution2D(3, 4, 3, pad=2, dilate=2),
             L.DilatedConvolution2D(None, 4, 3, pad=2, dilate=2),
             L.DilatedConvolution2D(4, 3, pad=2, dilate=2)]
    x = numpy.random.uniform(-1, 1, (1, 3, 6, 6)).astype(numpy.float32)
    for link in forms:
        link.W.initialize((4, 3, 3, 3))
        link.W.array[...] = forms[0].W.array
    ys = [link(x).array for link in forms]
    for y in ys[1:]:
        testing.assert_allclose(y, ys[0], atol=0, rtol=0)
    assert forms[0].stride == (1, 1) and forms[0].pad == (2, 2) and forms[0].dilate == (2, 2)
    assert forms[0].out_channels == 4 and forms[0].ksize == (3, 3)


def test_default_and_given_initializers():
    dilated = L.DilatedConvolution2D(2, 3, 2)
    local = L.LocalConvolution2D(2, 3, 4, 2)
    for link in (dilated, local):
        assert numpy.all(link.b.array == 0)
        assert link.W.array.std() > 0
    local = L.LocalConvolution2D(2, 3, 4, 2, initialW=initializers.Constant(0.5),
                                 initial_bias=2.0)
    assert numpy.all(local.W.array == 0.5) and numpy.all(local.b.array == 2.0)
    w = numpy.arange(3 * 3 * 3 * 2 * 2 * 2, dtype=numpy.float32).reshape(3, 3, 3, 2, 2, 2)
    testing.assert_allclose(L.LocalConvolution2D(2, 3, 4, 2, initialW=w).W.array, w)


@pytest.mark.parametrize('make,error,match', [
    (lambda: L.LocalConvolution2D(3, 2, in_size=5), TypeError,
     r'LocalConvolution2D: ksize is required'),
    (lambda: L.LocalConvolution2D(3, 2, in_size=2, ksize=3), ValueError,
     r'LocalConvolution2D: ksize \(3, 3\) does not fit the input size \(2, 2\)'),
    (lambda: L.LocalConvolution2D(3, 0, in_size=4, ksize=3), TypeError,
     r'LocalConvolution2D: out_channels must be a positive int, got 0'),
    (lambda: L.LocalConvolution2D(3, 2, 4, 3, initialW=numpy.zeros((2, 2))), ValueError,
     r'LocalConvolution2D: initialW has shape \(2, 2\), which does not broadcast to the '
     r'parameter shape \(2, 2, 2, 3, 3, 3\)'),
    (lambda: L.DilatedConvolution2D(3, 2, 3, dilate=0), ValueError,
     r'DilatedConvolution2D: dilate must be >= 1'),
    (lambda: L.DilatedConvolution2D(3, None), TypeError,
     r'DilatedConvolution2D: out_channels and ksize are required'),
])
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_inputs_that_do_not_fit():
    lazy = L.LocalConvolution2D(None, 2, ksize=2)
    with pytest.raises(InvalidType, match=r'LocalConvolution2D: expected x.ndim == 4'):
        lazy(numpy.zeros((3, 4, 4), numpy.float32))
    assert lazy.W.array is None  # a failed first call leaves the link uninitialized
    local = L.LocalConvolution2D(3, 2, in_size=4, ksize=2)
    with pytest.raises(InvalidType, match=r'local_convolution_2d: expected W.shape\[1\] =='):
        local(numpy.zeros((1, 3, 5, 4), numpy.float32))
    dilated = L.DilatedConvolution2D(3, 2, 3, dilate=2)
    with pytest.raises(InvalidType, match=r'dilated_convolution_2d: expected x.shape\[1\] == '
                                          r'W.shape\[1\]'):
        dilated(numpy.zeros((1, 2, 8, 8), numpy.float32))
