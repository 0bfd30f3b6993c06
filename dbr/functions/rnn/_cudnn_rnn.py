"""cuDNN's RNN behind ``n_step_lstm``/``gru``/``rnn`` on CuPy arrays, and the choice of path.

:func:`n_step` is what the public functions call. CuPy inputs go to cuDNN when
``dbr.config.use_cudnn`` allows it (Chainer's rule: ``'always'`` and ``'auto'`` use it when it
is available, ``'always'`` raises when it is not, ``'never'`` never uses it); everything else goes
to the array-module path of ``_n_step``.

How the cuDNN path maps Chainer's arguments onto cuDNN 9's RNN API:

* The RNN descriptor, its dropout descriptor and the weight layout are built once per
  (thread, device, configuration) and cached. Where each ``ws[k][q]``/``bs[k][q]`` lives in the
  weight space is asked from cuDNN (cudnnGetRNNWeightParams with pseudo-layer ``k`` and linear
  layer ``q``: cuDNN numbers the gates as Chainer does, i, f, g, o for LSTM and r, z, n for GRU,
  input matrices first), never assumed; each call copies the weights in with one concatenation
  and reads the weight gradients back as views.
* Sequences are laid out by :class:`SeqLayout`: by default sorted by decreasing length and
  packed time-major (SEQ_MAJOR_PACKED), with ``hx``/``cx`` permuted in and ``hy``/``cy``/``ys``
  permuted back, so the caller's order is kept without the caller sorting.
* Forward runs in TRAINING mode when a gradient may be asked for, else INFERENCE. Backward is
  cudnnRNNBackwardData_v8 then cudnnRNNBackwardWeights_v8 (ADD into a zeroed buffer), with the
  reserve space, descriptors, device lengths and buffers of the forward kept on the node.
* cuDNN's backward is not differentiable: when a double backprop is requested, the gradient is
  computed by re-running the forward on the differentiable array-module path instead.
"""
import ctypes

import numpy

from dbr import backend
from dbr import type_check
from dbr.configuration import config
from dbr.functions.rnn import _n_step

_INT32_MAX = 2 ** 31 - 1


# ----- choosing the path ------------------------------------------------------------------------
def use_cudnn_for(label, use_cudnn, on_gpu, reason):
    """Decides whether an n_step call runs on cuDNN.

    Args:
        label (str): Function name for the error message.
        use_cudnn (str): ``'always'``, ``'auto'`` or ``'never'``.
        on_gpu (bool): Whether the inputs are CuPy arrays.
        reason: Callable returning None when cuDNN is usable, else why not; called only when
            the answer depends on it.

    Returns:
        bool: True for the cuDNN path.

    Raises:
        RuntimeError: ``use_cudnn == 'always'`` on GPU inputs without a usable cuDNN.
    """
    if not on_gpu or use_cudnn == 'never':
        return False
    why = reason()
    if why is None:
        return True
    if use_cudnn == 'always':
        raise RuntimeError(f"{label}: dbr.config.use_cudnn is 'always' but cuDNN cannot be used: "
                           f"{why}")
    return False


def backward_path(label, double_backprop, dropout_active, reserve_consumed):
    """How the cuDNN node computes a gradient.

    Args:
        label (str): Function name for errors.
        double_backprop (bool): The gradient must itself be differentiable.
        dropout_active (bool): The forward dropped out (train mode, ratio > 0, >= 2 layers).
        reserve_consumed (bool): A cuDNN backward already ran on this node's reserve space.

    Returns:
        str: ``'recompute'`` (differentiate a re-run of the forward on the array-module path),
        ``'refresh'`` (re-run the cuDNN forward for a fresh reserve space, then as ``'cudnn'``)
        or ``'cudnn'`` (BackwardData + BackwardWeights).

    Raises:
        RuntimeError: The gradient needs cuDNN's dropout masks again, which it does not expose.
    """
    if double_backprop:
        if dropout_active:
            raise RuntimeError(
                f"{label}: double backprop through the cuDNN path is not possible with dropout "
                f"in train mode (cuDNN keeps its masks to itself); use "
                f"dbr.using_config('use_cudnn', 'never') for this computation")
        return 'recompute'
    if reserve_consumed:
        # cudnnRNNBackwardData rewrites the reserve space, so a second backward needs a fresh
        # one, which only a dropout-free forward reproduces.
        if dropout_active:
            raise RuntimeError(f'{label}: a second backward through one cuDNN RNN call with '
                               f'dropout is not possible (cuDNN consumed its saved state); run '
                               f'the forward again')
        return 'refresh'
    return 'cudnn'


