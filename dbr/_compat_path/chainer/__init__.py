"""Bootstrap of dbr's chainer alias in child processes (see ``dbr.compat``).

This folder is on ``sys.path`` only while the alias is installed. A parent process never imports
this file (its finder answers ``import chainer`` first); a child started by ``spawn`` or
``forkserver`` inherits the parent's ``sys.path`` but not its finder, so its first ``import
chainer`` lands here, installs the alias and is answered with the ``dbr`` module.
"""
from dbr import compat as _compat

_compat._bootstrap_child()
