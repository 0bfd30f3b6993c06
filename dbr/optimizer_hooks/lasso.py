"""L1 regularization as a gradient hook."""
from dbr import backend
from dbr.optimizer_hooks._hook import Hook


class Lasso(Hook):
    """Adds ``rate * sign(param)`` to each gradient (L1 regularization of ``rate * |param|_1``).

    Args:
        rate (float): Coefficient of the L1 term.
        exclude: Optional predicate on the parameter path; True leaves that parameter alone.

    Example:
        >>> optimizer.add_hook(dbr.optimizer_hooks.Lasso(1e-5))  # doctest: +SKIP
    """

    name = 'Lasso'

    def __init__(self, rate, *, exclude=None):
        super().__init__(exclude)
        self.rate = rate

    def __call__(self, rule, param):
        if self._skips(rule.path, param):
            return
        data, grad = param.array, param.grad
        sign = backend.get_array_module(data).sign(data)
        sign *= float(self.rate)
        grad += sign