def _cudnn_reason():
    from dbr.backends import cudnn
    return cudnn.unavailable_reason()


def n_step(mode, label, n_layers, dropout_ratio, hx, cx, ws, bs, xs, n_dirs, activation='tanh'):
    """Runs an n_step function on cuDNN or on the array-module path; returns (hy, [cy,] ys)."""
    on_gpu = (isinstance(xs, (list, tuple))
              and backend.get_array_module(*xs) is not numpy)
    if use_cudnn_for(label, config.use_cudnn, on_gpu, _cudnn_reason):
        return cudnn_n_step(mode, label, n_layers, dropout_ratio, hx, cx, ws, bs, xs, n_dirs,
                            activation)
    return _n_step.n_step(mode, label, n_layers, dropout_ratio, hx, cx, ws, bs, xs, n_dirs,
                          activation)


# ----- validation -------------------------------------------------------------------------------
def _data_types():
    from dbr.backends import cudnn
    return {numpy.dtype(numpy.float16): cudnn.DATA_HALF,
            numpy.dtype(numpy.float32): cudnn.DATA_FLOAT,
            numpy.dtype(numpy.float64): cudnn.DATA_DOUBLE}


def check_cudnn_inputs(label, dtype, arrays, sizes):
    """What cuDNN needs beyond the generic checks: a supported dtype, one device, int32 sizes.

    Non-contiguous arrays need no check: every array is copied into cuDNN's buffers.

    Args:
        label (str): Function name for errors.
        dtype: The common dtype (already checked to be one dtype).
        arrays: All array arguments (None entries are skipped).
        sizes (dict): Name -> size that cuDNN takes as a 32-bit int.
    """
    if numpy.dtype(dtype) not in _data_types():
        raise type_check.InvalidType('float16, float32 or float64 arrays (cuDNN)',
                                     f'dtype={numpy.dtype(dtype)}', label)
    from dbr.variable import as_array
    devices = set()
    for a in arrays:
        if a is not None:
            devices.add(getattr(getattr(as_array(a), 'device', None), 'id', None))
    if len(devices) > 1:
        raise ValueError(f'{label}: all arrays must be on one GPU, got arrays on devices '
                         f'{sorted(devices, key=str)}')
    for name, size in sizes.items():
        if size > _INT32_MAX:
            raise ValueError(f'{label}: {name}={size} exceeds cuDNN\'s 32-bit limit')


def cudnn_n_step(mode, label, n_layers, dropout_ratio, hx, cx, ws, bs, xs, n_dirs, activation):
    """Validates everything before any cuDNN call, then runs :class:`CudnnNStepRNN`."""
    if not 0 <= dropout_ratio < 1:
        raise ValueError(f'{label}: dropout_ratio must be in [0, 1), got {dropout_ratio}')
    out_size, dtype, xp = _n_step.check_inputs(label, mode, n_layers, n_dirs, hx, cx, ws, bs, xs)
    flat_ws = [w for k in ws for w in k]
    flat_bs = [b for k in bs for b in k]
    in_size = xs[0].shape[1]
    check_cudnn_inputs(label, dtype, [hx, cx] + flat_ws + flat_bs + list(xs),
                       {'batch size': len(xs), 'in_size': in_size,
                        'out_size * directions': out_size * n_dirs,
                        'longest sequence': max(len(x) for x in xs)})
    shape = (n_layers * n_dirs, len(xs), out_size)
    with backend.get_device_from_array(xs[0]):      # zero states on the inputs' device
        states = [hx if hx is not None else xp.zeros(shape, dtype)]
        if mode == 'lstm':
            states.append(cx if cx is not None else xp.zeros(shape, dtype))
    inputs = states + flat_ws + flat_bs + list(xs)
    needs_grad = config.enable_backprop and any(getattr(v, 'requires_grad', False)
                                                for v in inputs)
    node = CudnnNStepRNN(mode, n_layers, n_dirs, dropout_ratio, activation, label, needs_grad)
    outputs = node.apply(inputs)
    ns = len(states)
    return tuple(outputs[:ns]) + (list(outputs[ns:]),)


