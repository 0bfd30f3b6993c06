"""Tests of the classification losses: softmax_cross_entropy, sigmoid_cross_entropy,
negative_sampling and connectionist_temporal_classification.

Each loss: forward against a NumPy reference (float64) for every option, the output dtype,
``check_backward`` (and ``check_double_backward`` except for CTC, which has no double
backprop), edge cases (ignored labels, all ignored, size 0, +-1e4 logits, transposed inputs),
and its bad inputs. CTC is checked against a brute-force sum over all alignments.
"""
import itertools

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
            numpy.float16: dict(atol=2e-2, rtol=2e-2)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def _normal(shape, dtype=numpy.float64):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _f64(a):
    return numpy.asarray(a, numpy.float64)


def _check_grads(xp, func, inputs, dtype, double=True):
    """check_backward (and check_double_backward) of ``func`` w.r.t. its float ``inputs``."""
    inputs = tuple(xp.asarray(a) for a in inputs)
    with dbr.no_backprop_mode():
        y = func(*inputs)
    gy = xp.asarray(_normal(y.shape, dtype))
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, inputs, gy, **opts)
    if double:
        ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs)
        gradient_check.check_double_backward(func, inputs, gy, ggx, **opts)


def _log_softmax_ref(x, axis):
    x = _f64(x)
    z = x - x.max(axis=axis, keepdims=True)
    return z - numpy.log(numpy.exp(z).sum(axis=axis, keepdims=True))


# ----- softmax_cross_entropy --------------------------------------------------------------------

def _sce_ref(x, t, normalize=True, class_weight=None, ignore_label=-1, reduce='mean'):
    log_y = numpy.moveaxis(_log_softmax_ref(x, 1), 1, -1)  # (N, ..., C)
    valid = t != ignore_label
    safe = numpy.where(valid, t, 0)
    loss = -numpy.take_along_axis(log_y, safe[..., None], -1)[..., 0] * valid
    if class_weight is not None:
        loss = loss * _f64(class_weight)[safe]
    if reduce == 'no':
        return loss
    count = valid.sum() if normalize else x.shape[0]
    return loss.sum() / max(count, 1)


def _labels(shape, n_class, ignore=0.0, ignore_label=-1):
    t = numpy.random.randint(0, n_class, shape)
    if ignore:
        t[numpy.random.uniform(size=shape) < ignore] = ignore_label
    return t.astype(numpy.int32)


SCE_SHAPES = [((4, 3), (4,)), ((1, 5), (1,)), ((6, 1), (6,)), ((3, 4, 2), (3, 2)),
              ((2, 3, 2, 2), (2, 2, 2))]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shapes', SCE_SHAPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('normalize', [True, False])
@pytest.mark.parametrize('weighted', [False, True])
def test_sce_forward(xp, shapes, dtype, reduce, normalize, weighted):
    x_shape, t_shape = shapes
    x = _normal(x_shape, dtype)
    t = _labels(t_shape, x_shape[1], ignore=0.3)
    cw = numpy.random.uniform(0.5, 2.0, x_shape[1]).astype(dtype) if weighted else None
    y = F.softmax_cross_entropy(xp.asarray(x), xp.asarray(t), normalize=normalize,
                                class_weight=None if cw is None else xp.asarray(cw),
                                reduce=reduce)
    expected = _sce_ref(x, t, normalize, cw, reduce=reduce)
    assert isinstance(y, dbr.Variable)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shapes', SCE_SHAPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('weighted', [False, True])
def test_sce_grads(xp, shapes, dtype, reduce, weighted):
    x_shape, t_shape = shapes
    t = xp.asarray(_labels(t_shape, x_shape[1], ignore=0.3))
    cw = xp.asarray(numpy.random.uniform(0.5, 2.0, x_shape[1]).astype(dtype)) \
        if weighted else None
    _check_grads(xp, lambda x: F.softmax_cross_entropy(x, t, class_weight=cw, reduce=reduce),
                 (_normal(x_shape, dtype),), dtype, double=False)
    _check_grads(xp, lambda x: F.softmax_cross_entropy(x, t, enable_double_backprop=True, class_weight=cw, reduce=reduce),
                 (_normal(x_shape, dtype),), dtype)


