"""Tests of the links filling Chainer gaps: SimplifiedDropconnect, BatchRenormalization,
BlackOut and CRF1d.

Construction (lazy sizes, initializers, parameter names as in Chainer), forward against the
function each link wraps, state updates, serialization round trips and device moves.
"""
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import serializers
from dbr import testing
from dbr.type_check import InvalidType

from _link_helpers import to_cpu


def _normal(shape, dtype=numpy.float32, scale=1.0, loc=0.0):
    return numpy.asarray(numpy.random.normal(loc, scale, shape)).astype(dtype)


def _on(link, xp):
    return link.to_device('@numpy' if xp is numpy else '@cupy:0')


def _round_trip(link, target):
    """Saves ``link`` in a Chain and loads it into ``target``; returns the saved keys."""
    buf = io.BytesIO()
    serializers.save_npz(buf, dbr.Chain(m=link))
    buf.seek(0)
    with numpy.load(buf) as npz:
        keys = sorted(npz.files)
    buf.seek(0)
    serializers.load_npz(buf, dbr.Chain(m=target))
    return keys


# ----- SimplifiedDropconnect --------------------------------------------------------------------

def test_simplified_dropconnect_construction():
    layer = L.SimplifiedDropconnect(30, 20, ratio=0.3)
    assert layer.W.shape == (20, 30) and layer.W.dtype == numpy.float32
    assert layer.b.shape == (20,) and (layer.b.array == 0).all()
    assert layer.ratio == 0.3 and layer.out_size == 20
    assert abs(float(layer.W.array.std()) - 1 / numpy.sqrt(30)) < 0.05
    assert [name for name, _ in layer.namedparams()] == ['/W', '/b']
    layer = L.SimplifiedDropconnect(3, 2, nobias=True, initialW=2.0)
    assert layer.b is None and (layer.W.array == 2).all()
    layer = L.SimplifiedDropconnect(3, 2, initial_bias=numpy.arange(2))
    testing.assert_allclose(layer.b.array, [0, 1])


def test_simplified_dropconnect_lazy_in_size(xp):
    layer = _on(L.SimplifiedDropconnect(None, 4), xp)
    assert layer.W.array is None
    y = layer(xp.ones((2, 3, 2), numpy.float32))
    assert layer.W.shape == (4, 6) and y.shape == (2, 4)


@pytest.mark.parametrize('batchwise', [True, False])
def test_simplified_dropconnect_forward_matches_function(xp, batchwise):
    layer = _on(L.SimplifiedDropconnect(3, 2, ratio=0.4, initial_bias=0.5), xp)
    x = xp.asarray(_normal((5, 3)))
    xp.random.seed(4)
    y = layer(x, use_batchwise_mask=batchwise)
    xp.random.seed(4)
    expected = F.simplified_dropconnect(x, layer.W, layer.b, 0.4, use_batchwise_mask=batchwise)
    testing.assert_allclose(y.array, expected.array, atol=0, rtol=0)
    mask = xp.asarray(numpy.random.rand(2, 3) > 0.5)
    testing.assert_allclose(
        layer(x, mask=mask).array,
        F.simplified_dropconnect(x, layer.W, layer.b, 0.4, mask=mask).array, atol=0, rtol=0)
    testing.assert_allclose(layer(x, train=False).array,
                            F.linear(x, layer.W, layer.b).array, atol=1e-6, rtol=1e-6)


def test_simplified_dropconnect_gradients_reach_parameters():
    layer = L.SimplifiedDropconnect(3, 2, ratio=0.5)
    mask = numpy.random.rand(4, 2, 3) > 0.5
    x = _normal((4, 3))
    F.sum(layer(x, mask=mask)).backward()
    testing.assert_allclose(layer.W.grad, (mask * 2.0 * x[:, None, :]).sum(0), atol=1e-6,
                            rtol=1e-6)
    testing.assert_allclose(layer.b.grad, [4, 4])


