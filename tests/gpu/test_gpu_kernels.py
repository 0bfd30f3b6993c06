"""The fused CuPy kernels on a GPU: each GPU path against the NumPy path on the same inputs.

Run on a machine with CuPy and a CUDA device: ``PYTHONPATH=. python3 -m pytest -m gpu tests/gpu``.
float64 agrees tightly; float32 to rounding (the GPU may fuse a multiply-add and its tanh/exp
differ from NumPy's in the last bits); float16 to a few of its ulps.
"""
import warnings

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check, optimizers

pytestmark = pytest.mark.gpu

TOL = {numpy.float16: dict(rtol=1e-2, atol=1e-2), numpy.float32: dict(rtol=1e-5, atol=1e-6),
       numpy.float64: dict(rtol=1e-12, atol=1e-13)}
DTYPES = [numpy.float16, numpy.float32, numpy.float64]


@pytest.fixture
def cp():
    import cupy
    return cupy


def close(actual, expected, dtype, scale=1):
    import cupy
    actual = cupy.asnumpy(actual)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    tol = {k: v * scale for k, v in TOL[dtype].items()}
    numpy.testing.assert_allclose(actual.astype(numpy.float64), expected.astype(numpy.float64),
                                  **tol)


def randn(shape, dtype, scale=1.0):
    return numpy.asarray(numpy.random.randn(*shape) * scale).astype(dtype)


def forward_backward(fn, arrays, seed=1):
    """Outputs of ``fn(*arrays)`` and the input gradients for fixed random output gradients."""
    vs = [dbr.Variable(a) for a in arrays]
    ys = fn(*vs)
    ys = ys if isinstance(ys, tuple) else (ys,)
    rs = numpy.random.RandomState(seed)
    xp = dbr.backend.get_array_module(arrays[0])
    loss = None
    for y in ys:
        term = F.sum(y * xp.asarray(rs.randn(*y.shape).astype(y.dtype)))
        loss = term if loss is None else loss + term
    loss.backward()
    return [y.array for y in ys], [v.grad for v in vs]


def compare_paths(cp, fn, inputs, dtype, scale=1):
    y_cpu, g_cpu = forward_backward(fn, inputs)
    y_gpu, g_gpu = forward_backward(fn, [cp.asarray(a) for a in inputs])
    for a, e in zip(y_gpu + g_gpu, y_cpu + g_cpu):
        close(a, e, dtype, scale)


def built(definition):
    return bool(definition._built)


# ----- activations ------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', ['sigmoid', 'tanh', 'relu'])
def test_activation_backward_kernels(cp, name, dtype):
    x = randn((7, 33), dtype, 3.0)
    x[numpy.abs(x) < 0.05] = 0.5   # away from relu's kink
    compare_paths(cp, getattr(F, name), [x], dtype)
    module = __import__(f'dbr.functions.activation.{name}', fromlist=['_grad_kernel'])
    assert built(module._grad_kernel)


@pytest.mark.parametrize('name', ['sigmoid', 'tanh', 'relu'])
def test_activation_double_backward_on_gpu(cp, name):
    x = cp.asarray(randn((3, 4), numpy.float64, 2.0))
    x[cp.abs(x) < 0.1] = 0.5
    fn = getattr(F, name)
    gy = cp.asarray(randn((3, 4), numpy.float64))
    ggx = cp.asarray(randn((3, 4), numpy.float64))
    gradient_check.check_backward(fn, x, gy, dtype=numpy.float64)
    if name != 'relu':
        gradient_check.check_double_backward(fn, x, gy, ggx, dtype=numpy.float64)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('full, batch, rest', [(4, 4, ()), (5, 3, ()), (3, 2, (2, 3))])
def test_lstm_activation_kernels(cp, full, batch, rest, dtype):
    units = 6
    c = randn((full, units) + rest, dtype)
    x = randn((batch, 4 * units) + rest, dtype, 2.0)
    compare_paths(cp, F.lstm, [c, x], dtype)
    from dbr.functions.activation import lstm
    assert built(lstm._forward_kernel) and built(lstm._backward_kernel)


