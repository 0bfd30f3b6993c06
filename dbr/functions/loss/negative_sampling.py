"""Negative sampling: a cheap stand-in for a softmax over a large vocabulary."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._classification import check_labels, check_reduce

_LABEL = 'negative_sampling'
_IGNORE = -1


def _signs(xp, n, dtype):
    """+1 for the sampled negatives, -1 for the positive in column 0."""
    s = xp.ones(n, dtype)
    s[0] = -1
    return s


class NegativeSampling(FunctionNode):
    """``softplus(-x.w_t) + sum_j softplus(x.w_j)`` per row, over sampled rows ``j`` of ``W``.

    Column 0 of the sample matrix is the label itself; the other ``sample_size`` columns come
    from ``sampler``. Rows whose label is -1 are ignored (their loss is 0).
    """

    check_type_forward = type_check.expects(
        'x, t, W', "x.dtype.kind == 'f'", 'x.ndim == 2', "t.dtype.kind == 'i'", 't.ndim == 1',
        't.shape[0] == x.shape[0]', 'W.dtype == x.dtype', 'W.ndim == 2',
        'W.shape[1] == x.shape[1]')

    def __init__(self, sampler, sample_size, reduce):
        self.sampler = sampler
        self.sample_size = sample_size
        self.reduce = reduce

    def _make_samples(self, xp, t, n_vocab):
        shape = (t.shape[0], self.sample_size + 1)
        samples = self.sampler(shape)
        if getattr(samples, 'shape', None) != shape or samples.dtype.kind not in 'iu':
            raise ValueError(f'{_LABEL}: sampler{shape} must return an integer array of shape '
                             f'{shape}, got {type(samples).__name__} '
                             f'{getattr(samples, "shape", "")} {getattr(samples, "dtype", "")}')
        samples = xp.array(samples, dtype=t.dtype)  # a copy: column 0 is overwritten
        if samples.size:
            check_labels(xp, samples[:, 1:], n_vocab, None, f'{_LABEL} (sampler output)')
        samples[:, 0] = t
        return samples

    def forward(self, inputs):
        x, t, W = inputs
        xp = backend.get_array_module(x)
        masked = check_labels(xp, t, W.shape[0], _IGNORE, _LABEL)
        self.samples = self._make_samples(xp, t, W.shape[0])
        self.retain_inputs((0, 2))
        index = self.samples
        mask = None
        if masked:
            mask = t != _IGNORE
            index = index.copy()
            index[:, 0] = xp.where(mask, t, 0)  # any valid row: the mask zeroes its terms
            mask = mask.astype(x.dtype)
        self._index = index
        self._mask = mask
        # wx[i, j] = W[index[i, j]] . x[i], as one batched matrix-vector product.
        wx = xp.matmul(W[index], x[:, :, None])[:, :, 0]
        wx *= _signs(xp, wx.shape[1], x.dtype)
        self._wx = wx
        loss = xp.logaddexp(wx, 0).sum(axis=1)  # softplus, stable for any magnitude
        if mask is not None:
            loss *= mask
        if self.reduce == 'sum':
            return xp.asarray(loss.sum(), dtype=x.dtype),
        return loss,

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gx, gW = NegativeSamplingGrad(self._index, self._wx, self._mask).apply(
            (x, W, grad_outputs[0]))
        return gx, None, gW


class NegativeSamplingGrad(FunctionNode):
    """Gradients of negative sampling w.r.t. ``x`` and ``W`` given the loss gradient ``gy``.

    With ``a[i, j] = gy_i * mask_i * s_j * sigmoid(s_j * W[k_ij] . x_i)`` (``s``: -1 for the
    positive column, +1 otherwise): ``gx_i = sum_j a_ij W[k_ij]`` and ``gW[k_ij] += a_ij x_i``.
    """

    def __init__(self, index, wx, mask):
        self.index = index
        self.wx = wx
        self.mask = mask

    def _row_scale(self, gy):
        """``gy * mask`` as a per-row factor (``gy`` is a scalar for ``reduce='sum'``)."""
        return gy if self.mask is None else gy * self.mask

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        x, W, gy = inputs
        xp = backend.get_array_module(x)
        half = x.dtype.type(0.5)
        a = xp.tanh(self.wx * half)  # sigmoid as tanh(z / 2) / 2 + 1 / 2: stable
        a *= half
        a += half
        a *= _signs(xp, a.shape[1], x.dtype)
        k = self._row_scale(gy)
        a *= k[:, None] if k.ndim else k
        gx = xp.matmul(a[:, None, :], W[self.index])[:, 0, :]
        gW = xp.zeros_like(W)
        xp.add.at(gW, self.index, a[:, :, None] * x[:, None, :])
        return gx, gW

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        from dbr.functions.array.get_item import GetItemGrad, get_item
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.matmul import matmul
        from dbr.functions.math.sum import sum as sum_
        x, W, gy = self.get_retained_inputs()
        ggx, ggW = grad_outputs
        n, d = x.shape
        m = self.index.shape[1]
        s = _signs(x.xp, m, x.dtype)
        w = get_item(W, self.index)                                  # (n, m, d)
        sig = sigmoid(reshape(matmul(w, reshape(x, (n, d, 1))), (n, m)) * s)
        k = self._row_scale(gy)
        k = reshape(k, (n, 1)) if k.ndim else k
        a = k * sig * s
        # b[i, j] = ggx_i . w_ij + ggW[k_ij] . x_i pairs the first-order outputs with their
        # upstream gradients; the second-order terms are the derivatives of sum(a * b).
        b = None
        ggw = None
        if ggx is not None:
            b = matmul(w, reshape(ggx, (n, d, 1)))
        if ggW is not None:
            ggw = get_item(ggW, self.index)
            bw = matmul(ggw, reshape(x, (n, d, 1)))
            b = bw if b is None else b + bw
        b = reshape(b, (n, m))
        c = b * k * sig * (1 - sig)
        ret = []
        for i in indexes:
            if i == 0:
                g = matmul(reshape(c, (n, 1, m)), w)
                if ggw is not None:
                    g = g + matmul(reshape(a, (n, 1, m)), ggw)
                ret.append(reshape(g, (n, d)))
            elif i == 1:
                g = reshape(c, (n, m, 1)) * reshape(x, (n, 1, d))
                if ggx is not None:
                    g = g + reshape(a, (n, m, 1)) * reshape(ggx, (n, 1, d))
                ret.append(GetItemGrad((self.index,), W.shape).apply((g,))[0])
            else:
                r = sum_(sig * s * b, axis=1)
                if self.mask is not None:
                    r = r * self.mask
                ret.append(r if gy.ndim else sum_(r))
        return tuple(ret)


def negative_sampling(x, t, W, sampler, sample_size, reduce='sum', *, return_samples=False):
    """Negative sampling loss: ``-log sigmoid(x.w_t) - sum_j log sigmoid(-x.w_j)`` per row.

    The negatives ``j`` are drawn by ``sampler`` for every row, so only ``sample_size + 1``
    rows of ``W`` receive gradients instead of the whole vocabulary.

    Args:
        x: Variable or array ``(N, D)`` of input vectors.
        t: Variable or signed integer array ``(N,)`` of labels in ``[0, V)``; -1 ignores a row.
        W: Variable or array ``(V, D)``, the output word vectors.
        sampler: Callable taking a shape and returning an integer array of that shape with
            samples from the word distribution (such as a Walker alias sampler's ``sample``).
            It is called with ``(N, sample_size + 1)``; column 0 is replaced by ``t``.
        sample_size (int): Number of negative samples per row.
        reduce (str): ``'sum'`` for a scalar, ``'no'`` for the per-row losses.
        return_samples (bool): Also return the ``(N, sample_size + 1)`` sample array whose
            first column holds ``t``.

    Returns:
        Variable, or ``(Variable, samples)`` when ``return_samples`` is True.

    Raises:
        ValueError: For a label or sample outside ``[0, V)``, or a bad option.

    Example:
        >>> W = dbr.Variable(numpy.zeros((5, 3), 'f'))
        >>> sampler = lambda shape: numpy.random.randint(0, 5, shape)
        >>> F.negative_sampling(numpy.ones((2, 3), 'f'), numpy.array([1, 2], 'i'), W,
        ...                     sampler, 4).array
        array(6.931472, dtype=float32)
    """
    check_reduce(reduce, ('sum', 'no'), _LABEL)
    if int(sample_size) != sample_size or sample_size < 0:
        raise ValueError(f'{_LABEL}: sample_size must be a non-negative int, got {sample_size!r}')
    node = NegativeSampling(sampler, int(sample_size), reduce)
    loss, = node.apply((x, t, W))
    if return_samples:
        return loss, node.samples
    return loss
