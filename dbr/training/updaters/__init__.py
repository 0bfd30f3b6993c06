"""Updaters: how one training iteration runs (StandardUpdater and custom ones)."""
from dbr.training.updaters.standard_updater import StandardUpdater  # noqa: F401
from dbr.training.updaters.updater import Updater  # noqa: F401
