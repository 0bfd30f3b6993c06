"""Einstein summation."""
import string

import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._unary import raw_array

_LETTERS = string.ascii_letters


def _sublist_subscripts(args):
    """The subscripts string of ``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])``."""
    def term(sub):
        return ''.join('...' if s is Ellipsis else _LETTERS[s] for s in sub)

    operands = list(args[0::2])
    subs = list(args[1::2])
    out = None
    if len(operands) > len(subs):   # an odd count: the last item is the output sublist
        out = operands.pop()
    try:
        text = ','.join(term(s) for s in subs)
        if out is not None:
            text += '->' + term(out)
    except (TypeError, IndexError):
        raise ValueError('einsum: sublists must hold Ellipsis or ints in [0, 52), got '
                         f'{subs if out is None else subs + [out]}') from None
    return text, operands


def _parse(subscripts, shapes):
    """Expands ``subscripts`` into one explicit letter string per operand and the output,
    and checks them against the operand shapes; '...' becomes letters of its own."""
    text = subscripts.replace(' ', '')
    if text.count('->') > 1:
        raise ValueError(f"einsum: subscripts have more than one '->': {subscripts!r}")
    lhs, arrow, out = text.partition('->')
    terms = lhs.split(',')
    if len(terms) != len(shapes):
        raise ValueError(f'einsum: subscripts {subscripts!r} name {len(terms)} operands, '
                         f'got {len(shapes)}')
    for t in terms + ([out] if arrow else []):
        if any(c not in _LETTERS for c in t.replace('...', '', 1)):
            raise ValueError(f"einsum: subscripts may hold only letters and one '...' per "
                             f'operand, got {subscripts!r}')
    n_ell = []
    for t, shape in zip(terms, shapes):
        named = len(t) - 3 if '...' in t else len(t)
        if ('...' in t and named > len(shape)) or ('...' not in t and named != len(shape)):
            raise ValueError(f'einsum: subscripts {t!r} do not fit an operand of shape '
                             f'{tuple(shape)}')
        n_ell.append(len(shape) - named)
    width = max(n_ell)
    spare = [c for c in _LETTERS if c not in text]
    if len(spare) < width:
        raise ValueError(f"einsum: too many axes under '...' ({width}) for the free letters")
    ell = ''.join(spare[:width])
    ins = [t.replace('...', ell[width - k:]) for t, k in zip(terms, n_ell)]
    if arrow:
        if width and '...' not in out:
            raise ValueError(f"einsum: the output needs '...' for the {width} broadcast axes: "
                             f'{subscripts!r}')
        out = out.replace('...', ell)
    else:   # implicit: broadcast axes, then the letters used once, in ASCII order
        joined = ''.join(terms)
        out = ell + ''.join(sorted(c for c in set(joined) if c in _LETTERS
                                   and joined.count(c) == 1))
    if len(set(out)) != len(out):
        raise ValueError(f'einsum: output subscripts repeat a letter: {subscripts!r}')
    missing = set(out) - set(''.join(ins))
    if missing:
        raise ValueError(f'einsum: output subscripts {"".join(sorted(missing))!r} appear in no '
                         f'operand: {subscripts!r}')
    sizes = {}
    for sub, shape in zip(ins, shapes):
        seen = {}
        for c, n in zip(sub, shape):
            if c in seen and seen[c] != n:
                raise ValueError(f'einsum: repeated subscript {c!r} of one operand needs equal '
                                 f'lengths, got shape {tuple(shape)} for {sub!r}')
            seen[c] = n
            if sizes.get(c, 1) == 1:
                sizes[c] = n
            elif n != 1 and n != sizes[c]:
                raise ValueError(f'einsum: subscript {c!r} has lengths {sizes[c]} and {n} '
                                 f'(operand shapes {[tuple(s) for s in shapes]})')
    return ins, out, sizes


def _check_dtypes(node, in_types):
    x0 = in_types[0]
    for i, x in enumerate(in_types):
        if x.dtype.kind != 'f' or x.dtype != x0.dtype:
            raise type_check.InvalidType(
                'float operands of one dtype',
                ', '.join(f'operand{j}.dtype={a.dtype}' for j, a in enumerate(in_types)),
                node.label)