def test_simplified_dropconnect_serialization_and_devices(xp):
    layer = _on(L.SimplifiedDropconnect(3, 2), xp)
    target = L.SimplifiedDropconnect(None, 2)
    assert _round_trip(layer, target) == ['m/W', 'm/b']
    testing.assert_allclose(target.W.array, to_cpu(layer.W), atol=0, rtol=0)
    layer.to_device('@numpy')
    assert isinstance(layer.W.array, numpy.ndarray)
    assert layer(numpy.ones((1, 3), 'f'), train=False).shape == (1, 2)


def test_simplified_dropconnect_errors():
    with pytest.raises(TypeError, match='SimplifiedDropconnect: out_size must be a positive int'):
        L.SimplifiedDropconnect(3, 0)
    with pytest.raises(TypeError, match='SimplifiedDropconnect: in_size must be a positive int '
                                        'or None'):
        L.SimplifiedDropconnect(-1, 2)
    with pytest.raises(ValueError, match='SimplifiedDropconnect: ratio must be in'):
        L.SimplifiedDropconnect(3, 2, ratio=1.0)
    with pytest.raises(InvalidType, match='SimplifiedDropconnect: expected x.ndim >= 2'):
        L.SimplifiedDropconnect(None, 2)(numpy.ones(3, 'f'))
    with pytest.raises(InvalidType, match=r'simplified_dropconnect: .*x.shape=\(2, 4\)'):
        L.SimplifiedDropconnect(3, 2)(numpy.ones((2, 4), 'f'))


# ----- BatchRenormalization ---------------------------------------------------------------------

def _brn_inputs(shape=(6, 3, 2)):
    return _normal(shape, scale=2.0, loc=1.0)


def test_batch_renormalization_link_train_forward_matches_function(xp):
    brn = _on(L.BatchRenormalization(3, rmax=1.5, dmax=0.5, decay=0.8), xp)
    brn.gamma.array[...] = xp.asarray([0.5, 1.0, 2.0], numpy.float32)
    mean, var = brn.avg_mean.copy(), brn.avg_var.copy()
    x = xp.asarray(_brn_inputs())
    y = brn(x)
    expected = F.batch_renormalization(x, brn.gamma, brn.beta, 1.5, 0.5, 2e-5, mean.copy(),
                                       var.copy())
    testing.assert_allclose(y.array, expected.array, atol=1e-6, rtol=1e-6)
    # moving averages updated as batch normalization's
    bn = _on(L.BatchNormalization(3, decay=0.8), xp)
    bn(x)
    testing.assert_allclose(brn.avg_mean, bn.avg_mean, atol=1e-6, rtol=1e-6)
    testing.assert_allclose(brn.avg_var, bn.avg_var, atol=1e-6, rtol=1e-6)
    assert not numpy.allclose(to_cpu(brn.avg_mean), to_cpu(mean))


def test_batch_renormalization_link_test_mode_and_freezing(xp):
    brn = _on(L.BatchRenormalization(3, rmax=2.0, dmax=1.0), xp)
    x = xp.asarray(_brn_inputs())
    brn(x)
    mean, var = brn.avg_mean.copy(), brn.avg_var.copy()
    with dbr.using_config('train', False):
        y = brn(x)
    testing.assert_allclose(brn.avg_mean, mean, atol=0, rtol=0)
    testing.assert_allclose(
        y.array, F.fixed_batch_normalization(x, brn.gamma, brn.beta, mean, var).array,
        atol=0, rtol=0)
    brn.freeze_running_statistics = True
    brn(x)
    testing.assert_allclose(brn.avg_mean, mean, atol=0, rtol=0)
    testing.assert_allclose(brn.avg_var, var, atol=0, rtol=0)
    frozen = L.BatchRenormalization(3, freeze_running_statistics=True)
    frozen(_brn_inputs())
    assert (frozen.avg_mean == 0).all() and (frozen.avg_var == 1).all()


