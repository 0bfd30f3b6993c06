import gc
import tracemalloc
import weakref

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import testing


def _var(xp, *shape, dtype=numpy.float64):
    return dbr.Variable(xp.asarray(numpy.random.uniform(-1, 1, shape).astype(dtype)))


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_branching_and_reuse_sum_gradients(xp, dtype):
    x = _var(xp, 3, dtype=dtype)
    a = x.array
    y = x * x + F.tanh(x) * x + x
    F.sum(y).backward()
    expected = 2 * a + (1 - xp.tanh(a) ** 2) * a + xp.tanh(a) + 1
    testing.assert_allclose(x.grad, expected, rtol=1e-5)
    assert x.grad.dtype == dtype


def test_same_input_twice_in_one_node(xp):
    x = _var(xp, 4)
    F.sum(F.mul(x, x)).backward()
    testing.assert_allclose(x.grad, 2 * x.array)


def test_leaf_gradients_accumulate_across_backward_calls(xp):
    x = _var(xp, 3)
    F.sum(x * 2).backward()
    F.sum(x * 3).backward()
    testing.assert_allclose(x.grad, xp.full(3, 5.0))


def test_intermediate_grads_freed_unless_retained(xp):
    x = _var(xp, 3)
    h = x * 2
    y = F.sum(h * h)
    y.backward()
    assert h.grad is None
    testing.assert_allclose(y.grad, 1.0)
    x.cleargrad()
    y = F.sum(h * h)
    y.backward(retain_grad=True)
    testing.assert_allclose(h.grad, 2 * h.array)
    testing.assert_allclose(x.grad, 8 * x.array)


def test_backward_with_explicit_output_grad(xp):
    x = _var(xp, 2, 3)
    y = x * 3
    y.grad = xp.full((2, 3), 2.0)
    y.backward()
    testing.assert_allclose(x.grad, xp.full((2, 3), 6.0))


def test_non_scalar_output_without_grad_raises():
    y = dbr.Variable(numpy.ones((2, 2))) * 2
    with pytest.raises(ValueError, match=r'Variable.backward: the output has shape \(2, 2\)'):
        y.backward()


def test_size_one_non_scalar_output_is_allowed():
    x = dbr.Variable(numpy.array([[3.0]]))
    y = x * x
    y.backward()
    testing.assert_allclose(x.grad, [[6.0]])


def test_backward_on_a_leaf_is_a_noop():
    x = dbr.Variable(numpy.array(1.0))
    x.backward()
    assert x.grad is None


def test_grads_do_not_alias_between_leaves_or_with_output():
    a = dbr.Variable(numpy.ones(3))
    b = dbr.Variable(numpy.ones(3))
    y = a + b
    y.grad = numpy.ones(3)
    y.backward()
    assert a.grad is not b.grad and a.grad is not y.grad
    a.grad *= 5
    testing.assert_allclose(b.grad, numpy.ones(3))
    testing.assert_allclose(y.grad, numpy.ones(3))


def test_broadcast_gradient_is_writable():
    x = dbr.Variable(numpy.ones((2, 3)))
    F.sum(x).backward()
    x.grad *= 2
    testing.assert_allclose(x.grad, numpy.full((2, 3), 2.0))


def test_loss_scale_scales_gradients_and_marks_parameters():
    p = dbr.Parameter(numpy.array([1.0, 2.0]))
    F.sum(p * p).backward(loss_scale=8.0)
    testing.assert_allclose(p.grad, 8 * numpy.array([2.0, 4.0]))
    assert p._loss_scale == 8.0


def test_no_backprop_mode_builds_no_graph(xp):
    x = _var(xp, 3)
    with dbr.no_backprop_mode():
        y = x * 2
        assert not dbr.config.enable_backprop
    assert y.creator is None and y.requires_grad
    assert dbr.config.enable_backprop
    z = F.sum(y * y)
    z.backward()
    assert x.grad is None
    testing.assert_allclose(y.grad, 2 * y.array)


def test_force_backprop_mode_inside_no_backprop_mode(xp):
    x = _var(xp, 3)
    with dbr.no_backprop_mode():
        with dbr.force_backprop_mode():
            y = x * 2
        z = x * 2
    assert y.creator is not None and z.creator is None
    F.sum(y).backward()
    testing.assert_allclose(x.grad, xp.full(3, 2.0))


