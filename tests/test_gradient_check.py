"""Tests of ``dbr.gradient_check``: numerical_grad, check_backward, check_double_backward."""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check


# ----- small FunctionNodes used as subjects ---------------------------------------------------

class Square(dbr.FunctionNode):
    """x ** 2; ``wrong=True`` returns ``gy * x`` (missing the factor 2)."""

    def __init__(self, wrong=False):
        self.wrong = wrong

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        return (gy * x,) if self.wrong else (2 * x * gy,)


class WrongShapeGrad(dbr.FunctionNode):
    """2 * x whose backward sums the gradient to a scalar (wrong shape)."""

    def forward(self, inputs):
        x, = inputs
        return 2 * x,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return F.sum(gy) * 2,


class WrongDtypeGrad(dbr.FunctionNode):
    """2 * x whose backward returns float64 for any input dtype."""

    def forward(self, inputs):
        x, = inputs
        return 2 * x,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return dbr.Variable(gy.array.astype(numpy.float64) * 2),


class Mul2(dbr.FunctionNode):
    """a * b; ``wrong_b=True`` makes the gradient of b off by a factor 2."""

    def __init__(self, wrong_b=False):
        self.wrong_b = wrong_b

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        return a * b,

    def backward(self, indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        gy, = grad_outputs
        scale_b = 2 if self.wrong_b else 1
        return tuple(gy * b if i == 0 else gy * a * scale_b for i in indexes)


class TwoOutputs(dbr.FunctionNode):
    """(2x, x ** 2); ``wrong=True`` drops the factor 2 of the second output's gradient."""

    def __init__(self, wrong=False):
        self.wrong = wrong
        self.seen = []

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return 2 * x, x * x

    def backward(self, indexes, grad_outputs):
        self.seen.append(tuple(grad_outputs))
        x, = self.get_retained_inputs()
        g0, g1 = grad_outputs
        gx = None
        if g0 is not None:
            gx = 2 * g0
        if g1 is not None:
            t = g1 * x if self.wrong else 2 * x * g1
            gx = t if gx is None else gx + t
        return gx,


class ScaleByInt(dbr.FunctionNode):
    """x * n for an integer array n (no gradient for n)."""

    def forward(self, inputs):
        self.retain_inputs((1,))
        x, n = inputs
        return x * n.astype(x.dtype),

    def backward(self, indexes, grad_outputs):
        n, = self.get_retained_inputs()
        gy, = grad_outputs
        return tuple(gy * n.array.astype(gy.dtype) if i == 0 else None for i in indexes)


class SquareGrad(dbr.FunctionNode):
    """2 * x * gy computed with raw arrays; ``wrong=True`` breaks its own d/dx."""

    def __init__(self, wrong=False):
        self.wrong = wrong

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        return 2 * x * gy,

    def backward(self, indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(gy * ggx if self.wrong else 2 * gy * ggx)
            else:
                ret.append(2 * x * ggx)
        return tuple(ret)


class SquareTwice(dbr.FunctionNode):
    """x ** 2 whose backward is a SquareGrad node (differentiable, maybe wrongly)."""

    def __init__(self, wrong_second=False):
        self.wrong_second = wrong_second

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return SquareGrad(self.wrong_second).apply((x, grad_outputs[0]))


def _square(wrong=False):
    return lambda x: Square(wrong).apply((x,))[0]


# ----- numerical_grad --------------------------------------------------------------------------

def test_numerical_grad_square():
    x = numpy.random.randn(3, 4)
    gy = numpy.random.randn(3, 4)
    gx, = gradient_check.numerical_grad(lambda: (x ** 2,), (x,), (gy,))
    numpy.testing.assert_allclose(gx, 2 * x * gy, atol=1e-6, rtol=1e-6)


def test_numerical_grad_sin_with_unit_weights():
    x = numpy.random.uniform(-3, 3, (5,))
    gx, = gradient_check.numerical_grad(lambda: (numpy.sin(x),), (x,), (numpy.ones(5),))
    numpy.testing.assert_allclose(gx, numpy.cos(x), atol=1e-6, rtol=1e-5)


def test_numerical_grad_product_of_two_inputs():
    a = numpy.random.randn(2, 3)
    b = numpy.random.randn(2, 3)
    gy = numpy.random.randn(2, 3)
    ga, gb = gradient_check.numerical_grad(lambda: (a * b,), (a, b), (gy,))
    numpy.testing.assert_allclose(ga, gy * b, atol=1e-6, rtol=1e-6)
    numpy.testing.assert_allclose(gb, gy * a, atol=1e-6, rtol=1e-6)


def test_numerical_grad_returns_float64_and_restores_inputs():
    x = numpy.random.randn(4).astype(numpy.float32)
    before = x.copy()
    gx, = gradient_check.numerical_grad(lambda: (x * 3,), (x,), (numpy.ones(4, numpy.float32),),
                                        eps=1e-2)
    assert gx.dtype == numpy.float64
    assert gx.shape == x.shape
    numpy.testing.assert_allclose(gx, numpy.full(4, 3.0), rtol=1e-3)
    numpy.testing.assert_array_equal(x, before)


def test_numerical_grad_skips_outputs_without_weights():
    x = numpy.random.randn(3)
    gy = numpy.random.randn(3)
    gx, = gradient_check.numerical_grad(lambda: (x ** 2, x ** 3), (x,), (gy, None))
    numpy.testing.assert_allclose(gx, 2 * x * gy, atol=1e-6, rtol=1e-6)


def test_numerical_grad_sums_weighted_outputs():
    x = numpy.random.randn(3)
    g0 = numpy.random.randn(3)
    g1 = numpy.random.randn(3)
    gx, = gradient_check.numerical_grad(lambda: (x ** 2, numpy.sin(x)), (x,), (g0, g1))
    numpy.testing.assert_allclose(gx, 2 * x * g0 + numpy.cos(x) * g1, atol=1e-6, rtol=1e-5)


def test_numerical_grad_accepts_variables_as_outputs():
    x = numpy.random.randn(3)
    gy = numpy.random.randn(3)
    gx, = gradient_check.numerical_grad(
        lambda: (dbr.Variable(x * x, requires_grad=False),), (x,), (gy,))
    numpy.testing.assert_allclose(gx, 2 * x * gy, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize('eps', [0, 0.0, -1e-3])
def test_numerical_grad_rejects_non_positive_eps(eps):
    x = numpy.random.randn(3)
    with pytest.raises(ValueError, match='eps'):
        gradient_check.numerical_grad(lambda: (x * x,), (x,), (numpy.ones(3),), eps=eps)


def test_numerical_grad_rejects_non_contiguous_inputs():
    x = numpy.random.randn(3, 4).T
    assert not x.flags.c_contiguous
    with pytest.raises(ValueError, match='contiguous'):
        gradient_check.numerical_grad(lambda: (x * x,), (x,), (numpy.ones((4, 3)),))


# ----- check_backward: correct and wrong backward ----------------------------------------------

def test_check_backward_passes_on_correct_square(xp):
    x = xp.asarray(numpy.random.randn(3, 4))
    gy = xp.asarray(numpy.random.randn(3, 4))
    gradient_check.check_backward(_square(), x, gy)


def test_check_backward_catches_wrong_square(xp):
    x = xp.asarray(numpy.random.uniform(0.5, 2, (3, 4)))
    gy = xp.asarray(numpy.random.uniform(0.5, 2, (3, 4)))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(_square(wrong=True), x, gy)


def test_check_backward_catches_wrong_gradient_shape():
    x = numpy.random.randn(3)
    with pytest.raises(AssertionError, match='shape'):
        gradient_check.check_backward(lambda x: WrongShapeGrad().apply((x,))[0], x,
                                      numpy.random.randn(3))


def test_check_backward_catches_wrong_gradient_dtype():
    x = numpy.random.randn(3).astype(numpy.float32)
    gy = numpy.random.randn(3).astype(numpy.float32)
    with pytest.raises(AssertionError, match='dtype'):
        gradient_check.check_backward(lambda x: WrongDtypeGrad().apply((x,))[0], x, gy,
                                      atol=1e-3, rtol=1e-3)


def test_check_backward_passes_on_builtin_tanh():
    x = numpy.random.randn(2, 3)
    gradient_check.check_backward(F.tanh, x, numpy.random.randn(2, 3))


def test_check_backward_accepts_tuple_or_list_x_data():
    x = numpy.random.randn(4)
    gy = numpy.random.randn(4)
    gradient_check.check_backward(_square(), (x,), (gy,))
    gradient_check.check_backward(_square(), [x], [gy])


def test_check_backward_leaves_inputs_unchanged():
    x = numpy.random.randn(3, 2)
    before = x.copy()
    gradient_check.check_backward(_square(), x, numpy.random.randn(3, 2))
    numpy.testing.assert_array_equal(x, before)


# ----- multiple inputs and outputs -------------------------------------------------------------

def test_check_backward_two_inputs(xp):
    a = xp.asarray(numpy.random.randn(2, 3))
    b = xp.asarray(numpy.random.randn(2, 3))
    gy = xp.asarray(numpy.random.randn(2, 3))
    gradient_check.check_backward(lambda a, b: Mul2().apply((a, b))[0], (a, b), gy)


def test_check_backward_two_inputs_catches_wrong_second_gradient():
    a = numpy.random.uniform(0.5, 2, (2, 3))
    b = numpy.random.uniform(0.5, 2, (2, 3))
    gy = numpy.random.uniform(0.5, 2, (2, 3))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda a, b: Mul2(wrong_b=True).apply((a, b))[0],
                                      (a, b), gy)


def test_check_backward_two_outputs():
    x = numpy.random.randn(3)
    gys = (numpy.random.randn(3), numpy.random.randn(3))
    gradient_check.check_backward(lambda x: TwoOutputs().apply((x,)), x, gys)


def test_check_backward_two_outputs_catches_wrong_second_output_gradient():
    x = numpy.random.uniform(0.5, 2, (3,))
    gys = (numpy.random.uniform(0.5, 2, (3,)), numpy.random.uniform(0.5, 2, (3,)))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda x: TwoOutputs(wrong=True).apply((x,)), x, gys)


def test_check_backward_y_grad_none_entry_means_no_gradient_from_that_output():
    # As in Chainer: a None entry of y_grad means that output receives no gradient, so the
    # function's backward sees None for it and the numerical side ignores that output.
    # This is how a test exercises a backward's handling of missing output gradients.
    nodes = []

    def func(x):
        node = TwoOutputs(wrong=True)  # the wrong part is only reached through output 1
        nodes.append(node)
        return node.apply((x,))

    x = numpy.random.uniform(0.5, 2, (3,))
    gradient_check.check_backward(func, x, (numpy.random.randn(3), None))
    seen = [gys for node in nodes for gys in node.seen]
    assert seen, 'backward was never called'
    for g0, g1 in seen:
        assert g0 is not None
        assert g1 is None


# ----- params ----------------------------------------------------------------------------------

def test_check_backward_params_correct():
    w = dbr.Parameter(numpy.random.randn(3))
    x = numpy.random.randn(3)
    gradient_check.check_backward(lambda x: Mul2().apply((x, w))[0], x, numpy.random.randn(3),
                                  params=(w,))


def test_check_backward_params_wrong_gradient_is_caught():
    w = dbr.Parameter(numpy.random.uniform(0.5, 2, (3,)))
    x = numpy.random.uniform(0.5, 2, (3,))
    gy = numpy.random.uniform(0.5, 2, (3,))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda x: Mul2(wrong_b=True).apply((x, w))[0], x, gy,
                                      params=(w,))


