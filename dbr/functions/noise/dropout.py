"""Dropout: randomly zeroes elements during training."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.backends._kernels import Elementwise
from dbr.configuration import config
from dbr.function_node import FunctionNode
from dbr.functions.noise._random import draw
from dbr.variable import as_variable


# Mask and output in one pass over the uniform draws (the same comparison as the xp code:
# the draws' dtype R against the ratio cast to R).
_mask_kernel = Elementwise(
    'T x, R u, R ratio, T scale', 'T y, T mask',
    '''
    mask = u >= ratio ? scale : (T)0;
    y = x * mask;
    ''', 'dbr_dropout')


class Dropout(FunctionNode):
    """``x * mask``; the mask is drawn once in forward (already scaled by ``1 / (1 - ratio)``).

    The node is linear in ``x``, so its backward is the same node with the same mask: gradients
    see exactly the elements the forward pass kept, at any order of differentiation.
    """

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'",
        'self.mask is None or self.mask.shape == x.shape',
        'self.mask is None or self.mask.dtype == x.dtype')

    def __init__(self, ratio, mask=None):
        self.ratio = ratio
        self.mask = mask

    def forward(self, inputs):
        x, = inputs
        mask = self.mask
        if mask is None:
            xp = backend.get_array_module(x)
            scale = x.dtype.type(1.0 / (1.0 - self.ratio))
            if xp is numpy and not x.flags.c_contiguous and x.ndim > 1:
                # Draw in x's memory order (a CPU convolution's output is batch-last), so that
                # the mask and the products with it run over one layout.
                perm = numpy.argsort([-abs(st) for st in x.strides], kind='stable')
                u = draw(xp, 'random_sample', tuple(x.shape[i] for i in perm))
                u = u.transpose(numpy.argsort(perm))
            else:
                u = draw(xp, 'random_sample', x.shape)
            if xp is not numpy:
                return self._mask_gpu(x, u, scale),
            mask = self.mask = xp.where(u >= self.ratio, scale, x.dtype.type(0))
        return x * mask,

    def _mask_gpu(self, x, u, scale):
        """Sets ``self.mask`` from the uniform draws ``u`` and returns ``x * mask`` (one kernel)."""
        y, self.mask = _mask_kernel.get(x.dtype)(x, u, self.ratio, scale)
        return y

    def backward(self, indexes, grad_outputs):
        return Dropout(self.ratio, self.mask).apply(grad_outputs)


def dropout(x, ratio=0.5, **kwargs):
    """Zeroes each element with probability ``ratio`` and scales the rest by ``1 / (1 - ratio)``.

    Only while ``dbr.config.train`` is True; otherwise ``x`` is returned unchanged (as a
    Variable). The mask drawn in the forward pass is reused by the backward pass.

    Args:
        x: Float Variable or array.
        ratio (float): Drop probability, ``0 <= ratio < 1``.
        mask: Keyword only. A precomputed mask (scaled, same shape and dtype as ``x``) used
            instead of drawing one; ``ratio`` is then ignored.
        return_mask (bool): Keyword only. Also return the mask used (None outside training).

    Returns:
        The output Variable, or ``(output, mask)`` when ``return_mask`` is True.

    Example:
        >>> x = numpy.ones((2, 3), 'f')
        >>> with dbr.using_config('train', False):
        ...     F.dropout(x).array
        array([[1., 1., 1.],
               [1., 1., 1.]], dtype=float32)
        >>> y, mask = F.dropout(x, 0.5, return_mask=True)
        >>> set(numpy.unique(y.array)) <= {0.0, 2.0}
        True
    """
    mask = kwargs.pop('mask', None)
    return_mask = kwargs.pop('return_mask', False)
    if 'train' in kwargs:
        raise ValueError("dropout: the train argument is not supported anymore; use "
                         "dbr.using_config('train', ...) instead")
    if kwargs:
        raise TypeError(f'dropout: unexpected keyword arguments {sorted(kwargs)}')
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f'dropout: ratio must be in [0, 1), got {ratio!r}')
    if config.train:
        node = Dropout(ratio, mask)
        y = node.apply((x,))[0]
        mask = node.mask
    else:
        y = as_variable(x)
        mask = None
    return (y, mask) if return_mask else y