@pytest.mark.parametrize('normalize', [True, False])
@pytest.mark.parametrize('cache_score', [True, False])
def test_sce_gradient_values(xp, normalize, cache_score):
    x = _normal((5, 4))
    t = numpy.array([0, 3, -1, 1, 3], numpy.int32)
    v = dbr.Variable(xp.asarray(x))
    F.softmax_cross_entropy(v, xp.asarray(t), normalize=normalize,
                            cache_score=cache_score).backward()
    p = numpy.exp(_log_softmax_ref(x, 1))
    p[numpy.arange(5), numpy.maximum(t, 0)] -= 1
    p[t == -1] = 0
    expected = p / (4 if normalize else 5)
    testing.assert_allclose(v.grad, expected, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_sce_huge_logits_are_stable(xp, dtype, reduce):
    x = numpy.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype)
    t = numpy.array([1, 2, 0], numpy.int32)
    v = dbr.Variable(xp.asarray(x))
    y = F.softmax_cross_entropy(v, xp.asarray(t), reduce=reduce)
    expected = _sce_ref(x, t, reduce=reduce)
    assert bool(xp.isfinite(y.array).all())
    tol = _fwd_tol(dtype) if dtype == numpy.float16 else dict(atol=1e-6, rtol=1e-6)
    testing.assert_allclose(y.array, expected, **tol)
    y.grad = xp.ones(y.shape, dtype)
    y.backward()
    expected_gx = numpy.exp(_log_softmax_ref(x, 1))
    expected_gx[numpy.arange(3), t] -= 1
    if reduce == 'mean':
        expected_gx /= 3
    assert bool(xp.isfinite(v.grad).all())
    testing.assert_allclose(v.grad, expected_gx, **_fwd_tol(dtype))


@pytest.mark.parametrize('normalize', [True, False])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_sce_all_ignored_gives_zero(xp, normalize, reduce):
    v = dbr.Variable(xp.asarray(_normal((3, 4), numpy.float32)))
    t = xp.full((3,), -1, numpy.int32)
    y = F.softmax_cross_entropy(v, t, normalize=normalize, reduce=reduce)
    testing.assert_allclose(y.array, numpy.zeros(y.shape), atol=0, rtol=0)
    F.sum(y).backward()
    testing.assert_allclose(v.grad, numpy.zeros((3, 4)), atol=0, rtol=0)


def test_sce_custom_ignore_label(xp):
    x = _normal((6, 3))
    t = numpy.array([0, 2, 1, 2, 0, 1], numpy.int32)
    y = F.softmax_cross_entropy(xp.asarray(x), xp.asarray(t), ignore_label=2)
    testing.assert_allclose(y.array, _sce_ref(x, t, ignore_label=2), atol=1e-12, rtol=1e-10)
    # A label equal to -1 is no longer ignored: it is out of range.
    with pytest.raises(ValueError, match=r'softmax_cross_entropy: .*ignore_label=2.*got -1'):
        F.softmax_cross_entropy(xp.asarray(x), xp.asarray(numpy.array([0, -1, 1, 0, 0, 1],
                                                                      numpy.int32)),
                                ignore_label=2)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('loss', ['cross-entropy', 'kl-divergence'])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('x_shape', [(4, 3), (2, 3, 2)])
def test_sce_soft_targets(xp, dtype, loss, reduce, x_shape):
    x = _normal(x_shape, dtype)
    t = numpy.random.dirichlet(numpy.ones(x_shape[1]), (x_shape[0],) + x_shape[2:])
    t = numpy.moveaxis(t, -1, 1).astype(dtype)
    y = F.softmax_cross_entropy(xp.asarray(x), xp.asarray(t), reduce=reduce,
                                soft_target_loss=loss)
    log_y = _log_softmax_ref(x, 1)
    if loss == 'kl-divergence':
        expected = (_f64(t) * (numpy.log(_f64(t) + 1e-7) - log_y)).sum(axis=1)
    else:
        expected = -(_f64(t) * log_y).sum(axis=1)
    if reduce == 'mean':
        expected = expected.mean()
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))
    tt = xp.asarray(t)
    _check_grads(xp, lambda x: F.softmax_cross_entropy(x, tt, reduce=reduce,
                                                       soft_target_loss=loss), (x,), dtype, double=False)
    _check_grads(xp, lambda x: F.softmax_cross_entropy(x, tt, enable_double_backprop=True, reduce=reduce,
                                                       soft_target_loss=loss), (x,), dtype)


def test_sce_soft_targets_with_class_weight(xp):
    x = _normal((4, 3))
    t = numpy.random.dirichlet(numpy.ones(3), 4)
    cw = numpy.array([0.5, 1.0, 2.0])
    y = F.softmax_cross_entropy(xp.asarray(x), xp.asarray(t), class_weight=xp.asarray(cw))
    expected = -(t * cw * _log_softmax_ref(x, 1)).sum(axis=1).mean()
    testing.assert_allclose(y.array, expected, atol=1e-12, rtol=1e-10)
    tt, cww = xp.asarray(t), xp.asarray(cw)
    _check_grads(xp, lambda x: F.softmax_cross_entropy(x, tt, class_weight=cww), (x,),
                 numpy.float64, double=False)
    _check_grads(xp, lambda x: F.softmax_cross_entropy(x, tt, enable_double_backprop=True, class_weight=cww), (x,),
                 numpy.float64)


