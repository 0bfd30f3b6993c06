"""Elementwise gradient clipping."""
from dbr import backend
from dbr.optimizer_hooks._hook import Hook


class GradientHardClipping(Hook):
    """Clips every gradient element into ``[lower_bound, upper_bound]``.

    Args:
        lower_bound (float): Smallest allowed gradient value.
        upper_bound (float): Largest allowed gradient value.
        exclude: Optional predicate on the parameter path; True leaves that parameter alone.

    Example:
        >>> optimizer.add_hook(dbr.optimizer_hooks.GradientHardClipping(-1, 1))  # doctest: +SKIP
    """

    name = 'GradientHardClipping'

    def __init__(self, lower_bound, upper_bound, *, exclude=None):
        super().__init__(exclude)
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def __call__(self, rule, param):
        if self._skips(rule.path, param):
            return
        grad = param.grad
        backend.get_array_module(grad).clip(grad, self.lower_bound, self.upper_bound, out=grad)
