"""``Variable``, ``Parameter`` and the graph's ``VariableNode``.

A Variable is what users hold: an array, its gradient and a name. The graph itself is made of
VariableNodes and FunctionNodes. A node keeps no array unless a function retained it for its
backward pass, and it points back at its Variable only weakly, so dropping the Variables of a
graph frees their arrays even while the graph is still alive.
"""
import weakref

import numpy

from dbr import backend
from dbr import initializers
from dbr.configuration import config

_ndarray = numpy.ndarray


class VariableNode:
    """A variable's place in the graph: its creator, rank and whether it needs a gradient.

    Attributes:
        creator: The FunctionNode that produced this variable, or None for a leaf.
        rank (int): Depth in the graph; a creator always has a lower rank than its outputs.
        requires_grad (bool): Whether gradients flow into this variable.
    """

    __slots__ = ('creator', 'rank', 'requires_grad', '_variable', '__weakref__')

    def __init__(self, creator, rank, requires_grad, variable_ref):
        self.creator = creator
        self.rank = rank
        self.requires_grad = requires_grad
        self._variable = variable_ref

    @property
    def creator_node(self):
        return self.creator

    def get_variable_or_none(self):
        """Returns the Variable this node belongs to, or None if it was released."""
        return self._variable()

    def _variable_for(self, data):
        """Returns this node's Variable, recreating it around ``data`` if it was released."""
        var = self._variable()
        if var is None:
            var = _make(data, self.requires_grad)
            var._node = self
            self._variable = weakref.ref(var)
        return var

    @property
    def label(self):
        var = self._variable()
        if var is None:
            return 'variable (released)'
        return f'variable {var.name}' if var.name else f'variable {var.shape} {var.dtype}'

    def __repr__(self):
        return f'<VariableNode {self.label} rank={self.rank}>'


def _make(data, requires_grad):
    """Creates a Variable without validation (the hot path of FunctionNode.apply)."""
    v = _new(Variable)
    v._data = data
    v._node = None
    v._grad_var = None
    v._requires_grad = requires_grad
    v._name = None
    return v


_new = object.__new__


def _check_data(data, who):
    if data is None or isinstance(data, _ndarray) or backend.is_gpu_array(data):
        return data
    if isinstance(data, numpy.generic):
        return numpy.asarray(data)
    hint = ' (wrap it with numpy.asarray)' if isinstance(data, (list, tuple, int, float)) else ''
    raise TypeError(f'{who}: expected a NumPy or CuPy array, got {type(data).__name__}{hint}')