# ----- sequence layout --------------------------------------------------------------------------
class SeqLayout:
    """Where each time step of each sequence lives in cuDNN's x/y buffers.

    ``packed``: cuDNN's SEQ_MAJOR_PACKED. The batch is sorted by decreasing length (stable),
    and step ``t`` of the ``j``-th longest sequence is row ``offsets[t] + j`` of a
    (sum of lengths, features) buffer. ``hx``/``cx`` are permuted into that order.
    Otherwise SEQ_MAJOR_UNPACKED: row ``t * batch + i`` of a zero-padded (T * batch, features)
    buffer, in the caller's order.

    Args:
        lengths: Sequence lengths in the caller's order (each >= 1).
        packed (bool): The layout.
        xp: Array module of the index arrays used on the data.

    Attributes:
        batch (int), max_len (int), n_rows (int): cuDNN's batchSize, maxSeqLength and the
            number of buffer rows.
        seq_lengths: Host int32 lengths in cuDNN's batch order (cuDNN's seqLengthArray).
        order: Caller index of each cuDNN batch slot (None when it is the identity).
        inverse: cuDNN slot of each caller index (None when the identity).
        pos: For each row of the concatenated sequences (caller order), its buffer row.
        lengths (list): The lengths in the caller's order.
        sections: Split points of the concatenation into sequences.
    """

    def __init__(self, lengths, packed, xp=numpy):
        lengths = numpy.asarray(lengths, dtype=numpy.int64)
        if lengths.ndim != 1 or len(lengths) == 0 or lengths.min() < 1:
            raise ValueError(f'cudnn rnn: every sequence needs a length >= 1, got lengths '
                             f'{lengths.tolist()}')
        self.packed = packed
        self.lengths = lengths.tolist()
        self.batch = batch = len(lengths)
        self.max_len = int(lengths.max())
        seq = numpy.repeat(numpy.arange(batch), lengths)
        starts = numpy.cumsum(lengths) - lengths
        step = numpy.arange(len(seq)) - starts[seq]
        self.sections = starts[1:].tolist()
        self.n_tokens = len(seq)
        if packed:
            order = numpy.argsort(-lengths, kind='stable')
            inverse = numpy.empty_like(order)
            inverse[order] = numpy.arange(batch)
            seq_lengths = lengths[order]
            # batch_sizes[t]: sequences longer than t.
            counts = numpy.bincount(lengths, minlength=self.max_len + 1)
            batch_sizes = batch - numpy.cumsum(counts)[:self.max_len]
            offsets = numpy.cumsum(batch_sizes) - batch_sizes
            self.pos = offsets[step] + inverse[seq]
            self.n_rows = self.n_tokens
            self.gather = numpy.empty_like(self.pos)
            self.gather[self.pos] = numpy.arange(self.n_rows)
            identity = bool((order == numpy.arange(batch)).all())
            self.order = None if identity else order
            self.inverse = None if identity else inverse
        else:
            seq_lengths = lengths
            self.pos = step * batch + seq
            self.n_rows = self.max_len * batch
            self.gather = None
            self.order = self.inverse = None
        self.seq_lengths = numpy.ascontiguousarray(seq_lengths, dtype=numpy.int32)
        # One host-to-device copy for all index arrays; the device ones are views of it.
        arrays = (self.pos, self.gather, self.order, self.inverse)
        dev = xp.asarray(numpy.concatenate([a for a in arrays if a is not None]))
        views, start = [], 0
        for a in arrays:
            views.append(None if a is None else dev[start:start + len(a)])
            start += 0 if a is None else len(a)
        self._pos, self._gather, self._order, self._inverse = views

    def to_buffer(self, xp, tokens):
        """(n_tokens, F) rows in caller order -> cuDNN's (n_rows, F) buffer (zero padding)."""
        if self.packed:
            return xp.take(tokens, self._gather, axis=0)
        buf = xp.zeros((self.n_rows,) + tokens.shape[1:], tokens.dtype)
        buf[self._pos] = tokens
        return buf

    def from_buffer(self, xp, buf):
        """cuDNN's (n_rows, F) buffer -> (n_tokens, F) rows in caller order."""
        return xp.take(buf, self._pos, axis=0)

    def split(self, xp, tokens):
        """(n_tokens, F) rows -> the list of per-sequence (length_i, F) views."""
        return xp.split(tokens, self.sections) if self.sections else [tokens]

    def to_cudnn_batch(self, xp, state):
        """(K, batch, H) in caller order -> contiguous, in cuDNN's batch order."""
        if self._order is None:
            return xp.ascontiguousarray(state)
        return xp.take(state, self._order, axis=1)

    def to_caller_batch(self, xp, state):
        """(K, batch, H) in cuDNN's batch order -> caller order."""
        if self._inverse is None:
            return state
        return xp.take(state, self._inverse, axis=1)


