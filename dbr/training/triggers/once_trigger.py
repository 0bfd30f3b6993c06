"""``OnceTrigger``: fires once, at the first call (optionally again after a resume)."""


class OnceTrigger:
    """Fires at its first call only; with ``call_on_resume`` also at the first call after a
    snapshot is loaded.

    Whether it already fired is part of a trainer snapshot, so a resumed run does not fire it
    again unless ``call_on_resume`` asks for that. ``finished`` turns True once it has fired
    and will not fire again (the Trainer then skips the extension's ``initialize``).

    Args:
        call_on_resume (bool): Fire again at the first call of a resumed run.

    Example:
        >>> trigger = dbr.training.triggers.OnceTrigger()
        >>> trigger(None), trigger(None)
        (True, False)
    """

    def __init__(self, call_on_resume=False):
        self._flag_first = True
        self._flag_resumed = call_on_resume

    @property
    def finished(self):
        """True when the trigger will not fire any more."""
        return not (self._flag_first or self._flag_resumed)

    def __call__(self, trainer):
        """True at the first call (and at the first call after a resume, if asked)."""
        fire = self._flag_first or self._flag_resumed
        self._flag_first = False
        self._flag_resumed = False
        return fire

    def serialize(self, serializer):
        """Saves or loads whether the first call already happened."""
        self._flag_first = bool(serializer('_flag_first', self._flag_first))

    def __repr__(self):
        return f'OnceTrigger(call_on_resume={self._flag_resumed})'