class Variable:
    """An array that records the operations applied to it, so gradients can flow back.

    Args:
        data: NumPy or CuPy array (or None for an uninitialized variable).
        name (str): Optional name, shown in ``repr`` and graphs.
        grad: Optional initial gradient array.
        requires_grad (bool): Whether gradients are computed for this variable (default True).

    Example:
        >>> x = dbr.Variable(numpy.array([1., 2.], 'f'))
        >>> y = dbr.functions.sum(x * x)
        >>> y.backward()
        >>> x.grad
        array([2., 4.], dtype=float32)
    """

    __slots__ = ('_data', '_node', '_grad_var', '_requires_grad', '_name', '__weakref__')
    # Lets NumPy defer `ndarray op Variable` to the Variable's reflected operator.
    __array_ufunc__ = None

    def __init__(self, data=None, *, name=None, grad=None, requires_grad=True):
        self._data = _check_data(data, 'dbr.Variable')
        self._node = None
        self._grad_var = None
        self._requires_grad = bool(requires_grad)
        self._name = name
        if grad is not None:
            self.grad = grad

    # ----- data and gradient -------------------------------------------------------------------
    @property
    def array(self):
        """The underlying NumPy/CuPy array (``.data`` is the same thing)."""
        return self._data

    @array.setter
    def array(self, value):
        self._data = _check_data(value, 'Variable.array')

    data = array

    @property
    def grad(self):
        """The gradient array, or None when no gradient has been computed."""
        gv = self._grad_var
        return None if gv is None else gv._data

    @grad.setter
    def grad(self, g):
        if g is None:
            self._grad_var = None
            return
        self._check_grad(g)
        self._grad_var = _make(g, False)

    @property
    def grad_var(self):
        """The gradient as a Variable (differentiable after ``enable_double_backprop``)."""
        return self._grad_var

    @grad_var.setter
    def grad_var(self, g):
        if g is not None:
            if not isinstance(g, Variable):
                raise TypeError(f'Variable.grad_var: expected a Variable or None, got '
                                f'{type(g).__name__}')
            self._check_grad(g._data)
        self._grad_var = g

    def _check_grad(self, g):
        _check_data(g, 'Variable.grad')
        data = self._data
        if data is None:
            return
        if type(g) is not type(data):
            raise TypeError(f'Variable.grad: expected a {type(data).__module__} array like the '
                            f'data, got {type(g).__module__}.{type(g).__name__}')
        if g.shape != data.shape or g.dtype != data.dtype:
            raise ValueError(f'Variable.grad: expected shape {data.shape} and dtype {data.dtype}, '
                             f'got shape {g.shape} and dtype {g.dtype}')

    def cleargrad(self):
        """Sets the gradient to None (the next backward pass writes a fresh one)."""
        self._grad_var = None

    def zerograd(self):
        """Sets the gradient to zeros of the data's shape (prefer :meth:`cleargrad`)."""
        if self._data is not None:
            self._grad_var = _make(self.xp.zeros_like(self._data), False)

    def addgrad(self, var):
        """Adds ``var``'s gradient into this one's, moving it to this variable's device."""
        g = var.grad
        if g is None:
            return
        g = backend.get_device_from_array(self._data).send(g)
        self.grad = g.copy() if self.grad is None else self.grad + g

    # ----- naming and graph --------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, n):
        self._name = n

    @property
    def requires_grad(self):
        """Whether gradients are computed for this variable."""
        return self._requires_grad

    @property
    def node(self):
        """This variable's :class:`VariableNode` (created on first use)."""
        n = self._node
        if n is None:
            n = self._node = VariableNode(None, 0, self._requires_grad, weakref.ref(self))
        return n

    @property
    def creator(self):
        """The FunctionNode that produced this variable, or None."""
        n = self._node
        return None if n is None else n.creator

    @creator.setter
    def creator(self, func):
        node = self.node
        node.creator = func
        node.rank = 0 if func is None else func.rank + 1

    creator_node = creator

    @property
    def rank(self):
        n = self._node
        return 0 if n is None else n.rank

    def unchain(self):
        """Cuts the link to this variable's creator (only this variable's edge)."""
        n = self._node
        if n is not None:
            n.creator = None

    def unchain_backward(self):
        """Deletes the graph behind this variable, freeing what it kept for backward.

        Typical use: truncated BPTT, ``h.unchain_backward()`` after a window.
        """
        n = self._node
        if n is None:
            return
        stack = [n.creator] if n.creator is not None else []
        seen = set()
        while stack:
            func = stack.pop()
            if func in seen:
                continue
            seen.add(func)
            for x in func.inputs or ():
                if x is not None and x.creator is not None:
                    stack.append(x.creator)
            func.unchain()

    def backward(self, retain_grad=False, enable_double_backprop=False, loss_scale=None):
        """Computes the gradients of this variable w.r.t. every leaf that requires them.

        Leaf gradients are accumulated into their ``.grad`` (call ``cleargrads()`` first).

        Args:
            retain_grad (bool): Keep the gradients of intermediate variables too.
            enable_double_backprop (bool): Record the backward computation so the gradients
                can themselves be differentiated.
            loss_scale (float): Multiplies the initial gradient; optimizers divide it back out.

        Raises:
            ValueError: When this variable has more than one element and no ``grad`` set.

        Example:
            >>> loss = dbr.functions.sum(x * x)  # doctest: +SKIP
            >>> loss.backward()  # doctest: +SKIP
        """
        from dbr import _backprop
        _backprop.backward(self, retain_grad, enable_double_backprop, loss_scale)

    # ----- array-like attributes ---------------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def xp(self):
        """``numpy`` or ``cupy``, whichever holds the data."""
        return backend.get_array_module(self._data)

    @property
    def device(self):
        """The :class:`dbr.backend.Device` holding the data."""
        return backend.get_device_from_array(self._data)

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError('len() of a 0-d Variable')
        return len(self._data)

    def item(self):
        """Returns the single element as a Python scalar."""
        return self._data.item()

    def __bool__(self):
        # As for arrays: a one-element Variable has a truth value, a larger one is ambiguous.
        return bool(self._data)

    def reshape(self, *shape):
        """Differentiable reshape; accepts ``reshape(2, 3)`` or ``reshape((2, 3))``."""
        from dbr.functions.array.reshape import reshape
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return reshape(self, tuple(shape))

    def transpose(self, *axes):
        """Differentiable transpose; no axes reverses them."""
        from dbr.functions.array.transpose import transpose
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return transpose(self, tuple(axes) if axes else None)

    # ----- devices -----------------------------------------------------------------------------
    def to_cpu(self):
        """Moves the data and gradient to the host in place."""
        self.to_device(backend.CpuDevice())

    def to_gpu(self, device=None):
        """Moves the data and gradient to a GPU in place (current device when None)."""
        if device is None:
            cupy = backend._import_cupy('Variable.to_gpu')
            device = cupy.cuda.Device().id
        self.to_device(device)

    def to_device(self, device):
        """Moves the data and gradient to ``device`` (any spec :func:`dbr.get_device` accepts)."""
        device = backend.get_device(device)
        if self._data is not None:
            self._data = device.send(self._data)
        gv = self._grad_var
        if gv is not None:
            gv._data = device.send(gv._data)

    # ----- misc --------------------------------------------------------------------------------
    def __setitem__(self, key, value):
        raise TypeError(
            'Variable does not support item assignment (v[i] = x would break the graph); '
            'build a new Variable instead, e.g. with dbr.functions.where or '
            'dbr.functions.scatter_add, or assign into v.array when no gradient is needed')

    def __repr__(self):
        if self._data is None:
            return 'variable(None)'
        body = repr(self._data)
        body = body[body.index('('):] if '(' in body else f'({body})'
        name = f' {self._name}' if self._name else ''
        return f'variable{name}{body}'

    def __str__(self):
        return 'None' if self._data is None else str(self._data)

    __hash__ = object.__hash__

    def __copy__(self):
        # A copy shares the arrays but not the graph position: it starts as a fresh leaf.
        new = _new(type(self))
        for name in _state_names(type(self)):
            if hasattr(self, name):
                value = getattr(self, name)
                setattr(new, name, dict(value) if name == '__dict__' else value)
        new._node = None
        return new

    def __deepcopy__(self, memo):
        import copy
        new = _new(type(self))
        memo[id(self)] = new
        for name in _state_names(type(self)):
            if hasattr(self, name):
                setattr(new, name, copy.deepcopy(getattr(self, name), memo))
        new._node = None
        return new

    def __reduce__(self):
        # As in Chainer, a pickle keeps the arrays, the name and (for a Parameter) the
        # initializer and update rule, but not the graph: it loads as a fresh leaf, like a copy.
        state = {name: getattr(self, name) for name in _state_names(type(self))
                 if hasattr(self, name)}
        return _unpickle, (type(self), state, getattr(self, '__dict__', None))