def test_batch_renormalization_link_finetune_and_lazy_size():
    brn = L.BatchRenormalization(None, rmax=3.0, dmax=3.0, use_gamma=False, use_beta=False)
    assert brn.gamma is None and brn.avg_mean is None
    xs = [_brn_inputs((4, 2, 3)) for _ in range(3)]
    brn.start_finetuning()
    for x in xs:
        brn(x, finetune=True)
    assert brn.N == 3 and brn.avg_mean.shape == (2,)
    means = [x.mean(axis=(0, 2)) for x in xs]
    testing.assert_allclose(brn.avg_mean, numpy.mean(means, axis=0), atol=1e-5, rtol=1e-5)


def test_batch_renormalization_link_parameter_gradients():
    brn = L.BatchRenormalization(3, rmax=1.0, dmax=0.0, dtype=numpy.float64)
    x = _brn_inputs().astype(numpy.float64)
    F.sum(brn(x) * x).backward()
    bn = L.BatchNormalization(3, dtype=numpy.float64)
    F.sum(bn(x) * x).backward()
    testing.assert_allclose(brn.gamma.grad, bn.gamma.grad)
    testing.assert_allclose(brn.beta.grad, bn.beta.grad)


def test_batch_renormalization_link_inside_forget_updates_statistics_once():
    x = _brn_inputs().astype(numpy.float64)
    plain = L.BatchRenormalization(3, rmax=5.0, dmax=5.0, dtype=numpy.float64)
    forgot = L.BatchRenormalization(3, rmax=5.0, dmax=5.0, dtype=numpy.float64)
    for link in (plain, forgot):
        link.avg_mean[...] = [0.3, -0.2, 0.1]  # so that r and d are not 1 and 0
        link.avg_var[...] = [0.5, 2.0, 1.0]
    xv1, xv2 = dbr.Variable(x), dbr.Variable(x.copy())
    y1 = plain(xv1)
    y2 = F.forget(lambda v: forgot(v), xv2)
    testing.assert_allclose(y2.array, y1.array)
    gy = _normal(x.shape, numpy.float64)
    F.sum(y1 * gy).backward()
    F.sum(y2 * gy).backward()
    testing.assert_allclose(xv2.grad, xv1.grad)
    testing.assert_allclose(forgot.gamma.grad, plain.gamma.grad)
    testing.assert_allclose(forgot.avg_mean, plain.avg_mean)
    testing.assert_allclose(forgot.avg_var, plain.avg_var)


def test_batch_renormalization_link_serialization_and_devices(xp):
    brn = _on(L.BatchRenormalization(3, rmax=2.0, dmax=1.0), xp)
    brn(xp.asarray(_brn_inputs()), finetune=True)
    target = L.BatchRenormalization(3)
    keys = _round_trip(brn, target)
    assert keys == ['m/N', 'm/avg_mean', 'm/avg_var', 'm/beta', 'm/gamma']  # as Chainer's
    testing.assert_allclose(target.avg_mean, to_cpu(brn.avg_mean), atol=0, rtol=0)
    assert target.N == 1
    brn.to_device('@numpy')
    assert isinstance(brn.avg_var, numpy.ndarray)
    with dbr.using_config('train', False):
        assert brn(_brn_inputs()).shape == (6, 3, 2)


def test_batch_renormalization_link_errors():
    brn = L.BatchRenormalization(3)
    with pytest.raises(InvalidType, match='BatchNormalization: expected the channel axes of x'):
        brn(numpy.ones((2, 4), 'f'))
    with pytest.raises(ValueError, match='batch_renormalization: rmax must be >= 1'):
        L.BatchRenormalization(3, rmax=0.5)(numpy.ones((2, 3), 'f'))


# ----- BlackOut ---------------------------------------------------------------------------------

COUNTS = [4, 0, 3, 1, 2]


