"""Product of a sparse COO matrix and a dense matrix (single or batched)."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class _Pattern:
    """Index arrays of a COO sparsity pattern ``(m, k)``, ready for gathers and scatters."""

    def __init__(self, row, col, m, k, batched):
        xp = backend.get_array_module(row)
        valid = (row >= 0) & (col >= 0)
        self.row = xp.where(valid, row, 0).astype(numpy.int64)
        self.col = xp.where(valid, col, 0).astype(numpy.int64)
        self.valid = None if bool(valid.all()) else valid
        self.m, self.k = m, k
        self.batch = xp.arange(row.shape[0], dtype=numpy.int64)[:, None] if batched else None

    def transposed(self):
        t = object.__new__(_Pattern)
        t.row, t.col, t.valid, t.m, t.k, t.batch = \
            self.col, self.row, self.valid, self.k, self.m, self.batch
        return t

    def take(self, a, idx):
        """Rows ``idx`` of each matrix of ``a`` (``(..., rows, n)``)."""
        return a[idx] if self.batch is None else a[self.batch, idx]


_check_dtypes = type_check.expects('data, b', "data.dtype.kind == 'f'", 'b.dtype == data.dtype')


def _op(a, trans):
    return a.swapaxes(-1, -2) if trans else a


def _batch(data):
    return data.shape[0] if data.ndim == 2 else 1


class SparseMatmul(FunctionNode):
    """``S @ op(b)`` (transposed if ``transc``) for the sparse ``S`` with entries ``data``."""

    def __init__(self, pattern, transb, transc):
        self.pattern, self.transb, self.transc = pattern, transb, transc

    def check_type_forward(self, in_types):
        _check_dtypes(self, in_types)
        data, b = in_types
        p = self.pattern
        if not (b.ndim == data.ndim + 1 and b.shape[:-2] == data.shape[:-1] and
                b.shape[-1 if self.transb else -2] == p.k):
            raise type_check.InvalidType(
                f'a dense operand of {data.ndim + 1} dims with {p.k} rows (after transb) '
                f'and batch {data.shape[:-1]}',
                f'b.shape={b.shape} (transb={self.transb}), sparse shape ({p.m}, {p.k})',
                self.label)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        data, b = inputs
        xp = backend.get_array_module(b)
        p = self.pattern
        bop = _op(b, self.transb)
        n = bop.shape[-1]
        if p.valid is not None:
            data = data * p.valid
        contrib = data[..., None] * p.take(bop, p.col)
        flat = p.row if p.batch is None else p.row + p.batch * p.m
        out = xp.zeros((_batch(data) * p.m, n), dtype=b.dtype)
        xp.add.at(out, flat.ravel(), contrib.reshape(-1, n))
        out = out.reshape(data.shape[:-1] + (p.m, n))
        return (xp.ascontiguousarray(out.swapaxes(-1, -2)) if self.transc else out),

    def backward(self, indexes, grad_outputs):
        data, b = self.get_retained_inputs()
        gy, = grad_outputs
        ret = []
        if 0 in indexes:
            ret.append(SampledMatMul(self.pattern, self.transc, self.transb).apply((gy, b))[0])
        if 1 in indexes:
            ret.append(SparseMatmul(self.pattern.transposed(), self.transc, self.transb)
                       .apply((data, gy))[0])
        return tuple(ret)


class SampledMatMul(FunctionNode):
    """``sum_n op(g)[r, n] * op(b)[c, n]`` at each entry ``(r, c)`` of a sparsity pattern:
    the gradient of :class:`SparseMatmul` w.r.t. the sparse entries."""

    def __init__(self, pattern, transg, transb):
        self.pattern, self.transg, self.transb = pattern, transg, transb

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        g, b = inputs
        p = self.pattern
        out = (p.take(_op(g, self.transg), p.row) * p.take(_op(b, self.transb), p.col)).sum(-1)
        if p.valid is not None:
            out *= p.valid
        return out,

    def backward(self, indexes, grad_outputs):
        g, b = self.get_retained_inputs()
        gd, = grad_outputs
        ret = []
        if 0 in indexes:
            ret.append(SparseMatmul(self.pattern, self.transb, self.transg).apply((gd, b))[0])
        if 1 in indexes:
            ret.append(SparseMatmul(self.pattern.transposed(), self.transg, self.transb)
                       .apply((gd, g))[0])
        return tuple(ret)


def sparse_matmul(a, b, transa=False, transb=False):
    """Product ``op(a) @ op(b)`` where one operand is a sparse :class:`dbr.utils.CooMatrix`.

    The other operand is a dense matrix: 2-D with an unbatched COO matrix, 3-D ``(nb, ., .)``
    with a batched one (``data`` of shape ``(nb, ldnz)``). ``op`` transposes the last two
    axes when ``transa`` / ``transb`` is set. Gradients flow into the dense operand and into
    the COO matrix's ``data`` Variable (at its stored entries only). Duplicate entries add up.

    Args:
        a, b: A CooMatrix and a Variable/array, in either order.
        transa, transb (bool): Transpose ``a`` / ``b`` first.

    Returns:
        Variable: The dense product, ``(m, n)`` or ``(nb, m, n)``.

    Example:
        >>> from dbr.utils import to_coo
        >>> a = to_coo(numpy.array([[0., 2.], [1., 0.]], 'f'))
        >>> F.sparse_matmul(a, numpy.ones((2, 3), 'f')).array
        array([[2., 2., 2.],
               [1., 1., 1.]], dtype=float32)
    """
    from dbr.utils.sparse import CooMatrix
    if isinstance(a, CooMatrix) and not isinstance(b, CooMatrix):
        sp, dense, trans_sp, trans_dense, transc = a, b, transa, transb, False
    elif isinstance(b, CooMatrix) and not isinstance(a, CooMatrix):
        # (op(a) @ op(S))^T = op(S)^T @ op(a)^T
        sp, dense, trans_sp, trans_dense, transc = b, a, not transb, not transa, True
    else:
        raise ValueError(f'sparse_matmul: exactly one of a and b must be a CooMatrix, got '
                         f'{type(a).__name__} and {type(b).__name__}')
    pattern = _Pattern(sp.row, sp.col, sp.shape[0], sp.shape[1], sp.data.ndim == 2)
    if trans_sp:
        pattern = pattern.transposed()
    return SparseMatmul(pattern, trans_dense, transc).apply((sp.data, dense))[0]
