"""Tests of the connection links: Linear, EmbedID, Bilinear, the (de)convolutions.

Each link's forward against the ``F.*`` call with its parameters (and, for Linear, a NumPy
reference), gradients to every parameter, Chainer's constructor argument forms and lazy
shapes, default and user-given initializers, npz round trips, copies, and errors.
"""
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import backend
from dbr import gradient_check
from dbr import initializers
from dbr import optimizers
from dbr import serializers
from dbr.type_check import InvalidType

from _link_helpers import to_cpu

FLOATS = [numpy.float64, numpy.float32]


def _on(link, xp):
    return link.to_device('@numpy' if xp is numpy else '@cupy:0')


def _uniform(*shape):
    return numpy.random.uniform(-1, 1, shape)


# name -> (make the link, make its inputs, the same computation through F with the params of m)
CASES = {
    'linear': (lambda: L.Linear(4, 3), lambda: (_uniform(5, 4),),
               lambda m, x: F.linear(x, m.W, m.b)),
    'linear_lazy_nobias': (lambda: L.Linear(3, nobias=True), lambda: (_uniform(2, 2, 3),),
                           lambda m, x: F.linear(x, m.W)),
    'embed_id': (lambda: L.EmbedID(6, 3, ignore_label=-1),
                 lambda: (numpy.array([[0, 5, -1], [2, 2, 1]], numpy.int32),),
                 lambda m, x: F.embed_id(x, m.W, ignore_label=-1)),
    'bilinear': (lambda: L.Bilinear(3, 2, 4), lambda: (_uniform(5, 3), _uniform(5, 2)),
                 lambda m, e1, e2: F.bilinear(e1, e2, m.W, m.V1, m.V2, m.b)),
    'bilinear_nobias': (lambda: L.Bilinear(3, 2, 4, nobias=True),
                        lambda: (_uniform(5, 3), _uniform(5, 2)),
                        lambda m, e1, e2: F.bilinear(e1, e2, m.W)),
    'convolution_2d': (lambda: L.Convolution2D(4, 6, 3, stride=2, pad=1, groups=2),
                       lambda: (_uniform(2, 4, 5, 6),),
                       lambda m, x: F.convolution_2d(x, m.W, m.b, 2, 1, groups=2)),
    'convolution_2d_lazy_dilate': (lambda: L.Convolution2D(3, 2, pad=(1, 0), dilate=2),
                                   lambda: (_uniform(2, 3, 6, 7),),
                                   lambda m, x: F.convolution_2d(x, m.W, m.b, 1, (1, 0),
                                                                 dilate=2)),
    'deconvolution_2d': (lambda: L.Deconvolution2D(4, 6, 3, stride=2, pad=1, outsize=(8, 7),
                                                   groups=2),
                         lambda: (_uniform(2, 4, 4, 4),),
                         lambda m, x: F.deconvolution_2d(x, m.W, m.b, 2, 1, (8, 7), groups=2)),
    'deconvolution_2d_lazy_nobias': (lambda: L.Deconvolution2D(None, 2, 2, nobias=True,
                                                               dilate=2),
                                     lambda: (_uniform(1, 3, 3, 2),),
                                     lambda m, x: F.deconvolution_2d(x, m.W, dilate=2)),
    'convolution_nd': (lambda: L.ConvolutionND(2, 3, 4, (2, 3), stride=2, cover_all=True),
                       lambda: (_uniform(2, 3, 5, 6),),
                       lambda m, x: F.convolution_nd(x, m.W, m.b, 2, cover_all=True)),
    'convolution_1d': (lambda: L.Convolution1D(2, 4, 3, pad=1, groups=2),
                       lambda: (_uniform(2, 2, 7),),
                       lambda m, x: F.convolution_1d(x, m.W, m.b, pad=1, groups=2)),
    'convolution_3d_lazy': (lambda: L.Convolution3D(3, 2), lambda: (_uniform(1, 2, 3, 4, 3),),
                            lambda m, x: F.convolution_3d(x, m.W, m.b)),
    'deconvolution_nd': (lambda: L.DeconvolutionND(2, 3, 2, 3, stride=(2, 1), pad=1),
                         lambda: (_uniform(2, 3, 3, 4),),
                         lambda m, x: F.deconvolution_nd(x, m.W, m.b, (2, 1), 1)),
    'deconvolution_1d': (lambda: L.Deconvolution1D(2, 4, 3, stride=2, outsize=8),
                         lambda: (_uniform(2, 2, 3),),
                         lambda m, x: F.deconvolution_1d(x, m.W, m.b, 2, outsize=(8,))),
    'deconvolution_3d_lazy': (lambda: L.Deconvolution3D(None, 3, 2, groups=1),
                              lambda: (_uniform(1, 2, 2, 3, 2),),
                              lambda m, x: F.deconvolution_3d(x, m.W, m.b)),
    'depthwise_convolution_2d': (lambda: L.DepthwiseConvolution2D(3, 2, 3, stride=2, pad=1),
                                 lambda: (_uniform(2, 3, 5, 5),),
                                 lambda m, x: F.depthwise_convolution_2d(x, m.W, m.b, 2, 1)),
    'depthwise_convolution_2d_lazy': (lambda: L.DepthwiseConvolution2D(None, 2, (2, 3)),
                                      lambda: (_uniform(1, 3, 4, 4),),
                                      lambda m, x: F.depthwise_convolution_2d(x, m.W, m.b)),
}


