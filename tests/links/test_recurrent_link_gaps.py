"""Links added for Chainer v7 compatibility: StatefulPeepholeLSTM, StatefulZoneoutLSTM,
StatelessMGU, StatefulMGU, ChildSumTreeLSTM, NaryTreeLSTM, Parameter, MLPConvolution2D,
Inception and InceptionBN.

Each: forward against a NumPy reference of the documented equations (recurrent cells, over
several steps) or against the composition of its children (convolution modules), parameter
paths as in Chainer (so npz files interchange), a save/load round trip (recurrent state is
not serialized, as in Chainer), state handling and devices, gradients, and the errors.
"""
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import gradient_check
from dbr import serializers
from dbr import testing
from dbr.type_check import InvalidType

from _link_helpers import device_of, make_in_dtype, normal, to_cpu, tolerance

FLOATS = [numpy.float64, numpy.float32]


def _randomized(link, xp=numpy):
    """``link`` with every parameter redrawn at random, moved to ``xp``'s device."""
    for param in link.params():
        param.array[...] = normal(param.shape, param.dtype, 0.5)
    return link.to_device(device_of(xp))


def _p(link, name):
    return to_cpu(getattr(link, name)).astype(numpy.float64)


def _sig(x):
    return 1 / (1 + numpy.exp(-x))


def _round_trip(link, fresh, keys):
    """Saves ``link``, checks the npz keys, loads into ``fresh`` and compares every param."""
    buf = io.BytesIO()
    serializers.save_npz(buf, link)
    buf.seek(0)
    assert sorted(numpy.load(buf).files) == sorted(keys)
    buf.seek(0)
    serializers.load_npz(buf, fresh)
    for (path, p), (path2, q) in zip(sorted(link.namedparams()), sorted(fresh.namedparams())):
        assert path == path2
        numpy.testing.assert_array_equal(to_cpu(p), to_cpu(q), err_msg=path)
    return fresh


def _check_link_grads(func, inputs, link, gy):
    """check_backward of ``func`` w.r.t. its inputs and every parameter of ``link``."""
    gradient_check.check_backward(func, inputs, gy, params=tuple(link.params()))


# ----- StatefulPeepholeLSTM ---------------------------------------------------------------------

def _peephole_ref(link, c, h, x):
    Wu, b, Wl = _p(link.upward, 'W'), _p(link.upward, 'b'), _p(link.lateral, 'W')
    Pi, Pf, Po = (_p(getattr(link, n), 'W') for n in ('peep_i', 'peep_f', 'peep_o'))
    x = numpy.asarray(x, numpy.float64)
    n = Wl.shape[1]
    g = x @ Wu.T + b
    if h is not None:
        g = g + h @ Wl.T
    c = numpy.zeros((len(x), n)) if c is None else c
    g = g.reshape(len(x), n, 4)
    i = _sig(g[..., 1] + c @ Pi.T)
    f = _sig(g[..., 2] + c @ Pf.T)
    c = numpy.tanh(g[..., 0]) * i + f * c
    h = _sig(g[..., 3] + c @ Po.T) * numpy.tanh(c)
    return c, h


@pytest.mark.parametrize('dtype', FLOATS)
def test_peephole_steps_match_numpy(xp, dtype):
    link = _randomized(make_in_dtype(L.StatefulPeepholeLSTM, dtype, 3, 2), xp)
    c = h = None
    for _ in range(3):
        x = normal((4, 3), dtype)
        y = link(xp.asarray(x))
        c, h = _peephole_ref(link, c, h, x)
        assert y.dtype == dtype and link.c.dtype == dtype
        testing.assert_allclose(y.array, h, **tolerance(dtype))
        testing.assert_allclose(link.c.array, c, **tolerance(dtype))
        assert link.h is y


def test_peephole_children_round_trip_and_lazy_in_size():
    link = _randomized(L.StatefulPeepholeLSTM(3, 2))
    link(normal((2, 3), numpy.float32))
    keys = ['upward/W', 'upward/b', 'lateral/W', 'peep_i/W', 'peep_f/W', 'peep_o/W']
    assert link.peep_i.b is None and link.lateral.b is None
    fresh = _round_trip(link, L.StatefulPeepholeLSTM(None, 2), keys)
    assert fresh.h is None and fresh.c is None
    lazy = L.StatefulPeepholeLSTM(None, 2)
    lazy(numpy.zeros((1, 5), 'f'))
    assert lazy.upward.W.shape == (8, 5)