def test_inputs_not_requiring_grad_make_no_graph():
    x = dbr.Variable(numpy.ones(2), requires_grad=False)
    y = x * 2
    assert y.creator is None and not y.requires_grad


def test_plain_array_inputs_are_constants():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    y = F.mul(x, numpy.array([3.0, 4.0]))
    assert y.creator.inputs[1] is None
    F.sum(y).backward()
    testing.assert_allclose(x.grad, [3.0, 4.0])


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_double_backprop_of_cube(xp, dtype):
    x = dbr.Variable(xp.asarray([0.5, -1.5, 2.0], dtype=dtype))
    y = F.sum(x ** 3)
    y.backward(enable_double_backprop=True)
    gx = x.grad_var
    testing.assert_allclose(gx.array, 3 * x.array ** 2)
    assert gx.creator is not None
    x.cleargrad()
    F.sum(gx).backward()
    testing.assert_allclose(x.grad, 6 * x.array, rtol=1e-5)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_double_backprop_of_tanh(xp, dtype):
    x = dbr.Variable(xp.asarray([0.3, -0.7, 1.1], dtype=dtype))
    gx, = dbr.grad([F.sum(F.tanh(x))], [x], enable_double_backprop=True)
    ggx, = dbr.grad([F.sum(gx)], [x])
    t = xp.tanh(x.array)
    testing.assert_allclose(gx.array, 1 - t * t, rtol=1e-5)
    testing.assert_allclose(ggx.array, -2 * t * (1 - t * t), rtol=1e-5)


def test_plain_backward_builds_no_graph_for_grads():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    F.sum(x ** 3).backward()
    assert x.grad_var.creator is None


def test_third_derivative():
    x = dbr.Variable(numpy.array([1.5]))
    g1, = dbr.grad([x ** 4], [x], enable_double_backprop=True)
    g2, = dbr.grad([g1], [x], enable_double_backprop=True)
    g3, = dbr.grad([g2], [x])
    testing.assert_allclose(g3.array, 24 * x.array)


def test_dropped_graph_is_freed_by_reference_counting():
    gc.disable()
    try:
        x = dbr.Variable(numpy.ones(3))
        y = F.tanh(x * 2 + 1)
        refs = [weakref.ref(y.creator), weakref.ref(y.creator.inputs[0].creator)]
        node_ref = weakref.ref(y.node)
        del y
        assert all(r() is None for r in refs) and node_ref() is None
    finally:
        gc.enable()


def test_graph_keeps_only_retained_arrays():
    x = dbr.Variable(numpy.ones(1000))
    h = x + 1.0            # AddConstant retains nothing
    h_ref = weakref.ref(h.array)
    y = F.sum(h * 2.0)      # MulConstant retains nothing either
    del h
    assert h_ref() is None
    y.backward()
    testing.assert_allclose(x.grad, numpy.full(1000, 2.0))


def test_retained_output_survives_when_output_variable_is_dropped():
    x = dbr.Variable(numpy.array([0.2, 0.4]))
    y = F.tanh(x)
    z = F.sum(y * 1.0)
    del y
    z.backward()
    testing.assert_allclose(x.grad, 1 - numpy.tanh(x.array) ** 2)


def test_training_loop_memory_does_not_grow():
    w = dbr.Variable(numpy.random.randn(8, 8).astype(numpy.float32))
    x = numpy.random.randn(4, 8).astype(numpy.float32)

    def step():
        w.cleargrad()
        loss = F.sum(F.tanh(F.matmul(x, w)) ** 2)
        loss.backward()

    for _ in range(200):
        step()
    tracemalloc.start()
    try:
        for _ in range(2000):
            step()
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(8000):
            step()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, (first, second)


