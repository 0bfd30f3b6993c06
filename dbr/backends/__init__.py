"""Device backends: ``dbr.backends.cuda`` (CuPy and the GPU dialect) and ``dbr.backends.cudnn``.

``dbr.cuda`` is the same module object as ``dbr.backends.cuda`` (Chainer kept both names and
scripts use either).
"""