def test_peephole_state_reset_set_and_device(xp):
    link = _randomized(make_in_dtype(L.StatefulPeepholeLSTM, numpy.float64, 3, 2))
    x = normal((2, 3))
    y0 = link(x).array
    link.reset_state()
    assert link.c is None and link.h is None
    numpy.testing.assert_array_equal(link(x).array, y0)
    model = dbr.Chain(rnn=link)
    c0, h0 = link.c, link.h
    ref = _peephole_ref(link, c0.array, h0.array, x)
    model.to_device(device_of(xp))
    assert link.c is c0 and isinstance(c0.array, xp.ndarray) and isinstance(h0.array, xp.ndarray)
    testing.assert_allclose(link(xp.asarray(x)).array, ref[1], atol=1e-12)
    c, h = normal((2, 2)), normal((2, 2))
    link.set_state(c, h)
    assert isinstance(link.h.array, xp.ndarray)
    testing.assert_allclose(link(xp.asarray(x)).array, _peephole_ref(link, c, h, x)[1],
                            atol=1e-12)
    model.to_device('@numpy')
    assert isinstance(link.c.array, numpy.ndarray)


def test_peephole_backward_through_two_steps():
    link = _randomized(make_in_dtype(L.StatefulPeepholeLSTM, numpy.float64, 3, 2))

    def run(x1, x2):
        link.reset_state()
        link(x1)
        return link(x2)

    _check_link_grads(run, (normal((2, 3)), normal((2, 3))), link, normal((2, 2)))


def test_peephole_errors():
    link = L.StatefulPeepholeLSTM(3, 2)
    link(numpy.zeros((2, 3), 'f'))
    with pytest.raises(InvalidType, match=r'StatefulPeepholeLSTM: expected x.shape\[0\] == .*'
                                          r'x.shape=\(3, 3\), state shape=\(2, 2\)'):
        link(numpy.zeros((3, 3), 'f'))
    with pytest.raises(InvalidType, match=r'StatefulPeepholeLSTM.set_state: expected c.shape '
                                          r'== h.shape == \(B, 2\)'):
        link.set_state(numpy.zeros((2, 2), 'f'), numpy.zeros((2, 3), 'f'))


# ----- StatefulZoneoutLSTM ----------------------------------------------------------------------

def _lstm_ref(link, c, h, x):
    """One plain LSTM step of the zoneout link's children (its candidate state)."""
    Wu, b, Wl = _p(link.upward, 'W'), _p(link.upward, 'b'), _p(link.lateral, 'W')
    x = numpy.asarray(x, numpy.float64)
    n = Wl.shape[1]
    g = x @ Wu.T + b + (0 if h is None else h @ Wl.T)
    c = numpy.zeros((len(x), n)) if c is None else c
    g = g.reshape(len(x), n, 4)
    c = numpy.tanh(g[..., 0]) * _sig(g[..., 1]) + _sig(g[..., 2]) * c
    return c, _sig(g[..., 3]) * numpy.tanh(c)


def test_zoneout_lstm_test_mode_is_a_plain_lstm(xp):
    link = _randomized(make_in_dtype(L.StatefulZoneoutLSTM, numpy.float64, 3, 2), xp)
    c = h = None
    with dbr.using_config('train', False):
        for _ in range(3):
            x = normal((2, 3))
            y = link(xp.asarray(x))
            c, h = _lstm_ref(link, c, h, x)
            testing.assert_allclose(y.array, h, atol=1e-12)
            testing.assert_allclose(link.c.array, c, atol=1e-12)


def test_zoneout_lstm_train_mode_mixes_old_and_new_state():
    """Each element keeps its previous value where the uniform draw is below the ratio."""
    link = _randomized(make_in_dtype(L.StatefulZoneoutLSTM, numpy.float64, 3, 4, 0.3, 0.6))
    c = h = numpy.zeros((5, 4))
    kept = 0
    for step in range(3):
        x = normal((5, 3))
        numpy.random.seed(step)
        y = link(x)
        c_new, h_new = _lstm_ref(link, c, h if step else None, x)
        numpy.random.seed(step)  # the same draws, cell first
        keep_c = numpy.random.random_sample(c.shape) < 0.3
        keep_h = numpy.random.random_sample(h.shape) < 0.6
        c, h = numpy.where(keep_c, c, c_new), numpy.where(keep_h, h, h_new)
        kept += keep_c.sum() + keep_h.sum()
        testing.assert_allclose(y.array, h, atol=1e-12)
        testing.assert_allclose(link.c.array, c, atol=1e-12)
    assert 0 < kept < 2 * 3 * 20


