"""Tests of the recurrent cell links: LSTM, StatelessLSTM, GRU, StatefulGRU and StatelessGRU.

Several steps against a NumPy reference of the documented equations (and LSTM against an
explicit ``F.linear`` + ``F.lstm`` computation with the same weights), Chainer's gate layout
and initialization, state handling (reset, set, a shrinking batch, devices), gradients to
every parameter and to the initial state, truncated BPTT, lazy input sizes, serialization
and the errors.
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

from _link_helpers import device_of, make_in_dtype, normal, to_cpu, tolerance

FLOATS = [numpy.float64, numpy.float32]


# ----- helpers ----------------------------------------------------------------------------------

def _grad_tol(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return dict(dtype=None)
    return dict(dtype=numpy.float64, atol=1e-3, rtol=1e-2)


def _randomized(link, xp):
    """``link`` with every parameter redrawn at random (biases too), moved to ``xp``'s device."""
    for param in link.params():
        param.array[...] = normal(param.shape, param.dtype, 0.5)
    return link.to_device(device_of(xp))


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _lstm_ref(link, c, h, x):
    """NumPy LSTM step on the full state ``(c, h)`` (zeros for None), as the link documents."""
    Wu, b, Wl = (to_cpu(p).astype(numpy.float64) for p in (link.upward.W, link.upward.b,
                                                           link.lateral.W))
    n = Wl.shape[1]
    x = numpy.asarray(x, numpy.float64).reshape(len(x), Wu.shape[1])
    batch = len(x)
    c = numpy.zeros((batch, n)) if c is None else c
    h = numpy.zeros((batch, n)) if h is None else h
    g = (x @ Wu.T + b + h[:batch] @ Wl.T).reshape(batch, n, 4)
    a, i, f, o = numpy.tanh(g[..., 0]), _sigmoid(g[..., 1]), _sigmoid(g[..., 2]), \
        _sigmoid(g[..., 3])
    c_top = a * i + f * c[:batch]
    h_top = o * numpy.tanh(c_top)
    return numpy.concatenate([c_top, c[batch:]]), numpy.concatenate([h_top, h[batch:]])


def _gru_params(link):
    return {name: (to_cpu(getattr(link, name).W).astype(numpy.float64),
                   to_cpu(getattr(link, name).b).astype(numpy.float64))
            for name in ('W_r', 'U_r', 'W_z', 'U_z', 'W', 'U')}


def _gru_ref(P, h, x):
    """NumPy GRU step; ``h`` None is Chainer's first stateful step (no ``U_*`` terms)."""
    def lin(name, v):
        return v @ P[name][0].T + P[name][1]
    x = numpy.asarray(x, numpy.float64)
    if h is None:
        return _sigmoid(lin('W_z', x)) * numpy.tanh(lin('W', x))
    r = _sigmoid(lin('W_r', x) + lin('U_r', h))
    z = _sigmoid(lin('W_z', x) + lin('U_z', h))
    h_bar = numpy.tanh(lin('W', x) + lin('U', r * h))
    return z * h_bar + (1 - z) * h


# ----- LSTM: forward ----------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_lstm_steps_match_numpy_with_shrinking_batch(xp, dtype):
    link = _randomized(make_in_dtype(L.LSTM, dtype, 3, 4), xp)
    c = h = None
    for batch in (3, 3, 2, 2, 1, 0):
        x = normal((batch, 3), dtype)
        y = link(xp.asarray(x))
        c, h = _lstm_ref(link, c, h, x)
        assert y.dtype == dtype and y.shape == (batch, 4)
        assert link.c.shape == link.h.shape == (3, 4)
        numpy.testing.assert_allclose(to_cpu(y), h[:batch], **tolerance(dtype))
        numpy.testing.assert_allclose(to_cpu(link.h), h, **tolerance(dtype))
        numpy.testing.assert_allclose(to_cpu(link.c), c, **tolerance(dtype))


def test_lstm_equals_explicit_f_lstm_with_the_same_weights(xp):
    link = _randomized(make_in_dtype(L.LSTM, numpy.float64, 5, 3), xp)
    xs = [xp.asarray(normal((4, 5))) for _ in range(3)]
    c = xp.zeros((4, 3))
    h = None
    for x in xs:
        gates = F.linear(x, link.upward.W, link.upward.b)
        if h is not None:
            gates = gates + F.linear(h, link.lateral.W)
        c, h = F.lstm(c, gates)
        y = link(x)
        numpy.testing.assert_array_equal(to_cpu(y), to_cpu(h))
        numpy.testing.assert_array_equal(to_cpu(link.c), to_cpu(c))