def test_check_backward_params_only_wrong_param_gradient_is_caught():
    # The input gradient is right; only the parameter's is wrong.
    w = dbr.Parameter(numpy.random.uniform(0.5, 2, (3,)))
    x = numpy.random.uniform(0.5, 2, (3,))
    gy = numpy.random.uniform(0.5, 2, (3,))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda x: Mul2(wrong_b=True).apply((x, w))[0], x, gy,
                                      params=(w,), no_grads=[True])


def test_check_backward_single_param_not_in_a_tuple_is_checked():
    # Chainer's API: "If params is one Variable object, it is treated as (params,)".
    w = dbr.Parameter(numpy.random.uniform(0.5, 2, (3,)))
    x = numpy.random.uniform(0.5, 2, (3,))
    gy = numpy.random.uniform(0.5, 2, (3,))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda x: Mul2(wrong_b=True).apply((x, w))[0], x, gy,
                                      params=w)


def test_check_backward_leaves_param_array_and_grad_untouched():
    data = numpy.random.randn(3)
    w = dbr.Parameter(data)
    array_before = w.array
    values_before = w.array.copy()
    x = numpy.random.randn(3)
    gradient_check.check_backward(lambda x: Mul2().apply((x, w))[0], x, numpy.random.randn(3),
                                  params=(w,))
    assert w.array is array_before
    numpy.testing.assert_array_equal(w.array, values_before)
    assert w.grad is None

    preset = numpy.full(3, 7.0)
    w.grad = preset
    grad_before = w.grad
    gradient_check.check_backward(lambda x: Mul2().apply((x, w))[0], x, numpy.random.randn(3),
                                  params=(w,))
    assert w.array is array_before
    numpy.testing.assert_array_equal(w.array, values_before)
    assert w.grad is grad_before
    numpy.testing.assert_array_equal(w.grad, numpy.full(3, 7.0))


