"""slstm and tree_lstm: forward against NumPy references of Chainer's equations and gate
layouts, gradients (first and second order, also with one output unused), edge shapes,
large pre-activations and the errors."""
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
            numpy.float32: dict(atol=1e-6, rtol=1e-5),
            numpy.float16: dict(atol=3e-3, rtol=5e-3)}[numpy.dtype(dtype).type]


def _grad_opts(dtype):
    if numpy.dtype(dtype) == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, eps=1e-3, atol=1e-4, rtol=1e-3)


def _uniform(shape, dtype, lo=-2.0, hi=2.0):
    return numpy.asarray(numpy.random.uniform(lo, hi, shape)).astype(dtype)


def _normal(shape, dtype):
    return numpy.asarray(numpy.random.standard_normal(shape)).astype(dtype)


def _sig(x):
    return 1 / (1 + numpy.exp(-x))


def _check_grads(func, inputs, dtype, xp, double=True, y_used=(True, True)):
    """check_backward (and check_double_backward) of ``func`` at host arrays ``inputs``; an
    output not in ``y_used`` gets a None gradient."""
    inputs = tuple(xp.asarray(a) for a in inputs)
    ys = func(*[dbr.Variable(a) for a in inputs])
    gys = tuple(xp.asarray(_normal(y.shape, dtype)) if used else None
                for y, used in zip(ys, y_used))
    opts = _grad_opts(dtype)
    gradient_check.check_backward(func, inputs, gys, **opts)
    if double:
        ggx = tuple(xp.asarray(_normal(a.shape, dtype)) for a in inputs)
        gradient_check.check_double_backward(func, inputs, gys, ggx, **opts)


# ----- slstm ------------------------------------------------------------------------------------

def _slstm_ref(c1, c2, x1, x2):
    """Chainer's S-LSTM: gates interleaved per unit (a, i, f, o) in each x."""
    c1, c2, x1, x2 = (numpy.asarray(a, numpy.float64) for a in (c1, c2, x1, x2))
    shape = (c1.shape[0], c1.shape[1], 4) + c1.shape[2:]
    r1, r2 = x1.reshape(shape), x2.reshape(shape)
    c = (numpy.tanh(r1[:, :, 0]) * _sig(r1[:, :, 1]) + numpy.tanh(r2[:, :, 0]) * _sig(r2[:, :, 1])
         + _sig(r1[:, :, 2]) * c1 + _sig(r2[:, :, 2]) * c2)
    h = _sig(r1[:, :, 3] + r2[:, :, 3]) * numpy.tanh(c)
    return c, h


def _slstm_inputs(cell_shape, dtype):
    x_shape = (cell_shape[0], 4 * cell_shape[1]) + cell_shape[2:]
    return (_uniform(cell_shape, dtype), _uniform(cell_shape, dtype), _uniform(x_shape, dtype),
            _uniform(x_shape, dtype))


SLSTM_SHAPES = [(3, 2), (1, 1), (2, 3, 2), (0, 2), (2, 0)]


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('cell_shape', SLSTM_SHAPES)
def test_slstm_forward(xp, cell_shape, dtype):
    inputs = _slstm_inputs(cell_shape, dtype)
    c, h = F.slstm(*[dbr.Variable(xp.asarray(a)) for a in inputs])
    c_ref, h_ref = _slstm_ref(*inputs)
    assert c.dtype == dtype and h.dtype == dtype
    assert c.shape == h.shape == cell_shape
    testing.assert_allclose(c.array, c_ref, **_fwd_tol(dtype))
    testing.assert_allclose(h.array, h_ref, **_fwd_tol(dtype))


def test_slstm_gate_layout_is_interleaved_per_unit(xp):
    """Gate j of unit k is channel 4k + j: put a large forget gate on unit 1 of x2 only."""
    c1 = numpy.zeros((1, 2))
    c2 = numpy.array([[5.0, 7.0]])
    x1 = numpy.full((1, 8), -50.0)  # every gate of child 1 closed, tanh(a1) * 0
    x2 = numpy.full((1, 8), -50.0)
    x2[0, 4 * 1 + 2] = 50.0  # f2 of unit 1 open
    c, h = F.slstm(*[xp.asarray(a) for a in (c1, c2, x1, x2)])
    testing.assert_allclose(c.array, [[0.0, 7.0]], atol=1e-12)