def test_lstm_zero_batch_keeps_the_state():
    link = make_in_dtype(L.LSTM, numpy.float64, 3, 2)
    link(normal((2, 3)))
    c, h = link.c, link.h
    y = link(numpy.zeros((0, 3)))
    assert y.shape == (0, 2)
    assert link.h is h
    numpy.testing.assert_array_equal(link.c.array, c.array)


def test_lstm_accepts_variables_and_multi_axis_inputs():
    link = make_in_dtype(L.LSTM, numpy.float64, 6, 2)
    x = normal((3, 2, 3))
    y = link(dbr.Variable(x))
    _, h = _lstm_ref(link, None, None, x)
    numpy.testing.assert_allclose(y.array, h, rtol=1e-12)


# ----- LSTM: parameters and initialization -------------------------------------------------------

def test_lstm_children_and_parameter_paths_match_chainer():
    link = L.LSTM(3, 4)
    assert [(path, p.shape) for path, p in link.namedparams()] == [
        ('/upward/W', (16, 3)), ('/upward/b', (16,)), ('/lateral/W', (16, 4))]
    assert link.lateral.b is None
    assert link.state_size == 4
    assert link.upward.W.dtype == numpy.float32
    assert link.h is None and link.c is None


def test_lstm_default_bias_is_one_on_the_forget_gate_only():
    b = L.LSTM(3, 5).upward.b.array.reshape(5, 4)  # unit-major, gates a, i, f, o
    numpy.testing.assert_array_equal(b, numpy.tile([0., 0., 1., 0.], (5, 1)))


def test_lstm_bias_initializers_fill_their_gates():
    link = L.LSTM(3, 2, bias_init=0.5, forget_bias_init=initializers.Constant(-2.0))
    numpy.testing.assert_array_equal(link.upward.b.array.reshape(2, 4),
                                     [[0.5, 0.5, -2.0, 0.5]] * 2)
    seen = []
    L.LSTM(3, 2, bias_init=lambda a: seen.append(a.shape) or a.fill(0))
    assert seen == [(1, 2, 1)] * 3


def test_lstm_weight_initializers_see_one_gate_block():
    seen = []

    def record(array):
        seen.append(array.shape)
        array[...] = len(seen)

    link = L.LSTM(3, 2, upward_init=record, lateral_init=0.25)
    assert seen == [(2, 3)] * 4
    numpy.testing.assert_array_equal(link.upward.W.array[:, 0], [1, 1, 2, 2, 3, 3, 4, 4])
    numpy.testing.assert_array_equal(link.lateral.W.array, numpy.full((8, 2), 0.25))


def test_lstm_default_weights_are_lecun_normal_per_gate():
    numpy.random.seed(1)
    W = L.LSTM(400, 50).upward.W.array
    for k in range(4):
        assert abs(W[50 * k:50 * (k + 1)].std() - 1 / numpy.sqrt(400)) < 0.003


@pytest.mark.parametrize('args', [(None, 4), (4,)])
def test_lstm_lazy_in_size(args):
    link = make_in_dtype(L.LSTM, numpy.float64, *args)
    assert link.upward.W.array is None and link.lateral.W.shape == (16, 4)
    x = normal((2, 3, 2))
    with dbr.using_config('dtype', numpy.float64):  # the lazy weight takes the dtype then
        y = link(x)
    assert link.upward.W.shape == (16, 6) and link.upward.W.dtype == numpy.float64
    # The lazily created weight gets the per-gate initialization too.
    numpy.testing.assert_array_equal(link.upward.b.array.reshape(4, 4)[:, 2], 1.0)
    numpy.testing.assert_allclose(y.array, _lstm_ref(link, None, None, x)[1], rtol=1e-12)


def test_lstm_copy_init_reinitializes_per_gate():
    link = L.LSTM(3, 2)
    link.upward.b.array[...] = 7
    fresh = link.copy('init')
    numpy.testing.assert_array_equal(fresh.upward.b.array.reshape(2, 4),
                                     [[0., 0., 1., 0.]] * 2)
    assert not numpy.array_equal(fresh.upward.W.array, link.upward.W.array)


# ----- LSTM: state -------------------------------------------------------------------------------