def _case(name, dtype, xp):
    """The initialized link of case ``name`` in ``dtype`` on ``xp``, and its inputs.

    The links take their dtype from ``config.dtype`` (lazy ones at their first call). The
    biases are randomized so that they matter.
    """
    make, make_inputs, reference = CASES[name]
    inputs = [xp.asarray(a.astype(dtype) if a.dtype.kind == 'f' else a)
              for a in make_inputs()]
    with dbr.using_config('dtype', numpy.dtype(dtype)):
        link = _on(make(), xp)
        link(*inputs)
    for param in link.params():
        if param.name in ('b', 'V1', 'V2'):
            param.array[...] = xp.asarray(_uniform(*param.shape))
    return link, inputs, reference


# ----- every link: forward, gradients, serialization, copies -------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('name', sorted(CASES))
def test_forward_equals_function_with_its_parameters(xp, name, dtype):
    link, inputs, reference = _case(name, dtype, xp)
    y = link(*inputs)
    expected = reference(link, *inputs)
    assert y.dtype == dtype
    assert backend.get_array_module(y.array) is xp
    numpy.testing.assert_array_equal(to_cpu(y), to_cpu(expected))
    for param in link.params():
        assert param.dtype == dtype


@pytest.mark.parametrize('name', sorted(CASES))
def test_gradients_flow_to_every_parameter(xp, name):
    link, inputs, _ = _case(name, numpy.float64, xp)
    y = link(*inputs)
    gy = xp.asarray(numpy.random.normal(size=y.shape))
    params = tuple(link.params())
    gradient_check.check_backward(lambda *xs: link(*xs), tuple(inputs), gy, params=params)
    link.cleargrads()
    F.sum(link(*inputs) * gy).backward()
    for param in params:
        assert param.grad is not None and param.grad.shape == param.shape, param.name


@pytest.mark.parametrize('name', ['linear', 'convolution_2d', 'bilinear', 'deconvolution_nd'])
def test_gradients_float32(xp, name):
    link, inputs, _ = _case(name, numpy.float32, xp)
    y = link(*inputs)
    gy = xp.asarray(numpy.random.normal(size=y.shape).astype(numpy.float32))
    gradient_check.check_backward(lambda *xs: link(*xs), tuple(inputs), gy,
                                  params=tuple(link.params()), dtype=numpy.float64, atol=1e-4,
                                  rtol=1e-3)


@pytest.mark.parametrize('name', sorted(CASES))
def test_save_load_npz_round_trip(name):
    link, inputs, _ = _case(name, numpy.float32, numpy)
    y = link(*inputs).array
    buf = io.BytesIO()
    serializers.save_npz(buf, link)
    numpy.random.seed(1)
    fresh, _, _ = _case(name, numpy.float32, numpy)  # other values
    buf.seek(0)
    serializers.load_npz(buf, fresh)
    for (path, p), (fresh_path, q) in zip(link.namedparams(), fresh.namedparams()):
        assert path == fresh_path
        numpy.testing.assert_array_equal(p.array, q.array)
    numpy.testing.assert_array_equal(fresh(*inputs).array, y)