def test_check_backward_restores_param_after_a_failure():
    w = dbr.Parameter(numpy.random.uniform(0.5, 2, (3,)))
    array_before = w.array
    values_before = w.array.copy()
    x = numpy.random.uniform(0.5, 2, (3,))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda x: Mul2(wrong_b=True).apply((x, w))[0], x,
                                      numpy.random.uniform(0.5, 2, (3,)), params=(w,))
    assert w.array is array_before
    numpy.testing.assert_array_equal(w.array, values_before)
    assert w.grad is None


# ----- no_grads, integer inputs, dtype ----------------------------------------------------------

def test_check_backward_no_grads_skips_an_input():
    a = numpy.random.uniform(0.5, 2, (3,))
    b = numpy.random.uniform(0.5, 2, (3,))
    gy = numpy.random.uniform(0.5, 2, (3,))

    def func(a, b):
        return Mul2(wrong_b=True).apply((a, b))[0]

    gradient_check.check_backward(func, (a, b), gy, no_grads=[False, True])
    with pytest.raises(AssertionError):
        gradient_check.check_backward(func, (a, b), gy, no_grads=[False, False])


def test_check_backward_no_grads_length_mismatch():
    x = numpy.random.randn(3)
    with pytest.raises(ValueError, match='no_grads'):
        gradient_check.check_backward(_square(), x, numpy.random.randn(3),
                                      no_grads=[False, False])