def test_black_out_construction():
    bo = L.BlackOut(3, COUNTS, 2)
    assert bo.W.shape == (5, 3) and bo.W.dtype == numpy.float32
    assert numpy.isnan(bo.W.array).all()  # Chainer leaves W uninitialized (NaN)
    assert bo.sample_size == 2 and bo.sample_data is None
    assert bo.sampler.threshold.shape == (5,)  # one column per word
    with dbr.using_config('dtype', numpy.float64):
        assert L.BlackOut(3, COUNTS, 2).W.dtype == numpy.float64


def test_black_out_forward_matches_function(xp):
    bo = _on(L.BlackOut(3, COUNTS, 4), xp)
    bo.W.array[...] = xp.asarray(_normal((5, 3)))
    x = xp.asarray(_normal((6, 3)))
    t = xp.asarray(numpy.array([0, 2, 3, 4, -1, 0], numpy.int32))
    xp.random.seed(2)
    loss = bo(x, t)
    xp.random.seed(2)
    samples = bo.sampler.sample((6, 4))
    assert to_cpu(samples).min() >= 0 and not (to_cpu(samples) == 1).any()  # word 1: count 0
    testing.assert_allclose(loss.array, F.black_out(x, t, bo.W, samples).array, atol=0, rtol=0)
    bo.sample_data = xp.asarray(numpy.full((6, 4), 3, numpy.int32))
    testing.assert_allclose(bo(x, t).array, F.black_out(x, t, bo.W, bo.sample_data).array,
                            atol=0, rtol=0)
    bo.sample_data = None
    bo.cleargrads()
    bo(x, t).backward()
    assert bo.W.grad.shape == (5, 3) and numpy.isfinite(to_cpu(bo.W.grad)).all()


def test_black_out_serialization_and_devices(xp):
    bo = _on(L.BlackOut(3, COUNTS, 2), xp)
    bo.W.array[...] = xp.asarray(_normal((5, 3)))
    target = L.BlackOut(3, COUNTS, 2)
    assert _round_trip(bo, target) == ['m/W']
    testing.assert_allclose(target.W.array, to_cpu(bo.W), atol=0, rtol=0)
    bo.to_device('@numpy')
    assert isinstance(bo.sampler.threshold, numpy.ndarray) and bo.sampler.device.xp is numpy
    assert bo(_normal((2, 3)), numpy.array([0, 2], 'i')).shape == ()


def test_black_out_errors():
    with pytest.raises(ValueError, match='BlackOut: counts must be a non-empty 1-D sequence'):
        L.BlackOut(3, [1, -1], 2)
    with pytest.raises(TypeError, match='BlackOut: sample_size must be a non-negative int'):
        L.BlackOut(3, COUNTS, 1.5)
    with pytest.raises(TypeError, match='BlackOut: in_size must be a positive int'):
        L.BlackOut(0, COUNTS, 1)


# ----- CRF1d ------------------------------------------------------------------------------------

def _sequences(lengths=(2, 4, 3), k=3):
    xs = [_normal((n, k)) for n in lengths]
    ys = [numpy.random.randint(0, k, n).astype(numpy.int32) for n in lengths]
    return xs, ys


def test_crf1d_construction():
    crf = L.CRF1d(4)
    assert crf.cost.shape == (4, 4) and (crf.cost.array == 0).all()
    assert [name for name, _ in crf.namedparams()] == ['/cost']
    crf = L.CRF1d(2, initial_cost=numpy.array([[1., 2.], [3., 4.]]))
    testing.assert_allclose(crf.cost.array, [[1, 2], [3, 4]])
    assert crf.cost.dtype == numpy.float32
    with pytest.raises(TypeError, match='CRF1d: n_label must be a positive int'):
        L.CRF1d(0)


