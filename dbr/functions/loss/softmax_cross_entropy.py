"""Softmax cross entropy: the loss of logits against integer class labels or soft targets."""
import numpy

from dbr import backend
from dbr._ownership import owns_argument
from dbr import type_check
from dbr.configuration import config
from dbr.function_node import FunctionNode
from dbr.functions.loss._classification import check_labels, check_reduce, mean_coeff
from dbr.variable import as_array

_LABEL = 'softmax_cross_entropy'
_KL_EPS = 1e-7  # keeps log(t) finite where a soft target is 0, as Chainer did

_check_hard = type_check.expects(
    'x, t', "x.dtype.kind == 'f'", "t.dtype.kind == 'i'", 'x.ndim >= 2', 'x.shape[1] > 0',
    't.shape == x.shape[:1] + x.shape[2:]')
_check_soft = type_check.expects(
    'x, t', "x.dtype.kind == 'f'", 'x.ndim >= 2', 'x.shape[1] > 0', 't.shape == x.shape')
_check_class_weight = type_check.expects(
    'x, t', 'self.class_weight.shape == x.shape[1:2]')


def _label_index(xp, t):
    """Index tuple picking ``a[n, t[n, d...], d...]`` from an array shaped like the scores."""
    if t.ndim == 1:
        return xp.arange(t.shape[0]), t
    ones = (1,) * t.ndim
    axes = [xp.arange(n).reshape(ones[:i] + (n,) + ones[i + 1:]) for i, n in enumerate(t.shape)]
    return (axes[0], t) + tuple(axes[1:])


def _expand(a):
    """Inserts the class axis (axis 1) into a per-position array so it broadcasts on scores."""
    return a.reshape(a.shape[:1] + (1,) + a.shape[1:])


