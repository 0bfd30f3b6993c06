"""Optimizers (``dbr.optimizers.Adam`` etc.), each an UpdateRule plus a GradientMethod."""
from dbr.optimizers.sgd import SGD, SGDRule  # noqa: F401