def test_check_backward_skips_integer_inputs():
    x = numpy.random.randn(2, 3)
    n = numpy.random.randint(1, 5, (2, 3)).astype(numpy.int32)
    gy = numpy.random.randn(2, 3)
    calls = []

    def func(x, n):
        calls.append(n.requires_grad)
        return ScaleByInt().apply((x, n))[0]

    gradient_check.check_backward(func, (x, n), gy)
    assert calls and not any(calls)


def test_check_backward_integer_inputs_do_not_hide_a_wrong_gradient():
    x = numpy.random.uniform(0.5, 2, (3,))
    n = numpy.array([2, 3, 4], numpy.int64)
    gy = numpy.random.uniform(0.5, 2, (3,))

    def func(x, n):
        # Wrong: d(x*x*n)/dx is 2*x*n, this backward gives x*n.
        return ScaleByInt().apply((Square(wrong=True).apply((x,))[0], n))[0]

    with pytest.raises(AssertionError):
        gradient_check.check_backward(func, (x, n), gy)


def test_check_backward_dtype_float64_for_float32_inputs():
    x = numpy.random.randn(3, 4).astype(numpy.float32)
    gy = numpy.random.randn(3, 4).astype(numpy.float32)
    seen = []

    def func(x):
        seen.append(x.dtype)
        return F.tanh(x)

    # Tolerances far below float32 rounding of a finite difference: only a float64
    # numerical side can meet them.
    gradient_check.check_backward(func, x, gy, dtype=numpy.float64, atol=1e-6, rtol=1e-6)
    assert numpy.dtype(numpy.float32) in seen  # the analytic pass runs in float32
    assert numpy.dtype(numpy.float64) in seen  # the numerical pass runs in float64
    assert x.dtype == numpy.float32


def test_check_backward_dtype_float64_casts_skipped_float_inputs():
    a = numpy.random.randn(3).astype(numpy.float32)
    b = numpy.random.randn(3).astype(numpy.float32)
    gy = numpy.random.randn(3).astype(numpy.float32)
    seen = []

    def func(a, b):
        seen.append((a.dtype, b.dtype))
        return Mul2().apply((a, b))[0]

    gradient_check.check_backward(func, (a, b), gy, no_grads=[False, True],
                                  dtype=numpy.float64, atol=1e-6, rtol=1e-6)
    f64 = numpy.dtype(numpy.float64)
    assert (f64, f64) in seen


