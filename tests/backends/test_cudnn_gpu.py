"""The cuDNN RNN path on a GPU against the CPU path (run them on a machine with a GPU).

Every test here is marked ``gpu`` and is skipped without CuPy and a CUDA device. The reference
is the array-module (NumPy) path on the same values: float64 to 1e-10 relative, float32 (cuDNN's
FMA math, ``use_cudnn_tensor_core='auto'``) to 1e-5 relative to each array's largest entry; with
TF32 allowed (``use_cudnn_tensor_core='always'``) float32 is good to about 1e-3 (tested loosely).
"""
import threading

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr.backends import cudnn

pytestmark = pytest.mark.gpu

N_W = {'lstm': 8, 'gru': 6, 'rnn': 2}
FUNCS = {('lstm', 1): F.n_step_lstm, ('lstm', 2): F.n_step_bilstm,
         ('gru', 1): F.n_step_gru, ('gru', 2): F.n_step_bigru,
         ('rnn', 1): F.n_step_rnn, ('rnn', 2): F.n_step_birnn}
TOL = {numpy.float64: 1e-10, numpy.float32: 1e-5}
LENGTHS = [3, 1, 5, 2, 5, 4]        # unsorted, ties, a length-1 sequence


@pytest.fixture
def cupy():
    import cupy
    return cupy