def test_crf1d_link_forward_matches_function(xp):
    crf = _on(L.CRF1d(3, initial_cost='normal'), xp)
    xs, ys = _sequences((3, 3, 1))
    txs = [xp.asarray(x.array) for x in F.transpose_sequence(xs)]
    tys = [xp.asarray(y.array) for y in F.transpose_sequence(ys)]
    testing.assert_allclose(crf(txs, tys).array, F.crf1d(crf.cost, txs, tys).array, atol=0,
                            rtol=0)
    score, path = crf.argmax(txs)
    ref_score, ref_path = F.argmax_crf1d(crf.cost, txs)
    testing.assert_allclose(score.array, ref_score.array, atol=0, rtol=0)
    assert [to_cpu(p).tolist() for p in path] == [to_cpu(p).tolist() for p in ref_path]


def test_crf1d_link_transpose_keeps_the_input_order(xp):
    crf = _on(L.CRF1d(3, initial_cost='normal'), xp)
    xs, ys = _sequences((2, 4, 3))
    xs_d, ys_d = [xp.asarray(x) for x in xs], [xp.asarray(y) for y in ys]
    per_seq = [float(crf([x[i:i + 1] for i in range(len(x))],
                         [y[i:i + 1] for i in range(len(y))]).array) for x, y in zip(xs_d, ys_d)]
    losses = crf(xs_d, ys_d, reduce='no', transpose=True)
    testing.assert_allclose(losses.array, per_seq, atol=1e-5, rtol=1e-5)
    testing.assert_allclose(crf(xs_d, ys_d, transpose=True).array, numpy.mean(per_seq),
                            atol=1e-5, rtol=1e-5)
    score, path = crf.argmax(xs_d, transpose=True)
    assert [p.shape for p in path] == [(2,), (4,), (3,)]
    for i, x in enumerate(xs_d):
        s, p = crf.argmax([x[j:j + 1] for j in range(len(x))])
        assert [int(to_cpu(q)[0]) for q in p] == to_cpu(path[i]).tolist()
        testing.assert_allclose(score.array[i], s.array[0], atol=1e-5, rtol=1e-5)
    crf.cleargrads()
    crf(xs_d, ys_d, transpose=True).backward()
    assert crf.cost.grad.shape == (3, 3)


def test_crf1d_serialization_and_devices(xp):
    crf = _on(L.CRF1d(3, initial_cost='normal'), xp)
    target = L.CRF1d(3)
    assert _round_trip(crf, target) == ['m/cost']
    testing.assert_allclose(target.cost.array, to_cpu(crf.cost), atol=0, rtol=0)
    crf.to_device('@numpy')
    xs, ys = _sequences()
    assert crf(xs, ys, transpose=True).shape == ()


# ----- DecorrelatedBatchNormalization -----------------------------------------------------------

def _dbn_input(shape=(12, 4, 2)):
    x = numpy.random.randn(*shape)
    mix = numpy.random.randn(shape[1], shape[1]) + 2 * numpy.eye(shape[1])
    return (numpy.moveaxis(numpy.moveaxis(x, 1, -1) @ mix, -1, 1) + 1).astype(numpy.float32)


def test_decorrelated_batch_normalization_construction():
    dbn = L.DecorrelatedBatchNormalization(8, groups=2)
    assert dbn.groups == 2 and dbn.N == 0
    assert dbn.avg_mean.shape == (2, 4) and (dbn.avg_mean == 0).all()
    assert dbn.avg_mean.dtype == numpy.float32
    testing.assert_allclose(dbn.avg_projection, numpy.stack([numpy.eye(4)] * 2), atol=0, rtol=0)
    assert list(dbn.params()) == []
    assert L.DecorrelatedBatchNormalization(32).groups == 16
    assert L.DecorrelatedBatchNormalization(12, groups=None, group_size=4).groups == 3
    assert L.DecorrelatedBatchNormalization(32, groups=None).avg_mean.shape == (2, 16)
    assert L.DecorrelatedBatchNormalization(4, groups=1, dtype='d').avg_projection.dtype == 'd'
    with pytest.raises(ValueError, match='DecorrelatedBatchNormalization: size must equal groups '
                                         r'\* group_size, got size=6, groups=4'):
        L.DecorrelatedBatchNormalization(6, groups=4)
    with pytest.raises(ValueError, match='group_size=3'):
        L.DecorrelatedBatchNormalization(8, groups=2, group_size=3)
    with pytest.raises(TypeError, match='DecorrelatedBatchNormalization: size must be a positive '
                                        'int'):
        L.DecorrelatedBatchNormalization(0)


