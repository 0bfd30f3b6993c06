"""Tests of ``dbr.type_check``: ``expects``, ``InvalidType`` messages, ``expect_broadcastable``."""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import type_check


class Linear(dbr.FunctionNode):
    check_type_forward = type_check.expects(
        'x, W, b=None',
        "x.dtype.kind == 'f'",
        'x.shape[1] == W.shape[1]',
        'b is None or b.shape == (W.shape[0],)')

    def forward(self, inputs):
        x, W = inputs[:2]
        y = x @ W.T
        if len(inputs) == 3:
            y = y + inputs[2]
        return y,


class MulConstant(dbr.FunctionNode):
    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        return inputs[0] * 2,


class Resize(dbr.FunctionNode):
    """Conditions that read an attribute of the node."""

    check_type_forward = type_check.expects('x', 'x.size == self.size')

    def __init__(self, size):
        self.size = size

    def forward(self, inputs):
        return inputs[0].reshape(-1),


def _f32(*shape):
    return numpy.random.randn(*shape).astype(numpy.float32)


def test_expects_passing_case():
    x, W, b = _f32(3, 5), _f32(4, 5), _f32(4)
    y, = Linear().apply((x, W))
    numpy.testing.assert_allclose(y.array, x @ W.T, rtol=1e-6)
    y, = Linear().apply((dbr.Variable(x), dbr.Variable(W), dbr.Variable(b)))
    numpy.testing.assert_allclose(y.array, x @ W.T + b, rtol=1e-6)


def test_failing_condition_message():
    x, W = _f32(3, 5), _f32(4, 6)
    with pytest.raises(type_check.InvalidType) as info:
        Linear().apply((x, W))
    assert str(info.value) == ('linear: expected x.shape[1] == W.shape[1], '
                               'got x.shape=(3, 5), W.shape=(4, 6)')
    assert info.value.expect == 'x.shape[1] == W.shape[1]'
    assert info.value.actual == 'x.shape=(3, 5), W.shape=(4, 6)'


def test_invalid_type_is_type_error_and_value_error():
    assert issubclass(type_check.InvalidType, TypeError)
    assert issubclass(type_check.InvalidType, ValueError)
    x, W = _f32(3, 5), _f32(4, 6)
    with pytest.raises(TypeError):
        Linear().apply((x, W))
    with pytest.raises(ValueError):
        Linear().apply((x, W))


def test_failing_condition_through_variables():
    x, W = dbr.Variable(_f32(3, 5)), dbr.Variable(_f32(4, 6))
    with pytest.raises(type_check.InvalidType, match=r'^linear: expected x\.shape\[1\]'):
        Linear().apply((x, W))


def test_label_is_snake_case_class_name():
    assert MulConstant().label == 'mul_constant'
    assert Linear().label == 'linear'
    with pytest.raises(type_check.InvalidType) as info:
        MulConstant().apply((numpy.arange(3, dtype=numpy.int32),))
    assert str(info.value).startswith('mul_constant: ')


def test_dtype_kind_shown_as_dtype():
    x = numpy.zeros((3, 5), numpy.int32)
    W = _f32(4, 5)
    with pytest.raises(type_check.InvalidType) as info:
        Linear().apply((x, W))
    assert str(info.value) == "linear: expected x.dtype.kind == 'f', got x.dtype=int32"


def test_condition_using_self_attribute():
    y, = Resize(6).apply((_f32(2, 3),))
    assert y.shape == (6,)
    with pytest.raises(type_check.InvalidType) as info:
        Resize(5).apply((_f32(2, 3),))
    assert str(info.value) == 'resize: expected x.size == self.size, got x.size=6, self.size=5'


def test_too_many_inputs():
    args = (_f32(3, 5), _f32(4, 5), _f32(4), _f32(4))
    with pytest.raises(type_check.InvalidType) as info:
        Linear().apply(args)
    assert str(info.value) == 'linear: expected 2 to 3 inputs (x, W, b=None), got 4'


