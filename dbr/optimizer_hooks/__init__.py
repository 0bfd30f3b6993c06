"""Optimizer hooks: gradient clipping, weight decay and friends (``optimizer.add_hook``).

Every hook skips parameters whose gradient is None (they took no part in the forward pass) or
whose data is uninitialized, and takes ``exclude``, a predicate on the parameter path
(``exclude=lambda path: path.endswith('/b')`` leaves biases alone).
"""
from dbr.optimizer_hooks.gradient_clipping import GradientClipping  # noqa: F401
from dbr.optimizer_hooks.gradient_hard_clipping import GradientHardClipping  # noqa: F401
from dbr.optimizer_hooks.gradient_lars import GradientLARS  # noqa: F401
from dbr.optimizer_hooks.gradient_noise import GradientNoise, exponential_decay_noise  # noqa: F401
from dbr.optimizer_hooks.lasso import Lasso  # noqa: F401
from dbr.optimizer_hooks.weight_decay import WeightDecay  # noqa: F401