def _problem(mode, n_dirs, n_layers, lengths, in_size=3, hidden=4, seed=0):
    """Float64 host arrays: hx, cx (None unless LSTM), ws, bs, xs."""
    rng = numpy.random.RandomState(seed)
    n_w = N_W[mode]
    ws, bs = [], []
    for layer in range(n_layers):
        for _ in range(n_dirs):
            n_in = in_size if layer == 0 else hidden * n_dirs
            ws.append([rng.uniform(-0.6, 0.6, (hidden, n_in if q < n_w // 2 else hidden))
                       for q in range(n_w)])
            bs.append([rng.uniform(-0.3, 0.3, hidden) for _ in range(n_w)])
    shape = (n_layers * n_dirs, len(lengths), hidden)
    hx = rng.uniform(-1, 1, shape)
    cx = rng.uniform(-1, 1, shape) if mode == 'lstm' else None
    xs = [rng.uniform(-1, 1, (n, in_size)) for n in lengths]
    return hx, cx, ws, bs, xs


def _run(xp, mode, n_dirs, n_layers, problem, dtype, use_cudnn, activation='tanh', dropout=0.0,
         states=True, loss='all', seed=1, memory=lambda a: a):
    """Runs one n_step call and its backward; returns (outputs, grads) as float64 host arrays.

    ``loss``: 'all' (random gradients on hy, cy and every ys) or 'hy' (on hy alone).
    ``memory``: applied to every device array (e.g. to make non-contiguous views).
    """
    hx, cx, ws, bs, xs = problem

    def var(a):
        return None if a is None else dbr.Variable(memory(xp.asarray(a.astype(dtype))))

    hx_v, cx_v = (var(hx), var(cx)) if states else (None, None)
    ws_v = [[var(w) for w in g] for g in ws]
    bs_v = [[var(b) for b in g] for g in bs]
    xs_v = [var(x) for x in xs]
    f = FUNCS[mode, n_dirs]
    kw = {} if mode != 'rnn' else {'activation': activation}
    with dbr.using_config('use_cudnn', use_cudnn):
        if mode == 'lstm':
            hy, cy, ys = f(n_layers, dropout, hx_v, cx_v, ws_v, bs_v, xs_v)
        else:
            (hy, ys), cy = f(n_layers, dropout, hx_v, ws_v, bs_v, xs_v, **kw), None
    outputs = [hy] + ([cy] if cy is not None else []) + list(ys)
    rng = numpy.random.RandomState(seed)
    if loss == 'hy':
        pairs = [(hy, rng.uniform(-1, 1, hy.shape))]
    else:
        pairs = [(o, rng.uniform(-1, 1, o.shape)) for o in outputs]
    inputs = ([v for v in (hx_v, cx_v) if v is not None] + [w for g in ws_v for w in g]
              + [b for g in bs_v for b in g] + xs_v)
    grads = dbr.grad([o for o, _ in pairs], inputs,
                     [dbr.Variable(xp.asarray(g.astype(dtype))) for _, g in pairs])
    host = dbr.backend.to_cpu
    return ([host(o.array).astype(numpy.float64) for o in outputs],
            [host(g.array).astype(numpy.float64) for g in grads])


def _assert_close(got, want, rtol):
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, i
        scale = max(float(numpy.abs(w).max()), 1e-3)
        numpy.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * scale, err_msg=f'array {i}')


def _compare(cupy, mode, n_dirs, n_layers, dtype, lengths=LENGTHS, activation='tanh',
             **kw):
    problem = _problem(mode, n_dirs, n_layers, lengths)
    want = _run(numpy, mode, n_dirs, n_layers, problem, numpy.float64, 'never', activation, **kw)
    got = _run(cupy, mode, n_dirs, n_layers, problem, dtype, 'always', activation, **kw)
    _assert_close(got[0], want[0], TOL[dtype])
    _assert_close(got[1], want[1], TOL[dtype])
    return got


def test_cudnn_is_available_and_recent(cupy):
    assert cudnn.available(), cudnn.unavailable_reason()
    lib = cudnn.get_library()
    assert lib.version >= 90000
    print(f'cuDNN {cudnn.format_version(lib.version)} from {lib.path} ({lib.source})')


@pytest.mark.parametrize('dtype', [numpy.float64, numpy.float32])
@pytest.mark.parametrize('n_layers', [1, 2, 3])
@pytest.mark.parametrize('n_dirs', [1, 2])
@pytest.mark.parametrize('mode, activation', [('lstm', 'tanh'), ('gru', 'tanh'),
                                              ('rnn', 'tanh'), ('rnn', 'relu')])
def test_matches_the_cpu_path(cupy, mode, activation, n_dirs, n_layers, dtype):
    _compare(cupy, mode, n_dirs, n_layers, dtype, activation=activation)


@pytest.mark.parametrize('layout', ['packed', 'unpacked'])
@pytest.mark.parametrize('mode', ['lstm', 'gru'])
def test_both_data_layouts(cupy, monkeypatch, layout, mode):
    monkeypatch.setattr(cudnn, 'rnn_layout', layout)
    _compare(cupy, mode, 2, 2, numpy.float64)


@pytest.mark.parametrize('lengths', [[4, 4, 4], [6], [1], [1, 1, 1], [2, 7, 1]])
@pytest.mark.parametrize('mode', ['lstm', 'gru', 'rnn'])
def test_edge_batches(cupy, mode, lengths):
    _compare(cupy, mode, 2, 2, numpy.float64, lengths=lengths)


@pytest.mark.parametrize('mode, n_dirs', [('lstm', 1), ('lstm', 2), ('gru', 2), ('rnn', 1)])
def test_loss_on_hy_alone(cupy, mode, n_dirs):
    _compare(cupy, mode, n_dirs, 2, numpy.float64, loss='hy')


@pytest.mark.parametrize('mode', ['lstm', 'gru', 'rnn'])
def test_initial_states_none(cupy, mode):
    _compare(cupy, mode, 2, 3, numpy.float64, states=False)


@pytest.mark.parametrize('mode', ['lstm', 'gru'])
def test_dropout_is_off_in_test_mode(cupy, mode):
    with dbr.using_config('train', False):
        _compare(cupy, mode, 2, 3, numpy.float64, dropout=0.5)


def test_dropout_ratio_zero_in_train_mode_equals_cpu(cupy):
    _compare(cupy, 'lstm', 2, 3, numpy.float64, dropout=0.0)


def _identity_relu_rnn(n_layers, hidden):
    """ReLU RNN whose layers copy their (positive) input: W_in = I, W_h = 0, biases 0."""
    ws = [[numpy.eye(hidden), numpy.zeros((hidden, hidden))] for _ in range(n_layers)]
    bs = [[numpy.zeros(hidden), numpy.zeros(hidden)] for _ in range(n_layers)]
    return ws, bs


@pytest.mark.parametrize('ratio', [0.2, 0.5])
def test_dropout_statistics_between_layers_only(cupy, ratio):
    hidden = 64
    xs = [numpy.random.uniform(0.5, 1.5, (n, hidden)) for n in [300, 200, 500, 1]]
    x_all = numpy.concatenate(xs)

    def run(n_layers):
        ws, bs = _identity_relu_rnn(n_layers, hidden)
        xv = [dbr.Variable(cupy.asarray(x.astype(numpy.float32))) for x in xs]
        wv = [[cupy.asarray(w.astype(numpy.float32)) for w in g] for g in ws]
        bv = [[cupy.asarray(b.astype(numpy.float32)) for b in g] for g in bs]
        with dbr.using_config('use_cudnn', 'always'):
            _, ys = F.n_step_rnn(n_layers, ratio, None, wv, bv, xv, activation='relu')
        y = F.concat(ys, axis=0)
        gy = numpy.random.uniform(0.5, 1.5, y.shape).astype(numpy.float32)
        gx = dbr.grad([y], xv, [dbr.Variable(cupy.asarray(gy))])
        return (cupy.asnumpy(y.array) / x_all,
                numpy.concatenate([cupy.asnumpy(g.array) for g in gx]) / gy)

    # One layer: nothing to drop (dropout acts between layers only).
    ratio_y, ratio_g = run(1)
    numpy.testing.assert_allclose(ratio_y, 1, rtol=1e-6)
    numpy.testing.assert_allclose(ratio_g, 1, rtol=1e-6)
    scale = 1 / (1 - ratio)
    ratio_y, ratio_g = run(2)
    kept = ratio_y > 0.5 * scale
    numpy.testing.assert_allclose(ratio_y[kept], scale, rtol=1e-5)
    numpy.testing.assert_allclose(ratio_y[~kept], 0, atol=1e-6)
    # Backward used the forward's mask.
    numpy.testing.assert_allclose(ratio_g[kept], scale, rtol=1e-5)
    numpy.testing.assert_allclose(ratio_g[~kept], 0, atol=1e-6)
    n = kept.size
    dropped = 1 - kept.mean()
    assert abs(dropped - ratio) < 5 * (ratio * (1 - ratio) / n) ** 0.5
    # A second call draws a different mask.
    again, _ = run(2)
    assert ((again > 0.5 * scale) != kept).any()


def test_double_backprop_goes_through_the_differentiable_path(cupy):
    hx, cx, ws, bs, xs = _problem('lstm', 2, 1, [2, 1, 3], in_size=2, hidden=2)
    flat = [w for g in ws for w in g] + [b for g in bs for b in g]
    n_wb = len(flat) // 2

    def f(hx, cx, *rest):
        ws_v = [list(rest[k * 8:(k + 1) * 8]) for k in range(2)]
        bs_v = [list(rest[n_wb + k * 8:n_wb + (k + 1) * 8]) for k in range(2)]
        with dbr.using_config('use_cudnn', 'always'):
            hy, cy, ys = F.n_step_bilstm(1, 0.0, hx, cx, ws_v, bs_v, list(rest[2 * n_wb:]))
        return (hy, cy) + tuple(ys)

    inputs = [cupy.asarray(a) for a in [hx, cx] + flat + xs]
    outs = f(*[dbr.Variable(a) for a in inputs])
    gys = [cupy.asarray(numpy.random.uniform(-1, 1, o.shape)) for o in outs]
    ggxs = [cupy.asarray(numpy.random.uniform(-1, 1, a.shape)) for a in inputs]
    gradient_check.check_double_backward(f, inputs, gys, ggxs, atol=1e-4, rtol=1e-3)


def test_double_backprop_with_dropout_in_train_mode_raises(cupy):
    hx, cx, ws, bs, xs = _problem('gru', 1, 2, [2, 3])
    xv = [dbr.Variable(cupy.asarray(x)) for x in xs]
    with dbr.using_config('use_cudnn', 'always'):
        hy, ys = F.n_step_gru(2, 0.3, None, [[cupy.asarray(w) for w in g] for g in ws],
                              [[cupy.asarray(b) for b in g] for g in bs], xv)
    with pytest.raises(RuntimeError, match='n_step_gru: double backprop through the cuDNN path'):
        dbr.grad([F.sum(hy)], xv, enable_double_backprop=True)


def test_second_backward_gives_the_same_gradients(cupy):
    hx, cx, ws, bs, xs = _problem('lstm', 1, 2, LENGTHS)
    xv = [dbr.Variable(cupy.asarray(x)) for x in xs]
    wv = [[dbr.Variable(cupy.asarray(w)) for w in g] for g in ws]
    with dbr.using_config('use_cudnn', 'always'):
        hy, cy, ys = F.n_step_lstm(2, 0.0, None, None, wv, [[cupy.asarray(b) for b in g]
                                                            for g in bs], xv)
    loss = F.sum(F.concat(ys, axis=0) ** 2) + F.sum(hy * cy)
    first = dbr.grad([loss], xv + wv[0])
    second = dbr.grad([loss], xv + wv[0])
    for a, b in zip(first, second):
        cupy.testing.assert_allclose(a.array, b.array, rtol=1e-12, atol=1e-14)


def _non_contiguous(a):
    # Same values; matrices Fortran-ordered, vectors and states with negative strides.
    if a.ndim == 2:
        return a.T.copy().T
    return a[..., ::-1].copy()[..., ::-1]


def test_non_contiguous_inputs(cupy):
    problem = _problem('lstm', 2, 2, LENGTHS)
    want = _run(numpy, 'lstm', 2, 2, problem, numpy.float64, 'never')
    got = _run(cupy, 'lstm', 2, 2, problem, numpy.float64, 'always', memory=_non_contiguous)
    _assert_close(got[0], want[0], 1e-10)
    _assert_close(got[1], want[1], 1e-10)


def test_float16_is_close_to_float32(cupy):
    problem = _problem('lstm', 1, 2, LENGTHS)
    want = _run(numpy, 'lstm', 1, 2, problem, numpy.float64, 'never')
    got = _run(cupy, 'lstm', 1, 2, problem, numpy.float16, 'always')
    _assert_close(got[0], want[0], 2e-2)


def test_tf32_float32_is_loosely_close(cupy):
    problem = _problem('gru', 2, 2, LENGTHS)
    want = _run(numpy, 'gru', 2, 2, problem, numpy.float64, 'never')
    with dbr.using_config('use_cudnn_tensor_core', 'always'):
        got = _run(cupy, 'gru', 2, 2, problem, numpy.float32, 'always')
    _assert_close(got[0], want[0], 1e-2)
    _assert_close(got[1], want[1], 1e-2)


@pytest.mark.parametrize('use_cudnn', ['never', 'auto'])
def test_use_cudnn_never_and_auto_agree(cupy, use_cudnn):
    problem = _problem('gru', 2, 2, LENGTHS)
    want = _run(numpy, 'gru', 2, 2, problem, numpy.float64, 'never')
    got = _run(cupy, 'gru', 2, 2, problem, numpy.float64, use_cudnn)
    _assert_close(got[0], want[0], 1e-10)
    _assert_close(got[1], want[1], 1e-10)


def test_last_device_with_dropout_states(cupy):
    # The states live on the arrays' device even when another device is current
    # (with one GPU this is device 0 under an explicit device context).
    dev = cupy.cuda.runtime.getDeviceCount() - 1
    hidden = 8
    ws, bs = _identity_relu_rnn(2, hidden)
    with cupy.cuda.Device(dev):
        xs = [dbr.Variable(cupy.asarray(numpy.random.uniform(0.5, 1, (n, hidden))))
              for n in (5, 3)]
        wv = [[cupy.asarray(w) for w in g] for g in ws]
        bv = [[cupy.asarray(b) for b in g] for g in bs]
        gys = [dbr.Variable(cupy.ones((n, hidden))) for n in (5, 3)]
    with cupy.cuda.Device(0):
        with dbr.using_config('use_cudnn', 'always'):
            hy, ys = F.n_step_rnn(2, 0.5, None, wv, bv, xs, activation='relu')
        gx = dbr.grad(list(ys), xs, gys)
    assert ys[0].array.device.id == dev and gx[0].array.device.id == dev
    y = numpy.concatenate([cupy.asnumpy(v.array) for v in ys])
    x = numpy.concatenate([cupy.asnumpy(v.array) for v in xs])
    g = numpy.concatenate([cupy.asnumpy(v.array) for v in gx])
    assert set(numpy.round((y / x).ravel(), 5)) == {0.0, 2.0}
    numpy.testing.assert_array_equal(g == 0, y == 0)


def test_threads_get_their_own_handles(cupy):
    problem = _problem('lstm', 2, 2, LENGTHS)
    want = _run(cupy, 'lstm', 2, 2, problem, numpy.float64, 'always')
    results = []

    def worker():
        results.append(_run(cupy, 'lstm', 2, 2, problem, numpy.float64, 'always'))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    for got in results:
        _assert_close(got[0], want[0], 1e-12)
        _assert_close(got[1], want[1], 1e-12)


def test_non_default_stream(cupy):
    problem = _problem('gru', 1, 2, LENGTHS)
    want = _run(numpy, 'gru', 1, 2, problem, numpy.float64, 'never')
    with cupy.cuda.Stream(non_blocking=True):
        got = _run(cupy, 'gru', 1, 2, problem, numpy.float64, 'always')
    _assert_close(got[0], want[0], 1e-10)
    _assert_close(got[1], want[1], 1e-10)


def test_links_use_the_cudnn_path(cupy):
    import dbr.links as L
    rnn = L.NStepBiLSTM(2, 3, 4, 0.0)
    xs = [numpy.random.randn(n, 3).astype(numpy.float32) for n in LENGTHS]
    hy, cy, ys = rnn(None, None, xs)
    rnn.to_gpu()
    with dbr.using_config('use_cudnn', 'always'):
        hy2, cy2, ys2 = rnn(None, None, [cupy.asarray(x) for x in xs])
    numpy.testing.assert_allclose(cupy.asnumpy(hy2.array), hy.array, rtol=1e-5, atol=1e-6)
    for a, b in zip(ys, ys2):
        numpy.testing.assert_allclose(cupy.asnumpy(b.array), a.array, rtol=1e-5, atol=1e-6)