class SoftmaxCrossEntropy(FunctionNode):
    """``-log_softmax(x)[t]``, masked, weighted and reduced.

    Keeps ``exp(x - max)`` and its sums over classes for the backward (``cache_score``). The
    logits themselves are kept only when they are needed: for recomputing the scores
    (``cache_score=False``) or for a double backprop (``enable_double_backprop=True``). In the
    default mode the gradient is computed into the cached scores, so a second backward through
    the same loss is refused with a clear error. With ``in_place`` (the logits are a temporary
    nobody else can see, see :mod:`dbr._ownership`) the scores are computed into the logits'
    own memory, so the loss allocates nothing the size of ``x``.
    """

    def __init__(self, normalize, cache_score, class_weight, ignore_label, reduce,
                 soft_target_loss, enable_double_backprop=False, in_place=False):
        self.in_place = in_place
        self.normalize = normalize
        self.cache_score = cache_score
        self.double = enable_double_backprop
        self.class_weight = class_weight
        self.ignore_label = ignore_label
        self.reduce = reduce
        self.soft_target_loss = soft_target_loss

    def check_type_forward(self, in_types):
        (_check_soft if in_types[1].dtype.kind == 'f' else _check_hard)(self, in_types)
        if self.class_weight is not None:
            _check_class_weight(self, in_types)

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        soft = t.dtype.kind == 'f'
        masked = False if soft else check_labels(xp, t, x.shape[1], self.ignore_label, _LABEL)
        if self.double or not self.cache_score:
            self.retain_inputs((0,))
        cw = self.class_weight
        if cw is not None:
            cw = xp.asarray(cw, dtype=x.dtype)
        # float16 sums lose too much precision; accumulate them in float32.
        acc = numpy.float32 if x.dtype == numpy.float16 else None
        if self.in_place and not soft:
            z = x
            z -= x.max(axis=1, keepdims=True)
        else:
            z = x - x.max(axis=1, keepdims=True)
        if soft:
            return self._forward_soft(xp, x, t, z, cw, acc)

        mask = None
        if masked:
            mask = t != self.ignore_label
            t = xp.where(mask, t, 0)  # any valid class: the mask zeroes its terms
        idx = self._idx = _label_index(xp, t)
        # log_softmax(x)[t] = z[t] - log(sum(exp(z))): only the picked entries need the log.
        log_p = z[idx]
        e = xp.exp(z, out=z)
        s = e.sum(axis=1, keepdims=True)
        log_p -= xp.log(s[:, 0])
        self._cache(e, s)
        w = None if cw is None else cw[t]
        if mask is not None:
            w = mask.astype(x.dtype) if w is None else w * mask
        self._w = w
        self._b = None
        if w is not None:
            log_p *= w
        if self.reduce == 'no':
            self._coeff = None
            return -log_p,
        coeff = self._coeff = mean_coeff(xp, mask, self.normalize, t.size, x.shape[0], x.dtype)
        return xp.asarray(log_p.sum(dtype=acc) * -coeff, dtype=x.dtype),

    def _cache(self, e, s):
        if self.cache_score:
            self._e = e
            self._s = s
        else:
            self._e = self._s = None

    def _forward_soft(self, xp, x, t, z, cw, acc):
        t = t.astype(x.dtype, copy=False)
        e = xp.exp(z)
        s = e.sum(axis=1, keepdims=True)
        log_y = z
        log_y -= xp.log(s)
        self._cache(e, s)
        b = t if cw is None else t * cw.reshape((1, -1) + (1,) * (x.ndim - 2))
        if self.soft_target_loss == 'kl-divergence':
            loss = (b * (xp.log(t + _KL_EPS) - log_y)).sum(axis=1)
        else:
            loss = -(b * log_y).sum(axis=1)
        self._idx = self._w = None
        self._b = b
        if self.reduce == 'no':
            self._coeff = None
            return loss,
        self._coeff = 1.0 / max(loss.size, 1)
        return xp.asarray(loss.sum(dtype=acc) * self._coeff, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        if self.double:
            x, = self.get_retained_inputs()
            gx, = SoftmaxCrossEntropyGrad(self._e, self._s, self._idx, self._w, self._b,
                                          self._coeff).apply((x, grad_outputs[0]))
            return gx, None
        if config.enable_backprop:
            # Asked for a differentiable gradient: say so rather than return a constant one.
            raise RuntimeError(f'{_LABEL}: a differentiable gradient (double backprop) needs '
                               f'softmax_cross_entropy(..., enable_double_backprop=True)')
        if self.cache_score:
            if self._e is None:
                raise RuntimeError(
                    f'{_LABEL}: backward already ran through this loss, and its cached scores '
                    f'were reused for the gradient; pass cache_score=False or '
                    f'enable_double_backprop=True to backpropagate through it more than once')
            e, s = self._e, self._s
            self._e = self._s = None   # consumed: the gradient is written into ``e``
        else:
            x, = self.get_retained_inputs()
            e = s = None
            self._x = x.array
        gx, = SoftmaxCrossEntropyGradFinal(self, e, s).apply((grad_outputs[0],))
        return gx, None


def _grad(xp, x, e, s, idx, w, b, coeff, gy, out=None):
    """``(softmax(x) * a - b) * k`` from the scores ``e = exp(x - max)`` and their sums ``s``.

    With ``out`` (``e`` itself) the result overwrites the scores.
    """
    if e is None:
        e = xp.exp(x - x.max(axis=1, keepdims=True))
        s = e.sum(axis=1, keepdims=True)
        out = e
    k = gy if coeff is None else gy * coeff
    if w is not None:
        k = k * w
    if k.ndim:
        k = _expand(k)
    if b is None:
        gx = xp.multiply(e, k / s, out=out)
        # Only the labelled entries get the -onehot term: k there, 0 elsewhere.
        gx[idx] -= k[:, 0] if k.ndim else k
    else:
        a = b.sum(axis=1, keepdims=True)
        gx = xp.multiply(e, a / s, out=out)
        gx -= b
        gx *= k
    return gx


class SoftmaxCrossEntropyGradFinal(FunctionNode):
    """The gradient of softmax cross entropy for one backward (no double backprop).

    It writes into the scores the loss cached, so it keeps nothing the size of ``x`` alive.
    """

    def __init__(self, loss, e, s):
        self.loss = loss
        self.e = e
        self.s = s

    def forward(self, inputs):
        gy, = inputs
        loss = self.loss
        xp = backend.get_array_module(gy)
        e, s, self.e, self.s = self.e, self.s, None, None
        return _grad(xp, getattr(loss, '_x', None), e, s, loss._idx, loss._w, loss._b,
                     loss._coeff, gy, out=e),

    def backward(self, indexes, grad_outputs):
        raise RuntimeError(f'{_LABEL}: a differentiable gradient (double backprop) needs '
                           f'softmax_cross_entropy(..., enable_double_backprop=True)')


class SoftmaxCrossEntropyGrad(FunctionNode):
    """``(softmax(x) * a - b) * k``: the gradient of softmax cross entropy w.r.t. ``x``.

    With hard labels ``b = onehot(t) * w`` and ``a = w`` (``w``: class weight times mask, or
    1); with soft targets ``b`` is the (weighted) target and ``a`` its sum over classes.
    ``k`` is ``gy`` (times the normalization ``coeff`` of ``reduce='mean'``). The forward
    reuses ``e = exp(x - max)`` and its sums ``s`` kept by the loss (``softmax = e / s``),
    so it is one pass over the scores; the backward is built from dbr functions.
    """

    def __init__(self, e, s, idx, w, b, coeff):
        self.e = e
        self.s = s
        self.idx = idx
        self.w = w
        self.b = b
        self.coeff = coeff

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        xp = backend.get_array_module(x)
        return _grad(xp, x, self.e, self.s, self.idx, self.w, self.b, self.coeff, gy),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.softmax import softmax
        from dbr.functions.array.get_item import get_item
        from dbr.functions.math.sum import sum as sum_
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        y = softmax(x, axis=1)
        soft = self.b is not None
        if soft:
            a = self.b.sum(axis=1, keepdims=True)
        else:
            a = None if self.w is None else _expand(self.w)
        ret = []
        if 0 in indexes:
            k = gy if self.coeff is None else gy * self.coeff
            v = ggx * (_expand(k) if k.ndim else k)
            if a is not None:
                v = v * a
            yv = y * v
            ret.append(yv - y * sum_(yv, axis=1, keepdims=True))
        if 1 in indexes:
            r = sum_(ggx * y, axis=1)
            if soft:
                r = r * a[:, 0] - sum_(ggx * self.b, axis=1)
            else:
                r = r - get_item(ggx, self.idx)
                if self.w is not None:
                    r = r * self.w
            if self.coeff is not None:
                r = sum_(r * self.coeff)
            ret.append(r)
        return tuple(ret)


def softmax_cross_entropy(x, t, normalize=True, cache_score=True, class_weight=None,
                          ignore_label=-1, reduce='mean', enable_double_backprop=False,
                          soft_target_loss='cross-entropy'):
    """Cross entropy of ``softmax(x)`` against labels ``t`` (the classification loss).

    The log-softmax is computed stably (logits of any magnitude), once; the backward is a fused
    ``softmax - onehot`` node. By default it reuses the cached scores' memory and cannot be
    differentiated again; with ``enable_double_backprop=True`` it keeps the logits and is itself
    differentiable.

    When ``x`` is a temporary that nothing else refers to (``F.softmax_cross_entropy(
    self.out(h), t)``), the scores are computed in the logits' own memory, so the loss needs no
    second buffer of their size; logits the caller can still see are never written.

    Args:
        x: Variable or array of unnormalized log-probabilities, ``(N, C)`` or
            ``(N, C, d1, ...)`` (a softmax over axis 1 at every position).
        t: Variable or array of signed integer labels, ``(N,)`` or ``(N, d1, ...)``; or a
            float array shaped like ``x`` holding soft targets (a distribution over axis 1).
        normalize (bool): With ``reduce='mean'``, divide the summed loss by the number of
            non-ignored labels (True) or by ``N`` (False). Soft targets always divide by the
            number of positions.
        cache_score (bool): Keep the scores for backward (faster) instead of keeping ``x`` and
            recomputing them.
        class_weight: Optional float array ``(C,)``; the loss at a position with label ``c``
            is multiplied by ``class_weight[c]`` (normalization still counts positions).
        ignore_label (int): Label marking positions excluded from the loss and from the count.
        reduce (str): ``'mean'`` for a scalar, ``'no'`` for the per-position losses (0 at
            ignored positions).
        enable_double_backprop (bool): Make the gradient differentiable (keeps ``x`` too).
        soft_target_loss (str): ``'cross-entropy'`` or ``'kl-divergence'`` (soft targets only).

    Returns:
        Variable: A scalar, or an array of shape ``t.shape`` (``x.shape`` without axis 1 for
        soft targets) when ``reduce='no'``.

    Raises:
        ValueError: For a label outside ``[0, C)`` that is not ``ignore_label``, or a bad option.

    Example:
        >>> x = dbr.Variable(numpy.array([[2., 0.], [0., 2.]], 'f'))
        >>> F.softmax_cross_entropy(x, numpy.array([0, 1], 'i')).array
        array(0.12692805, dtype=float32)
    """
    check_reduce(reduce, ('mean', 'no'), _LABEL)
    if soft_target_loss not in ('cross-entropy', 'kl-divergence'):
        raise ValueError(f"{_LABEL}: soft_target_loss must be 'cross-entropy' or "
                         f"'kl-divergence', got {soft_target_loss!r}")
    if class_weight is not None:
        class_weight = as_array(class_weight)
        if getattr(class_weight, 'ndim', None) != 1 or class_weight.dtype.kind != 'f':
            raise ValueError(f'{_LABEL}: class_weight must be a 1-D float array, got '
                             f'{type(class_weight).__name__} {getattr(class_weight, "shape", "")} '
                             f'{getattr(class_weight, "dtype", "")}')
    # Only the cached-score mode can reuse the logits: the others keep them for backward.
    in_place = cache_score and not enable_double_backprop and owns_argument(x)
    return SoftmaxCrossEntropy(normalize, cache_score, class_weight, ignore_label, reduce,
                               soft_target_loss, enable_double_backprop,
                               in_place).apply((x, t))[0]
