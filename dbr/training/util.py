"""Chainer's module path ``training.util``: :func:`get_trigger`.

Example:
    >>> dbr.training.util.get_trigger((2, 'epoch'))
    IntervalTrigger(2, 'epoch')
"""
from dbr.training.triggers import get_trigger  # noqa: F401
