"""``Link``, ``Chain``, ``ChainList`` and ``Sequential``: parameter containers.

A Link owns Parameters and persistent values (running statistics and such); a Chain owns named
child links, a ChainList numbered ones. Registration happens by plain attribute assignment
inside ``with self.init_scope():``. Iteration follows registration order.
"""
import contextlib
import copy as copy_module

import numpy

from dbr import backend
from dbr import initializers
from dbr.variable import Parameter


class Link:
    """A building block of models: holds parameters and persistents, computes ``forward``.

    Args:
        **params: Deprecated Chainer form ``Link(W=(3, 4))`` registering uninitialized-free
            float parameters of the given shapes.

    Example:
        >>> class Affine(dbr.Link):
        ...     def __init__(self):
        ...         super().__init__()
        ...         with self.init_scope():
        ...             self.W = dbr.Parameter(dbr.initializers.One(), (2, 3))
        ...     def forward(self, x):
        ...         return F.matmul(x, self.W, transb=True)
    """

    def __init__(self, **params):
        self._params = {}
        self._persistent = {}
        self._within_init_scope = False
        self._device = backend.CpuDevice()
        self.name = None
        for name, shape in params.items():
            self.add_param(name, shape)

    # ----- registration ------------------------------------------------------------------------
    @property
    def within_init_scope(self):
        """True inside ``with self.init_scope():``."""
        return getattr(self, '_within_init_scope', False)

    @contextlib.contextmanager
    def init_scope(self):
        """Within this block, assigning a Parameter (or a Link, in Chain) registers it.

        Example:
            >>> with self.init_scope():  # doctest: +SKIP
            ...     self.W = dbr.Parameter(...)
        """
        old = self._within_init_scope
        self._within_init_scope = True
        try:
            yield
        finally:
            self._within_init_scope = old

    def __setattr__(self, name, value):
        if self.within_init_scope and isinstance(value, Parameter):
            value.name = name
            self._params[name] = None
            self._persistent.pop(name, None)
            if value.array is not None and self._device.xp is not numpy:
                value.to_device(self._device)
            elif value.array is None:
                value._initial_device = self._device
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self._params.pop(name, None)
        self._persistent.pop(name, None)
        super().__delattr__(name)

    def _check_name(self, name, who):
        if name in self.__dict__:
            raise AttributeError(f'{who}: cannot register {name!r}: the link already has an '
                                 f'attribute of that name')

    def add_param(self, name, shape=None, dtype=numpy.float32, initializer=None):
        """Registers a new Parameter ``name`` (uninitialized when ``shape`` is None).

        Example:
            >>> link.add_param('W', (3, 4), initializer=dbr.initializers.Zero())  # doctest: +SKIP
        """
        self._check_name(name, 'Link.add_param')
        if initializer is None:
            initializer = initializers.NaN(dtype)
        param = Parameter(initializer, shape)
        with self.init_scope():
            setattr(self, name, param)

    def add_persistent(self, name, value):
        """Registers ``value`` (array or scalar) as persistent: serialized and moved with the link.

        Example:
            >>> link.add_persistent('avg_mean', numpy.zeros(3, 'f'))  # doctest: +SKIP
        """
        self._check_name(name, 'Link.add_persistent')
        self._persistent[name] = None
        if isinstance(value, numpy.ndarray) or backend.is_gpu_array(value):
            value = self._device.send(value)
        super().__setattr__(name, value)

    def register_persistent(self, name):
        """Marks an existing attribute as persistent.

        Example:
            >>> link.counter = 0; link.register_persistent('counter')  # doctest: +SKIP
        """
        if not hasattr(self, name):
            raise AttributeError(f'Link.register_persistent: no attribute {name!r} to register')
        self._persistent[name] = None

    # ----- traversal ---------------------------------------------------------------------------
    def params(self, include_uninit=True):
        """Yields every Parameter of this link and its descendants."""
        for _, param in self.namedparams(include_uninit):
            yield param

    def namedparams(self, include_uninit=True):
        """Yields ``(path, param)`` pairs, paths like ``/encoder/W``."""
        d = self.__dict__
        for name in self._params:
            if include_uninit or d[name].array is not None:
                yield '/' + name, d[name]

    def links(self, skipself=False):
        """Yields this link (unless ``skipself``) and every descendant link."""
        for _, link in self.namedlinks(skipself):
            yield link

    def namedlinks(self, skipself=False):
        """Yields ``(path, link)`` pairs; this link itself is ``'/'``."""
        if not skipself:
            yield '/', self

    def children(self):
        """Yields the direct child links."""
        return iter(())

    # ----- gradients and parameters ------------------------------------------------------------
    def cleargrads(self):
        """Sets every parameter's gradient to None (the next backward writes fresh ones)."""
        for param in self.params():
            param.cleargrad()

    def zerograds(self):
        """Fills every initialized parameter's gradient with zeros (prefer :meth:`cleargrads`)."""
        for param in self.params(include_uninit=False):
            param.zerograd()

    def addgrads(self, link):
        """Adds the gradients of ``link``'s parameters (same structure) into this link's."""
        src = dict(link.namedparams())
        for path, param in self.namedparams():
            if path not in src:
                raise KeyError(f'Link.addgrads: the source link has no parameter {path}')
            param.addgrad(src[path])

    def copyparams(self, link, copy_persistent=True):
        """Copies parameter values (and persistents) from ``link``, which has the same structure."""
        src = dict(link.namedparams())
        for path, param in self.namedparams():
            other = src.get(path)
            if other is None:
                raise KeyError(f'Link.copyparams: the source link has no parameter {path}')
            if other.array is None:
                continue
            if param.array is None:
                param.initialize(other.shape)
            if param.shape != other.shape:
                raise ValueError(f'Link.copyparams: {path} has shape {param.shape}, the source '
                                 f'has {other.shape}')
            param.array[...] = backend.get_device_from_array(param.array).send(other.array)
        if copy_persistent:
            src_links = dict(link.namedlinks())
            for path, sub in self.namedlinks():
                other = src_links[path]
                for name in sub._persistent:
                    value = other.__dict__[name]
                    mine = sub.__dict__[name]
                    if hasattr(mine, 'shape') and hasattr(value, 'shape'):
                        mine[...] = backend.get_device_from_array(mine).send(value)
                    else:
                        sub.__dict__[name] = copy_module.deepcopy(value)

    def count_params(self):
        """Number of scalars in the initialized parameters."""
        return sum(p.size for p in self.params(include_uninit=False))

    def enable_update(self):
        """Lets optimizers update every parameter of this link and its descendants."""
        for param in self.params():
            rule = param.update_rule
            if rule is not None:
                rule.enabled = True
        for link in self.links():
            link._update_enabled = True

    def disable_update(self):
        """Freezes every parameter of this link and its descendants."""
        for param in self.params():
            rule = param.update_rule
            if rule is not None:
                rule.enabled = False
        for link in self.links():
            link._update_enabled = False

    @property
    def update_enabled(self):
        """False after :meth:`disable_update` (until :meth:`enable_update`)."""
        return self.__dict__.get('_update_enabled', True)

    # ----- copies ------------------------------------------------------------------------------
    def copy(self, mode='share'):
        """Returns a copy of the link tree.

        Args:
            mode (str): ``'share'``: new Parameter objects sharing the arrays (gradients are not
                shared); ``'copy'``: deep copy; ``'init'``: deep copy with parameters
                re-initialized by their initializers.

        Example:
            >>> target = model.copy('copy')  # doctest: +SKIP
        """
        if mode == 'share':
            ret = copy_module.copy(self)
            ret._params = dict(self._params)
            ret._persistent = dict(self._persistent)
            ret.name = None
            d = ret.__dict__
            for name in ret._params:
                d[name] = copy_module.copy(d[name])
                d[name].cleargrad()
            return ret
        if mode == 'copy':
            return copy_module.deepcopy(self)
        if mode == 'init':
            ret = copy_module.deepcopy(self)
            for param in ret.params(include_uninit=False):
                param.initialize(param.shape)
            return ret
        raise ValueError(f"Link.copy: mode must be 'share', 'copy' or 'init', got {mode!r}")

    def repeat(self, n_repeat, mode='init'):
        """Returns a :class:`Sequential` of ``n_repeat`` copies of this link.

        Example:
            >>> blocks = L.Linear(8, 8).repeat(3)  # doctest: +SKIP
        """
        if n_repeat <= 0:
            return Sequential()
        return Sequential(*[self.copy(mode) for _ in range(n_repeat)])

    # ----- devices -----------------------------------------------------------------------------
    @property
    def device(self):
        """The :class:`dbr.backend.Device` this link lives on."""
        return self._device

    @property
    def xp(self):
        """``numpy`` or ``cupy``, whichever this link's arrays use."""
        return self._device.xp

    def to_device(self, device):
        """Moves every parameter and persistent array of the tree to ``device`` in place.

        Example:
            >>> model.to_device('@cupy:0')  # doctest: +SKIP
        """
        device = backend.get_device(device)
        for link in self.links():
            d = link.__dict__
            for name in link._params:
                d[name].to_device(device)
            for name in link._persistent:
                value = d[name]
                if isinstance(value, numpy.ndarray) or backend.is_gpu_array(value):
                    d[name] = device.send(value)
            link._device = device
        return self

    def to_cpu(self):
        """Moves the link tree to the host. Returns ``self``."""
        return self.to_device(backend.CpuDevice())

    def to_gpu(self, device=None):
        """Moves the link tree to a GPU (the current one when ``device`` is None). Returns ``self``.

        Example:
            >>> model.to_gpu(0)  # doctest: +SKIP
        """
        if device is None:
            cupy = backend._import_cupy('Link.to_gpu')
            device = cupy.cuda.Device().id
        elif not isinstance(device, backend.Device):
            device = int(getattr(device, 'id', device))
        return self.to_device(device)

    # ----- serialization -----------------------------------------------------------------------
    def serialize(self, serializer):
        """Saves or loads parameters and persistents through ``serializer``."""
        d = self.__dict__
        for name in self._params:
            param = d[name]
            data = serializer(name, param.array)
            if param.array is None and data is not None:
                param.initialize(data.shape)
                param.array[...] = backend.get_device_from_array(param.array).send(data)
        for name in self._persistent:
            value = serializer(name, d[name])
            if isinstance(value, numpy.ndarray) or backend.is_gpu_array(value):
                value = self._device.send(value)  # loaded into a None persistent: from the host
            d[name] = value

    # ----- calling -----------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'{type(self).__name__} does not implement forward')

    def _repr_lines(self):
        return [f'{type(self).__name__}()']

    def _tree_lines(self, items):
        """Repr lines of a container: one ``(label): child`` entry per (label, layer) item."""
        lines = [f'{type(self).__name__}(']
        for label, layer in items:
            child = (layer._repr_lines() if isinstance(layer, Link)
                     else [getattr(layer, '__name__', repr(layer))])
            lines.append(f'  ({label}): {child[0]}')
            lines.extend('  ' + line for line in child[1:])
        if len(lines) == 1:
            return [f'{type(self).__name__}()']
        return lines + [')']

    def __repr__(self):
        return '\n'.join(self._repr_lines())