def test_too_few_inputs():
    with pytest.raises(type_check.InvalidType) as info:
        Linear().apply((_f32(3, 5),))
    assert str(info.value) == 'linear: expected 2 to 3 inputs (x, W, b=None), got 1'


def test_fixed_number_of_inputs():
    with pytest.raises(type_check.InvalidType) as info:
        MulConstant().apply((_f32(3), _f32(3)))
    msg = str(info.value)
    assert msg.startswith('mul_constant: expected 1 ')
    assert '(x)' in msg
    assert msg.endswith('got 2')


def test_optional_input_condition():
    x, W = _f32(3, 5), _f32(4, 5)
    Linear().apply((x, W))  # b omitted: the condition holds through b=None
    Linear().apply((x, W, _f32(4)))
    with pytest.raises(type_check.InvalidType) as info:
        Linear().apply((x, W, _f32(3)))
    msg = str(info.value)
    assert msg.startswith('linear: expected b is None or b.shape == (W.shape[0],), got ')
    assert 'b.shape=(3,)' in msg
    assert 'W.shape=(4, 5)' in msg


def test_conditions_are_checked_in_order():
    # Both the dtype and the shape are wrong: the first condition is reported.
    x, W = numpy.zeros((3, 5), numpy.int32), _f32(4, 6)
    with pytest.raises(type_check.InvalidType) as info:
        Linear().apply((x, W))
    assert info.value.expect == "x.dtype.kind == 'f'"


def test_condition_that_cannot_be_evaluated_is_an_invalid_type():
    # x is 1-d, so x.shape[1] does not exist: the user must get a labelled InvalidType
    # naming the expectation, not a bare IndexError from inside the check.
    with pytest.raises(type_check.InvalidType) as info:
        Linear().apply((_f32(5), _f32(4, 5)))
    msg = str(info.value)
    assert msg.startswith('linear: expected x.shape[1] == W.shape[1], got ')


def test_expects_called_directly():
    check = type_check.expects('x0, x1', 'x0.dtype == x1.dtype')
    node = MulConstant()
    check(node, (_f32(2), _f32(2)))
    with pytest.raises(type_check.InvalidType) as info:
        check(node, (_f32(2), numpy.zeros(2, numpy.float64)))
    assert str(info.value) == ('mul_constant: expected x0.dtype == x1.dtype, '
                               'got x0.dtype=float32, x1.dtype=float64')


def test_expect_broadcastable():
    node = MulConstant()
    type_check.expect_broadcastable(node, (2, 3), (3,))
    type_check.expect_broadcastable(node, (2, 1), (1, 4), (4,))
    with pytest.raises(type_check.InvalidType) as info:
        type_check.expect_broadcastable(node, (2, 3), (4,))
    msg = str(info.value)
    assert msg.startswith('mul_constant: expected ')
    assert '(2, 3)' in msg and '(4,)' in msg


def test_builtin_add_reports_unbroadcastable_shapes():
    a = dbr.Variable(_f32(2, 3))
    b = dbr.Variable(_f32(4))
    with pytest.raises(type_check.InvalidType) as info:
        F.add(a, b)
    msg = str(info.value)
    assert msg.startswith('add: ')
    assert '(2, 3)' in msg and '(4,)' in msg


def test_type_check_config_off_skips_the_check():
    x, W = _f32(3, 5), _f32(4, 5)
    bad = numpy.zeros((3, 5), numpy.int32)
    with dbr.using_config('type_check', False):
        assert dbr.config.type_check is False
        y, = MulConstant().apply((numpy.arange(3, dtype=numpy.int32),))
        numpy.testing.assert_array_equal(y.array, numpy.arange(3) * 2)
        y, = Linear().apply((bad, W))
        assert y.shape == (3, 4)
    assert dbr.config.type_check is True
    with pytest.raises(type_check.InvalidType):
        Linear().apply((bad, W))
    Linear().apply((x, W))


def test_type_check_config_off_skips_the_argument_count_check():
    with dbr.using_config('type_check', False):
        y, = MulConstant().apply((_f32(3), _f32(3)))
    assert y.shape == (3,)