# ----- scalar outputs and ValueErrors -----------------------------------------------------------

def test_check_backward_y_grad_none_for_scalar_output():
    x = numpy.random.randn(3, 2)
    gradient_check.check_backward(lambda x: F.sum(Square().apply((x,))[0]), x, None)


def test_check_backward_y_grad_none_for_scalar_output_catches_wrong_gradient():
    x = numpy.random.uniform(0.5, 2, (3, 2))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda x: F.sum(Square(wrong=True).apply((x,))[0]), x,
                                      None)


def test_check_backward_y_grad_none_for_non_scalar_output_is_an_error():
    x = numpy.random.randn(3)
    with pytest.raises(ValueError, match='scalar'):
        gradient_check.check_backward(_square(), x, None)


def test_check_backward_y_grad_count_mismatch():
    x = numpy.random.randn(3)
    with pytest.raises(ValueError, match='y_grad'):
        gradient_check.check_backward(lambda x: TwoOutputs().apply((x,)), x,
                                      (numpy.random.randn(3),))
    with pytest.raises(ValueError, match='y_grad'):
        gradient_check.check_backward(_square(), x, (numpy.random.randn(3),
                                                     numpy.random.randn(3)))


def test_check_backward_y_grad_shape_mismatch():
    x = numpy.random.randn(3)
    with pytest.raises(ValueError, match='shape'):
        gradient_check.check_backward(_square(), x, numpy.random.randn(4))


def test_check_backward_nothing_to_check():
    x = numpy.random.randn(3)
    with pytest.raises(ValueError, match='nothing to check'):
        gradient_check.check_backward(_square(), x, numpy.random.randn(3), no_grads=[True])
    n = numpy.arange(3)
    with pytest.raises(ValueError, match='nothing to check'):
        gradient_check.check_backward(lambda n: n * 2, n, numpy.ones(3, n.dtype))


# ----- check_double_backward -------------------------------------------------------------------

def test_check_double_backward_cube():
    x = numpy.random.randn(3, 2)
    gradient_check.check_double_backward(lambda x: x * x * x, x, numpy.random.randn(3, 2),
                                         numpy.random.randn(3, 2))


def test_check_double_backward_tanh(xp):
    x = xp.asarray(numpy.random.randn(2, 3))
    gradient_check.check_double_backward(F.tanh, x, xp.asarray(numpy.random.randn(2, 3)),
                                         xp.asarray(numpy.random.randn(2, 3)))


def test_check_double_backward_custom_node_correct():
    x = numpy.random.randn(4)
    func = lambda x: SquareTwice().apply((x,))[0]  # noqa: E731
    gy = numpy.random.randn(4)
    gradient_check.check_backward(func, x, gy)
    gradient_check.check_double_backward(func, x, gy, numpy.random.randn(4))


def test_check_double_backward_catches_wrong_second_derivative():
    x = numpy.random.uniform(0.5, 2, (4,))
    gy = numpy.random.uniform(0.5, 2, (4,))
    ggx = numpy.random.uniform(0.5, 2, (4,))
    func = lambda x: SquareTwice(wrong_second=True).apply((x,))[0]  # noqa: E731
    # The first derivative is right ...
    gradient_check.check_backward(func, x, gy)
    # ... the second is not.
    with pytest.raises(AssertionError):
        gradient_check.check_double_backward(func, x, gy, ggx)


def test_check_double_backward_with_params():
    w = dbr.Parameter(numpy.random.randn(3))
    x = numpy.random.randn(3)
    gradient_check.check_double_backward(lambda x: x * x * w, x, numpy.random.randn(3),
                                         numpy.random.randn(3), params=(w,),
                                         params_grad_grad=(numpy.random.randn(3),))


def test_check_double_backward_grad_grad_count_mismatch():
    x = numpy.random.randn(3)
    with pytest.raises(ValueError):
        gradient_check.check_double_backward(lambda x: x * x * x, x, numpy.random.randn(3),
                                             (numpy.random.randn(3), numpy.random.randn(3)))



def test_check_double_backward_with_an_output_that_gets_no_gradient():
    def two_outputs(x):
        return x * x * x, x * 2

    x = numpy.random.randn(3)
    gradient_check.check_double_backward(two_outputs, x, (numpy.random.randn(3), None),
                                         numpy.random.randn(3))