def test_lstm_activation_gradients_on_gpu(cp):
    c = cp.asarray(randn((3, 2), numpy.float64))
    x = cp.asarray(randn((2, 8), numpy.float64))
    gc = cp.asarray(randn((3, 2), numpy.float64))
    gh = cp.asarray(randn((2, 2), numpy.float64))
    gradient_check.check_backward(F.lstm, (c, x), (gc, gh), dtype=numpy.float64)
    ggc = cp.asarray(randn((3, 2), numpy.float64))
    ggx = cp.asarray(randn((2, 8), numpy.float64))
    gradient_check.check_double_backward(F.lstm, (c, x), (gc, gh), (ggc, ggx),
                                         dtype=numpy.float64)


# ----- n-step RNNs without cuDNN ----------------------------------------------------------------

def _rnn_args(mode, n_layers, n_dirs, in_size, out_size, lengths, dtype):
    n_w = {'lstm': 8, 'gru': 6}[mode]
    ws, bs = [], []
    for layer in range(n_layers):
        for _ in range(n_dirs):
            size = in_size if layer == 0 else out_size * n_dirs
            ws.append([randn((out_size, size if q < n_w // 2 else out_size), dtype, 0.5)
                       for q in range(n_w)])
            bs.append([randn((out_size,), dtype, 0.5) for _ in range(n_w)])
    xs = [randn((n, in_size), dtype) for n in lengths]
    hx = randn((n_layers * n_dirs, len(lengths), out_size), dtype)
    cx = randn(hx.shape, dtype) if mode == 'lstm' else None
    return hx, cx, ws, bs, xs


def _n_step_grads(fn, mode, n_layers, args, xp):
    hx, cx, ws, bs, xs = args
    send = xp.asarray
    hx_v = dbr.Variable(send(hx))
    cx_v = None if cx is None else dbr.Variable(send(cx))
    w_v = [[dbr.Variable(send(w)) for w in k] for k in ws]
    b_v = [[dbr.Variable(send(b)) for b in k] for k in bs]
    x_v = [dbr.Variable(send(x)) for x in xs]
    if mode == 'lstm':
        hy, cy, ys = fn(n_layers, 0.0, hx_v, cx_v, w_v, b_v, x_v)
        outs = [hy, cy] + list(ys)
    else:
        hy, ys = fn(n_layers, 0.0, hx_v, w_v, b_v, x_v)
        outs = [hy] + list(ys)
    loss = None
    for o in outs:
        weight = xp.asarray(numpy.cos(numpy.arange(o.size)).reshape(o.shape).astype(o.dtype))
        term = F.sum(o * weight)
        loss = term if loss is None else loss + term
    loss.backward()
    grads = [hx_v.grad] + ([] if cx_v is None else [cx_v.grad])
    grads += [v.grad for k in w_v + b_v for v in k] + [v.grad for v in x_v]
    return [o.array for o in outs] + grads


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('mode, bi', [('lstm', False), ('lstm', True), ('gru', False),
                                      ('gru', True)])
def test_n_step_fused_cells_without_cudnn(cp, mode, bi, dtype):
    fn = getattr(F, f'n_step_{"bi" if bi else ""}{mode}')
    n_dirs = 2 if bi else 1
    args = _rnn_args(mode, 2, n_dirs, 5, 7, [4, 6, 1, 6, 3], dtype)
    with dbr.using_config('use_cudnn', 'never'):
        expected = _n_step_grads(fn, mode, 2, args, numpy)
        actual = _n_step_grads(fn, mode, 2, args, cp)
    from dbr.functions.rnn import _n_step
    assert built(getattr(_n_step, f'_{mode}_step'))
    assert built(getattr(_n_step, f'_{mode}_step_grad'))
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        close(a, e, dtype, scale=10)


@pytest.mark.parametrize('mode', ['lstm', 'gru'])
def test_n_step_double_backprop_without_cudnn(cp, mode):
    fn = getattr(F, f'n_step_{mode}')
    hx, cx, ws, bs, xs = _rnn_args(mode, 1, 1, 3, 2, [2, 3], numpy.float64)
    xs_v = [dbr.Variable(cp.asarray(x)) for x in xs]
    w_v = [[dbr.Variable(cp.asarray(w)) for w in k] for k in ws]
    b_v = [[cp.asarray(b) for b in k] for k in bs]
    with dbr.using_config('use_cudnn', 'never'):
        if mode == 'lstm':
            _, _, ys = fn(1, 0.0, cp.asarray(hx), cp.asarray(cx), w_v, b_v, xs_v)
        else:
            _, ys = fn(1, 0.0, cp.asarray(hx), w_v, b_v, xs_v)
        loss = F.sum(F.concat(ys, axis=0) ** 2)
        gx, = dbr.grad([loss], [xs_v[0]], enable_double_backprop=True)
        F.sum(gx * gx).backward()
    assert w_v[0][0].grad is not None and bool(cp.isfinite(w_v[0][0].grad).all())


# ----- dropout ----------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', DTYPES)
def test_dropout_kernel(cp, dtype):
    from dbr.functions.noise import dropout as module
    x = cp.asarray(randn((200, 300), dtype) + dtype(3))
    y, mask = F.dropout(x, 0.3, return_mask=True)
    scale = dtype(1 / 0.7)
    assert y.dtype == mask.dtype == dtype
    kept = mask != 0
    assert bool(cp.all((mask == 0) | (mask == scale)))
    cp.testing.assert_array_equal(y.array, x * mask)
    assert abs(float(kept.mean()) - 0.7) < 0.01
    gy = cp.asarray(randn((200, 300), dtype))
    y.grad = gy
    y.backward()
    assert built(module._mask_kernel)


# ----- batch normalization ----------------------------------------------------------------------

@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape, axis, channels', [
    ((16, 3), None, (3,)), ((8, 4, 5, 6), None, (4,)), ((4, 3, 2), (0, 1), (2,)),
    ((4, 1, 5), None, (1,))])