class Chain(Link):
    """A link made of named child links, registered in ``init_scope``.

    Example:
        >>> class MLP(dbr.Chain):
        ...     def __init__(self):
        ...         super().__init__()
        ...         with self.init_scope():
        ...             self.l1 = L.Linear(None, 100)
        ...             self.l2 = L.Linear(100, 10)
        ...     def forward(self, x):
        ...         return self.l2(F.relu(self.l1(x)))
    """

    def __init__(self, **links):
        super().__init__()
        self._children = {}
        with self.init_scope():
            for name, link in links.items():
                setattr(self, name, link)

    def __setattr__(self, name, value):
        if self.within_init_scope and isinstance(value, Link):
            if hasattr(self, name) and name not in self.__dict__.get('_children', {}):
                raise AttributeError(f'Chain: cannot register link {name!r}: the chain already '
                                     f'has an attribute of that name')
            value.name = name
            self._children[name] = None
            if self._device.xp is not numpy or value._device.xp is not numpy:
                value.to_device(self._device)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self.__dict__.get('_children', {}).pop(name, None)
        super().__delattr__(name)

    def __getitem__(self, name):
        """Returns the child link ``name``."""
        return self.__dict__[name]

    def add_link(self, name, link):
        """Registers ``link`` as a child named ``name`` (same as assignment in init_scope)."""
        self._check_name(name, 'Chain.add_link')
        if not isinstance(link, Link):
            raise TypeError(f'Chain.add_link: expected a Link, got {type(link).__name__}')
        with self.init_scope():
            setattr(self, name, link)

    def children(self):
        d = self.__dict__
        for name in self._children:
            yield d[name]

    def namedparams(self, include_uninit=True):
        yield from super().namedparams(include_uninit)
        d = self.__dict__
        for name in self._children:
            prefix = '/' + name
            for path, param in d[name].namedparams(include_uninit):
                yield prefix + path, param

    def namedlinks(self, skipself=False):
        if not skipself:
            yield '/', self
        d = self.__dict__
        for name in self._children:
            child = d[name]
            prefix = '/' + name
            yield prefix, child
            for path, link in child.namedlinks(skipself=True):
                yield prefix + path, link

    def copy(self, mode='share'):
        ret = super().copy(mode)
        if mode == 'share':
            # Its own registry: a link registered on the copy is added there only.
            ret._children = dict(self._children)
            d = ret.__dict__
            for name in ret._children:
                child = d[name].copy('share')
                child.name = name
                d[name] = child
        return ret

    def serialize(self, serializer):
        super().serialize(serializer)
        d = self.__dict__
        for name in self._children:
            d[name].serialize(serializer[name])

    def _repr_lines(self):
        return self._tree_lines((name, self.__dict__[name]) for name in self._children)