def _unpickle(cls, state, attributes):
    new = _new(cls)
    for name, value in state.items():
        setattr(new, name, value)
    if attributes is not None:
        new.__dict__.update(attributes)
    new._node = None
    return new


def _state_names(cls):
    """Every slot of ``cls`` and its bases except ``_node``/``__weakref__``, plus ``__dict__``."""
    names = []
    for klass in cls.__mro__:
        for name in klass.__dict__.get('__slots__', ()):
            if name not in ('_node', '__weakref__') and name not in names:
                names.append(name)
    return names


class Parameter(Variable):
    """A Variable owned by a Link, with an initializer and an optimizer ``update_rule``.

    Args:
        initializer: An initializer callable, a scalar, or an array (used as the data).
        shape: Shape to initialize with now; None leaves the parameter uninitialized until
            :meth:`initialize` (lazy shapes, e.g. ``Linear(None, 10)``).
        name (str): Parameter name.

    Example:
        >>> p = dbr.Parameter(dbr.initializers.Zero(), (2, 3))
        >>> p.shape
        (2, 3)
    """

    __slots__ = ('initializer', 'update_rule', '_loss_scale', '_initial_device', '_dtype',
                 '__dict__')

    def __init__(self, initializer=None, shape=None, name=None):
        if hasattr(initializer, 'shape') and hasattr(initializer, 'dtype'):
            super().__init__(initializer, name=name)
            self.initializer = initializers.Constant(initializer, initializer.dtype)
            self._initial_device = self.device
        else:
            super().__init__(None, name=name)
            self.initializer = initializers._get_initializer(initializer)
            # Fixed now, not at the lazy initialization: the parameters of one link built under
            # using_config('dtype', ...) must agree even if only some of them start lazily.
            self._dtype = getattr(self.initializer, 'dtype', None) or config.dtype
            self._initial_device = backend.CpuDevice()
            if shape is not None:
                self.initialize(shape)
        self.update_rule = None
        self._loss_scale = None

    @property
    def is_initialized(self):
        return self._data is not None

    @property
    def dtype(self):
        if self._data is not None:
            return self._data.dtype
        return self._dtype

    def initialize(self, shape):
        """Creates the data with ``shape`` on this parameter's device; the grad stays None."""
        if isinstance(shape, (int, numpy.integer)):
            shape = (int(shape),)
        device = self._initial_device
        with device:
            self._data = initializers.generate_array(self.initializer, tuple(shape), device.xp,
                                                     getattr(self, '_dtype', None))
        self._grad_var = None

    def to_device(self, device):
        device = backend.get_device(device)
        self._initial_device = device
        super().to_device(device)
        if self.update_rule is not None:
            # The optimizer's state (Adam's moments...) lives where the parameter lives.
            self.update_rule.to_device(device)

    def update(self):
        """Applies this parameter's optimizer update rule, if it has one."""
        if self.update_rule is not None:
            self.update_rule.update(self)

    def __repr__(self):
        if self._data is None:
            return f'parameter {self._name or ""}(uninitialized)'.replace(' (', '(')
        return 'parameter' + super().__repr__()[len('variable'):]


def as_variable(obj):
    """Returns ``obj`` if it is a Variable, else wraps the array in one with no gradient.

    Example:
        >>> v = dbr.as_variable(numpy.zeros(2, 'f'))
        >>> v.requires_grad
        False
    """
    if isinstance(obj, Variable):
        return obj
    return Variable(obj, requires_grad=False)


def as_array(obj):
    """Returns the array of a Variable, or ``obj`` itself when it is an array.

    Example:
        >>> dbr.as_array(dbr.Variable(numpy.zeros(2, 'f')))
        array([0., 0.], dtype=float32)
    """
    if isinstance(obj, Variable):
        return obj._data
    return obj