def test_batch_normalization_kernels(cp, shape, axis, channels, dtype):
    x = randn(shape, dtype, 2.0) + dtype(1)
    gamma = randn(channels, dtype) + dtype(1)
    beta = randn(channels, dtype)
    stats_cpu = [numpy.ones(channels, dtype), numpy.ones(channels, dtype)]
    stats_gpu = [cp.asarray(s) for s in stats_cpu]

    def fn(stats):
        return lambda x, g, b: F.batch_normalization(x, g, b, running_mean=stats[0],
                                                     running_var=stats[1], axis=axis)

    y_cpu, g_cpu = forward_backward(fn(stats_cpu), [x, gamma, beta])
    y_gpu, g_gpu = forward_backward(fn(stats_gpu), [cp.asarray(a) for a in (x, gamma, beta)])
    for a, e in zip(y_gpu + g_gpu + stats_gpu, y_cpu + g_cpu + stats_cpu):
        close(a, e, dtype, scale=10)
    from dbr.functions.normalization import batch_normalization as bn
    assert built(bn._normalize_kernel) and built(bn._var_kernel)


def test_batch_normalization_gradients_on_gpu(cp):
    x = cp.asarray(randn((6, 3, 2), numpy.float64))
    gamma = cp.asarray(randn((3,), numpy.float64) + 1)
    beta = cp.asarray(randn((3,), numpy.float64))
    gy = cp.asarray(randn((6, 3, 2), numpy.float64))
    ggs = tuple(cp.asarray(randn(a.shape, numpy.float64)) for a in (x, gamma, beta))
    gradient_check.check_backward(F.batch_normalization, (x, gamma, beta), gy,
                                  dtype=numpy.float64)
    gradient_check.check_double_backward(F.batch_normalization, (x, gamma, beta), gy, ggs,
                                         dtype=numpy.float64)


# ----- optimizers -------------------------------------------------------------------------------

