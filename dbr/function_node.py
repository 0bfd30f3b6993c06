"""``FunctionNode``: one differentiable operation, and ``grad()``.

``apply`` is the per-op hot path. It unwraps the inputs, checks that they share one array
module, runs the type check and ``forward``, wraps the outputs, and links the graph only when
backprop is enabled and some input requires a gradient. Nothing else happens per call.
"""
import re
import weakref

import numpy

from dbr import backend
from dbr.configuration import config
from dbr.variable import Variable, VariableNode, _make

_ndarray = numpy.ndarray
_generic = numpy.generic
_new = object.__new__
_ref = weakref.ref
_labels = {}


def _snake(name):
    return re.sub(r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])', '_', name).lower()


class FunctionNode:
    """Base class of differentiable operations.

    Subclasses implement ``forward(inputs)`` on raw arrays (returning a tuple of arrays) and
    ``backward(target_input_indexes, grad_outputs)`` on Variables, written with dbr
    functions so that it can itself be differentiated. Values needed by ``backward`` are kept
    with :meth:`retain_inputs` / :meth:`retain_outputs`; nothing else is kept.

    Attributes:
        inputs: Tuple of the input :class:`VariableNode` s (None for plain-array inputs), set
            when the node joins a graph.
        outputs: Tuple of weak references to the output nodes.
        rank (int): Depth of this node in the graph.

    Example:
        >>> class Square(dbr.FunctionNode):
        ...     def forward(self, inputs):
        ...         self.retain_inputs((0,))
        ...         return inputs[0] ** 2,
        ...     def backward(self, indexes, grad_outputs):
        ...         x, = self.get_retained_inputs()
        ...         return 2 * x * grad_outputs[0],
        >>> y, = Square().apply((dbr.Variable(numpy.array(3.0)),))
    """

    inputs = None
    outputs = None
    rank = 0
    _input_indexes_to_retain = None
    _output_indexes_to_retain = None
    _retained_inputs = None
    _retained_outputs = None

    @property
    def label(self):
        """Short snake_case name used in error messages (``linear``, ``mul_constant``)."""
        cls = type(self)
        label = _labels.get(cls)
        if label is None:
            label = _labels[cls] = _snake(cls.__name__)
        return label

    def apply(self, inputs):
        """Runs the function on Variables or arrays and returns a tuple of output Variables.

        Args:
            inputs: Tuple/list of Variables or NumPy/CuPy arrays (one array module).

        Example:
            >>> y, = dbr.functions.math.exp.Exp().apply((x,))  # doctest: +SKIP
        """
        if len(inputs) == 1:
            # Most ops take one input: skip the general loop.
            x = inputs[0]
            if isinstance(x, Variable):
                d = x._data
                requires_grad = x._requires_grad
            else:
                d = x
                requires_grad = False
            in_data = (d,)
            all_numpy = d.__class__ is _ndarray
        else:
            in_data = []
            append = in_data.append
            requires_grad = False
            all_numpy = True
            for x in inputs:
                if isinstance(x, Variable):
                    d = x._data
                    if x._requires_grad:
                        requires_grad = True
                else:
                    d = x
                if d.__class__ is not _ndarray:
                    all_numpy = False
                append(d)
            in_data = tuple(in_data)
        if not all_numpy:
            in_data = _check_input_arrays(self, in_data)
        cfg = config
        if cfg.type_check:
            self.check_type_forward(in_data)
        outputs = self.forward(in_data)
        if outputs.__class__ is not tuple:
            raise TypeError(f'{self.label}: forward must return a tuple of arrays, '
                            f'got {type(outputs).__name__}')
        if cfg.debug:
            _check_finite(self, outputs, 'forward')

        if not (requires_grad and cfg.enable_backprop):
            if len(outputs) == 1:
                y = outputs[0]
                if y.__class__ is not _ndarray:
                    y = _as_array(self, y)
                v = _new(Variable)
                v._data = y
                v._node = v._grad_var = v._name = None
                v._requires_grad = requires_grad
                return v,
            return tuple([_make(y if y.__class__ is _ndarray else _as_array(self, y),
                                requires_grad) for y in outputs])

        rank = 0
        in_nodes = []
        for x in inputs:
            if isinstance(x, Variable):
                n = x._node
                if n is None:
                    n = x._node = VariableNode(None, 0, x._requires_grad, _ref(x))
                elif n.rank > rank:
                    rank = n.rank
                in_nodes.append(n)
            else:
                in_nodes.append(None)
        self.inputs = tuple(in_nodes)
        self.rank = rank
        rank += 1
        ret = []
        refs = []
        for y in outputs:
            if y.__class__ is not _ndarray:
                y = _as_array(self, y)
            v = _new(Variable)
            v._data = y
            v._grad_var = v._name = None
            v._requires_grad = True
            n = v._node = _new(VariableNode)
            n.creator = self
            n.rank = rank
            n.requires_grad = True
            n._variable = _ref(v)
            ret.append(v)
            refs.append(_ref(n))
        self.outputs = tuple(refs)
        if self._input_indexes_to_retain is not None:
            self._retained_inputs = tuple([in_data[i] for i in self._input_indexes_to_retain])
        if self._output_indexes_to_retain is not None:
            self._retained_outputs = tuple([outputs[i] for i in self._output_indexes_to_retain])
        return tuple(ret)

    def check_type_forward(self, in_types):
        """Checks the raw input arrays; assign :func:`dbr.type_check.expects` to override."""

    def forward(self, inputs):
        """Computes the outputs from raw arrays; dispatches to forward_cpu/forward_gpu."""
        if backend.get_array_module(*inputs) is numpy:
            return self.forward_cpu(inputs)
        return self.forward_gpu(inputs)

    def forward_cpu(self, inputs):
        raise NotImplementedError(f'{type(self).__name__} implements neither forward nor forward_cpu')

    def forward_gpu(self, inputs):
        raise NotImplementedError(f'{type(self).__name__} implements neither forward nor forward_gpu')

    def backward(self, target_input_indexes, grad_outputs):
        """Returns the gradients (Variables or None) for ``target_input_indexes``.

        Args:
            target_input_indexes (tuple of int): Inputs that need a gradient, sorted.
            grad_outputs (tuple): Gradient Variable of each output, None where none flows.

        Returns:
            A tuple with one entry per target index, or one per input.
        """
        raise NotImplementedError(f'{type(self).__name__} does not implement backward')

    def retain_inputs(self, indexes):
        """Keeps the inputs at ``indexes`` for backward (call it from forward)."""
        self._input_indexes_to_retain = indexes

    def retain_outputs(self, indexes):
        """Keeps the outputs at ``indexes`` for backward (call it from forward)."""
        self._output_indexes_to_retain = indexes

    def get_retained_inputs(self):
        """Returns the retained inputs as Variables connected to the graph."""
        if not config.enable_backprop:
            # A plain backward records nothing, so graph-connected Variables are not needed.
            return tuple([_make(d, False) for d in self._retained_inputs])
        nodes = self.inputs
        ret = []
        for i, data in zip(self._input_indexes_to_retain, self._retained_inputs):
            node = nodes[i]
            ret.append(_make(data, False) if node is None else node._variable_for(data))
        return tuple(ret)

    def get_retained_outputs(self):
        """Returns the retained outputs as Variables connected to the graph."""
        if not config.enable_backprop:
            return tuple([_make(d, False) for d in self._retained_outputs])
        ret = []
        for i, data in zip(self._output_indexes_to_retain, self._retained_outputs):
            node = self.outputs[i]()
            if node is None:
                # The output was released, yet a double backprop may still go through it.
                node = VariableNode(self, self.rank + 1, True, lambda: None)
                refs = list(self.outputs)
                refs[i] = weakref.ref(node)
                self.outputs = tuple(refs)
            ret.append(node._variable_for(data))
        return tuple(ret)

    @property
    def output_data(self):
        """Tuple of the retained output arrays, None for outputs not retained."""
        if self.outputs is None:
            raise RuntimeError(f'{self.label}: output_data is only available after apply')
        data = [None] * len(self.outputs)
        for i, y in zip(self._output_indexes_to_retain or (), self._retained_outputs or ()):
            data[i] = y
        return tuple(data)

    def unchain(self):
        """Removes this node from the graph: its outputs become leaves, its inputs are dropped."""
        for ref in self.outputs or ():
            node = ref()
            if node is not None and node.creator is self:
                node.creator = None
        self.inputs = None
        self._retained_inputs = None
        self._retained_outputs = None

    def __repr__(self):
        return f'<{type(self).__name__} rank={self.rank}>'


