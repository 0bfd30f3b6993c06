"""Tests of ``dbr._ownership.owns_argument``: when an op may write into its argument."""
import sys

import numpy
import pytest

import dbr
from dbr import _ownership
from dbr._ownership import owns_argument


def _op(x):  # an op's public function, as owns_argument expects to be called
    return owns_argument(x)


def _make(xp, var):
    a = xp.zeros((2, 3))
    return dbr.Variable(a) if var else a


def test_calibrated_on_this_interpreter():
    supported = (sys.implementation.name == 'cpython' and sys.version_info < (3, 14)
                 and getattr(sys, '_is_gil_enabled', lambda: True)())
    assert (_ownership._EXPECTED is not None) == supported


@pytest.mark.parametrize('var', [False, True])
def test_temporaries_are_owned(xp, var):
    # Outside the assert: pytest's assertion rewriting keeps the operands in names.
    owned = _op(_make(xp, var))
    assert owned is (_ownership._EXPECTED is not None)


@pytest.mark.parametrize('var', [False, True])
def test_named_values_are_not_owned(xp, var):
    x = _make(xp, var)
    owned = _op(x)
    assert not owned
    held = [_make(xp, var)]
    owned = _op(held[0])
    assert not owned


def test_variables_whose_array_is_held_are_not_owned(xp):
    a = xp.ones((2, 2))
    owned = _op(dbr.Variable(a))
    assert not owned
    v = dbr.Variable(xp.ones((2, 2)))
    view = v.array[0]
    owned = _op(dbr.Variable(view.base))
    assert not owned
    del v


def test_views_and_strided_arrays_are_not_owned(xp):
    owned = _op(xp.ones((3, 4))[1:])            # does not own its memory
    assert not owned
    owned = _op(dbr.Variable(xp.ones((3, 4)).T))  # a view again
    assert not owned


def test_read_only_arrays_are_not_owned():
    def read_only():
        a = numpy.ones(3)
        a.flags.writeable = False
        return a
    owned = _op(read_only())
    assert not owned