OPTIMIZERS = [
    ('SGD', dict(lr=0.1)),
    ('MomentumSGD', dict(lr=0.1, momentum=0.8)),
    ('CorrectedMomentumSGD', dict(lr=0.1, momentum=0.8)),
    ('NesterovAG', dict(lr=0.1, momentum=0.8)),
    ('AdaGrad', dict(lr=0.1)),
    ('AdaDelta', dict(rho=0.9)),
    ('RMSprop', dict(lr=0.1, eps=1e-3)),
    ('RMSprop', dict(lr=0.1, eps_inside_sqrt=True, eps=1e-3)),
    ('RMSpropGraves', dict(lr=0.1)),
    ('SMORMS3', dict(lr=0.1)),
    ('Adam', dict(alpha=0.1)),
    ('Adam', dict(alpha=0.1, eta=0.5, weight_decay_rate=0.1)),
    ('AdamW', dict(alpha=0.1, weight_decay_rate=0.01)),
    ('AMSGrad', dict(alpha=0.1)),
    ('AdaBound', dict(alpha=0.1, final_lr=0.05, gamma=0.1)),
    ('AMSBound', dict(alpha=0.1, final_lr=0.05, gamma=0.1)),
]


def _steps(name, kwargs, data, grads, xp):
    link = dbr.Link()
    with link.init_scope():
        link.W = dbr.Parameter(xp.asarray(data))
    opt = getattr(optimizers, name)(**kwargs).setup(link)
    for g in grads:
        link.W.grad = xp.asarray(g)
        opt.update()
    state = link.W.update_rule.state
    return [link.W.array] + [state[k] for k in sorted(state)]


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name, kwargs', OPTIMIZERS)
def test_update_kernels_match_the_cpu(cp, name, kwargs, dtype):
    if dtype == numpy.float16 and 'eps' in getattr(optimizers, name)().hyperparam.get_dict():
        # the NumPy reference divides by eps in float16: keep it representable
        kwargs = dict(kwargs, eps=1e-3)
    data = randn((33, 17), dtype)
    grads = [randn((33, 17), dtype) for _ in range(4)]
    expected = _steps(name, kwargs, data, grads, numpy)
    actual = _steps(name, kwargs, data, grads, cp)
    for a, e in zip(actual, expected):
        close(a, e, dtype, scale=10)


def test_adam_update_is_one_launch_per_parameter(cp, monkeypatch):
    calls = []
    definition = optimizers.adam._update_kernels[False, False]
    real = definition.get(numpy.dtype(numpy.float32))
    monkeypatch.setitem(definition._built, numpy.dtype(numpy.float32),
                        lambda *a: calls.append(len(a)) or real(*a))
    link = dbr.links.Linear(3, 4).to_gpu()
    opt = optimizers.Adam().setup(link)
    link.W.grad = cp.ones_like(link.W.array)
    link.b.grad = cp.ones_like(link.b.array)
    opt.update()
    assert calls == [10, 10]


def test_no_device_synchronization_in_the_fused_paths(cp):
    """Forward, backward and Adam update of an MLP with dropout and BN never wait for the GPU."""
    import cupyx
    model = dbr.Sequential(dbr.links.Linear(20, 30), F.relu, dbr.links.BatchNormalization(30),
                           F.tanh, lambda h: F.dropout(h, 0.2), dbr.links.Linear(30, 5),
                           F.sigmoid)
    model.to_gpu()
    opt = optimizers.Adam().setup(model)
    x = cp.asarray(randn((8, 20), numpy.float32))
    opt.update(lambda: F.sum(model(x)))   # compiles and warms the pool, may synchronize
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        with cupyx.allow_synchronize(False):
            opt.update(lambda: F.sum(model(x)))
    assert opt.t == 2


def test_kernels_are_built_once_per_dtype(cp):
    from dbr.functions.activation import tanh
    for dtype in (numpy.float32, numpy.float32, numpy.float64):
        y = F.tanh(dbr.Variable(cp.ones(3, dtype)))
        y.grad = cp.ones(3, dtype)
        y.backward()
    k = tanh._grad_kernel.get(numpy.dtype(numpy.float32))
    assert isinstance(k, cp.ElementwiseKernel)
    assert set(tanh._grad_kernel._built) >= {numpy.dtype(numpy.float32),
                                             numpy.dtype(numpy.float64)}
    assert tanh._grad_kernel.get(numpy.dtype(numpy.float32)) is k