def test_decorrelated_batch_normalization_link_modes(xp):
    dbn = _on(L.DecorrelatedBatchNormalization(4, groups=2, decay=0.5, eps=1e-3), xp)
    x = xp.asarray(_dbn_input())
    mean, proj = dbn.avg_mean.copy(), dbn.avg_projection.copy()
    y = dbn(x)
    expected = F.decorrelated_batch_normalization(x, groups=2, eps=1e-3, running_mean=mean,
                                                  running_projection=proj, decay=0.5)
    testing.assert_allclose(y.array, expected.array, atol=1e-6, rtol=1e-6)
    testing.assert_allclose(dbn.avg_mean, mean, atol=1e-6, rtol=1e-6)
    testing.assert_allclose(dbn.avg_projection, proj, atol=1e-6, rtol=1e-6)
    with dbr.using_config('train', False):
        y = dbn(x)
    testing.assert_allclose(
        y.array, F.fixed_decorrelated_batch_normalization(x, mean, proj, 2).array, atol=1e-6,
        rtol=1e-6)
    testing.assert_allclose(dbn.avg_mean, mean, atol=0, rtol=0)


def test_decorrelated_batch_normalization_link_finetune():
    dbn = L.DecorrelatedBatchNormalization(4, groups=1)
    xs = [_dbn_input((10, 4)) for _ in range(3)]
    dbn.start_finetuning()
    for x in xs:
        dbn(x, finetune=True)
    assert dbn.N == 3
    testing.assert_allclose(dbn.avg_mean[0], numpy.mean([x.mean(0) for x in xs], axis=0),
                            atol=1e-5, rtol=1e-5)


def test_decorrelated_batch_normalization_link_inside_forget():
    x = _dbn_input().astype(numpy.float64)
    plain = L.DecorrelatedBatchNormalization(4, groups=2, dtype=numpy.float64)
    forgot = L.DecorrelatedBatchNormalization(4, groups=2, dtype=numpy.float64)
    xv1, xv2 = dbr.Variable(x), dbr.Variable(x.copy())
    gy = numpy.random.randn(*x.shape)
    F.sum(plain(xv1) * gy).backward()
    F.sum(F.forget(forgot, xv2) * gy).backward()
    testing.assert_allclose(xv2.grad, xv1.grad)
    testing.assert_allclose(forgot.avg_projection, plain.avg_projection)
    testing.assert_allclose(forgot.avg_mean, plain.avg_mean)


def test_decorrelated_batch_normalization_link_serialization_and_devices(xp):
    dbn = _on(L.DecorrelatedBatchNormalization(4, groups=2), xp)
    dbn(xp.asarray(_dbn_input()), finetune=True)
    target = L.DecorrelatedBatchNormalization(4, groups=2)
    keys = _round_trip(dbn, target)
    assert keys == ['m/N', 'm/avg_mean', 'm/avg_projection']  # as Chainer's
    testing.assert_allclose(target.avg_projection, to_cpu(dbn.avg_projection), atol=0, rtol=0)
    assert target.N == 1
    dbn.to_device('@numpy')
    assert isinstance(dbn.avg_projection, numpy.ndarray)
    with dbr.using_config('train', False):
        assert dbn(_dbn_input()).shape == (12, 4, 2)