def test_slstm_non_contiguous_inputs(xp):
    c1, c2, x1, x2 = _slstm_inputs((3, 2), numpy.float64)
    t = [xp.asarray(numpy.ascontiguousarray(a.T)).T for a in (c1, c2, x1, x2)]
    assert not t[2].flags.c_contiguous
    c, h = F.slstm(*t)
    c_ref, h_ref = _slstm_ref(c1, c2, x1, x2)
    testing.assert_allclose(c.array, c_ref, atol=1e-12)
    testing.assert_allclose(h.array, h_ref, atol=1e-12)


def test_slstm_large_pre_activations_stay_finite(xp):
    c1 = numpy.array([[2.0]], 'f')
    c2 = numpy.array([[3.0]], 'f')
    x1 = numpy.array([[1e4, 1e4, 1e4, -1e4]], 'f')
    x2 = numpy.array([[-1e4, -1e4, -1e4, 2e4]], 'f')
    vs = [dbr.Variable(xp.asarray(a)) for a in (c1, c2, x1, x2)]
    c, h = F.slstm(*vs)
    # c = 1 * 1 + (-1) * 0 + 1 * 2 + 0 * 3;  h = sigmoid(1e4) * tanh(3)
    testing.assert_allclose(c.array, [[3.0]], atol=0, rtol=1e-6)
    testing.assert_allclose(h.array, [[numpy.tanh(3.0)]], atol=0, rtol=1e-6)
    F.sum(c + h).backward()
    for v in vs:
        assert numpy.isfinite(dbr.backend.to_cpu(v.grad)).all()


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('cell_shape', [(3, 2), (2, 1, 2)])
def test_slstm_grads(xp, cell_shape, dtype):
    _check_grads(F.slstm, _slstm_inputs(cell_shape, dtype), dtype, xp)


@pytest.mark.parametrize('y_used', [(True, False), (False, True)])
def test_slstm_grads_with_one_output_used(xp, y_used):
    _check_grads(F.slstm, _slstm_inputs((2, 3), numpy.float64), numpy.float64, xp,
                 y_used=y_used)


def test_slstm_gradient_matches_reference(xp):
    c1, c2, x1, x2 = _slstm_inputs((2, 2), numpy.float64)
    gc, gh = _normal((2, 2), numpy.float64), _normal((2, 2), numpy.float64)
    vs = [dbr.Variable(xp.asarray(a)) for a in (c1, c2, x1, x2)]
    c, h = F.slstm(*vs)
    g = dbr.grad([c, h], vs, [xp.asarray(gc), xp.asarray(gh)])
    r1, r2 = x1.reshape(2, 2, 4), x2.reshape(2, 2, 4)
    t = numpy.tanh(_slstm_ref(c1, c2, x1, x2)[0])
    o = _sig(r1[:, :, 3] + r2[:, :, 3])
    gcell = gc + gh * o * (1 - t * t)
    for k, (r, cp) in enumerate(((r1, c1), (r2, c2))):
        a, i, f = numpy.tanh(r[:, :, 0]), _sig(r[:, :, 1]), _sig(r[:, :, 2])
        expected = numpy.stack([gcell * i * (1 - a * a), gcell * a * i * (1 - i),
                                gcell * cp * f * (1 - f), gh * t * o * (1 - o)], axis=2)
        testing.assert_allclose(g[2 + k].array, expected.reshape(2, 8), atol=1e-12)
        testing.assert_allclose(g[k].array, gcell * f, atol=1e-12)


def test_slstm_third_order(xp):
    """The double backward is itself differentiable (built from dbr functions)."""
    inputs = [xp.asarray(a) for a in _slstm_inputs((2, 2), numpy.float64)]

    def second(*vs):
        with dbr.force_backprop_mode():
            c, h = F.slstm(*vs)
            g = dbr.grad([F.sum(c * h)], vs, enable_double_backprop=True)
            return dbr.grad([F.sum(g[2] * g[3])], vs[:2], enable_double_backprop=True)

    gradient_check.check_backward(
        second, inputs, tuple(xp.asarray(_normal((2, 2), numpy.float64)) for _ in range(2)))