class EinSum(FunctionNode):
    """``y = einsum('in0,in1,...->out', *operands)`` on explicit letter subscripts (no '...').

    The gradient of operand ``i`` is the einsum of ``gy`` with the other operands onto
    operand ``i``'s letters; its letters that appear nowhere else are broadcast back, repeated
    letters (a diagonal) are scattered back by :class:`EinsumDiagonal`, and length-1 axes that
    were broadcast are summed.
    """

    label = 'einsum'
    check_type_forward = _check_dtypes

    def __init__(self, ins, out, sizes):
        self.ins = ins
        self.out = out
        self.sizes = sizes

    def forward(self, inputs):
        if len(inputs) > 1:    # each gradient reads the other operands
            self.retain_inputs(tuple(range(len(inputs))))
        self._shapes = [x.shape for x in inputs]
        xp = backend.get_array_module(*inputs)
        ops = []
        for sub, x in zip(self.ins, inputs):
            full = tuple(self.sizes[c] for c in sub)
            ops.append(x if x.shape == full else xp.broadcast_to(x, full))
        expr = ','.join(self.ins) + '->' + self.out
        if xp is numpy:
            y = numpy.einsum(expr, *ops, optimize=len(ops) > 1)
        else:
            y = xp.einsum(expr, *ops)
        y = xp.asarray(y)
        # einsum may hand back a view of an operand ('ij->ji'): outputs must own their data
        if any(xp.may_share_memory(y, x) for x in inputs):
            y = y.copy()
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum_to import sum_to
        xs = self.get_retained_inputs() if len(self.ins) > 1 else ()
        gy, = grad_outputs
        ret = []
        for i in indexes:
            sub = self.ins[i]
            others = [s for j, s in enumerate(self.ins) if j != i] + [self.out]
            operands = [x for j, x in enumerate(xs) if j != i] + [gy]
            available = set(''.join(others))
            letters = ''.join(dict.fromkeys(sub))      # sub's letters, each once, in order
            kept = ''.join(c for c in letters if c in available)
            g, = EinSum(others, kept, self.sizes).apply(operands)
            if kept != letters:    # letters summed away in the forward: broadcast back
                g = reshape(g, tuple(self.sizes[c] if c in available else 1 for c in letters))
                g = broadcast_to(g, tuple(self.sizes[c] for c in letters))
            if letters != sub:
                g, = EinsumDiagonal(letters, sub, self.sizes).apply((g,))
            if g.shape != self._shapes[i]:
                g = sum_to(g, self._shapes[i])
            ret.append(g)
        return tuple(ret)


class EinsumDiagonal(FunctionNode):
    """Scatters ``g`` (axes ``letters``) onto the diagonal of a zero array with axes ``sub``,
    where ``sub`` repeats letters: the adjoint of einsum's ``sub -> letters``."""

    def __init__(self, letters, sub, sizes):
        self.letters = letters
        self.sub = sub
        self.sizes = sizes

    def forward(self, inputs):
        g, = inputs
        xp = backend.get_array_module(g)
        z = xp.zeros(tuple(self.sizes[c] for c in self.sub), g.dtype)
        strides = tuple(sum(st for c2, st in zip(self.sub, z.strides) if c2 == c)
                        for c in self.letters)
        xp.lib.stride_tricks.as_strided(z, g.shape, strides)[...] = g
        return z,

    def backward(self, indexes, grad_outputs):
        return EinSum([self.sub], self.letters, self.sizes).apply(grad_outputs)


def einsum(*operands):
    """Einstein summation, as :func:`numpy.einsum`, differentiable in every operand.

    Two forms: ``einsum(subscripts, op0, op1, ...)`` with a subscripts string (letters,
    ``'...'`` for broadcast axes, ``'->'`` before the output; without it the output is the
    ``'...'`` axes followed by the letters used once, in alphabetical order), and
    ``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])`` with lists of ints and
    ``Ellipsis``. Repeated letters in one operand take its diagonal; length-1 axes broadcast.

    Args:
        operands: The subscripts and the Variables or arrays of one float dtype.

    Returns:
        Variable: The result.

    Example:
        >>> x1 = numpy.arange(12.).reshape(3, 4); x2 = numpy.arange(15.).reshape(3, 5)
        >>> w = numpy.ones((4, 5, 6))
        >>> F.einsum('ij,ik,jkl->il', x1, x2, w).shape
        (3, 6)
        >>> F.einsum('...j,...k,jkl', x1, x2, w).shape
        (3, 6)
    """
    if not operands:
        raise TypeError('einsum: expected subscripts and operands')
    if isinstance(operands[0], str):
        subscripts, xs = operands[0], list(operands[1:])
    else:
        subscripts, xs = _sublist_subscripts(operands)
    if not xs:
        raise TypeError('einsum: expected at least one operand')
    shapes = [raw_array(x, 'einsum').shape for x in xs]
    ins, out, sizes = _parse(subscripts, shapes)
    return EinSum(ins, out, sizes).apply(xs)[0]
