"""Updaters: how one training iteration runs (StandardUpdater and custom ones)."""