@pytest.mark.parametrize('args, match', [
    (((3, 2), (3, 2), (3, 8), (3, 7)), r'slstm: expected x2.shape == x1.shape'),
    (((3, 2), (3, 3), (3, 8), (3, 8)), r'slstm: expected c_prev2.shape == c_prev1.shape'),
    (((3, 2), (3, 2), (3, 6), (3, 6)), r'x1.shape\[1\] == 4 \* c_prev1.shape\[1\].*\(3, 6\)'),
    (((3, 2), (3, 2), (2, 8), (2, 8)), r'x1.shape\[0\] == c_prev1.shape\[0\]'),
    (((3,), (3,), (12,), (12,)), r'c_prev1.ndim >= 2'),
    (((3, 2, 1), (3, 2, 1), (3, 8, 2), (3, 8, 2)), r'x1.shape\[2:\] == c_prev1.shape\[2:\]'),
])
def test_slstm_shape_errors(args, match):
    arrays = [numpy.zeros(s) for s in args]
    with pytest.raises(InvalidType, match=match):
        F.slstm(*arrays)


def test_slstm_dtype_errors():
    c = numpy.zeros((1, 2), 'f')
    x = numpy.zeros((1, 8), 'f')
    with pytest.raises(InvalidType, match=r"slstm: expected c_prev1.dtype.kind == 'f'"):
        F.slstm(c.astype('i'), c.astype('i'), x.astype('i'), x.astype('i'))
    with pytest.raises(InvalidType, match=r'slstm: expected x2.dtype == c_prev1.dtype'):
        F.slstm(c, c, x, x.astype('d'))


# ----- tree_lstm --------------------------------------------------------------------------------

def _tree_ref(*inputs):
    """Chainer's tree-LSTM: x split into 3 + N blocks a, i, o, f_1 .. f_N."""
    cs = [numpy.asarray(c, numpy.float64) for c in inputs[:-1]]
    x = numpy.asarray(inputs[-1], numpy.float64)
    n = len(cs)
    r = x.reshape((x.shape[0], 3 + n) + cs[0].shape[1:])
    c = numpy.tanh(r[:, 0]) * _sig(r[:, 1])
    for k, ck in enumerate(cs):
        c = c + _sig(r[:, 3 + k]) * ck
    return c, _sig(r[:, 2]) * numpy.tanh(c)


def _tree_inputs(n, cell_shape, dtype):
    x_shape = (cell_shape[0], (3 + n) * cell_shape[1]) + cell_shape[2:]
    return tuple(_uniform(cell_shape, dtype) for _ in range(n)) + (_uniform(x_shape, dtype),)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('n', [1, 2, 3])
@pytest.mark.parametrize('cell_shape', [(3, 2), (1, 1), (2, 2, 3), (0, 2)])
def test_tree_lstm_forward(xp, n, cell_shape, dtype):
    inputs = _tree_inputs(n, cell_shape, dtype)
    c, h = F.tree_lstm(*[xp.asarray(a) for a in inputs])
    c_ref, h_ref = _tree_ref(*inputs)
    assert c.dtype == dtype and c.shape == h.shape == cell_shape
    testing.assert_allclose(c.array, c_ref, **_fwd_tol(dtype))
    testing.assert_allclose(h.array, h_ref, **_fwd_tol(dtype))


def test_tree_lstm_gate_layout_is_blocked(xp):
    """x is [a | i | o | f_1 | f_2], each block `units` wide: open f_2 of unit 0 only."""
    c1 = numpy.array([[3.0, 4.0]])
    c2 = numpy.array([[5.0, 6.0]])
    x = numpy.full((1, 10), -50.0)
    x[0, 2 * 4 + 0] = 50.0
    c, _ = F.tree_lstm(xp.asarray(c1), xp.asarray(c2), xp.asarray(x))
    testing.assert_allclose(c.array, [[5.0, 0.0]], atol=1e-12)


def test_tree_lstm_non_contiguous_inputs(xp):
    inputs = _tree_inputs(2, (3, 2), numpy.float64)
    t = [xp.asarray(numpy.ascontiguousarray(a.T)).T for a in inputs]
    c, h = F.tree_lstm(*t)
    c_ref, h_ref = _tree_ref(*inputs)
    testing.assert_allclose(c.array, c_ref, atol=1e-12)
    testing.assert_allclose(h.array, h_ref, atol=1e-12)