def test_zoneout_lstm_extreme_ratios(xp):
    x = xp.asarray(normal((2, 3)))
    frozen = _randomized(make_in_dtype(L.StatefulZoneoutLSTM, numpy.float64, 3, 2, 1.0, 1.0), xp)
    plain = _randomized(make_in_dtype(L.StatefulZoneoutLSTM, numpy.float64, 3, 2, 0.0, 0.0), xp)
    for _ in range(2):
        testing.assert_allclose(frozen(x).array, numpy.zeros((2, 2)), atol=0)
    with dbr.using_config('train', False):
        ref = plain.copy('copy')
        expected = [ref(x).array, ref(x).array]
    for e in expected:
        testing.assert_allclose(plain(x).array, e, atol=1e-12)


def test_zoneout_lstm_backward_with_fixed_masks():
    """Gradients to the input, the previous state and every parameter in training mode, with
    the zoneout masks fixed by reseeding before each evaluation."""
    link = _randomized(make_in_dtype(L.StatefulZoneoutLSTM, numpy.float64, 3, 4, 0.4, 0.6))

    def step(x, c0, h0):
        link.set_state(c0, h0)
        numpy.random.seed(3)
        link(x)
        return link.c, link.h

    inputs = (normal((3, 3)), normal((3, 4)), normal((3, 4)))
    c, h = step(*inputs)
    numpy.random.seed(3)
    keep_c = numpy.random.random_sample((3, 4)) < 0.4
    keep_h = numpy.random.random_sample((3, 4)) < 0.6
    assert keep_c.any() and (~keep_h).any()
    numpy.testing.assert_array_equal(c.array[keep_c], inputs[1][keep_c])
    numpy.testing.assert_array_equal(h.array[keep_h], inputs[2][keep_h])
    _check_link_grads(step, inputs, link, (normal((3, 4)), normal((3, 4))))


def test_zoneout_lstm_children_round_trip_and_attributes():
    link = _randomized(L.StatefulZoneoutLSTM(3, 2, c_ratio=0.25, h_ratio=0.75))
    assert (link.c_ratio, link.h_ratio, link.state_size) == (0.25, 0.75, 2)
    link(numpy.zeros((2, 3), 'f'))
    fresh = _round_trip(link, L.StatefulZoneoutLSTM(None, 2),
                        ['upward/W', 'upward/b', 'lateral/W'])
    assert fresh.c is None and fresh.h is None


def test_zoneout_lstm_state_follows_device(xp):
    model = dbr.Chain(rnn=L.StatefulZoneoutLSTM(3, 2))
    model.rnn(numpy.zeros((2, 3), 'f'))
    h = model.rnn.h
    model.to_device(device_of(xp))
    assert model.rnn.h is h and isinstance(h.array, xp.ndarray)
    assert model.rnn(xp.zeros((2, 3), 'f')).shape == (2, 2)
    model.rnn.reset_state()
    assert model.rnn.h is None and model.rnn.c is None


def test_zoneout_lstm_errors():
    with pytest.raises(ValueError, match=r'StatefulZoneoutLSTM: the train argument is not '
                                         r'supported anymore'):
        L.StatefulZoneoutLSTM(3, 2, train=True)
    with pytest.raises(TypeError, match=r"StatefulZoneoutLSTM: unexpected keyword arguments "
                                        r"\['foo'\]"):
        L.StatefulZoneoutLSTM(3, 2, foo=1)
    with pytest.raises(ValueError, match=r'StatefulZoneoutLSTM: h_ratio must be in \[0, 1\], '
                                         r'got 1.5'):
        L.StatefulZoneoutLSTM(3, 2, h_ratio=1.5)
    link = L.StatefulZoneoutLSTM(3, 2)
    link(numpy.zeros((2, 3), 'f'))
    with pytest.raises(InvalidType, match=r'StatefulZoneoutLSTM: .*x.shape=\(1, 3\)'):
        link(numpy.zeros((1, 3), 'f'))


# ----- MGU --------------------------------------------------------------------------------------

def _mgu_ref(link, h, x):
    Wf, bf, Wh, bh = (_p(link.W_f, 'W'), _p(link.W_f, 'b'), _p(link.W_h, 'W'),
                      _p(link.W_h, 'b'))
    f = _sig(numpy.concatenate([h, x], axis=1) @ Wf.T + bf)
    h_bar = numpy.tanh(numpy.concatenate([f * h, x], axis=1) @ Wh.T + bh)
    return f * h_bar + (1 - f) * h


