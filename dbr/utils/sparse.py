"""Sparse matrices in COO format, for :func:`dbr.functions.sparse_matmul`.

Arrays of indexes of a fixed length (``ldnz``) carry the entries; unused slots hold ``-1`` in
both ``row`` and ``col`` (and any value in ``data``) and are ignored.
"""
import numpy

from dbr import backend
from dbr.variable import Variable


class CooMatrix:
    """A sparse matrix, or a batch of them, in COO (coordinate) format.

    Args:
        data: Array (or Variable) of the entries, shape ``(ldnz,)`` or ``(nb, ldnz)`` for a
            batch of ``nb`` matrices.
        row, col: Integer arrays of the shape of ``data``: the entries' row and column
            indexes, ``-1`` (in both) for unused slots.
        shape (tuple of two ints): Shape ``(m, n)`` of each dense matrix.
        order ('C', 'F', 'other' or None): Whether the entries are sorted by row ('C') or by
            column ('F'); None detects it. Kept as a hint, as in Chainer.
        requires_grad (bool): Whether gradients of ``data`` are computed.

    Attributes:
        data (Variable): The entries; the gradient of ``sparse_matmul`` w.r.t. the sparse
            operand flows into it.

    Example:
        >>> a = CooMatrix(numpy.array([1., 2.]), numpy.array([0, 1]), numpy.array([1, 0]),
        ...               (2, 2))
        >>> a.to_dense()
        array([[0., 1.],
               [2., 0.]])
    """

    def __init__(self, data, row, col, shape, order=None, requires_grad=False):
        ndim = data.ndim
        if not 1 <= ndim <= 2:
            raise ValueError(f'CooMatrix: data must be 1-D or 2-D, got ndim={ndim}')
        if not data.shape == row.shape == col.shape:
            raise ValueError(f'CooMatrix: data, row and col must have one shape, got '
                             f'{data.shape}, {row.shape}, {col.shape}')
        if row.dtype.kind not in 'iu' or col.dtype.kind not in 'iu':
            raise ValueError(f'CooMatrix: row and col must be integer arrays, got '
                             f'{row.dtype} and {col.dtype}')
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2 or min(shape) <= 0:
            raise ValueError(f'CooMatrix: shape must be two positive ints, got {shape}')
        if order not in ('C', 'F', 'other', None):
            raise ValueError(f"CooMatrix: order must be 'C', 'F', 'other' or None, got "
                             f'{order!r}')
        if row.size and (int(row.max()) >= shape[0] or int(col.max()) >= shape[1]):
            raise ValueError(f'CooMatrix: an index (row max {int(row.max())}, col max '
                             f'{int(col.max())}) is out of the shape {shape}')
        self.data = data if isinstance(data, Variable) else \
            Variable(data, requires_grad=requires_grad)
        self.row = row
        self.col = col
        self.shape = shape
        self.order = get_order(row, col) if order is None else order

    def to_dense(self):
        """Returns the dense array, ``(m, n)`` or ``(nb, m, n)``; duplicate entries add up.

        Example:
            >>> to_coo(numpy.eye(2)).to_dense()
            array([[1., 0.],
                   [0., 1.]])
        """
        data = self.data.array
        xp = backend.get_array_module(data)
        m, n = self.shape
        valid = (self.row >= 0) & (self.col >= 0)
        flat = self.row.astype(numpy.int64) * n + self.col
        nb = 1
        if data.ndim == 2:
            nb = data.shape[0]
            flat = flat + xp.arange(nb, dtype=numpy.int64)[:, None] * (m * n)
        out = xp.zeros(nb * m * n, data.dtype)
        xp.add.at(out, flat[valid], data[valid])
        return out.reshape(data.shape[:-1] + self.shape)


def to_coo(x, ldnz=None, requires_grad=False):
    """Converts a dense matrix ``(m, n)`` or a batch of them ``(nb, m, n)`` to a CooMatrix.

    The non-zero entries are stored in row-major order; each matrix gets
    ``max(ldnz, largest nnz)`` slots, the unused ones padded with zeros and index ``-1``.

    Args:
        x: 2-D or 3-D array.
        ldnz (int): Minimum number of slots per matrix.
        requires_grad (bool): Whether gradients of the entries are computed.

    Returns:
        CooMatrix: The sparse matrix (or batch).

    Example:
        >>> c = to_coo(numpy.array([[0., 2., 0.], [-1., 0., 0.]]))
        >>> c.data.array, c.row, c.col, c.shape
        (array([ 2., -1.]), array([0, 1], dtype=int32), array([1, 0], dtype=int32), (2, 3))
    """
    if x.ndim not in (2, 3):
        raise ValueError(f'to_coo: x must be 2-D or 3-D, got shape {x.shape}')
    xp = backend.get_array_module(x)
    x3 = x if x.ndim == 3 else x[None]
    nz = x3 != 0
    counts = nz.reshape(len(x3), -1).sum(axis=1)
    size = max(int(counts.max()) if counts.size else 0, ldnz or 0)
    b, r, c = xp.nonzero(nz)
    # slot of each non-zero inside its own matrix: running position minus the batch's start
    starts = xp.cumsum(counts) - counts
    slot = xp.arange(len(b)) - starts[b]
    data = xp.zeros((len(x3), size), x.dtype)
    row = xp.full((len(x3), size), -1, numpy.int32)
    col = xp.full((len(x3), size), -1, numpy.int32)
    data[b, slot] = x3[b, r, c]
    row[b, slot] = r
    col[b, slot] = c
    if x.ndim == 2:
        data, row, col = data[0], row[0], col[0]
    return CooMatrix(data, row, col, x.shape[-2:], order='C', requires_grad=requires_grad)


def _sorted_by(major, minor):
    """Whether the valid entries are sorted by (major, minor), per matrix of a batch."""
    xp = backend.get_array_module(major)
    if major.shape[-1] < 2:
        return True
    valid = major >= 0
    key = major.astype(numpy.int64) * (int(minor.max()) + 1) + minor
    # Move the valid entries to the front, keeping their order, then compare neighbours.
    order = xp.argsort(~valid, axis=-1, kind='stable')
    key = xp.take_along_axis(key, order, axis=-1)
    valid = xp.take_along_axis(valid, order, axis=-1)
    return bool(xp.all(~valid[..., 1:] | (key[..., 1:] >= key[..., :-1])))


def get_order(row, col):
    """Returns 'C' if the entries are sorted by row, 'F' if by column, else 'other'.

    Example:
        >>> get_order(numpy.array([0, 0, 1]), numpy.array([0, 2, 1]))
        'C'
    """
    if row.shape != col.shape:
        raise ValueError(f'get_order: row and col must have one shape, got {row.shape} and '
                         f'{col.shape}')
    if bool(((row < 0) != (col < 0)).any()):
        raise ValueError('get_order: an entry has a negative index in only one of row and col')
    if _sorted_by(row, col):
        return 'C'
    if _sorted_by(col, row):
        return 'F'
    return 'other'