class ChainList(Link):
    """A link made of an ordered list of child links (paths ``/0``, ``/1``, ...).

    Example:
        >>> layers = dbr.ChainList(L.Linear(3, 4), L.Linear(4, 2))
        >>> len(layers)
        2
    """

    def __init__(self, *links):
        super().__init__()
        self._children = []
        for link in links:
            self.add_link(link)

    def __setattr__(self, name, value):
        if self.within_init_scope and isinstance(value, Link):
            raise TypeError('ChainList: child links are added with add_link/append, not by '
                            'attribute assignment')
        super().__setattr__(name, value)

    def add_link(self, link):
        """Appends ``link`` as the next child."""
        if not isinstance(link, Link):
            raise TypeError(f'ChainList.add_link: expected a Link, got {type(link).__name__}')
        link.name = str(len(self._children))
        if self._device.xp is not numpy or link._device.xp is not numpy:
            link.to_device(self._device)
        self._children.append(link)

    append = add_link

    def __getitem__(self, index):
        return self._children[index]

    def __iter__(self):
        return iter(self._children)

    def __len__(self):
        return len(self._children)

    def children(self):
        return iter(self._children)

    def namedparams(self, include_uninit=True):
        yield from super().namedparams(include_uninit)
        for i, child in enumerate(self._children):
            prefix = f'/{i}'
            for path, param in child.namedparams(include_uninit):
                yield prefix + path, param

    def namedlinks(self, skipself=False):
        if not skipself:
            yield '/', self
        for i, child in enumerate(self._children):
            prefix = f'/{i}'
            yield prefix, child
            for path, link in child.namedlinks(skipself=True):
                yield prefix + path, link

    def copy(self, mode='share'):
        ret = super().copy(mode)
        if mode == 'share':
            ret._children = [child.copy('share') for child in self._children]
            for i, child in enumerate(ret._children):
                child.name = str(i)
        return ret

    def serialize(self, serializer):
        super().serialize(serializer)
        for i, child in enumerate(self._children):
            child.serialize(serializer[str(i)])

    def _repr_lines(self):
        return self._tree_lines(enumerate(self._children))