@pytest.mark.parametrize('dtype', FLOATS)
def test_stateless_mgu_matches_numpy(xp, dtype):
    link = _randomized(make_in_dtype(L.StatelessMGU, dtype, 3, 2), xp)
    h, x = normal((4, 2), dtype), normal((4, 3), dtype)
    y = link(xp.asarray(h), xp.asarray(x))
    assert y.dtype == dtype
    testing.assert_allclose(y.array, _mgu_ref(link, h.astype('d'), x.astype('d')),
                            **tolerance(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_stateful_mgu_steps_match_numpy(xp, dtype):
    link = _randomized(make_in_dtype(L.StatefulMGU, dtype, 3, 2), xp)
    h = numpy.zeros((4, 2))
    for _ in range(3):
        x = normal((4, 3), dtype)
        y = link(xp.asarray(x))
        h = _mgu_ref(link, h, x.astype('d'))
        assert y.dtype == dtype and link.h is y
        testing.assert_allclose(y.array, h, **tolerance(dtype))


def test_mgu_weights_act_on_h_first_then_x():
    link = L.StatelessMGU(3, 2)
    assert link.W_f.W.shape == link.W_h.W.shape == (2, 5)
    for p in link.params():
        p.array[...] = 0
    link.W_h.W.array[:, 2:] = 1.0  # only the x columns
    link.W_f.W.array[...] = 0
    y = link(numpy.full((1, 2), 7.0, 'f'), numpy.full((1, 3), 0.1, 'f'))
    # f = 1/2, h_bar = tanh(0.3): y = (tanh(0.3) + 7) / 2
    testing.assert_allclose(y.array, numpy.full((1, 2), (numpy.tanh(0.3) + 7) / 2), atol=1e-6)


def test_stateful_mgu_state_handling_and_device(xp):
    link = _randomized(make_in_dtype(L.StatefulMGU, numpy.float64, 3, 2))
    x = normal((2, 3))
    y0 = link(x).array
    link.reset_state()
    assert link.h is None
    numpy.testing.assert_array_equal(link(x).array, y0)
    model = dbr.Chain(rnn=link)
    h = link.h
    model.to_device(device_of(xp))
    assert link.h is h and isinstance(h.array, xp.ndarray)
    h0 = normal((2, 2))
    link.set_state(h0)
    assert isinstance(link.h.array, xp.ndarray)
    testing.assert_allclose(link(xp.asarray(x)).array, _mgu_ref(link, h0, x), atol=1e-12)


def test_mgu_round_trip_lazy_and_backward():
    link = _randomized(L.StatefulMGU(3, 2))
    link(numpy.zeros((2, 3), 'f'))
    keys = ['W_f/W', 'W_f/b', 'W_h/W', 'W_h/b']
    fresh = _round_trip(link, L.StatefulMGU(3, 2), keys)
    assert fresh.h is None
    lazy = L.StatelessMGU(None, 2)
    lazy(numpy.zeros((1, 2), 'f'), numpy.zeros((1, 4), 'f'))
    assert lazy.W_f.W.shape == (2, 6)
    cell = _randomized(make_in_dtype(L.StatelessMGU, numpy.float64, 3, 2))
    _check_link_grads(cell, (normal((2, 2)), normal((2, 3))), cell, normal((2, 2)))
    gradient_check.check_double_backward(
        cell, (normal((2, 2)), normal((2, 3))), normal((2, 2)),
        (normal((2, 2)), normal((2, 3))))


def test_mgu_errors():
    link = L.StatefulMGU(3, 2)
    link(numpy.zeros((2, 3), 'f'))
    with pytest.raises(InvalidType, match=r'StatefulMGU: expected h.shape\[0\] == x.shape\[0\], '
                                          r'got h.shape=\(2, 2\), x.shape=\(3, 3\)'):
        link(numpy.zeros((3, 3), 'f'))
    with pytest.raises(InvalidType, match=r'StatefulMGU.set_state: expected h.shape == \(B, 2\)'):
        link.set_state(numpy.zeros((2, 3), 'f'))
    with pytest.raises(InvalidType, match=r'StatelessMGU: expected h.shape\[0\] == x.shape\[0\]'):
        L.StatelessMGU(3, 2)(numpy.zeros((1, 2), 'f'), numpy.zeros((2, 3), 'f'))


# ----- ChildSumTreeLSTM -------------------------------------------------------------------------

def _child_sum_ref(link, cs, hs, x):
    Wx, bx = _p(link.W_x, 'W'), _p(link.W_x, 'b')
    Waio, Wf = _p(link.W_h_aio, 'W'), _p(link.W_h_f, 'W')
    n = Wf.shape[0]
    wx = x @ Wx.T + bx
    aio = wx[:, :3 * n] + (sum(hs) @ Waio.T if hs else 0)
    a, i, o = aio[:, :n], aio[:, n:2 * n], aio[:, 2 * n:]
    c = numpy.tanh(a) * _sig(i)
    for ck, hk in zip(cs, hs):
        c = c + _sig(wx[:, 3 * n:] + hk @ Wf.T) * ck
    return c, _sig(o) * numpy.tanh(c)


@pytest.mark.parametrize('n_children', [0, 1, 2, 3])
def test_child_sum_tree_lstm_matches_numpy(xp, n_children):
    link = _randomized(make_in_dtype(L.ChildSumTreeLSTM, numpy.float64, 3, 2), xp)
    cs = [normal((4, 2)) for _ in range(n_children)]
    hs = [normal((4, 2)) for _ in range(n_children)]
    x = normal((4, 3))
    c, h = link(*[xp.asarray(a) for a in cs + hs + [x]])
    c_ref, h_ref = _child_sum_ref(link, cs, hs, x)
    testing.assert_allclose(c.array, c_ref, atol=1e-12)
    testing.assert_allclose(h.array, h_ref, atol=1e-12)


def test_child_sum_tree_lstm_is_order_independent_and_fills_none():
    link = _randomized(make_in_dtype(L.ChildSumTreeLSTM, numpy.float64, 3, 2))
    c1, c2, h1, h2, x = (normal((2, 2)), normal((2, 2)), normal((2, 2)), normal((2, 2)),
                         normal((2, 3)))
    a = link(c1, c2, h1, h2, x)
    b = link(c2, c1, h2, h1, x)
    for u, v in zip(a, b):
        testing.assert_allclose(u.array, v.array, atol=1e-12)
    zero = numpy.zeros((2, 2))
    for u, v in zip(link(None, c2, h1, None, None), link(zero, c2, h1, zero, numpy.zeros((2, 3)))):
        testing.assert_allclose(u.array, v.array, atol=1e-12)


def test_child_sum_tree_lstm_backward_and_round_trip():
    link = _randomized(make_in_dtype(L.ChildSumTreeLSTM, numpy.float64, 3, 2))
    inputs = tuple(normal((2, 2)) for _ in range(4)) + (normal((2, 3)),)
    gradient_check.check_backward(link, inputs, (normal((2, 2)), normal((2, 2))),
                                  params=tuple(link.params()))
    fresh = _round_trip(link, make_in_dtype(L.ChildSumTreeLSTM, numpy.float64, None, 2),
                        ['W_x/W', 'W_x/b', 'W_h_aio/W', 'W_h_f/W'])
    assert fresh.W_x.W.shape == (8, 3) and fresh.W_h_aio.W.shape == (6, 2)
    assert fresh.W_h_f.W.shape == (2, 2)
    fresh.to_device('@numpy')
    assert isinstance(fresh.W_x.W.array, numpy.ndarray)


def test_child_sum_tree_lstm_errors():
    link = L.ChildSumTreeLSTM(3, 2)
    with pytest.raises(TypeError, match=r'ChildSumTreeLSTM: expected c_1, ..., c_N, h_1, ..., '
                                        r'h_N, x \(an odd number of arguments\), got 4'):
        link(*[numpy.zeros((1, 2), 'f')] * 4)
    with pytest.raises(ValueError, match=r'ChildSumTreeLSTM: all inputs \(cs, hs, x\) are None'):
        link(None, None, None)
    with pytest.raises(ValueError, match=r'ChildSumTreeLSTM: x is None but in_size is not known'):
        L.ChildSumTreeLSTM(None, 2)(numpy.zeros((1, 2), 'f'), None, None)


# ----- NaryTreeLSTM -----------------------------------------------------------------------------

def _nary_ref(link, cs, hs, x):
    n = link.state_size
    g = x @ _p(link.W_x, 'W').T + _p(link.W_x, 'b')
    for k, hk in enumerate(hs, 1):
        if hk is not None:
            g = g + hk @ _p(getattr(link, f'W_h{k}'), 'W').T
    blocks = [g[:, j * n:(j + 1) * n] for j in range(3 + len(cs))]
    c = numpy.tanh(blocks[0]) * _sig(blocks[1])
    for k, ck in enumerate(cs):
        c = c + _sig(blocks[3 + k]) * (0 if ck is None else ck)
    return c, _sig(blocks[2]) * numpy.tanh(c)


@pytest.mark.parametrize('n_ary', [1, 2, 3])
def test_nary_tree_lstm_matches_numpy(xp, n_ary):
    link = _randomized(make_in_dtype(L.NaryTreeLSTM, numpy.float64, 3, 2, n_ary=n_ary), xp)
    cs = [normal((4, 2)) for _ in range(n_ary)]
    hs = [normal((4, 2)) for _ in range(n_ary)]
    x = normal((4, 3))
    c, h = link(*[xp.asarray(a) for a in cs + hs + [x]])
    c_ref, h_ref = _nary_ref(link, cs, hs, x)
    testing.assert_allclose(c.array, c_ref, atol=1e-12)
    testing.assert_allclose(h.array, h_ref, atol=1e-12)


def test_nary_tree_lstm_order_matters_and_none_children():
    link = _randomized(make_in_dtype(L.NaryTreeLSTM, numpy.float64, 3, 2))
    c1, c2, h1, h2, x = (normal((2, 2)), normal((2, 2)), normal((2, 2)), normal((2, 2)),
                         normal((2, 3)))
    assert not numpy.allclose(link(c1, c2, h1, h2, x)[1].array,
                              link(c2, c1, h2, h1, x)[1].array)
    c, h = link(None, c2, h1, None, x)
    c_ref, h_ref = _nary_ref(link, [None, c2], [h1, None], x)
    testing.assert_allclose(h.array, h_ref, atol=1e-12)
    c, h = link(c1, c2, h1, h2, None)
    testing.assert_allclose(h.array, _nary_ref(link, [c1, c2], [h1, h2], numpy.zeros((2, 3)))[1],
                            atol=1e-12)


def test_nary_tree_lstm_backward_and_round_trip():
    link = _randomized(make_in_dtype(L.NaryTreeLSTM, numpy.float64, 3, 2, n_ary=2))
    inputs = tuple(normal((2, 2)) for _ in range(4)) + (normal((2, 3)),)
    gradient_check.check_backward(link, inputs, (normal((2, 2)), normal((2, 2))),
                                  params=tuple(link.params()))
    fresh = _round_trip(link, make_in_dtype(L.NaryTreeLSTM, numpy.float64, None, 2),
                        ['W_x/W', 'W_x/b', 'W_h1/W', 'W_h2/W'])
    assert fresh.W_h1.b is None and fresh.W_x.W.shape == (10, 3)
    assert fresh.n_ary == 2 and fresh.state_size == 2


def test_nary_tree_lstm_errors():
    with pytest.raises(ValueError, match=r'NaryTreeLSTM: n_ary must be an int >= 1, got 0'):
        L.NaryTreeLSTM(3, 2, n_ary=0)
    link = L.NaryTreeLSTM(3, 2, n_ary=2)
    with pytest.raises(TypeError, match=r'NaryTreeLSTM: expected 5 arguments .*N = n_ary = 2\), '
                                        r'got 3'):
        link(numpy.zeros((1, 2), 'f'), numpy.zeros((1, 2), 'f'), numpy.zeros((1, 3), 'f'))
    with pytest.raises(InvalidType, match=r'tree_lstm: expected c2 of the shape and dtype of c1'):
        link(numpy.zeros((1, 2), 'f'), numpy.zeros((2, 2), 'f'), None, None,
             numpy.zeros((1, 3), 'f'))


# ----- Parameter --------------------------------------------------------------------------------

def test_parameter_link_holds_and_returns_its_array(xp):
    array = xp.asarray(normal((2, 3), numpy.float16))
    link = L.Parameter(array)
    assert link.W.array is array and link.W.dtype == numpy.float16
    assert link.device.xp is xp
    y = link()
    assert y is not link.W and y.creator is not None
    testing.assert_allclose(y.array, to_cpu(array), atol=0)
    F.sum(y * 2).backward()
    testing.assert_allclose(link.W.grad, numpy.full((2, 3), 2.0), atol=0)


def test_parameter_link_round_trip_and_device():
    link = L.Parameter(normal((2, 3), numpy.float32))
    fresh = _round_trip(link, L.Parameter(numpy.zeros((2, 3), 'f')), ['W'])
    fresh.to_device('@numpy')
    assert isinstance(fresh.W.array, numpy.ndarray)
    assert [path for path, _ in link.namedparams()] == ['/W']
    with pytest.raises(TypeError, match=r'Parameter: expected a NumPy or CuPy array, got list'):
        L.Parameter([1.0, 2.0])


# ----- MLPConvolution2D -------------------------------------------------------------------------

def _mlpconv_ref(link, x, activation):
    h = x
    for k, conv in enumerate(link):
        stride, pad = (conv.stride, conv.pad) if k == 0 else (1, 0)
        h = F.convolution_2d(h, conv.W, conv.b, stride, pad)
        if k < len(link) - 1:
            h = activation(h)
    return h


@pytest.mark.parametrize('activation', [F.relu, F.tanh])
def test_mlp_convolution_2d_matches_its_convolutions(xp, activation):
    link = _randomized(make_in_dtype(L.MLPConvolution2D, numpy.float64, 2, (4, 3, 5), 3,
                                     stride=2, pad=1, activation=activation), xp)
    assert [tuple(c.W.shape) for c in link] == [(4, 2, 3, 3), (3, 4, 1, 1), (5, 3, 1, 1)]
    x = xp.asarray(normal((2, 2, 5, 5)))
    y = link(x)
    assert y.shape == (2, 5, 3, 3)
    testing.assert_allclose(y.array, _mlpconv_ref(link, x, activation).array, atol=1e-12)
    assert (to_cpu(y) < 0).any()  # no activation after the last convolution


def test_mlp_convolution_2d_lazy_init_round_trip_and_backward():
    link = L.MLPConvolution2D((4, 3), 3, conv_init=0.5, bias_init=0.25)
    assert link[0].W.array is None
    link(numpy.ones((1, 2, 4, 4), 'f'))
    assert link[0].W.shape == (4, 2, 3, 3)
    numpy.testing.assert_array_equal(link[1].W.array, numpy.full((3, 4, 1, 1), 0.5, 'f'))
    numpy.testing.assert_array_equal(link[1].b.array, numpy.full(3, 0.25, 'f'))
    _round_trip(link, L.MLPConvolution2D(None, (4, 3), 3), ['0/W', '0/b', '1/W', '1/b'])
    small = _randomized(make_in_dtype(L.MLPConvolution2D, numpy.float64, 1, (2, 2), 2,
                                      activation=F.tanh))
    _check_link_grads(small, (normal((1, 1, 3, 3)),), small, normal((1, 2, 2, 2)))


def test_mlp_convolution_2d_errors():
    with pytest.raises(TypeError, match=r'MLPConvolution2D: wscale is not supported anymore'):
        L.MLPConvolution2D(3, (4,), 3, 1, 0, F.relu, 1.0)
    with pytest.raises(TypeError, match=r'MLPConvolution2D: wscale is not supported anymore'):
        L.MLPConvolution2D(3, (4,), 3, wscale=1.0)
    with pytest.raises(TypeError, match=r"MLPConvolution2D: unexpected keyword arguments "
                                        r"\['use_cudnn'\]"):
        L.MLPConvolution2D(3, (4,), 3, use_cudnn=True)
    with pytest.raises(ValueError, match=r'MLPConvolution2D: out_channels must name at least '
                                         r'one convolution'):
        L.MLPConvolution2D(3, (), 3)


# ----- Inception / InceptionBN ------------------------------------------------------------------

def test_inception_matches_its_paths(xp):
    link = _randomized(make_in_dtype(L.Inception, numpy.float64, 3, 2, 2, 3, 2, 4, 5), xp)
    x = xp.asarray(normal((2, 3, 5, 5)))
    y = link(x)
    assert y.shape == (2, 14, 5, 5)
    paths = (link.conv1(x), link.conv3(F.relu(link.proj3(x))), link.conv5(F.relu(link.proj5(x))),
             link.projp(F.max_pooling_2d(x, 3, stride=1, pad=1)))
    testing.assert_allclose(y.array, F.relu(F.concat(paths, axis=1)).array, atol=1e-12)


def test_inception_init_lazy_round_trip_and_backward():
    link = L.Inception(None, 2, 2, 3, 2, 4, 5, conv_init=0.5, bias_init=0.25)
    link(numpy.ones((1, 3, 4, 4), 'f'))
    assert link.conv1.W.shape == (2, 3, 1, 1) and link.conv5.W.shape == (4, 2, 5, 5)
    numpy.testing.assert_array_equal(link.conv3.W.array, numpy.full((3, 2, 3, 3), 0.5, 'f'))
    numpy.testing.assert_array_equal(link.projp.b.array, numpy.full(5, 0.25, 'f'))
    keys = [f'{n}/{p}' for n in ('conv1', 'proj3', 'conv3', 'proj5', 'conv5', 'projp')
            for p in 'Wb']
    _round_trip(link, L.Inception(None, 2, 2, 3, 2, 4, 5), keys)
    small = _randomized(make_in_dtype(L.Inception, numpy.float64, 1, 1, 1, 1, 1, 1, 1))
    # positive weights, biases and inputs keep every ReLU away from its kink
    for conv in (small.conv1, small.conv3, small.conv5, small.projp, small.proj3, small.proj5):
        conv.W.array[...] = numpy.abs(conv.W.array)
        conv.b.array[...] = 0.5
    x = numpy.random.uniform(0.5, 1.5, (1, 1, 3, 3))
    _check_link_grads(small, (x,), small, normal((1, 4, 3, 3)))


def _inception_bn_ref(link, x):
    outs = []
    if link.out1 > 0:
        outs.append(F.relu(link.conv1n(link.conv1(x))))
    h = F.relu(link.proj3n(link.proj3(x)))
    outs.append(F.relu(link.conv3n(link.conv3(h))))
    h = F.relu(link.proj33n(link.proj33(x)))
    h = F.relu(link.conv33an(link.conv33a(h)))
    outs.append(F.relu(link.conv33bn(link.conv33b(h))))
    if link.pooltype == 'max':
        p = F.max_pooling_2d(x, 3, link.stride, 1, cover_all=False)
    else:
        p = F.average_pooling_2d(x, 3, link.stride, 1)
    if link.proj_pool is not None:
        p = F.relu(link.poolpn(link.poolp(p)))
    outs.append(p)
    return F.concat(outs, axis=1)


@pytest.mark.parametrize('args, kwargs, out_shape', [
    ((2, 2, 3, 2, 4, 'max'), dict(proj_pool=5), (2, 14, 5, 5)),
    ((2, 2, 3, 2, 4, 'avg'), dict(proj_pool=5), (2, 14, 5, 5)),
    ((0, 2, 3, 2, 4, 'max'), dict(stride=2), (2, 10, 3, 3)),  # no 1x1 path, raw pooling
    ((0, 2, 3, 2, 4, 'avg'), dict(proj_pool=1, stride=2), (2, 8, 3, 3)),
])
def test_inception_bn_matches_its_paths(xp, args, kwargs, out_shape):
    with dbr.using_config('dtype', numpy.float64):
        link = _randomized(L.InceptionBN(3, *args, dtype=numpy.float64, **kwargs), xp)
    x = xp.asarray(normal((2, 3, 5, 5)))
    ref = link.copy('copy')
    y = link(x)
    assert y.shape == out_shape
    testing.assert_allclose(y.array, _inception_bn_ref(ref, x).array, atol=1e-10)
    testing.assert_allclose(link.proj3n.avg_mean, ref.proj3n.avg_mean, atol=1e-12)
    with dbr.using_config('train', False):
        testing.assert_allclose(link(x).array, _inception_bn_ref(link, x).array, atol=1e-10)


def test_inception_bn_children_round_trip():
    link = L.InceptionBN(3, 2, 2, 3, 2, 4, 'max', proj_pool=5)
    assert link.proj3n.gamma.dtype == numpy.float32 and link.conv3.b is None
    link(numpy.ones((2, 3, 4, 4), 'f'))
    link.conv3n.N = 3  # fine-tuning count: a persistent too
    convs = ('conv1', 'proj3', 'conv3', 'proj33', 'conv33a', 'conv33b', 'poolp')
    bns = ('conv1n', 'proj3n', 'conv3n', 'proj33n', 'conv33an', 'conv33bn', 'poolpn')
    keys = [f'{c}/W' for c in convs] + [f'{b}/{p}' for b in bns
                                        for p in ('gamma', 'beta', 'avg_mean', 'avg_var', 'N')]
    fresh = _round_trip(link, L.InceptionBN(None, 2, 2, 3, 2, 4, 'max', proj_pool=5), keys)
    numpy.testing.assert_array_equal(fresh.conv3n.avg_var, link.conv3n.avg_var)
    assert fresh.conv3n.N == 3
    bare = L.InceptionBN(3, 0, 2, 3, 2, 4, 'avg')
    assert not hasattr(bare, 'conv1') and not hasattr(bare, 'poolp')


def test_inception_bn_errors():
    with pytest.raises(ValueError, match=r"InceptionBN: pooltype must be 'max' or 'avg', got "
                                         r"'sum'"):
        L.InceptionBN(3, 0, 2, 3, 2, 4, 'sum')
    with pytest.raises(ValueError, match=r'InceptionBN: a 1x1 path \(out1=2\) needs stride 1 '
                                         r'and a proj_pool, got stride=2, proj_pool=5'):
        L.InceptionBN(3, 2, 2, 3, 2, 4, 'max', proj_pool=5, stride=2)
    with pytest.raises(ValueError, match=r'proj_pool=None'):
        L.InceptionBN(3, 2, 2, 3, 2, 4, 'max')