def _as_array(func, y):
    if isinstance(y, _generic):
        return numpy.asarray(y)
    if backend.is_gpu_array(y) or isinstance(y, _ndarray):
        return y
    raise TypeError(f'{func.label}: forward must return arrays, got {type(y).__name__}')


def _check_input_arrays(func, in_data):
    """Validates inputs that are not all plain NumPy arrays (the rare path)."""
    out = []
    gpu = cpu = False
    for i, d in enumerate(in_data):
        if isinstance(d, _ndarray):
            cpu = True
        elif backend.is_gpu_array(d):
            gpu = True
        elif isinstance(d, _generic):
            d = numpy.asarray(d)
            cpu = True
        elif d is None:
            raise TypeError(f'{func.label}: input {i} is a Variable with no data (uninitialized)')
        else:
            raise TypeError(f'{func.label}: input {i} must be a Variable or a NumPy/CuPy array, '
                            f'got {type(d).__name__}')
        out.append(d)
    if gpu and cpu:
        kinds = ', '.join('cupy' if backend.is_gpu_array(d) else 'numpy' for d in out)
        raise TypeError(f'{func.label}: inputs mix NumPy and CuPy arrays ({kinds}); move them to '
                        f'one device first (to_cpu/to_gpu)')
    if gpu:
        devices = {d.device.id for d in out}
        if len(devices) > 1:
            raise ValueError(f'{func.label}: inputs live on different GPUs {sorted(devices)}')
    return tuple(out)