class Sequential(ChainList):
    """Applies its layers in order; layers may be links or plain functions (``F.relu``).

    Example:
        >>> model = dbr.Sequential(L.Linear(3, 4), F.relu, L.Linear(4, 2))
        >>> model(numpy.zeros((1, 3), 'f')).shape
        (1, 2)
    """

    def __init__(self, *layers):
        self._layers = []
        super().__init__()
        for layer in layers:
            self.append(layer)

    def append(self, layer):
        """Appends a link or a callable."""
        if isinstance(layer, Link):
            super().add_link(layer)
        elif not callable(layer):
            raise TypeError(f'Sequential: layers must be links or callables, got '
                            f'{type(layer).__name__}')
        self._layers.append(layer)

    add_link = append

    def __getitem__(self, index):
        return self._layers[index]

    def __iter__(self):
        return iter(self._layers)

    def __len__(self):
        return len(self._layers)

    def forward(self, *x):
        for layer in self._layers:
            x = layer(*x) if isinstance(x, tuple) else layer(x)
        return x

    def copy(self, mode='share'):
        ret = super().copy(mode)
        if mode == 'share':
            it = iter(ret._children)
            ret._layers = [next(it) if isinstance(layer, Link) else layer
                           for layer in self._layers]
        return ret

    def _repr_lines(self):
        return self._tree_lines(enumerate(self._layers))
