"""A strided view of the memory buffer behind an array (steps, not bytes)."""
import numpy

from dbr import backend
from dbr.function_node import FunctionNode
from dbr.variable import Variable


def _extent(shape, strides, offset):
    """Lowest and highest element step touched by a (non-empty) strided layout."""
    lo = hi = offset
    for n, s in zip(shape, strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi


def _may_overlap(shape, strides):
    """True when two indexes of the layout may address one element (stride-sorted test)."""
    reach = 0
    for s, n in sorted((abs(s), n) for s, n in zip(strides, shape) if n > 1):
        if s <= reach:
            return True
        reach += s * (n - 1)
    return False


def _buffer(x):
    """The memory ``x`` lives in: (byte offset of ``x`` in it, its size in bytes, a maker of
    strided arrays over it)."""
    if isinstance(x, numpy.ndarray):
        root = x
        while isinstance(root.base, numpy.ndarray):
            root = root.base
        if not (root.flags.c_contiguous or root.flags.f_contiguous):
            raise ValueError('as_strided: the memory buffer behind x is not contiguous')
        raw = root.ravel(order='K').view(numpy.uint8)
        offset = x.__array_interface__['data'][0] - root.__array_interface__['data'][0]

        def make(shape, strides, at):
            return numpy.ndarray(shape, x.dtype, raw, at, strides)
        return offset, raw.size, make
    import cupy
    mem = x.data.mem

    def make(shape, strides, at):
        return cupy.ndarray(shape, x.dtype, cupy.cuda.MemoryPointer(mem, at), strides)
    return x.data.ptr - mem.ptr, mem.size, make


def _indexes(xp, shape, strides, offset):
    """Element step of every index of a strided layout, as an int64 array of ``shape``."""
    idx = xp.full((1,) * len(shape), offset, dtype=numpy.int64)
    for axis, (n, s) in enumerate(zip(shape, strides)):
        r = xp.arange(n, dtype=numpy.int64) * s
        idx = idx + r.reshape((1,) * axis + (n,) + (1,) * (len(shape) - axis - 1))
    return idx.reshape(shape)


class AsStrided(FunctionNode):
    """Reads ``x``'s memory buffer with a given shape, strides and offset (in steps)."""

    def __init__(self, shape, strides, storage_offset=None):
        self.shape = tuple(int(n) for n in shape)
        self.strides = tuple(int(s) for s in strides)
        self.storage_offset = storage_offset
        if len(self.shape) != len(self.strides):
            raise ValueError(f'as_strided: shape {self.shape} and strides {self.strides} '
                             'differ in length')
        if any(n < 0 for n in self.shape):
            raise ValueError(f'as_strided: negative size in shape {self.shape}')

    def forward(self, inputs):
        x, = inputs
        size = x.itemsize
        byte_offset, nbytes, make = _buffer(x)
        if byte_offset % size or any(s % size for s in x.strides):
            raise ValueError('as_strided: x is not aligned to its itemsize in its buffer')
        self._in = (x.shape, tuple(s // size for s in x.strides), byte_offset // size)
        offset = self._in[2] if self.storage_offset is None else int(self.storage_offset)
        self._offset = offset
        if 0 in self.shape:
            return backend.get_array_module(x).empty(self.shape, x.dtype),
        lo, hi = _extent(self.shape, self.strides, offset)
        if lo < 0 or (hi + 1) * size > nbytes:
            raise ValueError(
                f'as_strided: shape {self.shape}, strides {self.strides} and offset {offset} '
                f'address elements {lo}..{hi}, outside the buffer of {nbytes // size} '
                'elements behind x')
        view = make(self.shape, tuple(s * size for s in self.strides), offset * size)
        # A copy, not a view: writes into the output must not reach x (or other views).
        return view.copy(),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        xp = backend.get_array_module(gy.array)
        in_shape, in_strides, in_offset = self._in
        if 0 in in_shape or 0 in self.shape:
            return Variable(xp.zeros(in_shape, gy.dtype), requires_grad=False),
        out_idx = _indexes(xp, self.shape, self.strides, self._offset)
        in_idx = _indexes(xp, in_shape, in_strides, in_offset)
        base = min(_extent(in_shape, in_strides, in_offset)[0],
                   _extent(self.shape, self.strides, self._offset)[0])
        hi = max(_extent(in_shape, in_strides, in_offset)[1],
                 _extent(self.shape, self.strides, self._offset)[1])
        out_idx -= base
        in_idx -= base
        weight = None
        if _may_overlap(in_shape, in_strides):
            # Layout-agnostic gradient: an element x reaches through several indexes gets its
            # gradient split evenly between them.
            count = xp.bincount(in_idx.ravel(), minlength=hi - base + 1)
            weight = (1.0 / xp.maximum(count, 1)).astype(gy.dtype)
        return _Relocate(out_idx, in_idx, weight, hi - base + 1).apply((gy,))


class _Relocate(FunctionNode):
    """``y = (w * scatter_add(src, a))[dst]`` over a flat storage of ``size`` elements.

    The adjoint is the same map with ``src`` and ``dst`` swapped, so every order of
    derivative stays one node.
    """

    def __init__(self, src, dst, weight, size):
        self.src, self.dst, self.weight, self.size = src, dst, weight, size

    def forward(self, inputs):
        a, = inputs
        xp = backend.get_array_module(a)
        storage = xp.zeros(self.size, a.dtype)
        xp.add.at(storage, self.src.ravel(), a.ravel())
        if self.weight is not None:
            storage *= self.weight
        return storage[self.dst],

    def backward(self, indexes, grad_outputs):
        return _Relocate(self.dst, self.src, self.weight, self.size).apply(grad_outputs)


def as_strided(x, shape, strides, storage_offset=None):
    """Reads the memory buffer behind ``x`` with a new shape, strides and offset.

    As in Chainer, ``x``'s own view (shape, strides, offset) is ignored for reading: the
    output element at index ``i`` is element ``storage_offset + sum(i * strides)`` of the
    whole buffer ``x`` is a view of. ``strides`` and ``storage_offset`` count elements
    (steps), not bytes. The gradient sums the output gradients of all indexes that address
    one element (overlapping views accumulate) and hands each element of ``x`` its sum; if
    ``x`` itself is an overlapping view, the sum is split evenly between the indexes of ``x``
    that address the element (PyTorch's layout-agnostic rule). Elements outside ``x`` get no
    gradient.

    Unlike Chainer, the result is a copy, not a view sharing memory with ``x``.

    Args:
        x: Variable or array.
        shape (tuple of ints): Shape of the output.
        strides (tuple of ints): Strides of the output, in elements; may be zero or negative.
        storage_offset (int): Position of the output's first element in the buffer, in
            elements; None keeps ``x``'s own offset.

    Returns:
        Variable: The strided array.

    Example:
        >>> x = dbr.Variable(numpy.arange(4, dtype='f'))
        >>> F.as_strided(x, (3, 2), (1, 1), 0).array
        array([[0., 1.],
               [1., 2.],
               [2., 3.]], dtype=float32)
    """
    return AsStrided(shape, strides, storage_offset).apply((x,))[0]