@pytest.mark.parametrize('name', sorted(CASES))
def test_copy_modes(name):
    link, inputs, _ = _case(name, numpy.float32, numpy)
    link.cleargrads()
    F.sum(link(*inputs)).backward()
    copied, shared, init = link.copy('copy'), link.copy('share'), link.copy('init')
    for path, param in link.namedparams():
        c, s, i = (dict(other.namedparams())[path] for other in (copied, shared, init))
        numpy.testing.assert_array_equal(c.array, param.array)
        assert c.array is not param.array
        assert s.array is param.array and s.grad is None
        assert i.shape == param.shape and i.array is not param.array
    numpy.testing.assert_array_equal(copied(*inputs).array, link(*inputs).array)
    # 'init' draws random weights anew, and the (randomized) biases go back to zero.
    assert not numpy.array_equal(init.W.array, link.W.array)
    if getattr(init, 'b', None) is not None:
        numpy.testing.assert_array_equal(init.b.array, 0)


# ----- lazy parameters -----------------------------------------------------------------------

LAZY = {
    'Linear': (lambda: L.Linear(None, 3), (2, 4), (3, 4)),
    'Linear_one_argument': (lambda: L.Linear(3), (2, 2, 2), (3, 4)),
    'Convolution2D': (lambda: L.Convolution2D(None, 4, 3), (1, 2, 5, 5), (4, 2, 3, 3)),
    'Convolution2D_short': (lambda: L.Convolution2D(4, 3), (1, 2, 5, 5), (4, 2, 3, 3)),
    'Convolution2D_groups': (lambda: L.Convolution2D(6, 3, groups=3), (1, 3, 4, 4),
                             (6, 1, 3, 3)),
    'Deconvolution2D': (lambda: L.Deconvolution2D(4, 3, groups=2), (1, 2, 3, 3), (2, 2, 3, 3)),
    'ConvolutionND': (lambda: L.ConvolutionND(1, None, 4, 3), (2, 5, 6), (4, 5, 3)),
    'DeconvolutionND': (lambda: L.DeconvolutionND(1, 4, 3), (2, 5, 6), (5, 4, 3)),
    'DepthwiseConvolution2D': (lambda: L.DepthwiseConvolution2D(None, 2, 3), (1, 3, 4, 4),
                               (2, 3, 3, 3)),
}


@pytest.mark.parametrize('name', sorted(LAZY))
def test_lazy_parameters_appear_on_the_first_call(name):
    make, x_shape, w_shape = LAZY[name]
    link = make()
    assert link.W.array is None
    assert 'W' not in [p.name for p in link.params(include_uninit=False)]
    assert link.W in list(link.params())
    link(numpy.ones(x_shape, numpy.float32))
    assert link.W.shape == w_shape and link.W.dtype == numpy.float32
    assert all(p.array is not None for p in link.params())


@pytest.mark.parametrize('name', sorted(LAZY))
def test_lazy_link_loads_npz_before_its_first_call(name):
    make, x_shape, w_shape = LAZY[name]
    source = make()
    x = numpy.random.uniform(-1, 1, x_shape).astype(numpy.float32)
    y = source(x).array
    buf = io.BytesIO()
    serializers.save_npz(buf, source)
    target = make()
    buf.seek(0)
    serializers.load_npz(buf, target)
    assert target.W.shape == w_shape
    numpy.testing.assert_array_equal(target(x).array, y)


@pytest.mark.parametrize('name', sorted(LAZY))
def test_optimizer_set_up_before_the_first_call_updates_lazy_parameters(name):
    make, x_shape, _ = LAZY[name]
    link = make()
    optimizer = optimizers.SGD(lr=0.1).setup(link)
    x = numpy.random.uniform(-1, 1, x_shape).astype(numpy.float32)
    optimizer.update()  # nothing initialized yet: nothing to do, no error
    loss = F.sum(link(x) ** 2)
    before = [p.array.copy() for p in link.params()]
    link.cleargrads()
    loss.backward()
    optimizer.update()
    for old, param in zip(before, link.params()):
        numpy.testing.assert_allclose(param.array, old - 0.1 * param.grad, rtol=1e-6, atol=1e-7)
        assert not numpy.array_equal(param.array, old)


