"""Not imported as ``dbr._compat_path``: ``dbr.compat`` puts this folder on ``sys.path`` while the
chainer alias is installed, so that its ``chainer`` and ``chainerx`` packages are found by those
top-level names (this file only makes setuptools ship the folder)."""
