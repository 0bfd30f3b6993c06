"""What every optimizer hook shares: the ``exclude`` predicate and the skip rule."""


class Hook:
    """Base of the optimizer hooks.

    Args:
        exclude: Optional predicate on a parameter's path (``'/l1/b'``); the hook leaves the
            parameters for which it returns True alone.
    """

    name = None
    timing = 'pre'
    call_for_each_param = True

    def __init__(self, exclude=None):
        if exclude is not None and not callable(exclude):
            raise TypeError(f'{type(self).__name__}: exclude must be a predicate on the '
                            f'parameter path, got {type(exclude).__name__}')
        self.exclude = exclude

    def _skips(self, path, param):
        """True for parameters the hook must not touch: no data, no gradient, or excluded."""
        return (param.array is None or param.grad is None
                or (self.exclude is not None and self.exclude(path)))
