"""``Updater``: the interface the Trainer drives (one ``update()`` per iteration)."""


class Updater:
    """Base class of updaters: runs one training iteration per :meth:`update` call.

    A subclass provides ``iteration``, ``epoch``, ``epoch_detail``, ``previous_epoch_detail``
    and ``is_new_epoch`` (the triggers read them) and implements the methods below.

    Example:
        >>> class MyUpdater(dbr.training.Updater):  # doctest: +SKIP
        ...     def update(self): ...
    """

    def connect_trainer(self, trainer):
        """Called by the Trainer's constructor with the Trainer."""

    def finalize(self):
        """Called when training ends (also on error)."""

    def get_optimizer(self, name):
        """Returns the optimizer called ``name``."""
        raise NotImplementedError

    def get_all_optimizers(self):
        """Returns a dict of every optimizer by name."""
        raise NotImplementedError

    def update(self):
        """Runs one iteration."""
        raise NotImplementedError

    def serialize(self, serializer):
        """Saves or loads the updater's state (part of a trainer snapshot)."""
        raise NotImplementedError