def test_tree_lstm_large_pre_activations_stay_finite(xp):
    c1 = numpy.array([[2.0]], 'f')
    x = numpy.array([[1e4, -1e4, 1e4, 1e4]], 'f')
    vs = [dbr.Variable(xp.asarray(a)) for a in (c1, x)]
    c, h = F.tree_lstm(*vs)
    testing.assert_allclose(c.array, [[2.0]], atol=0, rtol=1e-6)
    testing.assert_allclose(h.array, [[numpy.tanh(2.0)]], atol=0, rtol=1e-6)
    F.sum(c + h).backward()
    for v in vs:
        assert numpy.isfinite(dbr.backend.to_cpu(v.grad)).all()


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('n, cell_shape', [(1, (3, 2)), (2, (2, 3)), (3, (2, 1, 2))])
def test_tree_lstm_grads(xp, n, cell_shape, dtype):
    _check_grads(F.tree_lstm, _tree_inputs(n, cell_shape, dtype), dtype, xp)


@pytest.mark.parametrize('y_used', [(True, False), (False, True)])
def test_tree_lstm_grads_with_one_output_used(xp, y_used):
    _check_grads(F.tree_lstm, _tree_inputs(2, (2, 3), numpy.float64), numpy.float64, xp,
                 y_used=y_used)


def test_tree_lstm_gradient_matches_reference(xp):
    c1, c2, x = _tree_inputs(2, (2, 2), numpy.float64)
    gc, gh = _normal((2, 2), numpy.float64), _normal((2, 2), numpy.float64)
    vs = [dbr.Variable(xp.asarray(a)) for a in (c1, c2, x)]
    c, h = F.tree_lstm(*vs)
    g = dbr.grad([c, h], vs, [xp.asarray(gc), xp.asarray(gh)])
    r = x.reshape(2, 5, 2)
    a, i, o = numpy.tanh(r[:, 0]), _sig(r[:, 1]), _sig(r[:, 2])
    f1, f2 = _sig(r[:, 3]), _sig(r[:, 4])
    t = numpy.tanh(a * i + f1 * c1 + f2 * c2)
    gcell = gc + gh * o * (1 - t * t)
    expected = numpy.stack([gcell * i * (1 - a * a), gcell * a * i * (1 - i),
                            gh * t * o * (1 - o), gcell * c1 * f1 * (1 - f1),
                            gcell * c2 * f2 * (1 - f2)], axis=1)
    testing.assert_allclose(g[2].array, expected.reshape(2, 10), atol=1e-12)
    testing.assert_allclose(g[0].array, gcell * f1, atol=1e-12)
    testing.assert_allclose(g[1].array, gcell * f2, atol=1e-12)


def test_tree_lstm_double_backward_with_one_grad_grad(xp):
    """Second order through only gc_1 or only gx (the other grad-grads arrive as None)."""
    inputs = [xp.asarray(a) for a in _tree_inputs(2, (2, 2), numpy.float64)]
    for wrt in ((0,), (2,)):
        def first(*vs, wrt=wrt):
            with dbr.force_backprop_mode():
                c, h = F.tree_lstm(*vs)
                return dbr.grad([F.sum(c * h)], [vs[i] for i in wrt],
                                enable_double_backprop=True)[0]
        gy = xp.asarray(_normal(inputs[wrt[0]].shape, numpy.float64))
        gradient_check.check_backward(first, inputs, gy)


def test_tree_lstm_errors():
    c = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match=r'tree_lstm: expected at least 2 inputs.*got 1'):
        F.tree_lstm(numpy.zeros((2, 12)))
    with pytest.raises(InvalidType, match=r'tree_lstm: expected x of dtype float64 and shape '
                                          r'\(2, \(3 \+ N\) \* 3\).*N = 2.*x: shape=\(2, 12\)'):
        F.tree_lstm(c, c, numpy.zeros((2, 12)))
    with pytest.raises(InvalidType, match=r'x: shape=\(3, 12\)'):
        F.tree_lstm(c, numpy.zeros((3, 12)))
    with pytest.raises(InvalidType, match=r'c2 of the shape and dtype of c1.*c2: shape=\(2, 4\)'):
        F.tree_lstm(c, numpy.zeros((2, 4)), numpy.zeros((2, 15)))
    with pytest.raises(InvalidType, match=r'x: shape=\(2, 12\), dtype=float32'):
        F.tree_lstm(c, numpy.zeros((2, 12), 'f'))
    with pytest.raises(InvalidType, match=r"tree_lstm: expected c1.dtype.kind == 'f'"):
        F.tree_lstm(c.astype('i'), numpy.zeros((2, 12), 'i'))
    with pytest.raises(InvalidType, match=r'tree_lstm: expected c1.ndim >= 2'):
        F.tree_lstm(numpy.zeros(3), numpy.zeros(12))
