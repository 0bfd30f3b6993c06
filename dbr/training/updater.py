"""Chainer's module path ``training.updater``: the updater base class and StandardUpdater.

Scripts written for Chainer import ``from chainer.training.updater import StandardUpdater``;
the classes live in :mod:`dbr.training.updaters` and are the same objects here.

Example:
    >>> from dbr.training.updater import StandardUpdater
    >>> StandardUpdater is dbr.training.updaters.StandardUpdater
    True
"""
from dbr.training.updaters.standard_updater import StandardUpdater  # noqa: F401
from dbr.training.updaters.updater import Updater  # noqa: F401
