import math

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import functional, testing


def taylor_sine(x):
    """sin(x) by its Taylor series, stopping once terms are negligible."""
    term = x
    total = term
    n = 1
    while True:
        term = -term * x * x / ((2 * n) * (2 * n + 1))
        total = total + term
        n += 1
        if bool(abs(term).array.max() < 1e-12):
            return total


@pytest.mark.parametrize('x', [0.0, 0.5, 1.7, -2.3])
def test_taylor_sine_differentiates_to_cosine(x):
    dsin = functional.grad(taylor_sine)
    testing.assert_allclose(dsin(x), numpy.cos(x), atol=1e-10, rtol=1e-10)


def test_taylor_sine_on_an_array():
    x = numpy.array([0.1, 1.0, 3.0])
    dsin = functional.grad(lambda v: F.sum(taylor_sine(v)))
    testing.assert_allclose(dsin(x), numpy.cos(x), atol=1e-10, rtol=1e-10)


def test_scalar_argument_gives_python_float_compatible_result():
    g = functional.grad(lambda x: x * x)(3.0)
    assert float(g) == 6.0


def test_second_derivative_by_nesting():
    d2sin = functional.grad(functional.grad(taylor_sine))
    testing.assert_allclose(d2sin(0.7), -math.sin(0.7), atol=1e-10)


def test_value_and_grad_and_argnums():
    def f(a, b, scale=1.0):
        return F.sum(a * b) * scale

    a = numpy.array([1.0, 2.0])
    b = numpy.array([3.0, 5.0])
    value, (ga, gb) = functional.value_and_grad(f, argnums=(0, 1))(a, b, scale=2.0)
    testing.assert_allclose(value, 2 * (a * b).sum())
    testing.assert_allclose(ga, 2 * b)
    testing.assert_allclose(gb, 2 * a)
    gb_only = functional.grad(f, argnums=1)(a, b)
    testing.assert_allclose(gb_only, a)
    assert isinstance(gb_only, numpy.ndarray)


def test_branch_and_early_exit():
    def f(x):
        if float(F.sum(x).array) > 0:
            return F.sum(x * x)
        return F.sum(x * 3)

    testing.assert_allclose(functional.grad(f)(numpy.array([1.0, 2.0])), [2.0, 4.0])
    testing.assert_allclose(functional.grad(f)(numpy.array([-1.0, -2.0])), [3.0, 3.0])


def test_unused_argument_gets_zero_gradient():
    g = functional.grad(lambda x, y: F.sum(x * 2), argnums=1)(numpy.ones(2), numpy.ones(3))
    testing.assert_allclose(g, numpy.zeros(3))


def test_works_inside_no_backprop_mode():
    with dbr.no_backprop_mode():
        g = functional.grad(lambda x: F.sum(x * x))(numpy.array([2.0]))
    testing.assert_allclose(g, [4.0])


def test_logistic_regression_trains_with_functional_grad():
    rng = numpy.random.RandomState(0)
    n, d = 200, 3
    true_w = numpy.array([2.0, -3.0, 1.0])
    X = rng.randn(n, d)
    t = (X @ true_w + 0.5 > 0).astype(numpy.float64)

    def loss(w, b):
        z = F.matmul(X, w) + b
        p = 1.0 / (1.0 + F.exp(-z))
        eps = 1e-12
        return -F.sum(t * F.log(p + eps) + (1 - t) * F.log(1 - p + eps)) / n

    step = functional.value_and_grad(loss, argnums=(0, 1))
    w, b = numpy.zeros(d), numpy.zeros(())
    first = None
    for _ in range(300):
        value, (gw, gb) = step(w, b)
        first = value if first is None else first
        w = w - 1.0 * gw
        b = b - 1.0 * gb
    final, _ = step(w, b)
    accuracy = (((X @ w + b) > 0) == (t > 0)).mean()
    assert float(final) < 0.25 * float(first)
    assert accuracy > 0.95


def test_errors():
    with pytest.raises(ValueError, match='fun must return a scalar, got shape \\(2,\\)'):
        functional.grad(lambda x: x * 2)(numpy.ones(2))
    with pytest.raises(TypeError, match='argument 0 must be floating point, got dtype int64'):
        functional.grad(lambda x: F.sum(x))(numpy.array([1, 2], dtype=numpy.int64))
    with pytest.raises(IndexError, match='argnums 3 out of range'):
        functional.grad(lambda x: F.sum(x), argnums=3)(numpy.ones(2))