class _Square(dbr.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        x, = inputs
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        assert y.array is self.output_data[0]
        return 2 * x * grad_outputs[0],


def test_custom_function_node_with_retained_values():
    x = dbr.Variable(numpy.array([3.0, -1.0]))
    y, = _Square().apply((x,))
    F.sum(y).backward()
    testing.assert_allclose(x.grad, [6.0, -2.0])
    gx, = dbr.grad([F.sum(_Square().apply((x,))[0])], [x], enable_double_backprop=True)
    ggx, = dbr.grad([F.sum(gx)], [x])
    testing.assert_allclose(ggx.array, [2.0, 2.0])


class _Split(dbr.FunctionNode):
    """Two outputs; backward returns one gradient per input (all inputs)."""

    def forward(self, inputs):
        x, y = inputs
        return x + y, x - y

    def backward(self, indexes, grad_outputs):
        ga, gb = grad_outputs
        ga = ga if ga is not None else 0 * gb
        gb = gb if gb is not None else 0 * ga
        return ga + gb, ga - gb


def test_multi_output_node_with_unused_output():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    y = dbr.Variable(numpy.array([3.0, 4.0]), requires_grad=False)
    a, b = _Split().apply((x, y))
    F.sum(a * 2).backward()
    testing.assert_allclose(x.grad, [2.0, 2.0])
    assert y.grad is None


def test_forward_must_return_a_tuple():
    class Bad(dbr.FunctionNode):
        def forward(self, inputs):
            return inputs[0]

    with pytest.raises(TypeError, match='bad: forward must return a tuple of arrays, got ndarray'):
        Bad().apply((numpy.ones(2),))


def test_forward_returning_non_array_raises():
    class Bad(dbr.FunctionNode):
        def forward(self, inputs):
            return [1, 2],

    with pytest.raises(TypeError, match='bad: forward must return arrays, got list'):
        Bad().apply((numpy.ones(2),))


def test_missing_backward_names_the_class():
    class NoGrad(dbr.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

    x = dbr.Variable(numpy.ones(2))
    y, = NoGrad().apply((x,))
    with pytest.raises(NotImplementedError, match='NoGrad does not implement backward'):
        F.sum(y).backward()


def test_backward_returning_wrong_count_raises():
    class Bad(dbr.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0], grad_outputs[0], grad_outputs[0]

    x = dbr.Variable(numpy.ones(2))
    with pytest.raises(ValueError, match='bad: backward returned 3 gradients for 1 requested'):
        F.sum(Bad().apply((x,))[0]).backward()


def test_non_array_input_raises_type_error_naming_the_op():
    with pytest.raises(TypeError, match=r'tanh: input 0 must be a Variable or a NumPy/CuPy array, '
                                         r'got list'):
        F.tanh([1.0, 2.0])


def test_uninitialized_variable_input_raises():
    with pytest.raises(TypeError, match='tanh: input 0 is a Variable with no data'):
        F.tanh(dbr.Parameter())


def test_numpy_scalar_outputs_become_arrays():
    x = dbr.Variable(numpy.array(0.5))
    y = F.tanh(x)
    assert isinstance(y.array, numpy.ndarray) and y.shape == ()
    with dbr.no_backprop_mode():
        z = F.exp(x)
    assert isinstance(z.array, numpy.ndarray)


def test_debug_mode_detects_nan_in_forward():
    x = dbr.Variable(numpy.array([-1.0, 1.0]))
    with numpy.errstate(invalid='ignore'):
        with dbr.using_config('debug', True):
            with pytest.raises(FloatingPointError, match='log: forward output 0 contains NaN'):
                F.log(x)
        y = F.log(x)   # without debug the NaN passes silently, as NumPy does
    assert numpy.isnan(y.array[0])


def test_debug_mode_detects_nan_in_backward():
    class NanGrad(dbr.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0] * float('nan'),

    x = dbr.Variable(numpy.ones(2))
    y = F.sum(NanGrad().apply((x,))[0])
    with dbr.using_config('debug', True):
        with pytest.raises(FloatingPointError, match='backward of nan_grad'):
            y.backward()


@pytest.mark.gpu
def test_mixed_numpy_and_cupy_inputs_raise():
    import cupy
    x = dbr.Variable(numpy.ones(2))
    y = dbr.Variable(cupy.ones(2))
    with pytest.raises(TypeError, match='add: inputs mix NumPy and CuPy arrays'):
        F.add(x, y)
