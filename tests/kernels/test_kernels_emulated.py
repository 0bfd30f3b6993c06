"""The fused GPU kernels, checked on the CPU.

``dbr.backends._kernels`` builds its kernels through a stand-in for CuPy (``kernel_emulator``)
that enforces CuPy's definition and calling rules and runs each kernel body compiled as C++. The
GPU code paths (``forward_gpu``, ``update_core_gpu``, the fused RNN steps) then run on NumPy
arrays and are compared with the NumPy code paths on the same inputs. Where a kernel does the
same operations in the same order as the NumPy code the results agree to the last bit in
float32/float64 (no fused multiply-add on the CPU); transcendental functions may differ in the
last ulp between libm and NumPy.
"""
import importlib
import subprocess
import sys
import types

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import optimizers
from dbr.backends import _kernels

import kernel_emulator

TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3), numpy.float32: dict(rtol=1e-5, atol=1e-6),
       numpy.float64: dict(rtol=1e-12, atol=1e-13)}

KERNEL_MODULES = [
    'dbr.functions.activation.sigmoid', 'dbr.functions.activation.tanh',
    'dbr.functions.activation.relu', 'dbr.functions.activation.lstm',
    'dbr.functions.rnn._n_step', 'dbr.functions.noise.dropout',
    'dbr.functions.normalization.batch_normalization',
    'dbr.optimizers.sgd', 'dbr.optimizers.momentum_sgd', 'dbr.optimizers.corrected_momentum_sgd',
    'dbr.optimizers.nesterov_ag', 'dbr.optimizers.ada_grad', 'dbr.optimizers.ada_delta',
    'dbr.optimizers.rmsprop', 'dbr.optimizers.rmsprop_graves', 'dbr.optimizers.smorms3',
    'dbr.optimizers.adam',
]


def all_definitions():
    found = {}
    for name in KERNEL_MODULES:
        for value in vars(importlib.import_module(name)).values():
            values = value.values() if isinstance(value, dict) else [value]
            for v in values:
                if isinstance(v, _kernels._Definition):
                    found[v.name] = v
    return found


@pytest.fixture
def fake_cupy(monkeypatch):
    """Kernels built through the emulator, in a cache private to the test."""
    fake = kernel_emulator.FakeCupy()
    built = {}

    def get(self, dtype):
        key = (self, numpy.dtype(dtype))
        if key not in built:
            built[key] = self._build(fake, _kernels.compute_dtype(dtype))
        return built[key]

    monkeypatch.setattr(_kernels._Definition, 'get', get)
    return fake


def assert_close(actual, expected, dtype):
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    numpy.testing.assert_allclose(actual.astype(numpy.float64), expected.astype(numpy.float64),
                                  **TOL[dtype])


def randn(shape, dtype, scale=1.0):
    return numpy.asarray(numpy.random.randn(*shape) * scale).astype(dtype)


# ----- the factory ------------------------------------------------------------------------------

