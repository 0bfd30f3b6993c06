"""n_step_lstm / gru / rnn (uni and bi): equivalence with single-step cells, gradients, errors."""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check, testing

N_W = {'lstm': 8, 'gru': 6, 'rnn': 2}
FUNCS = {('lstm', 1): F.n_step_lstm, ('lstm', 2): F.n_step_bilstm,
         ('gru', 1): F.n_step_gru, ('gru', 2): F.n_step_bigru,
         ('rnn', 1): F.n_step_rnn, ('rnn', 2): F.n_step_birnn}


def _params(mode, n_layers, n_dirs, in_size, out_size, dtype=numpy.float64, xp=numpy):
    n_w = N_W[mode]
    ws, bs = [], []
    for layer in range(n_layers):
        for _ in range(n_dirs):
            n_in = in_size if layer == 0 else out_size * n_dirs
            ws.append([xp.asarray(numpy.random.uniform(-0.6, 0.6, (
                out_size, n_in if q < n_w // 2 else out_size)).astype(dtype))
                for q in range(n_w)])
            bs.append([xp.asarray(numpy.random.uniform(-0.2, 0.2, out_size).astype(dtype))
                       for _ in range(n_w)])
    return ws, bs


def _xs(lengths, in_size, dtype=numpy.float64, xp=numpy):
    return [xp.asarray(numpy.random.uniform(-1, 1, (n, in_size)).astype(dtype))
            for n in lengths]


def _call(mode, n_dirs, n_layers, hx, cx, ws, bs, xs, dropout=0.0, **kw):
    f = FUNCS[mode, n_dirs]
    if mode == 'lstm':
        return f(n_layers, dropout, hx, cx, ws, bs, xs, **kw)
    hy, ys = f(n_layers, dropout, hx, ws, bs, xs, **kw)
    return hy, None, ys


def _cell(mode, x, h, c, w, b, activation):
    """One step for one sequence (rows of x) with dbr ops; LSTM through F.lstm."""
    H = h.shape[1]
    if mode == 'lstm':
        pre = [F.linear(x, w[q], b[q]) + F.linear(h, w[q + 4], b[q + 4]) for q in range(4)]
        i, f, g, o = pre
        # F.lstm takes the gates interleaved per unit in the order a (= g), i, f, o.
        gates = F.reshape(F.stack([g, i, f, o], axis=2), (x.shape[0], 4 * H))
        c, h = F.lstm(c, gates)
        return h, c
    if mode == 'gru':
        r = F.sigmoid(F.linear(x, w[0], b[0]) + F.linear(h, w[3], b[3]))
        z = F.sigmoid(F.linear(x, w[1], b[1]) + F.linear(h, w[4], b[4]))
        n = F.tanh(F.linear(x, w[2], b[2]) + r * F.linear(h, w[5], b[5]))
        return (1 - z) * n + z * h, None
    a = F.linear(x, w[0], b[0]) + F.linear(h, w[1], b[1])
    return (F.tanh(a) if activation == 'tanh' else F.relu(a)), None


def _reference(mode, n_dirs, n_layers, hx, cx, ws, bs, xs, activation='tanh'):
    """Each sequence alone, step by step, layer by layer."""
    hys = [[None] * len(xs) for _ in range(n_layers * n_dirs)]
    cys = [[None] * len(xs) for _ in range(n_layers * n_dirs)]
    ys = []
    for i, x in enumerate(xs):
        inp = x
        for layer in range(n_layers):
            outs = []
            for d in range(n_dirs):
                k = layer * n_dirs + d
                h, c = hx[k, i:i + 1], (cx[k, i:i + 1] if mode == 'lstm' else None)
                steps = []
                order = range(len(x)) if d == 0 else reversed(range(len(x)))
                for t in order:
                    h, c = _cell(mode, inp[t:t + 1], h, c, ws[k], bs[k], activation)
                    steps.append(h)
                if d == 1:
                    steps = steps[::-1]
                outs.append(F.concat(steps, axis=0))
                hys[k][i], cys[k][i] = h, c
            inp = outs[0] if n_dirs == 1 else F.concat(outs, axis=1)
        ys.append(inp)
    hy = F.stack([F.concat(row, axis=0) for row in hys])
    cy = F.stack([F.concat(row, axis=0) for row in cys]) if mode == 'lstm' else None
    return hy, cy, ys


CONFIGS = [(mode, n_dirs, n_layers) for mode in ('lstm', 'gru', 'rnn') for n_dirs in (1, 2)
           for n_layers in (1, 2, 3)]


@pytest.mark.parametrize('mode, n_dirs, n_layers', CONFIGS)
def test_equivalence_with_single_step_cells(mode, n_dirs, n_layers):
    in_size, out_size, lengths = 3, 4, [3, 5, 1, 5, 2]
    ws, bs = _params(mode, n_layers, n_dirs, in_size, out_size)
    shape = (n_layers * n_dirs, len(lengths), out_size)
    hx = dbr.Variable(numpy.random.uniform(-1, 1, shape))
    cx = dbr.Variable(numpy.random.uniform(-1, 1, shape))
    wv = [[dbr.Variable(w) for w in k] for k in ws]
    bv = [[dbr.Variable(b) for b in k] for k in bs]
    xs = [dbr.Variable(x) for x in _xs(lengths, in_size)]
    hy, cy, ys = _call(mode, n_dirs, n_layers, hx, cx, wv, bv, xs)
    rhy, rcy, rys = _reference(mode, n_dirs, n_layers, hx, cx, wv, bv, xs)
    testing.assert_allclose(hy.array, rhy.array, atol=1e-12, rtol=1e-10)
    if mode == 'lstm':
        testing.assert_allclose(cy.array, rcy.array, atol=1e-12, rtol=1e-10)
    assert isinstance(ys, list) and len(ys) == len(lengths)
    for y, ry, n in zip(ys, rys, lengths):
        assert y.shape == (n, out_size * n_dirs)
        testing.assert_allclose(y.array, ry.array, atol=1e-12, rtol=1e-10)

    # Gradients w.r.t. everything, from a loss on ys and the final states.
    leaves = [hx] + ([cx] if mode == 'lstm' else []) + [v for k in wv for v in k] + \
        [v for k in bv for v in k] + xs
    weights = [numpy.random.randn(*y.shape) for y in ys] + [numpy.random.randn(*shape)] * 2

    def loss(hy, cy, ys):
        total = F.sum(hy * weights[len(ys)])
        if cy is not None:
            total = total + F.sum(cy * weights[len(ys) + 1])
        for y, g in zip(ys, weights):
            total = total + F.sum(y * g)
        return total

    got = dbr.grad([loss(hy, cy, ys)], leaves)
    want = dbr.grad([loss(rhy, rcy, rys)], leaves)
    for g, r in zip(got, want):
        testing.assert_allclose(g.array, r.array, atol=1e-11, rtol=1e-9)


def _flat_function(mode, n_dirs, n_layers, n_states, n_k, **kw):
    n_w = N_W[mode]

    def f(*args):
        states, rest = args[:n_states], args[n_states:]
        w = rest[:n_k * n_w]
        b = rest[n_k * n_w:2 * n_k * n_w]
        xs = list(rest[2 * n_k * n_w:])
        ws = [list(w[k * n_w:(k + 1) * n_w]) for k in range(n_k)]
        bs = [list(b[k * n_w:(k + 1) * n_w]) for k in range(n_k)]
        hy, cy, ys = _call(mode, n_dirs, n_layers, states[0],
                           states[1] if n_states == 2 else None, ws, bs, xs, **kw)
        return (hy,) + ((cy,) if cy is not None else ()) + tuple(ys)
    return f


def _flat_args(mode, n_dirs, n_layers, lengths, in_size, out_size, dtype, xp=numpy):
    ws, bs = _params(mode, n_layers, n_dirs, in_size, out_size, dtype, xp)
    n_k = n_layers * n_dirs
    shape = (n_k, len(lengths), out_size)
    n_states = 2 if mode == 'lstm' else 1
    states = [xp.asarray(numpy.random.uniform(-1, 1, shape).astype(dtype))
              for _ in range(n_states)]
    args = states + [w for k in ws for w in k] + [b for k in bs for b in k] + \
        _xs(lengths, in_size, dtype, xp)
    return args, n_states, n_k


@pytest.mark.parametrize('mode, n_dirs', [(m, d) for m in ('lstm', 'gru', 'rnn') for d in (1, 2)])
@pytest.mark.parametrize('dtype', [numpy.float64, numpy.float32])
def test_check_backward(xp, mode, n_dirs, dtype):
    args, n_states, n_k = _flat_args(mode, n_dirs, 2, [2, 3, 1], 3, 2, dtype, xp)
    f = _flat_function(mode, n_dirs, 2, n_states, n_k)
    outs = f(*[dbr.Variable(a) for a in args])
    gys = [xp.asarray(numpy.random.randn(*o.shape).astype(dtype)) for o in outs]
    tol = {} if dtype == numpy.float64 else dict(atol=1e-3, rtol=1e-2, dtype=numpy.float64)
    gradient_check.check_backward(f, tuple(args), tuple(gys), **tol)


@pytest.mark.parametrize('mode, n_dirs, n_layers', [('lstm', 1, 2), ('lstm', 2, 1),
                                                    ('gru', 2, 1), ('rnn', 1, 2)])
def test_check_double_backward(mode, n_dirs, n_layers):
    args, n_states, n_k = _flat_args(mode, n_dirs, n_layers, [2, 1], 2, 2, numpy.float64)
    f = _flat_function(mode, n_dirs, n_layers, n_states, n_k)
    outs = f(*[dbr.Variable(a) for a in args])
    gys = tuple(numpy.random.randn(*o.shape) for o in outs)
    ggs = tuple(numpy.random.randn(*a.shape) for a in args)
    gradient_check.check_double_backward(f, tuple(args), gys, ggs)


def test_relu_activation_matches_reference():
    ws, bs = _params('rnn', 2, 2, 3, 4)
    xs = [dbr.Variable(x) for x in _xs([4, 2, 3], 3)]
    hx = numpy.random.randn(4, 3, 4)
    hy, ys = F.n_step_birnn(2, 0.0, hx, ws, bs, xs, activation='relu')
    rhy, _, rys = _reference('rnn', 2, 2, hx, None, ws, bs, xs, activation='relu')
    testing.assert_allclose(hy.array, rhy.array, atol=1e-12)
    for y, r in zip(ys, rys):
        testing.assert_allclose(y.array, r.array, atol=1e-12)


@pytest.mark.parametrize('lengths', [[4, 4, 4], [1], [1, 1, 1], [5], [2, 7, 1, 7]])
def test_edge_batches_and_defaults(lengths):
    ws, bs = _params('lstm', 2, 1, 3, 2)
    xs = _xs(lengths, 3)
    hy, cy, ys = F.n_step_lstm(2, 0.0, None, None, ws, bs, xs)
    zeros = numpy.zeros((2, len(lengths), 2))
    rhy, rcy, rys = _reference('lstm', 1, 2, zeros, zeros, ws, bs, xs)
    testing.assert_allclose(hy.array, rhy.array, atol=1e-12)
    testing.assert_allclose(cy.array, rcy.array, atol=1e-12)
    for y, r in zip(ys, rys):
        testing.assert_allclose(y.array, r.array, atol=1e-12)


def test_order_of_sequences_does_not_matter():
    ws, bs = _params('gru', 1, 2, 3, 2)
    xs = _xs([2, 5, 3], 3)
    hx = numpy.random.randn(2, 3, 2)
    hy, ys = F.n_step_bigru(1, 0.0, hx, ws, bs, xs)
    perm = [2, 0, 1]
    hy2, ys2 = F.n_step_bigru(1, 0.0, hx[:, perm], ws, bs, [xs[i] for i in perm])
    testing.assert_allclose(hy2.array, hy.array[:, perm], atol=0, rtol=0)
    for j, i in enumerate(perm):
        testing.assert_allclose(ys2[j].array, ys[i].array, atol=0, rtol=0)


def test_loss_on_hy_alone_gives_finite_gradients():
    ws, bs = _params('lstm', 2, 1, 3, 4)
    wv = [[dbr.Variable(w) for w in k] for k in ws]
    xs = [dbr.Variable(x) for x in _xs([3, 1, 2], 3)]
    hy, cy, ys = F.n_step_lstm(2, 0.0, None, None, wv, bs, xs)
    F.sum(hy).backward()
    grads = [x.grad for x in xs] + [w.grad for k in wv for w in k]
    assert all(g is not None and numpy.isfinite(g).all() for g in grads)
    rhy, _, _ = _reference('lstm', 1, 2, numpy.zeros((2, 3, 4)), numpy.zeros((2, 3, 4)),
                           wv, bs, xs)
    want = dbr.grad([F.sum(rhy)], xs)
    for x, g in zip(xs, want):
        testing.assert_allclose(x.grad, g.array, atol=1e-12)


def test_dropout_only_between_layers_and_only_in_train_mode():
    ws, bs = _params('lstm', 2, 1, 3, 4)
    xs = _xs([3, 2], 3)
    with dbr.using_config('train', False):
        base = F.n_step_lstm(2, 0.5, None, None, ws, bs, xs)[2]
    ref = F.n_step_lstm(2, 0.0, None, None, ws, bs, xs)[2]
    for a, b in zip(base, ref):
        testing.assert_allclose(a.array, b.array, atol=0, rtol=0)
    # One layer: nothing lies between layers, so dropout changes nothing even in train mode.
    ws1, bs1 = _params('lstm', 1, 1, 3, 4)
    one = F.n_step_lstm(1, 0.9, None, None, ws1, bs1, xs)[2]
    one_ref = F.n_step_lstm(1, 0.0, None, None, ws1, bs1, xs)[2]
    for a, b in zip(one, one_ref):
        testing.assert_allclose(a.array, b.array, atol=0, rtol=0)
    numpy.random.seed(3)
    dropped = F.n_step_lstm(2, 0.5, None, None, ws, bs, xs)[2]
    assert any(not numpy.allclose(a.array, b.array) for a, b in zip(dropped, ref))


def test_dropout_mask_is_reused_in_backward():
    args, n_states, n_k = _flat_args('lstm', 1, 2, [3, 2], 3, 2, numpy.float64)
    node_outputs = {}

    def f(*a):
        numpy.random.seed(11)   # the same mask on every evaluation
        out = _flat_function('lstm', 1, 2, n_states, n_k, dropout=0.5)(*a)
        node_outputs['n'] = len(out)
        return out

    outs = f(*[dbr.Variable(a) for a in args])
    gys = tuple(numpy.random.randn(*o.shape) for o in outs)
    gradient_check.check_backward(f, tuple(args), gys)


def test_float32_keeps_dtype():
    ws, bs = _params('lstm', 1, 2, 3, 4, numpy.float32)
    hy, cy, ys = F.n_step_bilstm(1, 0.0, None, None, ws, bs, _xs([2, 3], 3, numpy.float32))
    assert hy.dtype == cy.dtype == ys[0].dtype == numpy.float32


def test_errors_name_the_function_and_shapes():
    ws, bs = _params('lstm', 1, 1, 3, 4)
    xs = _xs([2, 3], 3)
    with pytest.raises(ValueError, match='n_step_lstm: xs\\[1\\] has length 0'):
        F.n_step_lstm(1, 0.0, None, None, ws, bs, [xs[0], numpy.zeros((0, 3))])
    with pytest.raises(dbr.type_check.InvalidType,
                       match=r'n_step_lstm: expected ws\[0\]\[0\].shape == \(4, 5\) \(from the '
                             r'in_size of xs\), got ws\[0\]\[0\].shape=\(4, 3\), '
                             r'xs\[0\].shape=\(2, 5\)'):
        F.n_step_lstm(1, 0.0, None, None, ws, bs, _xs([2, 3], 5))
    with pytest.raises(dbr.type_check.InvalidType, match=r'n_step_lstm: expected hx.shape == '
                                                         r'\(1, 2, 4\)'):
        F.n_step_lstm(1, 0.0, numpy.zeros((1, 3, 4)), None, ws, bs, xs)
    with pytest.raises(dbr.type_check.InvalidType, match='n_step_lstm: expected xs of one dtype'):
        F.n_step_lstm(1, 0.0, None, None, ws, bs, [xs[0], xs[1].astype(numpy.float32)])
    with pytest.raises(dbr.type_check.InvalidType, match='weights, biases and xs of one dtype'):
        F.n_step_lstm(1, 0.0, None, None, ws, bs, [x.astype(numpy.float32) for x in xs])
    with pytest.raises(ValueError, match='n_step_lstm: expected 2 entries in ws'):
        F.n_step_lstm(2, 0.0, None, None, ws, bs, xs)
    with pytest.raises(ValueError, match=r'n_step_lstm: ws\[0\] must hold 8 arrays, got 6'):
        F.n_step_lstm(1, 0.0, None, None, [ws[0][:6]], bs, xs)
    with pytest.raises(TypeError, match='n_step_gru: xs must be a non-empty list'):
        F.n_step_gru(1, 0.0, None, *_params('gru', 1, 1, 3, 4), [])
    with pytest.raises(ValueError, match=r'dropout_ratio must be in \[0, 1\)'):
        F.n_step_lstm(1, 1.0, None, None, ws, bs, xs)
    with pytest.raises(ValueError, match="n_step_rnn: activation must be 'tanh' or 'relu'"):
        F.n_step_rnn(1, 0.0, None, *_params('rnn', 1, 1, 3, 4), xs, activation='sigmoid')
    with pytest.raises(dbr.type_check.InvalidType, match=r'each xs\[i\] to be 2-D'):
        F.n_step_lstm(1, 0.0, None, None, ws, bs, [numpy.zeros((2, 3, 1))])


@pytest.mark.gpu
def test_gpu_matches_cpu():
    import cupy
    args, n_states, n_k = _flat_args('lstm', 2, 2, [3, 1, 2], 3, 4, numpy.float32)
    f = _flat_function('lstm', 2, 2, n_states, n_k)
    cpu = f(*args)
    gpu = f(*[cupy.asarray(a) for a in args])
    for a, b in zip(cpu, gpu):
        testing.assert_allclose(a.array, b.array, atol=1e-5, rtol=1e-4)