def test_lstm_reset_state_starts_over():
    link = make_in_dtype(L.LSTM, numpy.float64, 3, 2)
    x = normal((2, 3))
    y0 = link(x).array
    assert not numpy.allclose(link(x).array, y0)
    link.reset_state()
    assert link.h is None and link.c is None
    numpy.testing.assert_array_equal(link(x).array, y0)


def test_lstm_set_state_uses_the_given_state(xp):
    link = _randomized(make_in_dtype(L.LSTM, numpy.float64, 3, 2), xp)
    c0, h0, x = normal((3, 2)), normal((3, 2)), normal((2, 3))
    link.set_state(c0, dbr.Variable(h0))  # host arrays/Variables move to the link's device
    assert isinstance(link.c.array, xp.ndarray) and isinstance(link.h.array, xp.ndarray)
    y = link(xp.asarray(x))
    c, h = _lstm_ref(link, c0, h0, x)
    numpy.testing.assert_allclose(to_cpu(y), h[:2], rtol=1e-12)
    numpy.testing.assert_allclose(to_cpu(link.c), c, rtol=1e-12)
    numpy.testing.assert_allclose(to_cpu(link.h), h, rtol=1e-12)


def test_lstm_state_follows_the_device_of_its_chain(xp):
    model = dbr.Chain(rnn=make_in_dtype(L.LSTM, numpy.float64, 3, 2))
    x0, x1 = normal((2, 3)), normal((2, 3))
    model.rnn(x0)
    c0, h0 = model.rnn.c, model.rnn.h
    ref = _lstm_ref(model.rnn, *_lstm_ref(model.rnn, None, None, x0), x1)
    model.to_device(device_of(xp))
    assert model.rnn.h is h0 and model.rnn.c is c0  # moved in place
    assert isinstance(h0.array, xp.ndarray) and isinstance(c0.array, xp.ndarray)
    y = model.rnn(xp.asarray(x1))
    numpy.testing.assert_allclose(to_cpu(y), ref[1], rtol=1e-12)
    numpy.testing.assert_allclose(to_cpu(model.rnn.c), ref[0], rtol=1e-12)
    model.to_cpu()
    assert isinstance(model.rnn.c.array, numpy.ndarray)
    assert isinstance(model.rnn.h.array, numpy.ndarray)


def test_lstm_state_is_not_serialized_and_params_round_trip():
    link = L.LSTM(3, 2)
    link(normal((2, 3), numpy.float32))
    buf = io.BytesIO()
    serializers.save_npz(buf, link)
    buf.seek(0)
    assert sorted(numpy.load(buf).files) == ['lateral/W', 'upward/W', 'upward/b']
    for fresh in (L.LSTM(3, 2), L.LSTM(2)):  # the lazy one takes upward.W's shape from the file
        buf.seek(0)
        serializers.load_npz(buf, fresh)
        assert fresh.h is None and fresh.c is None
        for (path, p), (_, q) in zip(link.namedparams(), fresh.namedparams()):
            numpy.testing.assert_array_equal(p.array, q.array, err_msg=path)


