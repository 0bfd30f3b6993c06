"""Training loop: Trainer, updaters, triggers and extensions."""
from dbr.training import extensions  # noqa: F401
from dbr.training import triggers  # noqa: F401
from dbr.training import updater  # noqa: F401
from dbr.training import updaters  # noqa: F401
from dbr.training import util  # noqa: F401
from dbr.training.extension import (PRIORITY_EDITOR, PRIORITY_READER,  # noqa: F401
                                    PRIORITY_WRITER, Extension, make_extension)
from dbr.training.trainer import Trainer  # noqa: F401
from dbr.training.triggers import IntervalTrigger, get_trigger  # noqa: F401
from dbr.training.updaters import StandardUpdater, Updater  # noqa: F401