def test_lazy_linear_takes_in_size_after_the_batch_axes():
    # Chainer #7096: in_size must be the size after n_batch_axes, not after the first axis.
    x = numpy.random.uniform(-1, 1, (2, 3, 4, 5)).astype(numpy.float32)
    for n_batch_axes, in_size in ((1, 60), (2, 20), (3, 5)):
        link = L.Linear(None, 6)
        y = link(x, n_batch_axes=n_batch_axes)
        assert link.W.shape == (6, in_size)
        assert y.shape == x.shape[:n_batch_axes] + (6,)
        expected = x.reshape(x.shape[:n_batch_axes] + (-1,)) @ link.W.array.T + link.b.array
        numpy.testing.assert_allclose(y.array, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('shape, n_batch_axes', [((4,), 1), ((2, 3), 2), ((2, 3), 0),
                                                 ((2, 3), True), ((2, 3), 1.0)])
def test_lazy_linear_rejects_inputs_without_features_and_stays_uninitialized(shape,
                                                                             n_batch_axes):
    link = L.Linear(None, 3)
    with pytest.raises(InvalidType, match=r'Linear: .*x.shape=\(' + str(shape[0])):
        link(numpy.ones(shape, numpy.float32), n_batch_axes=n_batch_axes)
    assert link.W.array is None


@pytest.mark.parametrize('make, x_shape, label', [
    (lambda: L.Convolution2D(4, 3), (2, 3, 5), 'Convolution2D'),
    (lambda: L.Deconvolution2D(4, 3), (2, 3, 5, 5, 5), 'Deconvolution2D'),
    (lambda: L.ConvolutionND(3, None, 4, 2), (2, 3, 5, 5), 'ConvolutionND'),
    (lambda: L.Convolution1D(4, 2), (2, 3), 'Convolution1D'),
    (lambda: L.DepthwiseConvolution2D(None, 2, 3), (3, 5, 5), 'DepthwiseConvolution2D'),
])
def test_lazy_convolutions_reject_inputs_of_the_wrong_ndim(make, x_shape, label):
    link = make()
    with pytest.raises(InvalidType, match=rf'{label}: expected x.ndim == \d') as info:
        link(numpy.ones(x_shape, numpy.float32))
    assert f'x.shape={x_shape}' in str(info.value)
    assert link.W.array is None


def test_lazy_convolution_rejects_input_channels_not_divisible_by_groups():
    link = L.Convolution2D(None, 6, 3, groups=2)
    with pytest.raises(ValueError, match=r'Convolution2D: in_channels \(3\) must be divisible '
                                         r'by groups \(2\)'):
        link(numpy.ones((1, 3, 4, 4), numpy.float32))
    assert link.W.array is None


def test_lazy_parameters_take_the_dtype_configured_at_construction():
    # Fixed when the link is built, so a lazy W always matches its eagerly created b.
    with dbr.using_config('dtype', numpy.float64):
        link = L.Linear(None, 2)
    assert link(numpy.ones((1, 3))).dtype == numpy.float64
    assert link.W.dtype == link.b.dtype == numpy.float64
    plain = L.Linear(None, 2)
    with dbr.using_config('dtype', numpy.float64):
        plain(numpy.ones((1, 3), numpy.float32))
    assert plain.W.dtype == numpy.float32


# ----- argument forms ------------------------------------------------------------------------

def test_linear_argument_forms():
    full = L.Linear(3, 2)
    assert (full.in_size, full.out_size, full.W.shape, full.b.shape) == (3, 2, (2, 3), (2,))
    for lazy in (L.Linear(2), L.Linear(None, 2), L.Linear(None, out_size=2)):
        assert (lazy.in_size, lazy.out_size, lazy.W.array) == (None, 2, None)
        assert lazy.b.shape == (2,)
    assert L.Linear(numpy.int64(3), numpy.int32(2)).W.shape == (2, 3)


@pytest.mark.parametrize('cls', [L.Convolution2D, L.Deconvolution2D])
def test_convolution_2d_argument_forms_agree(cls):
    x = numpy.random.uniform(-1, 1, (1, 3, 6, 6)).astype(numpy.float32)
    shapes = set()
    for make in (lambda: cls(3, 7, 4, 2, 1), lambda: cls(None, 7, 4, 2, 1),
                 lambda: cls(7, 4, stride=2, pad=1), lambda: cls(3, 7, ksize=4, stride=2, pad=1)):
        link = make()
        y = link(x)
        assert link.stride == (2, 2) and link.pad == (1, 1) and link.ksize == (4, 4)
        shapes.add((link.W.shape, y.shape))
    assert len(shapes) == 1


def test_convolution_nd_argument_forms_and_attributes():
    link = L.ConvolutionND(3, 2, 5, (1, 2, 3), stride=(1, 1, 2), pad=1, dilate=(1, 2, 1))
    assert link.W.shape == (5, 2, 1, 2, 3) and link.b.shape == (5,)
    assert (link.ndim, link.ksize, link.stride, link.pad, link.dilate, link.groups) == (
        3, (1, 2, 3), (1, 1, 2), (1, 1, 1), (1, 2, 1), 1)
    assert L.ConvolutionND(2, 5, 3).W.array is None
    assert L.Deconvolution3D(4, 2, groups=2).out_channels == 4
    assert L.DeconvolutionND(2, 4, 6, 3, groups=2).W.shape == (4, 3, 3, 3)


@pytest.mark.parametrize('make, error, match', [
    (lambda: L.Linear(None), TypeError, r'Linear: out_size must be a positive int, got None'),
    (lambda: L.Linear(3, 0), TypeError, r'Linear: out_size must be a positive int, got 0'),
    (lambda: L.Linear(2.5, 3), TypeError, r'Linear: in_size must be a positive int or None'),
    (lambda: L.Linear(3, True), TypeError, r'Linear: out_size'),
    (lambda: L.Convolution2D(None, 7), TypeError,
     r'Convolution2D: out_channels and ksize are required.*got in_channels=None, '
     r'out_channels=7, ksize=None'),
    (lambda: L.Convolution2D(3, None), TypeError,
     r'Convolution2D: out_channels and ksize are required'),
    (lambda: L.Deconvolution2D(3), TypeError, r'missing 1 required positional argument'),
    (lambda: L.ConvolutionND(2, None, 4), TypeError,
     r'ConvolutionND: out_channels and ksize are required'),
    (lambda: L.Convolution2D(3, 4, 0), ValueError, r'Convolution2D: ksize must be >= 1, got 0'),
    (lambda: L.Convolution2D(3, 4, (3, 3, 3)), ValueError,
     r'Convolution2D: ksize must be an int or a sequence of 2 ints'),
    (lambda: L.Convolution2D(3, 4, 3, stride=0), ValueError, r'Convolution2D: stride must be'),
    (lambda: L.Convolution2D(3, 4, 3, pad=-1), ValueError, r'Convolution2D: pad must be >= 0'),
    (lambda: L.Convolution2D(4, 6, 3, groups=4), ValueError,
     r'Convolution2D: out_channels \(6\) must be divisible by groups \(4\)'),
    (lambda: L.Convolution2D(3, 6, 3, groups=2), ValueError,
     r'Convolution2D: in_channels \(3\) must be divisible by groups \(2\)'),
    (lambda: L.Convolution2D(4, 6, 3, groups=0), ValueError,
     r'Convolution2D: groups must be a positive int'),
    (lambda: L.Deconvolution2D(3, 4, 3, outsize=(5, 5, 5)), ValueError,
     r'Deconvolution2D: outsize must be an int or a sequence of 2 ints'),
    (lambda: L.ConvolutionND(0, 3, 4, 2), TypeError, r'ConvolutionND: ndim must be a positive'),
    (lambda: L.DepthwiseConvolution2D(3, 0, 3), TypeError,
     r'DepthwiseConvolution2D: channel_multiplier must be a positive int'),
    (lambda: L.EmbedID(0, 3), TypeError, r'EmbedID: in_size must be a positive int, got 0'),
    (lambda: L.Bilinear(3, 2, None), TypeError, r'Bilinear: out_size must be a positive int'),
    (lambda: L.Bilinear(3, 2, 4, initial_bias=0), ValueError,
     r'Bilinear: initial_bias must be None or a tuple \(initialV1, initialV2, initialb\), '
     r'got int'),
    (lambda: L.Bilinear(3, 2, 4, initial_bias=(0, 0)), ValueError, r'Bilinear: initial_bias'),
])
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ----- initializers --------------------------------------------------------------------------

@pytest.mark.parametrize('make, fan_in', [
    (lambda: L.Linear(1000, 400), 1000),
    (lambda: L.Convolution2D(40, 100, 5), 1000),
    (lambda: L.Deconvolution2D(100, 40, 5), 40 * 25),
    (lambda: L.ConvolutionND(1, 250, 400, 4), 1000),
    (lambda: L.DepthwiseConvolution2D(40, 100, 5), 1000),
])
def test_default_weight_initializer_is_lecun_normal(make, fan_in):
    link = make()
    w = link.W.array
    assert w.dtype == numpy.float32
    # At least 100k draws: the sample std is within 1% of 1/sqrt(fan_in) (4.5 sigma).
    assert abs(w.mean()) < 5 * fan_in ** -0.5 / numpy.sqrt(w.size)
    numpy.testing.assert_allclose(w.std(), fan_in ** -0.5, rtol=0.01)
    numpy.testing.assert_array_equal(link.b.array, 0)


def test_default_initializers_of_embed_id_and_bilinear():
    w = L.EmbedID(1000, 400).W.array
    assert w.dtype == numpy.float32 and w.shape == (1000, 400)
    assert abs(w.mean()) < 0.01
    numpy.testing.assert_allclose(w.std(), 1.0, rtol=0.01)
    bl = L.Bilinear(100, 50, 80)
    numpy.testing.assert_allclose(bl.W.array.std(), (50 * 80) ** -0.5, rtol=0.01)
    numpy.testing.assert_allclose(bl.V1.array.std(), 80 ** -0.5, rtol=0.05)
    numpy.testing.assert_array_equal(bl.b.array, 0)


class _Fill:
    """A plain callable initializer (not an ``Initializer`` subclass)."""

    def __call__(self, array):
        array[...] = numpy.arange(array.size).reshape(array.shape)


@pytest.mark.parametrize('value, expected', [
    (0.5, numpy.full((2, 3), 0.5)),
    (numpy.float64(-2), numpy.full((2, 3), -2.0)),
    (2, numpy.full((2, 3), 2.0)),
    (numpy.arange(6.).reshape(2, 3), numpy.arange(6.).reshape(2, 3)),  # float64: W stays float32
    (numpy.arange(3, dtype=numpy.float32), numpy.tile(numpy.arange(3.), (2, 1))),  # broadcast
    (initializers.Constant(3.0), numpy.full((2, 3), 3.0)),
    (initializers.One(), numpy.ones((2, 3))),
    ('one', numpy.ones((2, 3))),
    ('zero', numpy.zeros((2, 3))),
    ('identity', None),
    (_Fill(), numpy.arange(6.).reshape(2, 3)),
])
def test_linear_initial_w_forms(value, expected):
    if expected is None:  # identity needs a square weight
        link = L.Linear(3, 3, initialW=value)
        expected = numpy.eye(3)
    else:
        link = L.Linear(3, 2, initialW=value)
    assert link.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(link.W.array, expected)


def test_lazy_linear_initial_w_array_is_used_on_the_first_call():
    w = numpy.arange(6.).reshape(2, 3)
    link = L.Linear(2, initialW=w, initial_bias=numpy.array([1., -1.]))
    y = link(numpy.ones((1, 3), numpy.float32))
    numpy.testing.assert_array_equal(link.W.array, w)
    numpy.testing.assert_array_equal(y.array, [[4., 11.]])


@pytest.mark.parametrize('value, expected', [
    (0.25, [0.25] * 3), (numpy.array([1., 2., 3.]), [1., 2., 3.]), ('one', [1.] * 3),
    (initializers.Constant(-1.0), [-1.] * 3),
])
def test_initial_bias_forms(value, expected):
    for link in (L.Linear(2, 3, initial_bias=value), L.Convolution2D(2, 3, 1, initial_bias=value),
                 L.Deconvolution2D(None, 3, 1, initial_bias=value),
                 L.ConvolutionND(1, 2, 3, 1, initial_bias=value)):
        assert link.b.dtype == numpy.float32
        numpy.testing.assert_array_equal(link.b.array, expected)


def test_initializers_of_other_links():
    conv = L.Convolution2D(2, 3, 2, initialW='one', initial_bias=0.5)
    numpy.testing.assert_array_equal(conv.W.array, numpy.ones((3, 2, 2, 2)))
    depthwise = L.DepthwiseConvolution2D(None, 2, 1, initialW=numpy.ones((2, 3, 1, 1)),
                                         initial_bias=numpy.arange(6.))
    depthwise(numpy.zeros((1, 3, 2, 2), numpy.float32))
    numpy.testing.assert_array_equal(depthwise.b.array, numpy.arange(6.))
    embed = L.EmbedID(3, 2, initialW=numpy.arange(6.).reshape(3, 2))
    assert embed.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(embed.W.array, numpy.arange(6.).reshape(3, 2))
    bl = L.Bilinear(2, 3, 4, initialW=0.5, initial_bias=(1.0, 'zero', numpy.arange(4.)))
    numpy.testing.assert_array_equal(bl.W.array, numpy.full((2, 3, 4), 0.5))
    numpy.testing.assert_array_equal(bl.V1.array, numpy.ones((2, 4)))
    numpy.testing.assert_array_equal(bl.V2.array, numpy.zeros((3, 4)))
    numpy.testing.assert_array_equal(bl.b.array, numpy.arange(4.))


def test_initializer_with_its_own_dtype_wins():
    link = L.Linear(3, 2, initialW=initializers.Normal(dtype=numpy.float64))
    assert link.W.dtype == numpy.float64 and link.b.dtype == numpy.float32


@pytest.mark.parametrize('make, match', [
    (lambda: L.Linear(3, 2, initialW=numpy.ones((3, 2))),
     r'Linear: initialW has shape \(3, 2\), which does not broadcast to the parameter shape '
     r'\(2, 3\)'),
    (lambda: L.Linear(3, 2, initial_bias=numpy.ones(3)), r'Linear: initial_bias has shape \(3,\)'),
    (lambda: L.Convolution2D(2, 3, 3, initialW=numpy.ones((3, 2, 2, 2))),
     r'Convolution2D: initialW has shape \(3, 2, 2, 2\).*\(3, 2, 3, 3\)'),
    (lambda: L.EmbedID(4, 2, initialW=numpy.ones((2, 4))), r'EmbedID: initialW has shape'),
    (lambda: L.Bilinear(2, 3, 4, initialW=numpy.ones((3, 2, 4))), r'Bilinear: initialW'),
    (lambda: L.Bilinear(2, 3, 4, initial_bias=(None, numpy.ones(2), None)),
     r'Bilinear: initial_bias\[1\] has shape \(2,\).*\(3, 4\)'),
])
def test_initial_array_of_the_wrong_shape(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize('value', [object(), 'no_such_initializer'])
def test_bad_initializer(value):
    with pytest.raises((TypeError, ValueError), match='dbr.initializers'):
        L.Linear(3, 2, initialW=value)


# ----- nobias, per-link behaviour and call errors --------------------------------------------

def test_nobias_links_have_no_bias_parameter():
    for link in (L.Linear(3, 2, nobias=True), L.Convolution2D(2, 3, 1, nobias=True),
                 L.Deconvolution2D(2, 3, 1, nobias=True), L.ConvolutionND(1, 2, 3, 1, nobias=True),
                 L.DepthwiseConvolution2D(2, 3, 1, nobias=True), L.Bilinear(2, 3, 4, nobias=True)):
        assert link.b is None
        assert [name for name, _ in link.namedparams()] == ['/W']


def test_linear_matches_numpy_reference(xp):
    x = numpy.random.uniform(-1, 1, (2, 5, 4)).astype(numpy.float32)
    for link, n_batch_axes, x2 in ((L.Linear(20, 3), 1, x.reshape(2, 20)), (L.Linear(4, 3), 2, x)):
        _on(link, xp)
        y = link(xp.asarray(x), n_batch_axes=n_batch_axes)
        expected = x2 @ to_cpu(link.W).T + to_cpu(link.b)
        numpy.testing.assert_allclose(to_cpu(y), expected, rtol=1e-5, atol=1e-6)


def test_linear_on_a_non_contiguous_input():
    link = L.Linear(3, 2)
    x = numpy.random.uniform(-1, 1, (3, 4)).astype(numpy.float32).T
    numpy.testing.assert_allclose(link(x).array, x @ link.W.array.T, rtol=1e-6, atol=1e-6)


def test_embed_id_ignore_label_gives_zero_rows_and_no_gradient():
    link = L.EmbedID(4, 3, ignore_label=-1)
    x = numpy.array([1, -1, 1], numpy.int32)
    y = link(x)
    numpy.testing.assert_array_equal(y.array[1], 0)
    numpy.testing.assert_array_equal(y.array[0], link.W.array[1])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(link.W.grad, [[0] * 3, [2] * 3, [0] * 3, [0] * 3])


@pytest.mark.parametrize('link, inputs, match', [
    (L.Linear(3, 2), [(4, 5)], r'linear: expected x.shape\[1\] == W.shape\[1\], got '
                               r'x.shape=\(4, 5\), W.shape=\(2, 3\)'),
    (L.Convolution2D(3, 4, 3), [(1, 2, 5, 5)],
     r'convolution_2d: expected x.shape\[1\] == W.shape\[1\] \* self.groups, got '
     r'x.shape=\(1, 2, 5, 5\), W.shape=\(4, 3, 3, 3\)'),
    (L.Deconvolution2D(3, 4, 3), [(1, 2, 5, 5)], r'deconvolution_2d: .*W.shape=\(3, 4, 3, 3\)'),
    (L.ConvolutionND(3, 2, 4, 2), [(1, 2, 5, 5)], r'convolution_nd: expected x.ndim'),
    (L.DeconvolutionND(1, 2, 4, 2), [(1, 3, 5)], r'deconvolution_nd: .*x.shape=\(1, 3, 5\)'),
    (L.DepthwiseConvolution2D(3, 2, 3), [(1, 4, 5, 5)],
     r'depthwise_convolution_2d: .*x.shape=\(1, 4, 5, 5\)'),
    (L.Bilinear(3, 2, 4), [(5, 3), (5, 3)], r'bilinear: .*e2.shape=\(5, 3\)'),
    (L.Convolution2D(2, 4, 5), [(1, 2, 3, 3)], r'convolution_2d: .*x.shape=\(1, 2, 3, 3\)'),
])
def test_inputs_that_do_not_fit_an_initialized_link(link, inputs, match):
    with pytest.raises(InvalidType, match=match):
        link(*[numpy.ones(shape, numpy.float32) for shape in inputs])


def test_embed_id_rejects_out_of_range_ids():
    with pytest.raises(ValueError, match='embed_id'):
        L.EmbedID(3, 2)(numpy.array([0, 3], numpy.int32))


def test_links_in_a_chain_train_on_the_device(xp):
    class Net(dbr.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.conv = L.Convolution2D(None, 4, 3, pad=1)
                self.deconv = L.Deconvolution2D(4, 2, 2, stride=2)
                self.fc = L.Linear(None, 3)

        def forward(self, x):
            return self.fc(F.relu(self.deconv(F.relu(self.conv(x)))))

    net = _on(Net(), xp)
    optimizer = optimizers.SGD(lr=0.01).setup(net)
    x = xp.asarray(numpy.random.uniform(-1, 1, (2, 3, 4, 4)).astype(numpy.float32))
    losses = []
    for _ in range(3):
        loss = F.sum(net(x) ** 2)
        net.cleargrads()
        loss.backward()
        optimizer.update()
        losses.append(float(to_cpu(loss)))
    assert net.fc.W.shape == (3, 2 * 8 * 8)
    assert backend.get_array_module(net.conv.W.array) is xp
    assert losses[2] < losses[0]
