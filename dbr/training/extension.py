"""``Extension``: something the Trainer calls at trigger points (logging, evaluation, ...)."""

PRIORITY_WRITER = 300   # writes to the observation (e.g. Evaluator, observe_lr)
PRIORITY_EDITOR = 200   # edits the observation
PRIORITY_READER = 100   # reads the observation (e.g. LogReport, PrintReport)


class Extension:
    """Base class of trainer extensions.

    Attributes:
        trigger: When to run, e.g. ``(1, 'epoch')``; ``trainer.extend`` may override it.
        priority (int): Higher runs first at the same iteration.
        name (str): Default name in ``trainer.extend`` (the class name otherwise).
        PRIORITY_WRITER, PRIORITY_EDITOR, PRIORITY_READER (int): The module's priority
            levels, also reachable from the class and its subclasses (``self.PRIORITY_WRITER``).

    Example:
        >>> class Hello(dbr.training.Extension):
        ...     trigger = 1, 'epoch'
        ...     def __call__(self, trainer):
        ...         print('epoch', trainer.updater.epoch)
    """

    PRIORITY_WRITER = PRIORITY_WRITER
    PRIORITY_EDITOR = PRIORITY_EDITOR
    PRIORITY_READER = PRIORITY_READER

    trigger = 1, 'iteration'
    priority = PRIORITY_READER
    name = None

    @property
    def default_name(self):
        """The name used when none is given: the class name."""
        return type(self).__name__

    def __call__(self, trainer):
        raise NotImplementedError(f'{type(self).__name__} does not implement __call__')

    def initialize(self, trainer):
        """Called once before the training loop starts (also after resuming)."""

    def on_error(self, trainer, exc, tb):
        """Called when the training loop raises ``exc``."""

    def finalize(self):
        """Called once after the training loop ends (also on error)."""

    def serialize(self, serializer):
        """Saves or loads the extension's state with the trainer's snapshot."""


def make_extension(trigger=None, default_name=None, priority=None, finalizer=None,
                   initializer=None, on_error=None, **kwargs):
    """Decorator turning a function ``f(trainer)`` into an extension.

    Args:
        trigger: Default trigger (``(1, 'iteration')`` when None).
        default_name (str): Default name (the function's name when None).
        priority (int): Priority (``PRIORITY_READER`` when None).
        finalizer, initializer, on_error: Optional callables attached as those methods.

    Example:
        >>> @dbr.training.make_extension(trigger=(1, 'epoch'))
        ... def show(trainer):
        ...     print(trainer.updater.epoch)
    """
    if kwargs:
        raise TypeError(f'make_extension: unexpected arguments {sorted(kwargs)}')

    def decorator(ext):
        ext.trigger = trigger if trigger is not None else getattr(ext, 'trigger',
                                                                  Extension.trigger)
        ext.priority = priority if priority is not None else getattr(ext, 'priority',
                                                                     PRIORITY_READER)
        ext.default_name = default_name or getattr(ext, 'default_name', None) or ext.__name__
        if finalizer is not None:
            ext.finalize = finalizer
        if initializer is not None:
            ext.initialize = initializer
        if on_error is not None:
            ext.on_error = on_error
        return ext
    return decorator
