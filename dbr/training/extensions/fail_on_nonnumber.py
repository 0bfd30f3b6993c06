"""``FailOnNonNumber``: stops training when a parameter (or its gradient) becomes NaN or Inf."""
from dbr import backend
from dbr.training.extension import Extension
from dbr.training.extensions._arrays import to_host_float64


class FailOnNonNumber(Extension):
    """Raises ``RuntimeError`` naming the first parameter whose data or gradient is not finite.

    Every optimizer of the updater is checked; uninitialized parameters and missing gradients
    are skipped. On GPU all the checks of an optimizer cost one synchronization.

    Args:
        check_grad (bool): Also check the gradients.

    Example:
        >>> trainer.extend(extensions.FailOnNonNumber())  # doctest: +SKIP
    """

    def __init__(self, check_grad=True):
        self._check_grad = check_grad

    def __call__(self, trainer):
        for name, optimizer in trainer.updater.get_all_optimizers().items():
            checks = []
            for path, param in optimizer.target.namedparams():
                if param.array is not None:
                    checks.append((path, 'data', param.array))
                if self._check_grad and param.grad is not None:
                    checks.append((path, 'gradient', param.grad))
            if not checks:
                continue
            flags = to_host_float64([_all_finite(a) for _, _, a in checks])
            for (path, what, _), ok in zip(checks, flags):
                if not ok:
                    raise RuntimeError(
                        f'FailOnNonNumber: the {what} of parameter {path} (optimizer {name!r}) '
                        f'contains NaN or Inf; training diverged')


def _all_finite(array):
    return backend.get_array_module(array).isfinite(array).all()