# ----- weight layout ----------------------------------------------------------------------------
class WeightLayout:
    """Where each of Chainer's weight arrays lives in cuDNN's flat weight space.

    Args:
        places: For each array in the flat order of the node's inputs (every ``ws[k][q]``,
            then every ``bs[k][q]``), ``(offset, shape)`` in elements.
        size (int): Weight-space size in elements.

    Raises:
        RuntimeError: Places that overlap or fall outside the weight space.
    """

    def __init__(self, places, size):
        self.places = [(int(off), tuple(shape), int(numpy.prod(shape))) for off, shape in places]
        self.size = int(size)
        pieces = []                # array index, or -(gap length) for zero filler
        cursor = 0
        for j in sorted(range(len(self.places)), key=lambda j: self.places[j][0]):
            off, shape, n = self.places[j]
            if off < cursor:
                raise RuntimeError(f'cudnn rnn: weight {j} at element {off} overlaps the previous '
                                   f'one (ending at {cursor}); unexpected cuDNN weight layout')
            if off > cursor:
                pieces.append(-(off - cursor))
            pieces.append(j)
            cursor = off + n
        if cursor > self.size:
            raise RuntimeError(f'cudnn rnn: weights end at element {cursor}, past the weight '
                               f'space of {self.size}')
        if cursor < self.size:
            pieces.append(-(self.size - cursor))
        self._pieces = pieces

    def pack(self, xp, arrays):
        """Copies ``arrays`` (shapes as in ``places``) into a new flat weight space."""
        dtype = arrays[0].dtype
        return xp.concatenate([arrays[p].ravel() if p >= 0 else xp.zeros(-p, dtype)
                               for p in self._pieces])

    def unpack(self, flat):
        """Views of a flat weight space (e.g. its gradient), one per array, shaped as given."""
        return [flat[off:off + n].reshape(shape) for off, shape, n in self.places]


def _tensor_dims(lib, desc):
    data_type, nb = ctypes.c_int(), ctypes.c_int()
    dims, strides = (ctypes.c_int * 8)(), (ctypes.c_int * 8)()
    lib.cudnnGetTensorNdDescriptor(desc, 8, ctypes.byref(data_type), ctypes.byref(nb), dims,
                                   strides)
    n = nb.value
    return tuple(dims[:n]), tuple(strides[:n])


def _place(lib, desc, addr, base, itemsize, space_bytes, want, what):
    if not addr:
        raise RuntimeError(f'cudnnGetRNNWeightParams returned no address for {what}')
    offset = addr - base
    size = int(numpy.prod(want))
    if offset < 0 or offset % itemsize or offset + size * itemsize > space_bytes:
        raise RuntimeError(f'cudnnGetRNNWeightParams put {what} at byte offset {offset}, not '
                           f'inside the {space_bytes}-byte weight space in whole elements')
    dims, strides = _tensor_dims(lib, desc)
    if int(numpy.prod(dims)) != size or (len(want) == 2 and (
            dims[-2:] != want or strides[-1] != 1 or strides[-2] != want[1])):
        raise RuntimeError(f'cudnnGetRNNWeightParams describes {what} as dims {dims} strides '
                           f'{strides}; expected {want} row-major')
    return offset // itemsize, want


