"""Tests of ``dbr.testing.assert_allclose``."""
import numpy
import pytest

import dbr
from dbr import testing


def test_assert_allclose_arrays_within_tolerance():
    x = numpy.random.randn(3, 4)
    testing.assert_allclose(x, x)
    testing.assert_allclose(x, x + 1e-7)
    testing.assert_allclose(x.astype(numpy.float32), x, atol=1e-6, rtol=1e-6)


def test_assert_allclose_accepts_variables():
    x = numpy.random.randn(2, 3).astype(numpy.float32)
    testing.assert_allclose(dbr.Variable(x), x)
    testing.assert_allclose(x, dbr.Variable(x))
    testing.assert_allclose(dbr.Variable(x), dbr.Variable(x.copy()))


def test_assert_allclose_broadcasts_a_scalar():
    testing.assert_allclose(numpy.full((2, 2), 3.0), 3.0)


def test_assert_allclose_respects_atol_and_rtol():
    x = numpy.ones(3)
    y = x + 0.1
    testing.assert_allclose(x, y, atol=0.2, rtol=0)
    testing.assert_allclose(x, y, atol=0, rtol=0.2)
    with pytest.raises(AssertionError):
        testing.assert_allclose(x, y, atol=0.05, rtol=0)
    with pytest.raises(AssertionError):
        testing.assert_allclose(x, y, atol=0, rtol=0.05)


def test_assert_allclose_failure_message():
    x = numpy.zeros(4)
    y = numpy.array([0.0, 0.5, 0.0, 2.0])
    with pytest.raises(AssertionError) as info:
        testing.assert_allclose(x, y)
    msg = str(info.value)
    assert 'max absolute error' in msg
    assert str(2.0) in msg.split('max absolute error')[1]


def test_assert_allclose_failure_with_variables():
    a = dbr.Variable(numpy.ones(3, numpy.float32))
    b = dbr.Variable(numpy.full(3, 1.5, numpy.float32))
    with pytest.raises(AssertionError, match='max absolute error'):
        testing.assert_allclose(a, b)


def test_assert_allclose_not_verbose_still_raises():
    with pytest.raises(AssertionError):
        testing.assert_allclose(numpy.zeros(2), numpy.ones(2), verbose=False)


def test_assert_allclose_shape_mismatch_raises():
    with pytest.raises(AssertionError):
        testing.assert_allclose(numpy.zeros(2), numpy.zeros(3))


def test_assert_allclose_nan_handling():
    testing.assert_allclose(numpy.array([numpy.nan, 1.0]), numpy.array([numpy.nan, 1.0]))
    with pytest.raises(AssertionError):
        testing.assert_allclose(numpy.array([numpy.nan, 1.0]), numpy.array([0.0, 1.0]))


def test_assert_allclose_on_device(xp):
    x = xp.asarray(numpy.random.randn(3))
    testing.assert_allclose(x, x)
    testing.assert_allclose(dbr.Variable(x), numpy.asarray(x.get() if xp is not numpy else x))
    with pytest.raises(AssertionError, match='max absolute error'):
        testing.assert_allclose(x, x + 1)
