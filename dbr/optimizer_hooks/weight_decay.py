"""L2 regularization as a gradient hook."""
from dbr.optimizer_hooks._hook import Hook


class WeightDecay(Hook):
    """Adds ``rate * param`` to each gradient (L2 regularization of ``rate / 2 * ||param||^2``).

    Parameters without a gradient are left alone (their weights do not decay).

    Args:
        rate (float): Coefficient of the weight decay.
        exclude: Optional predicate on the parameter path; True leaves that parameter alone.

    Example:
        >>> optimizer.add_hook(dbr.optimizer_hooks.WeightDecay(
        ...     1e-4, exclude=lambda path: path.endswith('/b')))  # doctest: +SKIP
    """

    name = 'WeightDecay'

    def __init__(self, rate, *, exclude=None):
        super().__init__(exclude)
        self.rate = rate

    def __call__(self, rule, param):
        if self._skips(rule.path, param):
            return
        grad = param.grad
        grad += float(self.rate) * param.array