def test_sce_transposed_input(xp):
    x = _normal((3, 5))
    t = numpy.array([1, 0, 2, 2, 1], numpy.int32)
    v = dbr.Variable(xp.asarray(x).T)  # (5, 3), not C-contiguous
    y = F.softmax_cross_entropy(v, xp.asarray(t))
    testing.assert_allclose(y.array, _sce_ref(x.T, t), atol=1e-12, rtol=1e-10)
    y.backward()
    expected = numpy.exp(_log_softmax_ref(x.T, 1))
    expected[numpy.arange(5), t] -= 1
    testing.assert_allclose(v.grad, expected / 5, atol=1e-12, rtol=1e-10)


def test_sce_empty_batch(xp):
    v = dbr.Variable(xp.zeros((0, 3), numpy.float32))
    t = xp.zeros((0,), numpy.int32)
    y = F.softmax_cross_entropy(v, t)
    assert y.shape == () and float(y.array) == 0.0
    y.backward()
    assert v.grad.shape == (0, 3)
    assert F.softmax_cross_entropy(v, t, reduce='no').shape == (0,)


def test_sce_variable_target_and_flag_compat(xp):
    x = _normal((4, 3))
    t = _labels((4,), 3)
    y = F.softmax_cross_entropy(dbr.Variable(xp.asarray(x)), dbr.Variable(xp.asarray(t)),
                                enable_double_backprop=True)
    testing.assert_allclose(y.array, _sce_ref(x, t), atol=1e-12, rtol=1e-10)


def test_sce_double_backprop_needs_the_flag(xp):
    # As in Chainer: the default gradient reuses the scores' memory and is not differentiable.
    x = dbr.Variable(xp.asarray(_normal((3, 4))))
    t = xp.asarray(_labels((3,), 4))
    with pytest.raises(RuntimeError, match=r'softmax_cross_entropy: a differentiable gradient '
                                           r'\(double backprop\) needs softmax_cross_entropy\(\.\.\., '
                                           r'enable_double_backprop=True\)'):
        dbr.grad([F.softmax_cross_entropy(x, t)], [x], enable_double_backprop=True)
    gx, = dbr.grad([F.softmax_cross_entropy(x, t, enable_double_backprop=True)], [x],
                   enable_double_backprop=True)
    ggx, = dbr.grad([F.sum(gx * gx)], [x])
    assert ggx is not None and ggx.shape == (3, 4)
    assert bool(xp.isfinite(ggx.array).all())