def _check_finite(func, arrays, where):
    for i, a in enumerate(arrays):
        if a is None:
            continue
        a = getattr(a, '_data', a)
        if a.dtype.kind in 'fc' and not bool(backend.get_array_module(a).isfinite(a).all()):
            raise FloatingPointError(
                f'{func.label}: {where} output {i} contains NaN or Inf (dbr.config.debug is on)')


def grad(outputs, inputs, grad_outputs=None, grad_inputs=None, set_grad=False,
         retain_grad=False, enable_double_backprop=False, loss_scale=None):
    """Computes the gradients of ``outputs`` w.r.t. ``inputs`` without touching ``.grad``.

    Only the part of the graph between the inputs and the outputs is traversed.

    Args:
        outputs: Sequence of output Variables.
        inputs: Sequence of Variables to differentiate with respect to.
        grad_outputs: Initial gradients of the outputs (None entries: ones, size-1 only).
        grad_inputs: Gradients to add to the inputs' results.
        set_grad (bool): Also store each result in its input's ``grad_var``.
        retain_grad (bool): Store the gradients of intermediate variables.
        enable_double_backprop (bool): Record the computation so results are differentiable.
        loss_scale (float): Multiplies the initial gradients.

    Returns:
        list: One gradient Variable (or None if unreachable) per input.

    Example:
        >>> gx, = dbr.grad([F.sum(x ** 3)], [x], enable_double_backprop=True)  # doctest: +SKIP
        >>> ggx, = dbr.grad([F.sum(gx)], [x])  # 6x  # doctest: +SKIP
    """
    from dbr import _backprop
    return _backprop.grad(outputs, inputs, grad_outputs, grad_inputs, set_grad, retain_grad,
                          enable_double_backprop, loss_scale)
