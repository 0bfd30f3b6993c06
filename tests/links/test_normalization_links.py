"""Tests of the normalization links: BatchNormalization, LayerNormalization, GroupNormalization.

Forward against the corresponding ``F.*`` call and a plain NumPy reference, the running
statistics of BatchNormalization (moving and fine-tuning averages) against a NumPy
recomputation, lazy shapes, dtypes, gradients to gamma/beta, serialization, devices, copies and
the errors for inputs that do not fit an initialized link.
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
from dbr import serializers
from dbr import testing
from dbr.type_check import InvalidType

from _link_helpers import to_cpu

FLOATS = [numpy.float64, numpy.float32]


# ----- helpers ----------------------------------------------------------------------------------

def _tol(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return dict(atol=1e-12, rtol=1e-10)
    return dict(atol=2e-5, rtol=1e-4)


def _normal(shape, dtype=numpy.float64, scale=1.0, loc=0.0):
    return numpy.asarray(numpy.random.normal(loc, scale, shape)).astype(dtype)


def _on(link, xp):
    """``link`` moved to the device of ``xp`` (GPU 0 for CuPy)."""
    return link.to_device('@numpy' if xp is numpy else '@cupy:0')


def _standardize(x, axes, gamma, beta, eps, mean=None, var=None):
    """NumPy reference: statistics over ``axes`` (unless given), gamma/beta broadcast."""
    x = numpy.asarray(x, numpy.float64)
    if mean is None:
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
    return (x - mean) / numpy.sqrt(var + eps) * gamma + beta


def _channel(v, ndim):
    """A per-channel (axis 1) vector shaped to broadcast against an ``ndim``-D input."""
    return numpy.asarray(v, numpy.float64).reshape((1, -1) + (1,) * (ndim - 2))


def _bn(size=3, dtype=numpy.float64, **kwargs):
    """A BatchNormalization with random gamma and beta (so they are not the identity)."""
    if size is not None:
        kwargs.setdefault('initial_gamma', _normal(size, dtype, 0.3, 1.0))
        kwargs.setdefault('initial_beta', _normal(size, dtype))
    return L.BatchNormalization(size, dtype=dtype, **kwargs)


# ----- BatchNormalization: forward ---------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_batch_normalization_train_forward_matches_function(xp, dtype):
    bn = _on(_bn(3, dtype, decay=0.7, eps=1e-3), xp)
    x = xp.asarray(_normal((5, 3, 4), dtype, 2.0, 1.0))
    mean0, var0 = bn.avg_mean.copy(), bn.avg_var.copy()
    y = bn(x)
    mean1, var1 = mean0.copy(), var0.copy()
    expected = F.batch_normalization(x, bn.gamma.array, bn.beta.array, eps=1e-3,
                                     running_mean=mean1, running_var=var1, decay=0.7)
    assert y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_array_equal(to_cpu(y), to_cpu(expected))
    numpy.testing.assert_array_equal(to_cpu(bn.avg_mean), to_cpu(mean1))
    numpy.testing.assert_array_equal(to_cpu(bn.avg_var), to_cpu(var1))
    ref = _standardize(to_cpu(x), (0, 2), _channel(to_cpu(bn.gamma), 3),
                       _channel(to_cpu(bn.beta), 3), 1e-3)
    numpy.testing.assert_allclose(to_cpu(y), ref, **_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_batch_normalization_test_mode_uses_and_keeps_statistics(xp, dtype):
    bn = _on(_bn(3, dtype, eps=1e-3, initial_avg_mean=_normal(3, dtype),
                 initial_avg_var=_normal(3, dtype, 0.1, 1.0) ** 2), xp)
    x = xp.asarray(_normal((4, 3, 2, 2), dtype))
    mean0, var0 = to_cpu(bn.avg_mean).copy(), to_cpu(bn.avg_var).copy()
    with dbr.using_config('train', False):
        y = bn(x)
        y_finetune = bn(x, finetune=True)
    expected = F.fixed_batch_normalization(x, bn.gamma.array, bn.beta.array, bn.avg_mean,
                                           bn.avg_var, eps=1e-3)
    numpy.testing.assert_array_equal(to_cpu(y), to_cpu(expected))
    numpy.testing.assert_array_equal(to_cpu(y_finetune), to_cpu(expected))
    ref = _standardize(to_cpu(x), None, _channel(to_cpu(bn.gamma), 4), _channel(to_cpu(bn.beta), 4),
                       1e-3, _channel(mean0, 4), _channel(var0, 4))
    numpy.testing.assert_allclose(to_cpu(y), ref, **_tol(dtype))
    numpy.testing.assert_array_equal(to_cpu(bn.avg_mean), mean0)
    numpy.testing.assert_array_equal(to_cpu(bn.avg_var), var0)
    assert bn.N == 0


def test_batch_normalization_running_statistics_match_numpy(xp):
    decay = 0.8
    bn = _on(L.BatchNormalization(3, decay=decay, dtype=numpy.float64), xp)
    mean = numpy.zeros(3)
    var = numpy.ones(3)
    for _ in range(4):
        x = _normal((5, 3, 2), numpy.float64, 3.0, 2.0)
        bn(xp.asarray(x))
        m = 5 * 2
        mean = decay * mean + (1 - decay) * x.mean(axis=(0, 2))
        var = decay * var + (1 - decay) * x.var(axis=(0, 2)) * m / (m - 1)
    numpy.testing.assert_allclose(to_cpu(bn.avg_mean), mean, rtol=1e-12)
    numpy.testing.assert_allclose(to_cpu(bn.avg_var), var, rtol=1e-12)
    assert bn.N == 0
    # Test mode normalizes with exactly these statistics.
    x = _normal((2, 3, 2))
    with dbr.using_config('train', False):
        y = bn(xp.asarray(x))
    numpy.testing.assert_allclose(
        to_cpu(y), _standardize(x, None, 1, 0, 2e-5, _channel(mean, 3), _channel(var, 3)),
        rtol=1e-10)


def test_batch_normalization_finetune_accumulates_exact_averages(xp):
    bn = _on(L.BatchNormalization(2, dtype=numpy.float64), xp)
    bn(xp.asarray(_normal((4, 2))))  # moving-average training step first
    xs = [_normal((6, 2), numpy.float64, 2.0, 1.0) for _ in range(3)]
    for x in xs:
        bn(xp.asarray(x), finetune=True)
    assert bn.N == 3
    numpy.testing.assert_allclose(to_cpu(bn.avg_mean), numpy.mean([x.mean(0) for x in xs], 0),
                                  rtol=1e-12)
    numpy.testing.assert_allclose(to_cpu(bn.avg_var),
                                  numpy.mean([x.var(0, ddof=1) for x in xs], 0), rtol=1e-12)
    bn.start_finetuning()
    assert bn.N == 0
    bn(xp.asarray(xs[0]), finetune=True)  # decay 0: the statistics of this batch alone
    numpy.testing.assert_allclose(to_cpu(bn.avg_mean), xs[0].mean(0), rtol=1e-12)
    numpy.testing.assert_allclose(to_cpu(bn.avg_var), xs[0].var(0, ddof=1), rtol=1e-12)


def test_batch_normalization_tuple_size_normalizes_per_channel_and_position(xp):
    bn = _on(_bn((3, 2)), xp)
    x = _normal((5, 3, 2, 4))
    y = bn(xp.asarray(x))
    gamma = to_cpu(bn.gamma).reshape(1, 3, 2, 1)
    beta = to_cpu(bn.beta).reshape(1, 3, 2, 1)
    numpy.testing.assert_allclose(to_cpu(y), _standardize(x, (0, 3), gamma, beta, 2e-5),
                                  rtol=1e-10)
    assert bn.avg_mean.shape == (3, 2)


@pytest.mark.parametrize('axis, shape', [(0, (3, 4)), ((0, 2), (3,)), ((0, -1), (3,))])
def test_batch_normalization_axis_with_lazy_size(xp, axis, shape):
    bn = _on(L.BatchNormalization(axis=axis, dtype=numpy.float64), xp)
    assert bn.avg_mean is None and bn.gamma.array is None
    x = _normal((6, 3, 4))
    y = bn(xp.asarray(x))
    assert bn.avg_mean.shape == bn.avg_var.shape == bn.gamma.shape == bn.beta.shape == shape
    axes = (0,) if axis == 0 else (0, 2)
    numpy.testing.assert_allclose(to_cpu(y), _standardize(x, axes, 1, 0, 2e-5), rtol=1e-10)
    assert isinstance(bn.axis, tuple)


def test_batch_normalization_lazy_size_from_channel_axis(xp):
    bn = _on(L.BatchNormalization(), xp)
    assert bn.avg_mean is None and bn.avg_var is None
    assert bn.gamma.array is None and bn.beta.array is None
    x = xp.asarray(_normal((4, 5, 3, 3), numpy.float32))
    bn(x)
    for a in (bn.avg_mean, bn.avg_var, bn.gamma.array, bn.beta.array):
        assert a.shape == (5,) and a.dtype == numpy.float32
        assert backend.get_array_module(a) is xp
    numpy.testing.assert_array_equal(to_cpu(bn.gamma), numpy.ones(5))
    numpy.testing.assert_array_equal(to_cpu(bn.beta), numpy.zeros(5))
    numpy.testing.assert_allclose(to_cpu(bn.avg_mean), 0.1 * to_cpu(x).mean(axis=(0, 2, 3)),
                                  rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize('use_gamma, use_beta', [(False, True), (True, False), (False, False)])
def test_batch_normalization_without_gamma_or_beta(xp, use_gamma, use_beta):
    bn = _on(L.BatchNormalization(3, use_gamma=use_gamma, use_beta=use_beta,
                                  initial_gamma=2.0, initial_beta=-1.0,
                                  dtype=numpy.float64), xp)
    names = [name for name, _ in bn.namedparams()]
    assert names == ['/gamma'] * use_gamma + ['/beta'] * use_beta
    assert (bn.gamma is None) is not use_gamma and (bn.beta is None) is not use_beta
    gamma = 2.0 if use_gamma else 1.0
    beta = -1.0 if use_beta else 0.0
    x = _normal((4, 3, 2))
    y = bn(xp.asarray(x))
    numpy.testing.assert_allclose(to_cpu(y), _standardize(x, (0, 2), gamma, beta, 2e-5),
                                  rtol=1e-10)
    with dbr.using_config('train', False):
        y = bn(xp.asarray(x))
    ref = _standardize(x, None, gamma, beta, 2e-5, _channel(to_cpu(bn.avg_mean), 3),
                       _channel(to_cpu(bn.avg_var), 3))
    numpy.testing.assert_allclose(to_cpu(y), ref, rtol=1e-10)
    saved = serializers.DictionarySerializer()
    saved.save(bn)
    assert sorted(saved.target) == sorted(['avg_mean', 'avg_var', 'N'] + [n[1:] for n in names])


# ----- BatchNormalization: dtypes and initializers -----------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_batch_normalization_dtype(dtype):
    bn = L.BatchNormalization(2, dtype=dtype)
    for a in (bn.avg_mean, bn.avg_var, bn.gamma.array, bn.beta.array):
        assert a.dtype == dtype
    y = bn(_normal((3, 2), dtype))
    assert y.dtype == dtype and bn.avg_mean.dtype == dtype


def test_batch_normalization_default_dtype_follows_config():
    with dbr.using_config('dtype', numpy.float64):
        bn = L.BatchNormalization()
    bn(numpy.zeros((2, 3)))  # lazily initialized after the block: the dtype was fixed before
    assert bn.avg_mean.dtype == bn.gamma.dtype == numpy.float64


def test_batch_normalization_initializers_take_the_link_dtype():
    user = initializers.Constant(3.0, numpy.float16)
    bn = L.BatchNormalization(2, initial_gamma=user, initial_beta=numpy.array([1.0, 2.0]),
                              initial_avg_mean='one', initial_avg_var=lambda a: a.fill(4.0))
    assert user.dtype == numpy.float16  # the caller's initializer is left as it was
    expected = {'gamma': [3.0, 3.0], 'beta': [1.0, 2.0], 'avg_mean': [1.0, 1.0],
                'avg_var': [4.0, 4.0]}
    for name, values in expected.items():
        a = getattr(bn, name)
        a = getattr(a, 'array', a)
        assert a.dtype == numpy.float32
        numpy.testing.assert_array_equal(a, values)


# ----- BatchNormalization: gradients -------------------------------------------------------------

@pytest.mark.parametrize('train', [True, False])
@pytest.mark.parametrize('use_gamma', [True, False])
def test_batch_normalization_backward(xp, train, use_gamma):
    bn = _on(_bn(3, use_gamma=use_gamma, initial_avg_mean=_normal(3),
                 initial_avg_var=_normal(3, scale=0.1, loc=1.0) ** 2), xp)
    params = (bn.gamma, bn.beta) if use_gamma else (bn.beta,)
    x = xp.asarray(_normal((4, 3, 2)))
    gy = xp.asarray(_normal((4, 3, 2)))
    with dbr.using_config('train', train):
        gradient_check.check_backward(lambda v: bn(v), x, gy, params=params)


def test_batch_normalization_backward_float32(xp):
    bn = _on(_bn(3, numpy.float32), xp)
    x = xp.asarray(_normal((6, 3), numpy.float32))
    gy = xp.asarray(_normal((6, 3), numpy.float32))
    gradient_check.check_backward(lambda v: bn(v), x, gy, params=(bn.gamma, bn.beta),
                                  dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def test_batch_normalization_backward_fills_parameter_grads(xp):
    bn = _on(_bn(3), xp)
    x = _normal((5, 3))
    gy = _normal((5, 3))
    y = bn(xp.asarray(x))
    y.grad = xp.asarray(gy)
    y.backward()
    xhat = _standardize(x, (0,), 1, 0, 2e-5)
    numpy.testing.assert_allclose(to_cpu(bn.beta.grad), gy.sum(0), rtol=1e-10)
    numpy.testing.assert_allclose(to_cpu(bn.gamma.grad), (gy * xhat).sum(0), rtol=1e-8)


# ----- BatchNormalization: serialization, devices, copies ----------------------------------------

def _trained_bn(xp):
    bn = _on(_bn(3, numpy.float32), xp)
    for _ in range(2):
        bn(xp.asarray(_normal((4, 3), numpy.float32, 2.0, 1.0)))
    bn(xp.asarray(_normal((4, 3), numpy.float32)), finetune=True)
    return bn


@pytest.mark.parametrize('lazy_target', [False, True])
def test_batch_normalization_save_load_npz(xp, lazy_target):
    bn = _trained_bn(xp)
    model = dbr.Chain(bn=bn)
    buf = io.BytesIO()
    serializers.save_npz(buf, model)
    buf.seek(0)
    with numpy.load(buf) as npz:
        assert sorted(npz.files) == ['bn/N', 'bn/avg_mean', 'bn/avg_var', 'bn/beta', 'bn/gamma']
    buf.seek(0)
    target = dbr.Chain(bn=L.BatchNormalization(None if lazy_target else 3))
    serializers.load_npz(buf, target)
    for name in ('avg_mean', 'avg_var'):
        numpy.testing.assert_array_equal(getattr(target.bn, name), to_cpu(getattr(bn, name)))
    for name in ('gamma', 'beta'):
        numpy.testing.assert_array_equal(getattr(target.bn, name).array,
                                         to_cpu(getattr(bn, name)))
    assert target.bn.N == 1 and isinstance(target.bn.N, int)
    x = _normal((2, 3), numpy.float32)
    with dbr.using_config('train', False):
        numpy.testing.assert_array_equal(to_cpu(target.bn(x)), to_cpu(bn(xp.asarray(x))))


def test_batch_normalization_to_device_numpy_keeps_state(xp):
    bn = _trained_bn(xp)
    state = {name: to_cpu(getattr(bn, name)).copy()
             for name in ('avg_mean', 'avg_var', 'gamma', 'beta')}
    bn.to_device('@numpy')
    for name, value in state.items():
        a = getattr(bn, name)
        a = getattr(a, 'array', a)
        assert isinstance(a, numpy.ndarray)
        numpy.testing.assert_array_equal(a, value)
    assert bn.N == 1 and bn.xp is numpy


def test_batch_normalization_copy_copies_statistics(xp):
    bn = _trained_bn(xp)
    twin = bn.copy('copy')
    for name in ('avg_mean', 'avg_var'):
        assert getattr(twin, name) is not getattr(bn, name)
        numpy.testing.assert_array_equal(to_cpu(getattr(twin, name)), to_cpu(getattr(bn, name)))
    assert twin.N == bn.N
    before = to_cpu(bn.avg_mean).copy()
    twin(xp.asarray(_normal((4, 3), numpy.float32, 1.0, 5.0)))
    numpy.testing.assert_array_equal(to_cpu(bn.avg_mean), before)
    assert not numpy.allclose(to_cpu(twin.avg_mean), before)


def test_batch_normalization_copyparams_copies_statistics():
    src = _trained_bn(numpy)
    dst = L.BatchNormalization(3)
    dst.copyparams(src)
    for name in ('avg_mean', 'avg_var'):
        numpy.testing.assert_array_equal(getattr(dst, name), getattr(src, name))
    assert dst.N == src.N


@pytest.mark.gpu
def test_batch_normalization_on_gpu_matches_cpu():
    import cupy
    cpu = _bn(3, numpy.float32)
    gpu = cpu.copy('copy').to_gpu()
    assert isinstance(gpu.avg_mean, cupy.ndarray) and isinstance(gpu.gamma.array, cupy.ndarray)
    x = _normal((8, 3, 4), numpy.float32)
    y_cpu = cpu(x)
    y_gpu = gpu(cupy.asarray(x))
    numpy.testing.assert_allclose(cupy.asnumpy(y_gpu.array), y_cpu.array, atol=1e-5, rtol=1e-4)
    numpy.testing.assert_allclose(cupy.asnumpy(gpu.avg_var), cpu.avg_var, rtol=1e-5)
    with dbr.using_config('train', False):
        y_cpu = cpu(x)
        y_gpu = gpu(cupy.asarray(x))
    numpy.testing.assert_allclose(cupy.asnumpy(y_gpu.array), y_cpu.array, atol=1e-5, rtol=1e-4)
    lazy = L.BatchNormalization().to_gpu()
    lazy(cupy.asarray(x))
    assert isinstance(lazy.avg_mean, cupy.ndarray)


# ----- BatchNormalization: errors ----------------------------------------------------------------

def test_batch_normalization_errors():
    bn = L.BatchNormalization(3)
    with pytest.raises(InvalidType, match=r'BatchNormalization: .*x\.shape=\(4, 5\).*'
                                          r'avg_mean\.shape=\(3,\)'):
        bn(numpy.zeros((4, 5), 'f'))
    with pytest.raises(InvalidType, match=r'BatchNormalization: .*x\.shape=\(4, 5\).*'
                                          r'avg_mean\.shape=\(3,\)'):
        with dbr.using_config('train', False):
            bn(numpy.zeros((4, 5), 'f'))
    with pytest.raises(InvalidType, match=r'BatchNormalization: expected x\.ndim >= 3 .*'
                                          r'x\.shape=\(3, 2\)'):
        L.BatchNormalization((3, 2))(numpy.zeros((3, 2), 'f'))
    lazy = L.BatchNormalization()
    with pytest.raises(InvalidType, match=r'BatchNormalization: expected x\.ndim >= 2 .*'
                                          r'x\.shape=\(5,\)'):
        lazy(numpy.zeros(5, 'f'))
    assert lazy.avg_mean is None and lazy.gamma.array is None
    with pytest.raises(InvalidType, match=r'BatchNormalization: .*axis=\(3,\).*'
                                          r'x\.shape=\(2, 3\)'):
        L.BatchNormalization(axis=3)(numpy.zeros((2, 3), 'f'))


# ----- LayerNormalization ------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_layer_normalization_forward(xp, dtype):
    gamma = _normal(4, dtype, 0.3, 1.0)
    beta = _normal(4, dtype)
    with dbr.using_config('dtype', dtype):
        ln = _on(L.LayerNormalization(4, eps=1e-3, initial_gamma=gamma, initial_beta=beta), xp)
    x = xp.asarray(_normal((5, 4), dtype, 2.0, 1.0))
    y = ln(x)
    assert y.dtype == dtype and ln.gamma.dtype == dtype
    expected = F.layer_normalization(x, ln.gamma.array, ln.beta.array, 1e-3)
    numpy.testing.assert_array_equal(to_cpu(y), to_cpu(expected))
    numpy.testing.assert_allclose(to_cpu(y), _standardize(to_cpu(x), 1, gamma, beta, 1e-3),
                                  **_tol(dtype))


def test_layer_normalization_defaults_and_trailing_axes(xp):
    with dbr.using_config('dtype', numpy.float64):
        ln = _on(L.LayerNormalization(3), xp)
    assert ln.eps == 1e-6
    numpy.testing.assert_array_equal(to_cpu(ln.gamma), numpy.ones(3))
    numpy.testing.assert_array_equal(to_cpu(ln.beta), numpy.zeros(3))
    x = _normal((2, 4, 3))
    numpy.testing.assert_allclose(to_cpu(ln(xp.asarray(x))),
                                  _standardize(x, 2, 1, 0, 1e-6), rtol=1e-10)


@pytest.mark.parametrize('shape', [(4, 6), (2, 3, 4)])
def test_layer_normalization_lazy_size(xp, shape):
    with dbr.using_config('dtype', numpy.float64):
        ln = _on(L.LayerNormalization(), xp)
    assert ln.gamma.array is None and ln.beta.array is None
    x = _normal(shape)
    y = ln(xp.asarray(x))
    assert ln.gamma.shape == ln.beta.shape == shape[1:]
    assert backend.get_array_module(ln.gamma.array) is xp
    axes = tuple(range(1, len(shape)))
    numpy.testing.assert_allclose(to_cpu(y), _standardize(x, axes, 1, 0, 1e-6), rtol=1e-10)


def test_layer_normalization_backward(xp):
    with dbr.using_config('dtype', numpy.float64):
        ln = _on(L.LayerNormalization(4, initial_gamma=_normal(4, scale=0.3, loc=1.0),
                                      initial_beta=_normal(4)), xp)
    x = xp.asarray(_normal((3, 4)))
    gy = xp.asarray(_normal((3, 4)))
    gradient_check.check_backward(lambda v: ln(v), x, gy, params=(ln.gamma, ln.beta))


def test_layer_normalization_save_load_npz_into_lazy_link():
    ln = L.LayerNormalization(4, initial_gamma=_normal(4))
    buf = io.BytesIO()
    serializers.save_npz(buf, ln)
    buf.seek(0)
    target = L.LayerNormalization()
    serializers.load_npz(buf, target)
    numpy.testing.assert_array_equal(target.gamma.array, ln.gamma.array)
    numpy.testing.assert_array_equal(target.beta.array, ln.beta.array)


def test_layer_normalization_errors():
    with pytest.raises(InvalidType, match=r'LayerNormalization: .*x\.shape=\(2, 5\), '
                                          r'gamma\.shape=\(4,\)'):
        L.LayerNormalization(4)(numpy.zeros((2, 5), 'f'))
    with pytest.raises(InvalidType, match=r'LayerNormalization: .*x\.shape=\(4,\), '
                                          r'gamma\.shape=\(4,\)'):
        L.LayerNormalization(4)(numpy.zeros(4, 'f'))
    lazy = L.LayerNormalization()
    with pytest.raises(InvalidType, match=r'LayerNormalization: expected x\.ndim >= 2 .*'
                                          r'x\.shape=\(4,\)'):
        lazy(numpy.zeros(4, 'f'))
    assert lazy.gamma.array is None


# ----- GroupNormalization ------------------------------------------------------------------------

def _group_ref(x, groups, gamma, beta, eps):
    n, c = x.shape[:2]
    xg = x.reshape(n, groups, -1)
    y = _standardize(xg, 2, 1, 0, eps).reshape(x.shape)
    return y * _channel(gamma, x.ndim) + _channel(beta, x.ndim)


@pytest.mark.parametrize('dtype', FLOATS)
def test_group_normalization_forward(xp, dtype):
    gamma = _normal(6, scale=0.3, loc=1.0)
    beta = _normal(6)
    with dbr.using_config('dtype', dtype):
        gn = _on(L.GroupNormalization(3, 6, eps=1e-3, initial_gamma=gamma, initial_beta=beta),
                 xp)
    assert gn.gamma.dtype == dtype and gn.groups == 3
    x = xp.asarray(_normal((4, 6, 2, 3), dtype, 2.0, 1.0))
    y = gn(x)
    assert y.dtype == dtype
    expected = F.group_normalization(x, 3, gn.gamma.array, gn.beta.array, 1e-3)
    numpy.testing.assert_array_equal(to_cpu(y), to_cpu(expected))
    numpy.testing.assert_allclose(to_cpu(y), _group_ref(to_cpu(x), 3, to_cpu(gn.gamma),
                                                        to_cpu(gn.beta), 1e-3), **_tol(dtype))


def test_group_normalization_lazy_size_and_defaults(xp):
    with dbr.using_config('dtype', numpy.float64):
        gn = _on(L.GroupNormalization(2), xp)
    assert gn.eps == 1e-5 and gn.gamma.array is None
    x = _normal((3, 4, 5))
    y = gn(xp.asarray(x))
    assert gn.gamma.shape == gn.beta.shape == (4,)
    assert backend.get_array_module(gn.gamma.array) is xp
    numpy.testing.assert_allclose(to_cpu(y), _group_ref(x, 2, numpy.ones(4), numpy.zeros(4),
                                                        1e-5), rtol=1e-10)


def test_group_normalization_backward(xp):
    with dbr.using_config('dtype', numpy.float64):
        gn = _on(L.GroupNormalization(2, 4, initial_gamma=_normal(4, scale=0.3, loc=1.0),
                                      initial_beta=_normal(4)), xp)
    x = xp.asarray(_normal((3, 4, 3)))
    gy = xp.asarray(_normal((3, 4, 3)))
    gradient_check.check_backward(lambda v: gn(v), x, gy, params=(gn.gamma, gn.beta))


def test_group_normalization_errors():
    with pytest.raises(ValueError, match=r'GroupNormalization: groups must be a positive '
                                         r'integer, got 0'):
        L.GroupNormalization(0)
    with pytest.raises(ValueError, match=r'GroupNormalization: groups must be a positive '
                                         r'integer, got 2\.0'):
        L.GroupNormalization(2.0)
    with pytest.raises(ValueError, match=r'GroupNormalization: the number of channels \(6\) '
                                         r'must be divisible by groups \(4\)'):
        L.GroupNormalization(4, 6)
    lazy = L.GroupNormalization(4)
    with pytest.raises(ValueError, match=r'GroupNormalization: the number of channels \(6\) '
                                         r'must be divisible by groups \(4\)'):
        lazy(numpy.zeros((2, 6, 3), 'f'))
    assert lazy.gamma.array is None
    with pytest.raises(InvalidType, match=r'GroupNormalization: expected x\.ndim >= 2 .*'
                                          r'x\.shape=\(6,\)'):
        lazy(numpy.zeros(6, 'f'))
    with pytest.raises(InvalidType, match=r'GroupNormalization: expected x\.shape\[1\] == '
                                          r'gamma\.shape\[0\], got x\.shape=\(2, 6, 3\), '
                                          r'gamma\.shape=\(4,\)'):
        L.GroupNormalization(2, 4)(numpy.zeros((2, 6, 3), 'f'))


def test_normalization_links_in_a_chain_train_with_an_optimizer():
    class Net(dbr.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.bn = L.BatchNormalization(3)
                self.ln = L.LayerNormalization(3)
                self.gn = L.GroupNormalization(1, 3)

        def forward(self, x):
            return self.gn(self.ln(self.bn(x)))

    net = Net()
    assert sorted(name for name, _ in net.namedparams()) == [
        '/bn/beta', '/bn/gamma', '/gn/beta', '/gn/gamma', '/ln/beta', '/ln/gamma']
    x = _normal((4, 3), numpy.float32)
    w = _normal((4, 3), numpy.float32)
    net.cleargrads()
    F.sum(net(x) * w).backward()
    for _, param in net.namedparams():
        assert param.grad is not None and param.grad.shape == (3,)
        assert numpy.isfinite(param.grad).all()


def test_batch_normalization_under_forget_updates_statistics_once(xp):
    x = xp.asarray(numpy.random.randn(5, 3).astype(numpy.float32))
    plain = L.BatchNormalization(3)
    plain.to_device(dbr.backend.get_device_from_array(x))
    plain(x)
    recomputed = L.BatchNormalization(3)
    recomputed.to_device(dbr.backend.get_device_from_array(x))
    F.sum(F.forget(recomputed, dbr.Variable(x))).backward()   # forward runs twice
    testing.assert_allclose(recomputed.avg_mean, plain.avg_mean, atol=0, rtol=0)
    testing.assert_allclose(recomputed.avg_var, plain.avg_var, atol=0, rtol=0)
    assert recomputed.gamma.grad is not None
    assert dbr.config.in_recomputing is False