def test_import_dbr_imports_no_cupy_and_builds_no_kernel():
    code = ('import sys, dbr, dbr.functions as F\n'
            '[getattr(F, n) for n in F.__all__]\n'
            'import dbr.optimizers\n'
            'from dbr.backends import _kernels\n'
            'import gc\n'
            'defs = [o for o in gc.get_objects() if isinstance(o, _kernels._Definition)]\n'
            'assert defs and all(not d._built for d in defs), defs\n'
            "assert 'cupy' not in sys.modules\n"
            'print(len(defs))\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= len(all_definitions())


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_every_definition_builds_with_declared_names(fake_cupy, dtype):
    definitions = all_definitions()
    assert len(definitions) == 27
    for name, d in definitions.items():
        kernel = d.get(dtype)
        assert kernel.name == name and name.startswith('dbr_')
        # parameters of type S take the compute dtype: float32 for float16 data
        s = _kernels.compute_dtype(dtype)
        for p in kernel.params:
            assert p.type != 'S'
            if p.dtype is not None and p.dtype.kind == 'f':
                assert p.dtype == s, (name, p.name)
    assert len(fake_cupy.kernels) == len(definitions)


def test_get_caches_per_dtype(monkeypatch):
    fake = kernel_emulator.FakeCupy()
    monkeypatch.setattr(_kernels, '_cupy', lambda: fake)
    d = _kernels.Elementwise('T x, S a', 'T y', 'y = x * a', 'dbr_test_scale')
    k32 = d.get(numpy.dtype(numpy.float32))
    assert d.get(numpy.dtype(numpy.float32)) is k32
    assert d.get(numpy.dtype(numpy.float64)) is not k32
    assert [k.in_params[1].dtype for k in fake.kernels] == [numpy.float32, numpy.float64]
    k16 = d.get(numpy.dtype(numpy.float16))
    assert k16.in_params[1].dtype == numpy.float32
    assert 'typedef float S;' in k16.preamble


def test_emulator_rejects_what_cupy_rejects(fake_cupy):
    with pytest.raises(NameError, match='undeclared.*zz'):
        fake_cupy.ElementwiseKernel('T x', 'T y', 'y = x * zz', 'dbr_bad')
    k = fake_cupy.ElementwiseKernel('T x, T a', 'T y', 'y = x * a', 'dbr_ok')
    x = numpy.ones(3, numpy.float32)
    with pytest.raises(TypeError, match='Wrong number of arguments'):
        k(x)
    with pytest.raises(TypeError, match='type mismatch'):
        k(x, numpy.ones(3), numpy.empty(3, numpy.float32))
    with pytest.raises(ValueError, match='overlap'):
        k(x, 2.0, x)
    only_scalars = fake_cupy.ElementwiseKernel('T x', 'raw T y', 'y[i] = x', 'dbr_scalar')
    with pytest.raises(TypeError, match='decided by no array'):
        only_scalars(1.0, size=3)
    with pytest.raises(kernel_emulator.CompileError):
        fake_cupy.ElementwiseKernel('T x', 'T y', 'y = x +* 1', 'dbr_syntax')(x)


# ----- activations ------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(3, 4), (), (0, 2)])
@pytest.mark.parametrize('module, name', [('sigmoid', 'SigmoidGrad'), ('tanh', 'TanhGrad')])
def test_activation_grad_kernels(fake_cupy, module, name, shape, dtype):
    cls = getattr(importlib.import_module(f'dbr.functions.activation.{module}'), name)
    y = numpy.tanh(randn(shape, dtype)).astype(dtype)
    gy = randn(shape, dtype)
    expected, = cls().forward((y, gy))
    actual, = cls().forward_gpu((y, gy))
    assert_close(actual, numpy.asarray(expected), dtype)
    if dtype != numpy.float16:
        numpy.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_relu_grad_kernel(fake_cupy, dtype):
    from dbr.functions.activation.relu import ReLUGrad
    y = numpy.maximum(randn((4, 5), dtype), 0)
    gy = randn((5, 4), dtype).T   # non-contiguous
    gy[0, 0] = numpy.nan
    gy[1, 0] = -1.0
    y[1, 0] = 0
    expected, = ReLUGrad(y).forward((gy,))
    actual, = ReLUGrad(y).forward_gpu((gy,))
    numpy.testing.assert_array_equal(actual, expected)
    assert numpy.signbit(actual[1, 0]) == numpy.signbit(expected[1, 0])


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('full, batch, rest', [(3, 3, ()), (4, 2, ()), (3, 2, (2, 3))])
def test_lstm_activation_kernels(fake_cupy, full, batch, rest, dtype):
    from dbr.functions.activation.lstm import LSTM, LSTMGrad
    units = 5
    c_prev = randn((full, units) + rest, dtype)
    x = randn((batch, 4 * units) + rest, dtype, 3.0)
    x[0, :4] = numpy.array([40, -40, 40, -40]).reshape((4,) + (1,) * len(rest))  # saturated
    c_ref, h_ref = LSTM().forward((c_prev, x))
    c, h = LSTM().forward_gpu((c_prev, x))
    assert_close(c, c_ref, dtype)
    assert_close(h, h_ref, dtype)
    gc = randn(c.shape, dtype)
    gh = randn(h.shape, dtype)
    inputs = (c_prev, x, c_ref, gc, gh)
    gc_prev_ref, gx_ref = LSTMGrad().forward(inputs)
    gc_prev, gx = LSTMGrad().forward_gpu(inputs)
    assert_close(gc_prev, gc_prev_ref, dtype)
    assert_close(gx, gx_ref, dtype)


def test_lstm_activation_kernel_on_transposed_input(fake_cupy):
    from dbr.functions.activation.lstm import LSTM
    c_prev = randn((3, 2), numpy.float64)
    x = randn((8, 3), numpy.float64).T
    expected = LSTM().forward((c_prev, x))
    actual = LSTM().forward_gpu((c_prev, x))
    for a, e in zip(actual, expected):
        assert_close(a, e, numpy.float64)


# ----- fused RNN steps --------------------------------------------------------------------------

def _rnn_weights(mode, n_layers, n_dirs, in_size, out_size, dtype):
    n_w = {'lstm': 8, 'gru': 6}[mode]
    ws, bs = [], []
    for layer in range(n_layers):
        for _ in range(n_dirs):
            size = in_size if layer == 0 else out_size * n_dirs
            ws.append([randn((out_size, size if q < n_w // 2 else out_size), dtype, 0.5)
                       for q in range(n_w)])
            bs.append([randn((out_size,), dtype, 0.5) for _ in range(n_w)])
    return ws, bs


def _run_n_step(fn, mode, n_layers, dropout, hx, cx, ws, bs, xs):
    hx_v = dbr.Variable(hx)
    cx_v = None if cx is None else dbr.Variable(cx)
    w_v = [[dbr.Variable(w) for w in k] for k in ws]
    b_v = [[dbr.Variable(b) for b in k] for k in bs]
    x_v = [dbr.Variable(x) for x in xs]
    numpy.random.seed(7)    # the same dropout masks in both runs
    if mode == 'lstm':
        hy, cy, ys = fn(n_layers, dropout, hx_v, cx_v, w_v, b_v, x_v)
        outs = [hy, cy] + list(ys)
    else:
        hy, ys = fn(n_layers, dropout, hx_v, w_v, b_v, x_v)
        outs = [hy] + list(ys)
    loss = sum(F.sum(o * numpy.cos(numpy.arange(o.size).reshape(o.shape)).astype(o.dtype))
               for o in outs)
    loss.backward()
    grads = [hx_v.grad] + ([] if cx_v is None else [cx_v.grad])
    grads += [v.grad for k in w_v + b_v for v in k] + [v.grad for v in x_v]
    return [o.array for o in outs], grads


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('mode, bi', [('lstm', False), ('lstm', True), ('gru', False),
                                      ('gru', True)])
def test_fused_rnn_steps_match_the_numpy_steps(fake_cupy, monkeypatch, mode, bi, dtype):
    from dbr.functions.rnn import _n_step
    fn = getattr(F, f'n_step_{"bi" if bi else ""}{mode}')
    n_layers, n_dirs, in_size, out_size = 2, 2 if bi else 1, 3, 4
    ws, bs = _rnn_weights(mode, n_layers, n_dirs, in_size, out_size, dtype)
    lengths = [3, 5, 1, 5]
    xs = [randn((n, in_size), dtype) for n in lengths]
    hx = randn((n_layers * n_dirs, len(xs), out_size), dtype)
    cx = randn(hx.shape, dtype) if mode == 'lstm' else None
    with dbr.using_config('use_cudnn', 'never'):
        ref_out, ref_grads = _run_n_step(fn, mode, n_layers, 0.25, hx, cx, ws, bs, xs)
        calls = []
        real = _n_step.NStepRNN._fused_steps
        monkeypatch.setattr(_n_step.NStepRNN, '_fused_steps',
                            lambda self, xp: calls.append(1) or self.mode != 'rnn')
        # the index arrays go through the device branch too: one copy for the whole call
        copies = []
        device = types.SimpleNamespace(asarray=lambda a: copies.append(a.size) or a.copy())
        real_on = _n_step.Packing.on
        monkeypatch.setattr(_n_step.Packing, 'on', lambda self, xp: real_on(self, device))
        out, grads = _run_n_step(fn, mode, n_layers, 0.25, hx, cx, ws, bs, xs)
    assert calls and real(_n_step.NStepRNN(mode, 1, 1, 0, 'tanh', 'x'), numpy) is False
    assert len(copies) == 1
    names = {k.name for k in fake_cupy.kernels}
    assert names == {f'dbr_{mode}_step_fwd', f'dbr_{mode}_step_bwd'}
    for a, e in zip(out, ref_out):
        assert_close(a, e, dtype)
    assert len(grads) == len(ref_grads)
    for a, e in zip(grads, ref_grads):
        assert_close(a, e, dtype)


def test_packing_sends_its_indices_in_one_copy():
    from dbr.functions.rnn._n_step import Packing
    pk = Packing([2, 4, 1, 4])
    assert pk.on(numpy) is pk
    copies = []
    device = types.SimpleNamespace(asarray=lambda a: copies.append(a) or a.copy())
    idx = pk.on(device)
    assert pk.on(device) is idx and len(copies) == 1
    for name in ('order', 'gather', 'reverse', 'inverse_order', 'prev'):
        numpy.testing.assert_array_equal(getattr(idx, name), getattr(pk, name))
    assert [r.tolist() for r in idx.rows] == [[2, 6], [0, 4, 7, 9], [3], [1, 5, 8, 10]]
    assert [r.tolist() for r in pk.rows] == [r.tolist() for r in idx.rows]


# ----- dropout ----------------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(4, 6), ()])
def test_dropout_mask_kernel(fake_cupy, shape, dtype):
    from dbr.functions.noise.dropout import Dropout
    ratio = 0.3
    x = randn(shape, dtype)
    u = numpy.random.random_sample(shape).astype(numpy.float32)
    u.reshape(-1)[:1] = numpy.float32(ratio)   # the boundary is kept, as u >= ratio says
    scale = x.dtype.type(1.0 / (1.0 - ratio))
    node = Dropout(ratio)
    y = node._mask_gpu(x, u, scale)
    mask = numpy.where(u >= ratio, scale, x.dtype.type(0))
    numpy.testing.assert_array_equal(node.mask, mask)
    numpy.testing.assert_array_equal(y, x * mask)
    assert y.dtype == node.mask.dtype == dtype


# ----- batch normalization ----------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape, axis, channels', [
    ((5, 3), None, (3,)), ((4, 3, 2, 5), None, (3,)), ((4, 3, 2), (0, 1), (2,)),
    ((1, 3), None, (3,)), ((4, 1, 5), None, (1,))])
def test_batch_normalization_kernels(fake_cupy, shape, axis, channels, dtype):
    from dbr.functions.normalization import batch_normalization as bn
    x = randn(shape, dtype, 2.0) + dtype(1)
    gamma = randn(channels, dtype) + dtype(1)
    beta = randn(channels, dtype)
    axes, expand = bn.channel_axes(x, gamma, axis, 'batch_normalization')
    stats = [numpy.linspace(0.5, 1.5, gamma.size).reshape(channels).astype(dtype)
             for _ in range(4)]
    ref = bn.BatchNormalization(axes, expand, 2e-5, stats[0], stats[1], 0.9)
    gpu = bn.BatchNormalization(axes, expand, 2e-5, stats[2], stats[3], 0.9)
    y_ref, = ref.forward((x, gamma, beta))
    y, = gpu.forward_gpu((x, gamma, beta))
    assert_close(y, y_ref, dtype)
    stat_dtype = numpy.float32 if dtype == numpy.float16 else dtype
    assert_close(gpu.mean, ref.mean, stat_dtype)
    assert_close(gpu.inv_std, ref.inv_std, stat_dtype)
    assert_close(stats[2], stats[0], dtype)
    assert_close(stats[3], stats[1], dtype)
    gy = randn(shape, dtype)
    args = (axes, expand, ref.param_axes, 2e-5, ref.mean, ref.inv_std)
    expected = bn.StandardizeGrad(*args).forward((x, gamma, gy))
    grad = bn.BatchNormalizationGrad(*args)
    if grad.param_axes == grad.axes:
        actual = grad.forward_gpu((x, gamma, gy))
    else:
        # gamma is also constant along a non-reduced axis of size 1: the general xp code runs
        assert shape == (4, 1, 5)
        actual = grad.forward((x, gamma, gy))
    for a, e in zip(actual, expected):
        assert_close(a, e, dtype)


def test_batch_normalization_gpu_errors_like_cpu(fake_cupy):
    from dbr.functions.normalization import batch_normalization as bn
    node = bn.BatchNormalization((0,), (1, 3), 2e-5, None, None, 0.9)
    with pytest.raises(ValueError, match='batch_normalization: cannot compute statistics'):
        node.forward_gpu((numpy.empty((0, 3)), numpy.ones(3), numpy.zeros(3)))


# ----- optimizers -------------------------------------------------------------------------------

OPTIMIZERS = [
    ('SGD', dict(lr=0.1)),
    ('MomentumSGD', dict(lr=0.1, momentum=0.8)),
    ('CorrectedMomentumSGD', dict(lr=0.1, momentum=0.8)),
    ('NesterovAG', dict(lr=0.1, momentum=0.8)),
    ('AdaGrad', dict(lr=0.1)),
    ('AdaDelta', dict(rho=0.9)),
    ('RMSprop', dict(lr=0.1)),
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


def _optimizer_steps(name, kwargs, data, grads, gpu):
    link = dbr.Link()
    with link.init_scope():
        link.W = dbr.Parameter(data.copy())
    opt = getattr(optimizers, name)(**kwargs).setup(link)
    rule = link.W.update_rule
    for g in grads:
        link.W.grad = g.copy()
        if gpu:
            # UpdateRule.update with update_core dispatching to the GPU method
            rule.update_core = rule.update_core_gpu
        opt.update()
    return link.W.array, {k: v.copy() for k, v in rule.state.items()} if rule.state else {}


# float16 only where the compute type matters most (each case costs a compile here)
FLOAT16_OPTIMIZERS = [c for c in OPTIMIZERS if c[0] in ('SGD', 'MomentumSGD', 'Adam', 'AMSBound')]


@pytest.mark.parametrize('name, kwargs, dtype',
                         [c + (d,) for c in OPTIMIZERS for d in (numpy.float32, numpy.float64)]
                         + [c + (numpy.float16,) for c in FLOAT16_OPTIMIZERS])
def test_update_kernels_match_the_numpy_updates(fake_cupy, name, kwargs, dtype):
    shape = (3, 4) if dtype != numpy.float16 else (7,)
    data = randn(shape, dtype)
    grads = [randn(shape, dtype) for _ in range(3)]
    ref, ref_state = _optimizer_steps(name, kwargs, data, grads, gpu=False)
    out, state = _optimizer_steps(name, kwargs, data, grads, gpu=True)
    assert len(fake_cupy.kernels) == 1
    assert len(fake_cupy.kernels[0].calls) == 3   # one launch per parameter and step
    assert_close(out, ref, dtype)
    assert state.keys() == ref_state.keys()
    for key in state:
        assert_close(state[key], ref_state[key], dtype)


def test_update_kernel_of_a_zero_dim_parameter(fake_cupy):
    ref, _ = _optimizer_steps('Adam', {}, numpy.array(1.5), [numpy.array(0.5)], gpu=False)
    out, _ = _optimizer_steps('Adam', {}, numpy.array(1.5), [numpy.array(0.5)], gpu=True)
    assert out.shape == ()
    assert_close(out, ref, numpy.float64)


@pytest.mark.parametrize('name, dtype, eps', [
    ('Adam', numpy.float32, 1e-50), ('Adam', numpy.float16, 1e-50),
    ('RMSprop', numpy.float16, 1e-8)])
def test_update_kernels_check_eps_like_the_numpy_updates(fake_cupy, name, dtype, eps):
    data = numpy.ones(3, dtype)
    for gpu in (False, True):
        with pytest.raises(ValueError, match=f'{name}: eps={eps!r} is too small for float'):
            _optimizer_steps(name, dict(eps=eps), data, [data], gpu=gpu)
