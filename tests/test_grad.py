import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import testing


def test_grad_returns_gradients_without_touching_grad_attributes(xp):
    x = dbr.Variable(xp.asarray([1.0, 2.0]))
    w = dbr.Variable(xp.asarray([3.0, 4.0]))
    y = F.sum(x * w)
    gx, gw = dbr.grad([y], [x, w])
    testing.assert_allclose(gx.array, w.array)
    testing.assert_allclose(gw.array, x.array)
    assert x.grad is None and w.grad is None and y.grad is None


def test_grad_set_grad():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    gx, = dbr.grad([F.sum(x * x)], [x], set_grad=True)
    assert x.grad_var is gx


def test_grad_of_intermediate_variable():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    h = x * 3
    y = F.sum(h * h)
    gh, gx = dbr.grad([y], [h, x])
    testing.assert_allclose(gh.array, 2 * h.array)
    testing.assert_allclose(gx.array, 18 * x.array)


def test_grad_unreachable_input_is_none():
    x = dbr.Variable(numpy.ones(2))
    z = dbr.Variable(numpy.ones(2))
    gz, = dbr.grad([F.sum(x * 2)], [z])
    assert gz is None


def test_grad_skips_branches_that_do_not_lead_to_inputs():
    calls = []

    class Spy(dbr.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            calls.append(1)
            return grad_outputs

    x = dbr.Variable(numpy.ones(2))
    other = dbr.Variable(numpy.ones(2))
    y = F.sum(x * 2 + Spy().apply((other,))[0])
    gx, = dbr.grad([y], [x])
    testing.assert_allclose(gx.array, [2.0, 2.0])
    assert calls == []


def test_grad_with_grad_outputs_and_grad_inputs():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    y = x * 3
    gx, = dbr.grad([y], [x], grad_outputs=[numpy.array([1.0, 2.0])],
                   grad_inputs=[numpy.array([10.0, 10.0])])
    testing.assert_allclose(gx.array, [13.0, 16.0])


def test_grad_multiple_outputs():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    gx, = dbr.grad([F.sum(x * x), F.sum(x * 3)], [x])
    testing.assert_allclose(gx.array, 2 * x.array + 3)


def test_grad_retain_grad_sets_intermediates():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    h = x * 2
    dbr.grad([F.sum(h * h)], [x], retain_grad=True)
    testing.assert_allclose(h.grad, 2 * h.array)


def test_grad_loss_scale():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    gx, = dbr.grad([F.sum(x * x)], [x], loss_scale=4.0)
    testing.assert_allclose(gx.array, 8 * x.array)


def test_gradient_penalty_style_double_backprop():
    # WGAN-GP: the gradient norm's gradient w.r.t. the weights.
    w = dbr.Variable(numpy.array([[0.5, -1.0], [2.0, 0.3]]))
    x = dbr.Variable(numpy.array([[1.0, 2.0]]))
    y = F.sum(F.tanh(F.matmul(x, w)))
    gx, = dbr.grad([y], [x], enable_double_backprop=True)
    penalty = F.sum(gx * gx)
    penalty.backward()
    assert w.grad is not None

    def penalty_of(wa):
        t = numpy.tanh(x.array @ wa)
        g = (1 - t * t) @ wa.T
        return (g * g).sum()

    eps = 1e-6
    numeric = numpy.zeros_like(w.array)
    for i in numpy.ndindex(*w.shape):
        d = numpy.zeros_like(w.array)
        d[i] = eps
        numeric[i] = (penalty_of(w.array + d) - penalty_of(w.array - d)) / (2 * eps)
    testing.assert_allclose(w.grad, numeric, rtol=1e-5)


def test_grad_argument_errors():
    x = dbr.Variable(numpy.ones(2))
    y = F.sum(x)
    with pytest.raises(TypeError, match='dbr.grad: outputs must be a list or tuple'):
        dbr.grad(y, [x])
    with pytest.raises(TypeError, match=r'dbr.grad: inputs\[0\] must be a Variable, got ndarray'):
        dbr.grad([y], [numpy.ones(2)])
    with pytest.raises(ValueError, match='dbr.grad: expected 1 grad_outputs'):
        dbr.grad([y], [x], grad_outputs=[None, None])
    with pytest.raises(ValueError, match=r'dbr.grad: the output has shape \(2,\)'):
        dbr.grad([x * 2], [x])