def test_lstm_truncated_bptt_cuts_the_graph_behind_the_state():
    link = make_in_dtype(L.LSTM, numpy.float64, 3, 2)
    xs = [normal((3 - i // 2, 3)) for i in range(6)]  # batches 3, 3, 2, 2, 1, 1

    def window(lstm, part):
        return sum(F.sum(lstm(x) ** 2) for x in part)

    window(link, xs[:3]).backward()
    link.h.unchain_backward()
    assert link.h.creator is None and link.c.creator is None
    c, h = link.c.array.copy(), link.h.array.copy()
    link.cleargrads()
    window(link, xs[3:]).backward()
    # The second window's gradients are those of a fresh run from the detached state.
    ref = link.copy('copy')
    ref.cleargrads()
    ref.set_state(c, h)
    window(ref, xs[3:]).backward()
    for (path, p), (_, q) in zip(link.namedparams(), ref.namedparams()):
        numpy.testing.assert_allclose(p.grad, q.grad, rtol=1e-12, err_msg=path)


# ----- LSTM: gradients --------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_lstm_backward_to_parameters_inputs_and_initial_state(xp, dtype):
    link = _randomized(make_in_dtype(L.LSTM, dtype, 3, 2), xp)
    data = [normal(s, dtype) for s in ((3, 2), (3, 2), (3, 3), (3, 3), (2, 3))]
    gys = [normal(s, dtype) for s in ((3, 2), (2, 2), (3, 2))]

    def run(c0, h0, *xs):
        link.set_state(c0, h0)
        ys = [link(xs[0]), link(xs[2])[:2], link(xs[1])]
        return tuple(ys[:2]) + (link.c,)

    # Inputs in a different order than their use, to catch mixed-up gradients.
    gradient_check.check_backward(
        run, tuple(xp.asarray(a) for a in (data[0], data[1], data[2], data[4], data[3])),
        tuple(xp.asarray(g) for g in gys), params=tuple(link.params()), **_grad_tol(dtype))


def test_lstm_double_backward():
    link = _randomized(make_in_dtype(L.LSTM, numpy.float64, 2, 2), numpy)
    x0, x1 = normal((2, 2)), normal((2, 2))

    def run(a, b):
        link.reset_state()
        link(a)
        return link(b)

    gradient_check.check_double_backward(run, (x0, x1), normal((2, 2)),
                                         (normal((2, 2)), normal((2, 2))),
                                         params=tuple(link.params()),
                                         params_grad_grad=tuple(normal(p.shape)
                                                                for p in link.params()))


# ----- StatelessLSTM -----------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS)
def test_stateless_lstm_matches_numpy(xp, dtype):
    link = _randomized(make_in_dtype(L.StatelessLSTM, dtype, 3, 4), xp)
    c = h = None
    for batch in (2, 2, 1):
        x = normal((batch, 3), dtype)
        c_new, h_new = link(None if c is None else xp.asarray(c.astype(dtype)),
                            None if h is None else xp.asarray(h[:batch].astype(dtype)),
                            xp.asarray(x))
        c, h = _lstm_ref(link, c, h, x)
        assert c_new.shape == (2, 4) and h_new.shape == (batch, 4) and h_new.dtype == dtype
        numpy.testing.assert_allclose(to_cpu(c_new), c, **tolerance(dtype))
        numpy.testing.assert_allclose(to_cpu(h_new), h[:batch], **tolerance(dtype))
        c, h = to_cpu(c_new).astype(numpy.float64), h


@pytest.mark.parametrize('dtype', FLOATS)
def test_stateless_lstm_backward(xp, dtype):
    link = _randomized(make_in_dtype(L.StatelessLSTM, dtype, 3, 2), xp)
    data = tuple(xp.asarray(normal(s, dtype)) for s in ((2, 2), (2, 2), (2, 3)))
    gys = tuple(xp.asarray(normal((2, 2), dtype)) for _ in range(2))
    gradient_check.check_backward(link, data, gys, params=tuple(link.params()),
                                  **_grad_tol(dtype))


def test_stateless_lstm_lazy_in_size_and_chainer_paths():
    link = L.StatelessLSTM(5)
    assert link.state_size == 5 and link.upward.W.array is None
    c, h = link(None, None, numpy.zeros((1, 7), 'f'))
    assert link.upward.W.shape == (20, 7) and h.shape == (1, 5)
    assert [p for p, _ in link.namedparams()] == ['/upward/W', '/upward/b', '/lateral/W']


# ----- LSTM errors -------------------------------------------------------------------------------

def test_lstm_batch_larger_than_the_state_is_an_error():
    link = L.LSTM(3, 4)
    link(numpy.zeros((2, 3), 'f'))
    with pytest.raises(TypeError, match=r'LSTM: .*x\.shape=\(3, 3\), h\.shape=\(2, 4\)'):
        link(numpy.zeros((3, 3), 'f'))


def test_lstm_wrong_input_size_is_an_error():
    link = L.LSTM(3, 4)
    with pytest.raises(TypeError, match=r'linear: .*\(2, 5\).*\(16, 3\)'):
        link(numpy.zeros((2, 5), 'f'))


def test_lstm_set_state_checks_shapes_and_types():
    link = L.LSTM(3, 4)
    with pytest.raises(ValueError, match=r'LSTM\.set_state: .*\(B, 4\).*c\.shape=\(2, 4\), '
                                         r'h\.shape=\(3, 4\)'):
        link.set_state(numpy.zeros((2, 4), 'f'), numpy.zeros((3, 4), 'f'))
    with pytest.raises(ValueError, match=r'LSTM\.set_state: .*c\.shape=\(2, 3\)'):
        link.set_state(numpy.zeros((2, 3), 'f'), numpy.zeros((2, 3), 'f'))
    with pytest.raises(TypeError, match=r'LSTM: the state h must be a Variable, an array or '
                                        r'None, got list'):
        link.h = [[0.0] * 4]


def test_stateless_lstm_h_batch_mismatch_is_an_error():
    link = L.StatelessLSTM(3, 4)
    with pytest.raises(ValueError, match=r'StatelessLSTM: .*h\.shape=\(1, 4\), '
                                         r'x\.shape=\(2, 3\)'):
        link(None, numpy.zeros((1, 4), 'f'), numpy.zeros((2, 3), 'f'))


# ----- GRU ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('cls', [L.GRU, L.StatefulGRU])
@pytest.mark.parametrize('dtype', FLOATS)
def test_stateful_gru_steps_match_numpy(xp, dtype, cls):
    link = _randomized(make_in_dtype(cls, dtype, 3, 4), xp)
    P = _gru_params(link)
    h = None
    for _ in range(4):
        x = normal((2, 3), dtype)
        y = link(xp.asarray(x))
        h = _gru_ref(P, h, x)
        assert y.dtype == dtype and y.shape == (2, 4) and link.h is y
        numpy.testing.assert_allclose(to_cpu(y), h, **tolerance(dtype))


@pytest.mark.parametrize('dtype', FLOATS)
def test_stateless_gru_matches_numpy(xp, dtype):
    link = _randomized(make_in_dtype(L.StatelessGRU, dtype, 3, 4), xp)
    h, x = normal((2, 4), dtype), normal((2, 3), dtype)
    y = link(xp.asarray(h), xp.asarray(x))
    assert y.dtype == dtype and y.shape == (2, 4)
    numpy.testing.assert_allclose(to_cpu(y), _gru_ref(_gru_params(link), h, x), **tolerance(dtype))


def test_gru_children_and_defaults_match_chainer():
    link = L.GRU(3, 4)
    assert [(p, v.shape) for p, v in link.namedparams()] == [
        ('/W_r/W', (4, 3)), ('/W_r/b', (4,)), ('/U_r/W', (4, 4)), ('/U_r/b', (4,)),
        ('/W_z/W', (4, 3)), ('/W_z/b', (4,)), ('/U_z/W', (4, 4)), ('/U_z/b', (4,)),
        ('/W/W', (4, 3)), ('/W/b', (4,)), ('/U/W', (4, 4)), ('/U/b', (4,))]
    assert all((v.array == 0).all() for p, v in link.namedparams() if p.endswith('/b'))
    assert isinstance(link, L.StatefulGRU) and link.state_size == 4 and link.h is None
    link = L.StatelessGRU(3, 2, init=0.5, inner_init=initializers.One(), bias_init=0.25)
    numpy.testing.assert_array_equal(link.W_z.W.array, numpy.full((2, 3), 0.5))
    numpy.testing.assert_array_equal(link.U.W.array, numpy.ones((2, 2)))
    numpy.testing.assert_array_equal(link.U_r.b.array, numpy.full(2, 0.25))


def test_stateful_gru_state_handling(xp):
    link = _randomized(make_in_dtype(L.StatefulGRU, numpy.float64, 3, 2), xp)
    P = _gru_params(link)
    x = normal((2, 3))
    y0 = to_cpu(link(xp.asarray(x)))
    link.reset_state()
    assert link.h is None
    numpy.testing.assert_array_equal(to_cpu(link(xp.asarray(x))), y0)
    h0 = normal((2, 2))
    link.set_state(h0)
    assert isinstance(link.h.array, xp.ndarray)
    numpy.testing.assert_allclose(to_cpu(link(xp.asarray(x))), _gru_ref(P, h0, x), rtol=1e-12)


def test_stateful_gru_state_follows_device(xp):
    model = dbr.Chain(rnn=make_in_dtype(L.GRU, numpy.float64, 3, 2))
    h = model.rnn(normal((2, 3)))
    model.to_device(device_of(xp))
    assert model.rnn.h is h and isinstance(h.array, xp.ndarray)
    assert model.rnn(xp.asarray(normal((2, 3)))).shape == (2, 2)


def test_gru_lazy_in_size_and_round_trip():
    link = L.GRU(None, 3)
    link(numpy.zeros((2, 5), 'f'))
    assert link.W_r.W.array is None  # as in Chainer, the first step does not use W_r
    link(numpy.zeros((2, 5), 'f'))
    assert link.W_r.W.shape == (3, 5) and link.U_r.W.shape == (3, 3)
    buf = io.BytesIO()
    serializers.save_npz(buf, link)
    buf.seek(0)
    fresh = L.GRU(None, 3)
    serializers.load_npz(buf, fresh)
    assert fresh.h is None
    for (path, p), (_, q) in zip(link.namedparams(), fresh.namedparams()):
        numpy.testing.assert_array_equal(p.array, q.array, err_msg=path)


@pytest.mark.parametrize('dtype', FLOATS)
def test_stateful_gru_backward(xp, dtype):
    link = _randomized(make_in_dtype(L.GRU, dtype, 3, 2), xp)
    data = tuple(xp.asarray(normal(s, dtype)) for s in ((2, 2), (2, 3), (2, 3)))
    gys = tuple(xp.asarray(normal((2, 2), dtype)) for _ in range(2))

    def run(h0, x0, x1):
        link.set_state(h0)
        return link(x0), link(x1)

    gradient_check.check_backward(run, data, gys, params=tuple(link.params()),
                                  **_grad_tol(dtype))


def test_stateful_gru_first_step_backward_reaches_only_w_params():
    link = _randomized(make_in_dtype(L.GRU, numpy.float64, 3, 2), numpy)
    link.cleargrads()
    F.sum(link(normal((2, 3)))).backward()
    grads = {path: p.grad for path, p in link.namedparams()}
    assert all(grads[p] is not None for p in ('/W_z/W', '/W_z/b', '/W/W', '/W/b'))
    assert all(grads[p] is None for p in grads if p.startswith(('/U', '/W_r')))


@pytest.mark.parametrize('dtype', FLOATS)
def test_stateless_gru_backward_and_double_backward(xp, dtype):
    link = _randomized(make_in_dtype(L.StatelessGRU, dtype, 3, 2), xp)
    data = tuple(xp.asarray(normal(s, dtype)) for s in ((2, 2), (2, 3)))
    gy = xp.asarray(normal((2, 2), dtype))
    params = tuple(link.params())
    gradient_check.check_backward(link, data, gy, params=params, **_grad_tol(dtype))
    if dtype == numpy.float64:
        gradient_check.check_double_backward(
            link, data, gy, tuple(xp.asarray(normal(a.shape)) for a in data), params=params,
            params_grad_grad=tuple(xp.asarray(normal(p.shape)) for p in params))


def test_gru_two_arguments_point_to_stateless_gru():
    with pytest.raises(ValueError, match=r'GRU: expected one argument.*got 2.*StatelessGRU'):
        L.GRU(3, 2)(numpy.zeros((1, 2), 'f'), numpy.zeros((1, 3), 'f'))


@pytest.mark.parametrize('cls', [L.GRU, L.StatefulGRU])
def test_stateful_gru_batch_mismatch_is_an_error(cls):
    link = cls(3, 2)
    link(numpy.zeros((2, 3), 'f'))
    with pytest.raises(ValueError, match=cls.__name__ + r': .*h\.shape=\(2, 2\), '
                                                        r'x\.shape=\(3, 3\)'):
        link(numpy.zeros((3, 3), 'f'))
    with pytest.raises(ValueError, match=cls.__name__ + r'\.set_state: .*\(B, 2\).*'
                                                        r'h\.shape=\(2, 3\)'):
        link.set_state(numpy.zeros((2, 3), 'f'))


def test_stateless_gru_batch_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r'StatelessGRU: .*h\.shape=\(1, 2\), '
                                         r'x\.shape=\(2, 3\)'):
        L.StatelessGRU(3, 2)(numpy.zeros((1, 2), 'f'), numpy.zeros((2, 3), 'f'))


# ----- GPU ---------------------------------------------------------------------------------------

@pytest.mark.gpu
def test_lstm_steps_on_gpu_match_cpu():
    import cupy
    cpu = make_in_dtype(L.LSTM, numpy.float32, 4, 3)
    gpu = cpu.copy('copy').to_gpu()
    for batch in (3, 3, 2):
        x = normal((batch, 4), numpy.float32)
        y_cpu, y_gpu = cpu(x), gpu(cupy.asarray(x))
        assert isinstance(gpu.h.array, cupy.ndarray) and isinstance(gpu.c.array, cupy.ndarray)
        numpy.testing.assert_allclose(cupy.asnumpy(y_gpu.array), y_cpu.array, atol=1e-5,
                                      rtol=1e-4)
    F.sum(y_gpu).backward()
    assert isinstance(gpu.upward.W.grad, cupy.ndarray)