def test_sce_second_backward_through_one_loss(xp):
    x = dbr.Variable(xp.asarray(_normal((3, 4))))
    t = xp.asarray(_labels((3,), 4))
    loss = F.softmax_cross_entropy(x, t)
    loss.backward()
    first = x.grad.copy()
    with pytest.raises(RuntimeError, match='backward already ran through this loss'):
        loss.backward()
    for kwargs in ({'cache_score': False}, {'enable_double_backprop': True}):
        x.cleargrad()
        loss = F.softmax_cross_entropy(x, t, **kwargs)
        loss.backward()
        loss.backward()   # kept what it needs: the gradients accumulate
        testing.assert_allclose(x.grad, 2 * first, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('bad', [3, -2, 7])
def test_sce_bad_label(xp, bad):
    x = xp.asarray(_normal((3, 3)))
    t = xp.asarray(numpy.array([0, bad, 1], numpy.int32))
    with pytest.raises(ValueError, match=rf'softmax_cross_entropy: labels must be in \[0, 3\).*'
                                         rf'got {bad}'):
        F.softmax_cross_entropy(x, t)


def test_sce_bad_inputs():
    x = numpy.zeros((3, 4), numpy.float32)
    t = numpy.zeros(3, numpy.int32)
    with pytest.raises(InvalidType, match=r'softmax_cross_entropy: .*t\.shape=\(2,\)'):
        F.softmax_cross_entropy(x, numpy.zeros(2, numpy.int32))
    with pytest.raises(InvalidType, match=r'softmax_cross_entropy: .*t\.shape=\(3, 1\)'):
        F.softmax_cross_entropy(x, numpy.zeros((3, 1), numpy.int32))
    with pytest.raises(InvalidType, match=r'softmax_cross_entropy: expected x\.dtype'):
        F.softmax_cross_entropy(numpy.zeros((3, 4), numpy.int32), t)
    with pytest.raises(InvalidType, match=r'softmax_cross_entropy: expected t\.dtype'):
        F.softmax_cross_entropy(x, numpy.zeros(3, bool))
    with pytest.raises(InvalidType, match=r'softmax_cross_entropy: expected x\.ndim >= 2'):
        F.softmax_cross_entropy(numpy.zeros(3, numpy.float32), t)
    with pytest.raises(InvalidType, match=r'softmax_cross_entropy: expected t\.shape == x\.shape'):
        F.softmax_cross_entropy(x, numpy.zeros((3, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r'softmax_cross_entropy: .*class_weight'):
        F.softmax_cross_entropy(x, t, class_weight=numpy.ones(3, numpy.float32))
    with pytest.raises(ValueError, match=r'softmax_cross_entropy: class_weight must be a 1-D'):
        F.softmax_cross_entropy(x, t, class_weight=numpy.ones((1, 4), numpy.float32))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: reduce must be 'mean' or "
                                         r"'no', got 'sum'"):
        F.softmax_cross_entropy(x, t, reduce='sum')
    with pytest.raises(ValueError, match=r'softmax_cross_entropy: soft_target_loss'):
        F.softmax_cross_entropy(x, t, soft_target_loss='l2')


# ----- sigmoid_cross_entropy --------------------------------------------------------------------

def _sigmoid_ce_ref(x, t, normalize=True, reduce='mean'):
    x = _f64(x)
    valid = t != -1
    # -(t log sigmoid(x) + (1 - t) log sigmoid(-x)), with the stable log-sigmoid
    loss = (numpy.logaddexp(0, x) - x * t) * valid
    if reduce == 'no':
        return loss
    count = valid.sum() if normalize else x.shape[0]
    return loss.sum() / max(count, 1)


def _binary_labels(shape, ignore=0.3):
    t = numpy.random.randint(0, 2, shape)
    t[numpy.random.uniform(size=shape) < ignore] = -1
    return t.astype(numpy.int32)


SIGMOID_SHAPES = [(4, 3), (5,), (2, 3, 2), (1, 1)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', SIGMOID_SHAPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('normalize', [True, False])
def test_sigmoid_ce_forward(xp, shape, dtype, reduce, normalize):
    x = _normal(shape, dtype) * 3
    t = _binary_labels(shape)
    y = F.sigmoid_cross_entropy(xp.asarray(x), xp.asarray(t), normalize=normalize,
                                reduce=reduce)
    expected = _sigmoid_ce_ref(x, t, normalize, reduce)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shape', SIGMOID_SHAPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('normalize', [True, False])
def test_sigmoid_ce_grads(xp, shape, dtype, reduce, normalize):
    t = xp.asarray(_binary_labels(shape))
    _check_grads(xp, lambda x: F.sigmoid_cross_entropy(x, t, normalize, reduce),
                 (_normal(shape, dtype),), dtype)


@pytest.mark.parametrize('dtype', FLOATS16)
def test_sigmoid_ce_huge_logits_are_stable(xp, dtype):
    x = numpy.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype)
    t = numpy.array([1, 0, 0, 1, 1], numpy.int32)
    v = dbr.Variable(xp.asarray(x))
    y = F.sigmoid_cross_entropy(v, xp.asarray(t), reduce='no')
    testing.assert_allclose(y.array, [0, 0, 1e4, 1e4, numpy.log(2)], atol=1e-3, rtol=1e-3)
    F.sum(y).backward()
    testing.assert_allclose(v.grad, [0, 0, 1, -1, -0.5], atol=1e-6, rtol=1e-6)


def test_sigmoid_ce_gradient_values_and_all_ignored(xp):
    x = _normal((2, 3))
    t = numpy.array([[1, 0, -1], [0, -1, 1]], numpy.int32)
    v = dbr.Variable(xp.asarray(x))
    F.sigmoid_cross_entropy(v, xp.asarray(t)).backward()
    expected = (1 / (1 + numpy.exp(-x)) - t) * (t != -1) / 4
    testing.assert_allclose(v.grad, expected, atol=1e-12, rtol=1e-10)
    v.cleargrad()
    y = F.sigmoid_cross_entropy(v, xp.full((2, 3), -1, numpy.int32))
    assert float(y.array) == 0.0
    y.backward()
    testing.assert_allclose(v.grad, numpy.zeros((2, 3)), atol=0, rtol=0)


def test_sigmoid_ce_empty_input(xp):
    v = dbr.Variable(xp.zeros((0, 3), numpy.float32))
    y = F.sigmoid_cross_entropy(v, xp.zeros((0, 3), numpy.int32))
    assert y.shape == () and float(y.array) == 0.0
    y.backward()
    assert v.grad.shape == (0, 3)


def test_sigmoid_ce_transposed_input(xp):
    x = _normal((3, 4))
    t = _binary_labels((4, 3))
    y = F.sigmoid_cross_entropy(xp.asarray(x).T, xp.asarray(t))
    testing.assert_allclose(y.array, _sigmoid_ce_ref(x.T, t), atol=1e-12, rtol=1e-10)


def test_sigmoid_ce_bad_inputs(xp):
    x = xp.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match=r'sigmoid_cross_entropy: labels must be in \[0, 2\) '
                                         r'or equal to ignore_label=-1; got -2, 2'):
        F.sigmoid_cross_entropy(x, xp.asarray(numpy.array([[0, 2, 1], [-2, 0, 1]], 'i')))
    with pytest.raises(InvalidType, match=r'sigmoid_cross_entropy: .*t\.shape=\(3, 2\)'):
        F.sigmoid_cross_entropy(x, xp.zeros((3, 2), numpy.int32))
    with pytest.raises(InvalidType, match=r'sigmoid_cross_entropy: expected t\.dtype'):
        F.sigmoid_cross_entropy(x, xp.zeros((2, 3), numpy.float32))
    with pytest.raises(ValueError, match=r"sigmoid_cross_entropy: reduce must be 'mean' or "
                                         r"'no', got 'sum'"):
        F.sigmoid_cross_entropy(x, xp.zeros((2, 3), numpy.int32), reduce='sum')


# ----- negative_sampling ------------------------------------------------------------------------

def _fixed_sampler(samples, calls=None):
    def sampler(shape):
        if calls is not None:
            calls.append(shape)
        return samples
    return sampler


def _ns_ref(x, t, W, samples, reduce):
    x, W = _f64(x), _f64(W)
    loss = numpy.zeros(len(t))
    for i in range(len(t)):
        if t[i] == -1:
            continue
        loss[i] = numpy.logaddexp(0, -W[t[i]] @ x[i])
        for j in samples[i, 1:]:
            loss[i] += numpy.logaddexp(0, W[j] @ x[i])
    return loss.sum() if reduce == 'sum' else loss


NS_CASES = [(4, 3, 6, 2), (1, 2, 3, 1), (5, 4, 7, 0)]  # (N, D, V, sample_size)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', NS_CASES)
@pytest.mark.parametrize('reduce', ['sum', 'no'])
def test_negative_sampling_forward(xp, dtype, case, reduce):
    n, d, v, s = case
    x, W = _normal((n, d), dtype), _normal((v, d), dtype)
    t = numpy.random.randint(0, v, n).astype(numpy.int32)
    t[0] = -1
    samples = numpy.random.randint(0, v, (n, s + 1))
    calls = []
    y, got = F.negative_sampling(xp.asarray(x), xp.asarray(t), xp.asarray(W),
                                 _fixed_sampler(xp.asarray(samples), calls), s, reduce=reduce,
                                 return_samples=True)
    assert calls == [(n, s + 1)]
    expected_samples = samples.copy()
    expected_samples[:, 0] = t
    testing.assert_allclose(got, expected_samples, atol=0, rtol=0)
    expected = _ns_ref(x, t, W, expected_samples, reduce)
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', NS_CASES)
@pytest.mark.parametrize('reduce', ['sum', 'no'])
def test_negative_sampling_grads(xp, dtype, case, reduce):
    n, d, v, s = case
    t = numpy.random.randint(0, v, n).astype(numpy.int32)
    t[-1] = -1
    # Repeated rows: their gradients must add up.
    samples = numpy.random.randint(0, min(v, 3), (n, s + 1))
    sampler = _fixed_sampler(xp.asarray(samples))
    tt = xp.asarray(t)
    _check_grads(xp, lambda x, W: F.negative_sampling(x, tt, W, sampler, s, reduce=reduce),
                 (_normal((n, d), dtype), _normal((v, d), dtype)), dtype)


def test_negative_sampling_transposed_inputs(xp):
    x, W = _normal((3, 4)), _normal((3, 5))
    t = numpy.array([0, 4, 1, 2], numpy.int32)
    samples = numpy.random.randint(0, 5, (4, 3))
    y = F.negative_sampling(xp.asarray(x).T, xp.asarray(t), xp.asarray(W).T,
                            _fixed_sampler(xp.asarray(samples)), 2)
    samples[:, 0] = t
    testing.assert_allclose(y.array, _ns_ref(x.T, t, W.T, samples, 'sum'),
                            atol=1e-12, rtol=1e-10)


def test_negative_sampling_huge_scores_are_stable(xp):
    x = xp.asarray(numpy.array([[100.0, 0.0]], numpy.float32))
    W = dbr.Variable(xp.asarray(numpy.array([[100.0, 0.0], [-100.0, 0.0]], numpy.float32)))
    sampler = _fixed_sampler(xp.asarray(numpy.array([[1, 0]])))
    y = F.negative_sampling(x, xp.asarray(numpy.array([1], numpy.int32)), W, sampler, 1)
    testing.assert_allclose(y.array, 2e4, atol=0, rtol=1e-6)
    y.backward()
    assert bool(xp.isfinite(W.grad).all())


def test_negative_sampling_example_value():
    W = dbr.Variable(numpy.zeros((5, 3), numpy.float32))
    y = F.negative_sampling(numpy.ones((2, 3), numpy.float32), numpy.array([1, 2], 'i'), W,
                            lambda shape: numpy.random.randint(0, 5, shape), 4)
    testing.assert_allclose(y.array, 10 * numpy.log(2), atol=1e-6, rtol=1e-6)


def test_negative_sampling_bad_inputs(xp):
    x = xp.zeros((2, 3), numpy.float32)
    W = xp.zeros((5, 3), numpy.float32)
    t = xp.asarray(numpy.array([1, 2], numpy.int32))
    ok = _fixed_sampler(xp.zeros((2, 3), numpy.int32))
    with pytest.raises(ValueError, match=r'negative_sampling: labels must be in \[0, 5\).*got 5'):
        F.negative_sampling(x, xp.asarray(numpy.array([1, 5], numpy.int32)), W, ok, 2)
    with pytest.raises(InvalidType, match=r'negative_sampling: .*W\.shape=\(5, 4\)'):
        F.negative_sampling(x, t, xp.zeros((5, 4), numpy.float32), ok, 2)
    with pytest.raises(InvalidType, match=r'negative_sampling: .*t\.shape=\(3,\)'):
        F.negative_sampling(x, xp.zeros(3, numpy.int32), W, ok, 2)
    with pytest.raises(ValueError, match=r'negative_sampling: sampler\(2, 3\) must return an '
                                         r'integer array of shape \(2, 3\)'):
        F.negative_sampling(x, t, W, _fixed_sampler(xp.zeros((2, 4), numpy.int32)), 2)
    with pytest.raises(ValueError, match=r'negative_sampling \(sampler output\): labels must be '
                                         r'in \[0, 5\); got 9'):
        F.negative_sampling(x, t, W, _fixed_sampler(xp.full((2, 3), 9, numpy.int32)), 2)
    with pytest.raises(ValueError, match=r"negative_sampling: reduce must be 'sum' or 'no'"):
        F.negative_sampling(x, t, W, ok, 2, reduce='mean')
    with pytest.raises(ValueError, match=r'negative_sampling: sample_size'):
        F.negative_sampling(x, t, W, ok, -1)


# ----- connectionist_temporal_classification ----------------------------------------------------

def _ctc_ref(x, t, blank, input_length, label_length):
    """-log p(t | x) by enumerating every alignment (in log space), per sequence."""
    n_time, n_batch, n_vocab = x.shape
    log_y = _log_softmax_ref(x, 2)
    out = []
    for b in range(n_batch):
        target = [int(c) for c in t[b, :label_length[b]]]
        terms = []
        for seq in itertools.product(range(n_vocab), repeat=int(input_length[b])):
            collapsed = [k for k, _ in itertools.groupby(seq) if k != blank]
            if collapsed == target:
                terms.append(sum(log_y[i, b, s] for i, s in enumerate(seq)))
        out.append(-numpy.logaddexp.reduce(terms) if terms else numpy.inf)
    return numpy.array(out)


CTC_CASES = [
    # (T, V, blank, labels per sequence, input_length or None)
    (4, 3, 0, [[1, 2], [1, 1], [2, 2]], None),
    (5, 3, 0, [[1, 2], [1, 1], [2, -1]], [5, 4, 3]),
    (4, 3, 2, [[0, 1], [0, -1], [-1, -1]], [4, 2, 1]),
    (4, 4, 1, [[3, 3, 0], [0, 2, 3]], None),
]


def _ctc_case(case, dtype):
    n_time, n_vocab, blank, labels, in_len = case
    labels = numpy.array(labels, numpy.int32)
    lab_len = (labels >= 0).sum(axis=1).astype(numpy.int32)
    n_batch = len(labels)
    in_len = numpy.full(n_batch, n_time, numpy.int32) if in_len is None \
        else numpy.array(in_len, numpy.int32)
    x = _normal((n_time, n_batch, n_vocab), dtype)
    return x, labels, blank, in_len, lab_len


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('case', CTC_CASES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_ctc_forward_matches_brute_force(xp, dtype, case, reduce):
    x, t, blank, in_len, lab_len = _ctc_case(case, dtype)
    y = F.connectionist_temporal_classification(
        [xp.asarray(a) for a in x], xp.asarray(t), blank, xp.asarray(in_len),
        xp.asarray(lab_len), reduce=reduce)
    expected = _ctc_ref(x, t, blank, in_len, lab_len)
    if reduce == 'mean':
        expected = expected.mean()
    assert y.dtype == dtype and y.shape == expected.shape
    testing.assert_allclose(y.array, expected, **_fwd_tol(dtype))


def test_ctc_default_lengths_and_variables(xp):
    x, t, blank, in_len, lab_len = _ctc_case(CTC_CASES[0], numpy.float64)
    y = F.connectionist_temporal_classification([dbr.Variable(xp.asarray(a)) for a in x],
                                                dbr.Variable(xp.asarray(t)), blank)
    testing.assert_allclose(y.array, _ctc_ref(x, t, blank, in_len, lab_len).mean(),
                            atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('case', CTC_CASES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_ctc_grads(xp, dtype, case, reduce):
    x, t, blank, in_len, lab_len = _ctc_case(case, dtype)
    args = (xp.asarray(t), blank, xp.asarray(in_len), xp.asarray(lab_len))
    _check_grads(xp, lambda *xs: F.connectionist_temporal_classification(
        list(xs), *args, reduce=reduce), tuple(x), dtype, double=False)


def test_ctc_gradient_is_zero_past_input_length(xp):
    x, t, blank, in_len, lab_len = _ctc_case(CTC_CASES[1], numpy.float64)
    xs = [dbr.Variable(xp.asarray(a)) for a in x]
    F.connectionist_temporal_classification(xs, xp.asarray(t), blank, xp.asarray(in_len),
                                            xp.asarray(lab_len)).backward()
    for step, v in enumerate(xs):
        for b in range(len(in_len)):
            if step >= in_len[b]:
                testing.assert_allclose(v.grad[b], numpy.zeros(3), atol=0, rtol=0)
        # softmax and posterior both sum to 1 over the vocabulary
        testing.assert_allclose(v.grad.sum(axis=1), numpy.zeros(3), atol=1e-12, rtol=0)


def test_ctc_transposed_inputs(xp):
    x, t, blank, in_len, lab_len = _ctc_case(CTC_CASES[1], numpy.float64)
    xs = [xp.asarray(numpy.ascontiguousarray(a.T)).T for a in x]  # (B, V) views, not C-order
    y = F.connectionist_temporal_classification(xs, xp.asarray(t), blank, xp.asarray(in_len),
                                                xp.asarray(lab_len), reduce='no')
    testing.assert_allclose(y.array, _ctc_ref(x, t, blank, in_len, lab_len),
                            atol=1e-12, rtol=1e-10)


def test_ctc_empty_batch(xp):
    xs = [dbr.Variable(xp.zeros((0, 3), numpy.float32)) for _ in range(2)]
    t = xp.zeros((0, 1), numpy.int32)
    y = F.connectionist_temporal_classification(xs, t, 0)
    assert y.shape == () and float(y.array) == 0.0
    y.backward()
    assert xs[0].grad.shape == (0, 3)
    assert F.connectionist_temporal_classification(xs, t, 0, reduce='no').shape == (0,)


def test_ctc_huge_logits_are_stable(xp):
    x = numpy.zeros((3, 1, 3))
    x[:, 0, 1] = 1e4  # label 1 everywhere
    x[1, 0, :] = [-1e4, 1e4, -1e4]
    xs = [dbr.Variable(xp.asarray(a)) for a in x]
    y = F.connectionist_temporal_classification(xs, xp.asarray(numpy.array([[1]], 'i')), 0)
    testing.assert_allclose(y.array, _ctc_ref(x, numpy.array([[1]]), 0, [3], [1]),
                            atol=1e-6, rtol=1e-6)
    y.backward()
    assert all(bool(xp.isfinite(v.grad).all()) for v in xs)


def test_ctc_impossible_labelling_is_large_and_finite(xp):
    # Three labels (with a repeat, so five states) cannot fit in two steps.
    xs = [dbr.Variable(xp.asarray(_normal((1, 3)))) for _ in range(2)]
    y = F.connectionist_temporal_classification(
        xs, xp.asarray(numpy.array([[1, 1, 2]], 'i')), 0)
    assert 1e9 < float(y.array) < 1e11
    y.backward()
    for v in xs:
        assert bool(xp.isfinite(v.grad).all())


def test_ctc_double_backprop_is_refused(xp):
    xs = [dbr.Variable(xp.asarray(_normal((2, 3)))) for _ in range(3)]
    y = F.connectionist_temporal_classification(
        xs, xp.asarray(numpy.array([[1], [2]], 'i')), 0)
    gxs = dbr.grad([y], xs, enable_double_backprop=True)
    with pytest.raises(NotImplementedError,
                       match='connectionist_temporal_classification: double backprop'):
        dbr.grad([F.sum(gxs[0] * gxs[0])], xs)


def test_ctc_bad_inputs(xp):
    xs = [xp.zeros((2, 3), numpy.float32) for _ in range(3)]
    t = xp.asarray(numpy.array([[1], [2]], numpy.int32))
    ctc = F.connectionist_temporal_classification
    with pytest.raises(TypeError, match='connectionist_temporal_classification: x must be'):
        ctc(xp.stack(xs), t, 0)
    with pytest.raises(TypeError, match='connectionist_temporal_classification: blank_symbol'):
        ctc(xs, t, 0.0)
    with pytest.raises(InvalidType, match=r'connectionist_temporal_classification: expected '
                                          r'0 <= self\.blank_symbol < x\.shape\[1\]'):
        ctc(xs, t, 3)
    with pytest.raises(ValueError, match=r'connectionist_temporal_classification: labels must '
                                         r'be in \[0, 3\); got 3'):
        ctc(xs, xp.asarray(numpy.array([[1], [3]], numpy.int32)), 0)
    with pytest.raises(ValueError, match=r'connectionist_temporal_classification: labels must '
                                         r'differ from blank_symbol=1'):
        ctc(xs, t, 1)
    # Padding past label_length is not checked.
    y = ctc(xs, xp.asarray(numpy.array([[1, -1], [2, 9]], numpy.int32)), 0,
            label_length=xp.asarray(numpy.array([1, 1], numpy.int32)))
    assert bool(xp.isfinite(y.array))
    with pytest.raises(InvalidType, match=r"x\[2\]: shape=\(2, 4\)"):
        ctc(xs[:2] + [xp.zeros((2, 4), numpy.float32)], t, 0)
    with pytest.raises(InvalidType, match=r'connectionist_temporal_classification: .*t\.shape'):
        ctc(xs, xp.zeros((3, 1), numpy.int32), 0)
    with pytest.raises(ValueError, match=r'input_length must be in \[1, 3\], got \[4, 1\]'):
        ctc(xs, t, 0, input_length=xp.asarray(numpy.array([4, 1], numpy.int32)))
    with pytest.raises(ValueError, match=r'input_length must be in \[1, 3\], got \[0, 1\]'):
        ctc(xs, t, 0, input_length=xp.asarray(numpy.array([0, 1], numpy.int32)))
    with pytest.raises(ValueError, match=r'label_length must be in \[0, 1\], got \[2, 1\]'):
        ctc(xs, t, 0, label_length=xp.asarray(numpy.array([2, 1], numpy.int32)))
    with pytest.raises(InvalidType, match=r'input_length\.shape=\(3,\)'):
        ctc(xs, t, 0, input_length=xp.ones(3, numpy.int32))
    with pytest.raises(ValueError, match=r"connectionist_temporal_classification: reduce must "
                                         r"be 'mean' or 'no'"):
        ctc(xs, t, 0, reduce='sum')


def _logits(xp, dtype, h, W):
    """A fresh logits Variable made by an op, like ``model.out(h)``."""
    return F.linear(h, W)


@pytest.mark.parametrize('dtype', FLOATS)
def test_sce_writes_scores_into_temporary_logits(xp, dtype):
    h = dbr.Variable(xp.asarray(_normal((6, 3), dtype)))
    W = dbr.Variable(xp.asarray(_normal((5, 3), dtype)))
    t = xp.asarray(numpy.array([0, 4, -1, 2, 2, 1], numpy.int32))
    y = _logits(xp, dtype, h, W)
    expected = F.softmax_cross_entropy(y, t)   # named: computed out of place
    assert not expected.creator.in_place
    expected.backward()
    gh, gW = h.grad.copy(), W.grad.copy()
    h.cleargrad()
    W.cleargrad()
    loss = F.softmax_cross_entropy(_logits(xp, dtype, h, W), t)
    assert loss.creator.in_place
    assert loss.dtype == dtype
    testing.assert_allclose(loss.array, expected.array, **_fwd_tol(dtype))
    loss.backward()
    testing.assert_allclose(h.grad, gh, **_fwd_tol(dtype))
    testing.assert_allclose(W.grad, gW, **_fwd_tol(dtype))


class _Holder:
    pass


def _keep_view(y, views):
    views.append(y.array[1:])
    return y


@pytest.mark.parametrize('holder', ['name', 'attribute', 'list', 'array', 'view', 'retained',
                                    'classifier'])
def test_sce_never_overwrites_logits_someone_can_see(xp, holder):
    h = dbr.Variable(xp.asarray(_normal((4, 3))))
    W = dbr.Variable(xp.asarray(_normal((5, 3))))
    t = xp.asarray(numpy.array([0, 4, 1, 2], numpy.int32))
    box = _Holder()
    if holder == 'name':
        y = F.linear(h, W)
        seen, loss = y.array, F.softmax_cross_entropy(y, t)
    elif holder == 'attribute':
        box.y = F.linear(h, W)
        seen, loss = box.y.array, F.softmax_cross_entropy(box.y, t)
    elif holder == 'list':
        ys = [F.linear(h, W)]
        seen, loss = ys[0].array, F.softmax_cross_entropy(ys[0], t)
    elif holder == 'array':   # the caller kept `.array` and wrapped it anew
        seen = F.linear(h, W).array
        loss = F.softmax_cross_entropy(dbr.Variable(seen), t)
    elif holder == 'view':    # the only other reference is a view of the logits
        views = []
        loss = F.softmax_cross_entropy(_keep_view(F.linear(h, W), views), t)
        seen = views[0].base
    elif holder == 'retained':   # exp keeps its output (the logits here) for its backward
        loss = F.softmax_cross_entropy(F.exp(F.linear(h, W)), t)
        seen = loss.creator.inputs[0].creator._retained_outputs[0]
    else:   # L.Classifier's pattern: loss, then accuracy of the same predictions
        box.y = F.linear(h, W)
        seen = box.y.array
        loss = F.softmax_cross_entropy(box.y, t)
    expected = F.linear(h, W).array
    if holder == 'retained':
        expected = xp.exp(expected)
    assert not loss.creator.in_place
    testing.assert_allclose(seen, expected, atol=0, rtol=0)
    if holder == 'classifier':
        testing.assert_allclose(F.accuracy(box.y, t).array,
                                (expected.argmax(axis=1) == t).mean(), atol=0, rtol=0)