def query_weight_layout(lib, handle, rnn_desc, n_pseudo, n_w, w_shapes, hidden, itemsize,
                        space_bytes, base):
    """Asks cuDNN where every matrix and bias lives; returns a :class:`WeightLayout`.

    Args:
        lib: The cuDNN :class:`~dbr.backends.cudnn.Library`.
        handle: cuDNN handle.
        rnn_desc: The RNN descriptor.
        n_pseudo (int): Layers times directions.
        n_w (int): Matrices (= biases) per pseudo-layer: 8 LSTM, 6 GRU, 2 RNN.
        w_shapes: Chainer's shape of each ``ws[k][q]`` in flat order.
        hidden (int): Hidden size (the bias length).
        itemsize (int): Bytes per element.
        space_bytes (int): Weight-space size.
        base (int): Device address of a weight-space buffer (cuDNN answers with addresses).
    """
    from dbr.backends import cudnn
    m_desc = cudnn.Descriptor(lib, 'Tensor')
    b_desc = cudnn.Descriptor(lib, 'Tensor')
    m_addr, b_addr = ctypes.c_void_p(), ctypes.c_void_p()
    w_places, b_places = [], []
    for k in range(n_pseudo):
        for q in range(n_w):
            m_addr.value = b_addr.value = None
            lib.cudnnGetRNNWeightParams(handle, rnn_desc, k, space_bytes, base, q, m_desc,
                                        ctypes.byref(m_addr), b_desc, ctypes.byref(b_addr))
            where = f'pseudo-layer {k}, linear layer {q}'
            w_places.append(_place(lib, m_desc, m_addr.value, base, itemsize, space_bytes,
                                   tuple(w_shapes[k * n_w + q]), f'the matrix of {where}'))
            b_places.append(_place(lib, b_desc, b_addr.value, base, itemsize, space_bytes,
                                   (hidden,), f'the bias of {where}'))
    return WeightLayout(w_places + b_places, space_bytes // itemsize)


# ----- descriptors ------------------------------------------------------------------------------
class _Setup:
    """Per (thread, device, configuration): RNN descriptor, dropout descriptor, weight layout."""

    __slots__ = ('rnn_desc', 'dropout_desc', 'dropout_states', 'space_bytes', 'weights')


def _math_type(cudnn, dtype):
    # Chainer's use_cudnn_tensor_core: 'auto' means tensor cores for float16 only.
    level = config.use_cudnn_tensor_core
    tensor_core = level == 'always' or (level == 'auto' and dtype == numpy.float16)
    if dtype == numpy.float64:
        return cudnn.DEFAULT_MATH
    if not tensor_core:
        return cudnn.FMA_MATH
    # float32's DEFAULT_MATH is what permits TF32 tensor cores.
    return cudnn.TENSOR_OP_MATH if dtype == numpy.float16 else cudnn.DEFAULT_MATH


def _cell_mode(cudnn, mode, activation):
    if mode == 'lstm':
        return cudnn.LSTM
    if mode == 'gru':
        return cudnn.GRU
    return cudnn.RNN_TANH if activation == 'tanh' else cudnn.RNN_RELU


def get_setup(cudnn, state, mode, activation, n_layers, n_dirs, in_size, hidden, dtype, ratio,
              packed):
    """The cached :class:`_Setup` of this configuration on ``state``'s thread and device."""
    dtype = numpy.dtype(dtype)
    math = _math_type(cudnn, dtype)
    key = ('rnn', mode, activation, n_layers, n_dirs, in_size, hidden, dtype.char, math,
           float(ratio), packed)
    setup = state.cache.get(key)
    if setup is not None:
        return setup
    lib = state.lib
    data_type = _data_types()[dtype]
    setup = _Setup()
    setup.dropout_desc = cudnn.dropout_descriptor(state, ratio)
    # The descriptor points into the thread's RNG states; a node may outlive the thread.
    setup.dropout_states = state.dropout_states if ratio else None
    setup.rnn_desc = cudnn.Descriptor(lib, 'RNN')
    lib.cudnnSetRNNDescriptor_v8(
        setup.rnn_desc, cudnn.RNN_ALGO_STANDARD, _cell_mode(cudnn, mode, activation),
        cudnn.RNN_DOUBLE_BIAS, cudnn.BIDIRECTIONAL if n_dirs == 2 else cudnn.UNIDIRECTIONAL,
        cudnn.LINEAR_INPUT, data_type, cudnn.DATA_FLOAT if dtype == numpy.float16 else data_type,
        math, in_size, hidden, hidden, n_layers, setup.dropout_desc,
        cudnn.RNN_PADDED_IO_DISABLED if packed else cudnn.RNN_PADDED_IO_ENABLED)
    size = ctypes.c_size_t()
    lib.cudnnGetRNNWeightSpaceSize(state.handle, setup.rnn_desc, ctypes.byref(size))
    setup.space_bytes = size.value
    n_w = _n_step.N_WEIGHTS[mode]
    w_shapes = [(hidden, (in_size if k < n_dirs else hidden * n_dirs) if q < n_w // 2 else hidden)
                for k in range(n_layers * n_dirs) for q in range(n_w)]
    probe = cudnn.alloc_bytes(setup.space_bytes)   # cuDNN answers with addresses inside it
    setup.weights = query_weight_layout(lib, state.handle, setup.rnn_desc, n_layers * n_dirs,
                                        n_w, w_shapes, hidden, dtype.itemsize, setup.space_bytes,
                                        cudnn.data_ptr(probe))
    state.cache[key] = setup
    return setup


_ZERO_FILL = {}


def _data_descriptor(cudnn, lib, data_type, seq, vector_size, dtype):
    desc = cudnn.Descriptor(lib, 'RNNData')
    fill = None
    if not seq.packed:
        # cuDNN writes this into y's padding; x's padding is already zero.
        fill = _ZERO_FILL.get(dtype.char)
        if fill is None:
            fill = _ZERO_FILL[dtype.char] = numpy.zeros(1, dtype)
        fill = fill.ctypes.data
    lib.cudnnSetRNNDataDescriptor(
        desc, data_type, cudnn.SEQ_MAJOR_PACKED if seq.packed else cudnn.SEQ_MAJOR_UNPACKED,
        seq.max_len, seq.batch, vector_size, seq.seq_lengths.ctypes.data, fill)
    return desc


class _Context:
    """What the cuDNN backward needs from the forward (kept alive until the node dies)."""

    __slots__ = ('setup', 'x_desc', 'y_desc', 'h_desc', 'dev_lengths', 'x', 'y', 'hx', 'cx', 'w',
                 'reserve', 'reserve_bytes', 'work_bytes', 'consumed')


# ----- the node ---------------------------------------------------------------------------------
class CudnnNStepRNN(_n_step.StackedRNN):
    """All layers and directions of a stacked RNN on cuDNN, as one node.

    Inputs and outputs are those of ``_n_step.NStepRNN``: ``hx, [cx,] *weights, *biases, *xs``
    (weights and biases flattened layer-direction-major) and ``hy, [cy,] *ys``.
    """

    def __init__(self, mode, n_layers, n_dirs, dropout_ratio, activation, label, needs_grad):
        super().__init__(mode, n_layers, n_dirs, dropout_ratio, activation, label)
        self.needs_grad = needs_grad
        self._ctx = None
        self._seq = None
        self._ratio = 0.0

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        states, ws, bs, xs = self._split_inputs(inputs)
        xp = backend.get_array_module(xs[0])
        # cuDNN drops out only between layers and only in TRAINING mode, as the CPU path does.
        self._ratio = float(self.dropout_ratio) if config.train and self.n_layers > 1 else 0.0
        with backend.get_device_from_array(xs[0]):
            # INFERENCE mode would skip the dropout that train mode asks for.
            hy, cy, y = self._forward(xp, states, ws, bs, xs,
                                      self.needs_grad or self._ratio > 0)
        seq = self._seq
        outputs = [seq.to_caller_batch(xp, hy)]
        if cy is not None:
            outputs.append(seq.to_caller_batch(xp, cy))
        outputs += seq.split(xp, seq.from_buffer(xp, y))
        return tuple(outputs)

    def _forward(self, xp, states, ws, bs, xs, training):
        from dbr.backends import cudnn
        state = cudnn.device_state()
        lib = state.lib
        dtype = xs[0].dtype
        hidden = states[0].shape[2]
        in_size = xs[0].shape[1]
        if cudnn.rnn_layout not in ('packed', 'unpacked'):
            raise ValueError(f"{self.label}: dbr.backends.cudnn.rnn_layout must be 'packed' or "
                             f"'unpacked', got {cudnn.rnn_layout!r}")
        packed = cudnn.rnn_layout == 'packed'
        setup = get_setup(cudnn, state, self.mode, self.activation, self.n_layers, self.n_dirs,
                          in_size, hidden, dtype, self._ratio, packed)
        seq = self._seq = SeqLayout([len(x) for x in xs], packed, xp)
        data_type = _data_types()[dtype]
        x = seq.to_buffer(xp, xp.concatenate(xs))
        hx = seq.to_cudnn_batch(xp, states[0])
        cx = seq.to_cudnn_batch(xp, states[1]) if self.mode == 'lstm' else None
        w = setup.weights.pack(xp, list(ws) + list(bs))
        x_desc = _data_descriptor(cudnn, lib, data_type, seq, in_size, dtype)
        y_desc = _data_descriptor(cudnn, lib, data_type, seq, hidden * self.n_dirs, dtype)
        h_desc = cudnn.tensor_descriptor(lib, data_type, hx.shape)
        dev_lengths = xp.asarray(seq.seq_lengths)
        fwd_mode = cudnn.FWD_MODE_TRAINING if training else cudnn.FWD_MODE_INFERENCE
        work_bytes, reserve_bytes = ctypes.c_size_t(), ctypes.c_size_t()
        lib.cudnnGetRNNTempSpaceSizes(state.handle, setup.rnn_desc, fwd_mode, x_desc,
                                      ctypes.byref(work_bytes), ctypes.byref(reserve_bytes))
        work_bytes, reserve_bytes = work_bytes.value, reserve_bytes.value if training else 0
        work = cudnn.alloc_bytes(work_bytes)
        reserve = cudnn.alloc_bytes(reserve_bytes)
        y = xp.empty((seq.n_rows, hidden * self.n_dirs), dtype)
        hy = xp.empty_like(hx)
        cy = None if cx is None else xp.empty_like(cx)
        p = cudnn.data_ptr
        lib.cudnnRNNForward(state.handle, setup.rnn_desc, fwd_mode, p(dev_lengths), x_desc, p(x),
                            y_desc, p(y), h_desc, p(hx), p(hy), h_desc, p(cx), p(cy),
                            setup.space_bytes, p(w), work_bytes, p(work), reserve_bytes,
                            p(reserve))
        if training:
            ctx = self._ctx = _Context()
            ctx.setup, ctx.x_desc, ctx.y_desc, ctx.h_desc = setup, x_desc, y_desc, h_desc
            ctx.dev_lengths, ctx.x, ctx.y, ctx.hx, ctx.cx, ctx.w = dev_lengths, x, y, hx, cx, w
            ctx.reserve, ctx.reserve_bytes, ctx.work_bytes = reserve, reserve_bytes, work_bytes
            ctx.consumed = False
        return hy, cy, y

    def backward(self, indexes, grad_outputs):
        path = backward_path(self.label, config.enable_backprop, self._ratio > 0,
                             self._ctx is not None and self._ctx.consumed)
        if path == 'recompute':
            return self._recomputed_backward(indexes, grad_outputs)
        xp = backend.get_array_module(self._ctx.x)
        with backend.get_device_from_array(self._ctx.x):
            if path == 'refresh':
                retained = [v.array for v in self.get_retained_inputs()]
                states, ws, bs, xs = self._split_inputs(retained)
                self._forward(xp, states, ws, bs, xs, True)
            return self._cudnn_backward(xp, indexes, grad_outputs)

    def _cudnn_backward(self, xp, indexes, grad_outputs):
        from dbr.backends import cudnn
        from dbr.variable import Variable
        ctx = self._ctx
        setup = ctx.setup
        seq = self._seq
        state = cudnn.device_state()
        lib = state.lib
        dtype = ctx.y.dtype
        ns = self.n_states
        width = ctx.y.shape[1]
        gys = grad_outputs[ns:]
        if all(g is None for g in gys):
            dy_tokens = xp.zeros((seq.n_tokens, width), dtype)
        else:
            dy_tokens = xp.concatenate([g.array if g is not None else xp.zeros((n, width), dtype)
                                        for g, n in zip(gys, seq.lengths)])
        dy = seq.to_buffer(xp, dy_tokens)
        dhy = None if grad_outputs[0] is None else seq.to_cudnn_batch(xp, grad_outputs[0].array)
        dcy = (seq.to_cudnn_batch(xp, grad_outputs[1].array)
               if ns == 2 and grad_outputs[1] is not None else None)
        dx = xp.empty((seq.n_rows, ctx.x.shape[1]), dtype)
        dhx = xp.empty_like(ctx.hx) if 0 in indexes else None
        dcx = xp.empty_like(ctx.cx) if ns == 2 and 1 in indexes else None
        work = cudnn.alloc_bytes(ctx.work_bytes)
        p = cudnn.data_ptr
        lib.cudnnRNNBackwardData_v8(
            state.handle, setup.rnn_desc, p(ctx.dev_lengths), ctx.y_desc, p(ctx.y), p(dy),
            ctx.x_desc, p(dx), ctx.h_desc, p(ctx.hx), p(dhy), p(dhx), ctx.h_desc, p(ctx.cx),
            p(dcy), p(dcx), setup.space_bytes, p(ctx.w), ctx.work_bytes, p(work),
            ctx.reserve_bytes, p(ctx.reserve))
        ctx.consumed = True
        n_wb = 2 * self.n_layers * self.n_dirs * self.n_w
        wgrads = None
        if any(ns <= i < ns + n_wb for i in indexes):
            dw = xp.zeros(setup.weights.size, dtype)   # cuDNN only adds into it
            lib.cudnnRNNBackwardWeights_v8(
                state.handle, setup.rnn_desc, cudnn.WGRAD_MODE_ADD, p(ctx.dev_lengths),
                ctx.x_desc, p(ctx.x), ctx.h_desc, p(ctx.hx), ctx.y_desc, p(ctx.y),
                setup.space_bytes, p(dw), ctx.work_bytes, p(work), ctx.reserve_bytes,
                p(ctx.reserve))
            wgrads = setup.weights.unpack(dw)
        dxs = seq.split(xp, seq.from_buffer(xp, dx))
        grads = []
        for i in indexes:
            if i == 0:
                g = seq.to_caller_batch(xp, dhx)
            elif i < ns:
                g = seq.to_caller_batch(xp, dcx)
            elif i < ns + n_wb:
                g = wgrads[i - ns]
            else:
                g = dxs[i - ns - n_wb]
            grads.append(Variable(g, requires_grad=False))
        return tuple(grads)

    def _recomputed_backward(self, indexes, grad_outputs):
        """Double backprop: differentiates a re-run of the forward on the array-module path."""
        from dbr.function_node import grad
        from dbr.variable import Variable
        inputs = self.get_retained_inputs()
        states, ws, bs, xs = self._split_inputs(inputs)
        n_w = self.n_w
        groups = range(self.n_layers * self.n_dirs)
        outputs = _n_step.n_step(
            self.mode, self.label, self.n_layers, 0.0, states[0],
            states[1] if self.n_states == 2 else None,
            [list(ws[k * n_w:(k + 1) * n_w]) for k in groups],
            [list(bs[k * n_w:(k + 1) * n_w]) for k in groups], list(xs), self.n_dirs,
            self.activation)
        flat = list(outputs[:-1]) + list(outputs[-1])
        pairs = [(y, gy) for y, gy in zip(flat, grad_outputs) if gy is not None]
        targets = [inputs[i] for i in indexes]
        grads = grad([y for y, _ in pairs], targets, [gy for _, gy in pairs],
                     enable_double_backprop=True)
        return tuple(g if g is not None else Variable(t.xp.zeros_like(t.array),
                                                      requires_grad=False)
                     for g, t in zip(grads, targets))
