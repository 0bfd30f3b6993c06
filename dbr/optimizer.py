"""Optimizer machinery: ``Hyperparameter``, ``UpdateRule``, ``Optimizer``, ``GradientMethod``.

One UpdateRule per parameter, whose Hyperparameter falls back to the optimizer's, so ``opt.lr =
0.01`` changes every parameter while ``param.update_rule.hyperparam.lr = 0`` changes one.

The None-gradient rule: a parameter whose ``grad`` is None (it took no part in the forward
pass since ``cleargrads()``) or whose data is uninitialized is skipped everywhere. Its data
stays bit-identical, its state is neither created nor advanced, its ``t`` does not move, and
no hook sees it. Gradients are never zero-filled.
"""
import numpy

from dbr import backend


class Hyperparameter:
    """A set of hyperparameters that falls back to a parent set for names it does not hold.

    Args:
        parent (Hyperparameter): The set to read unset names from.

    Example:
        >>> parent = dbr.optimizer.Hyperparameter(); parent.lr = 0.1
        >>> child = dbr.optimizer.Hyperparameter(parent)
        >>> child.lr
        0.1
    """

    def __init__(self, parent=None):
        self._parent = parent

    def __getattr__(self, name):
        # Walk the chain through the dicts: recursive getattr would raise at every level.
        h = self.__dict__.get('_parent')
        while h is not None:
            d = h.__dict__
            if name in d:
                return d[name]
            h = d.get('_parent')
        raise AttributeError(f'hyperparameter {name!r} is not defined')

    @property
    def parent(self):
        return self._parent

    def get_dict(self):
        """Returns every hyperparameter visible here (own values win over the parent's)."""
        chain = []
        h = self
        while h is not None:
            chain.append(h.__dict__)
            h = h.__dict__.get('_parent')
        d = {}
        for own in reversed(chain):
            d.update(own)
        del d['_parent']
        return d

    def __repr__(self):
        body = ', '.join(f'{k}={v!r}' for k, v in sorted(self.get_dict().items()))
        return f'Hyperparameter({body})'

    __str__ = __repr__


class HyperparameterProxy:
    """Descriptor exposing ``optimizer.hyperparam.<name>`` as ``optimizer.<name>``."""

    def __init__(self, name):
        self.name = name
        self.__doc__ = f'Alias of ``self.hyperparam.{name}``.'

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        return getattr(obj.hyperparam, self.name)

    def __set__(self, obj, value):
        setattr(obj.hyperparam, self.name, value)


def _skipped(param):
    return param.array is None or param.grad is None


def _vector_view(param):
    """A Variable viewing a 0-d parameter and its gradient as shape (1,); writes go through."""
    from dbr.variable import Variable
    view = Variable(param.array.reshape(1))
    if param.grad is not None:
        view.grad = param.grad.reshape(1)
    return view


class UpdateRule:
    """Updates one parameter from its gradient; subclasses implement ``update_core``.

    Attributes:
        enabled (bool): False freezes the parameter.
        hyperparam (Hyperparameter): This rule's hyperparameters (falling back to the optimizer's).
        t (int): Number of updates this rule has applied.
        state (dict): Per-parameter optimizer state, created on the first real update.
        path (str): The parameter's path in the optimizer's target (``/l1/W``), or None.
    """

    def __init__(self, parent_hyperparam=None):
        self.enabled = True
        self.hyperparam = Hyperparameter(parent_hyperparam)
        self.t = 0
        self.path = None
        self._state = None
        self._pre_update_hooks = {}
        self._post_update_hooks = {}

    @property
    def state(self):
        return self._state

    def add_hook(self, hook, name=None, timing='pre'):
        """Adds ``hook(rule, param)`` to run before (``'pre'``) or after (``'post'``) updates."""
        if timing not in ('pre', 'post'):
            raise ValueError(f"UpdateRule.add_hook: timing must be 'pre' or 'post', got {timing!r}")
        name = name or getattr(hook, 'name', None) or getattr(hook, '__name__', None)
        if not name:
            raise ValueError('UpdateRule.add_hook: the hook needs a name')
        hooks = self._pre_update_hooks if timing == 'pre' else self._post_update_hooks
        if name in self._pre_update_hooks or name in self._post_update_hooks:
            raise KeyError(f'UpdateRule.add_hook: a hook named {name!r} already exists')
        hooks[name] = hook

    def remove_hook(self, name):
        """Removes the hook ``name``."""
        for hooks in (self._pre_update_hooks, self._post_update_hooks):
            if name in hooks:
                del hooks[name]
                return
        raise KeyError(f'UpdateRule.remove_hook: no hook named {name!r}')

    def update(self, param):
        """Updates ``param`` in place, unless disabled or its gradient is None."""
        if not self.enabled or _skipped(param):
            return
        if backend.is_gpu_array(param.array):
            with backend.get_device_from_array(param.array):
                self._update(param)
        else:
            self._update(param)

    def _update(self, param):
        if param.array.ndim == 0:
            # Update rules work in place with out= arguments, which 0-d arrays cannot take.
            view = _vector_view(param)
            self._update(view)
            if view.grad is None:
                param.cleargrad()
            return
        fresh = self._state is None
        if fresh:
            self._state = {}
            self.init_state(param)
        self.t += 1
        for hook in self._pre_update_hooks.values():
            hook(self, param)
            if _skipped(param):
                # A hook cleared the gradient: nothing is applied, so nothing advances either.
                self.t -= 1
                if fresh:
                    self._state = None
                return
        self.update_core(param)
        for hook in self._post_update_hooks.values():
            hook(self, param)

    def to_device(self, device):
        """Moves this rule's state arrays to ``device`` (called by ``Parameter.to_device``).

        Example:
            >>> model.to_device('@numpy')  # doctest: +SKIP  (moves params and their state)
        """
        if self._state:
            device = backend.get_device(device)
            for key, value in self._state.items():
                if value is not None and hasattr(value, 'shape'):
                    self._state[key] = device.send(value)

    def init_state(self, param):
        """Creates ``self.state`` entries for ``param`` (arrays on the parameter's device)."""

    def update_core(self, param):
        """Applies the update; dispatches to ``update_core_cpu``/``update_core_gpu``."""
        if backend.is_gpu_array(param.array):
            self.update_core_gpu(param)
        else:
            self.update_core_cpu(param)

    def update_core_cpu(self, param):
        raise NotImplementedError(f'{type(self).__name__} implements neither update_core nor '
                                  f'update_core_cpu')

    def update_core_gpu(self, param):
        raise NotImplementedError(f'{type(self).__name__} implements neither update_core nor '
                                  f'update_core_gpu')

    def serialize(self, serializer, param=None):
        """Saves or loads ``t`` and the state arrays.

        Args:
            serializer: A serializer or deserializer.
            param: The parameter this rule updates; when loading into a rule that has no state
                yet, the state is created for it (shapes, device) and then filled.
        """
        from dbr.serializers import Deserializer
        if param is not None and param.array is not None and param.array.ndim == 0:
            param = _vector_view(param)
        self.t = serializer('t', self.t)
        if self._state is None:
            if not isinstance(serializer, Deserializer) or param is None:
                return
            if param.array is None:
                self._load_state_for_lazy_param(serializer)
                return
            self._state = {}
            with backend.get_device_from_array(param.array):
                self.init_state(param)
            if not self._state or any(not serializer.has(key) for key in self._state):
                self._state = None  # saved before this parameter was ever updated
                return
        for key, value in self._state.items():
            self._state[key] = serializer(key, value)


    def _load_state_for_lazy_param(self, serializer):
        """Loads the saved state of a parameter not sized yet; its first call will size it."""
        from dbr.variable import Variable
        probe = Variable(numpy.zeros(1, numpy.float32))
        probe.grad = numpy.zeros(1, numpy.float32)
        self._state = {}
        self.init_state(probe)   # only to learn the state's keys
        keys = list(self._state)
        if not keys or any(not serializer.has(key) for key in keys):
            self._state = None
            return
        self._state = {key: serializer(key, None) for key in keys}


class Optimizer:
    """Base class of optimizers: holds the target link, ``t``, ``epoch`` and the hooks."""

    target = None
    t = 0
    epoch = 0

    def setup(self, link):
        """Attaches this optimizer to ``link``. Returns ``self``.

        Example:
            >>> optimizer = dbr.optimizers.Adam().setup(model)  # doctest: +SKIP
        """
        from dbr.link import Link
        if not isinstance(link, Link):
            raise TypeError(f'{type(self).__name__}.setup: expected a Link, got '
                            f'{type(link).__name__}')
        self.target = link
        self.t = 0
        self.epoch = 0
        self._pre_update_hooks = {}
        self._post_update_hooks = {}
        return self

    def _check_setup(self, who):
        if self.target is None:
            raise RuntimeError(f'{type(self).__name__}.{who}: call setup(link) first')

    def update(self, lossfun=None, *args, **kwds):
        raise NotImplementedError

    def new_epoch(self, auto=False):
        """Increments ``epoch`` (the Trainer calls it at each epoch boundary)."""
        self.epoch += 1

    def add_hook(self, hook, name=None, timing='auto'):
        """Adds an optimizer hook.

        Args:
            hook: Callable ``hook(optimizer)``, or with ``call_for_each_param = True``,
                ``hook(update_rule, param)`` called for each parameter that has a gradient.
            name (str): Name (defaults to ``hook.name``).
            timing (str): ``'pre'`` (before updates), ``'post'``, or ``'auto'`` (``hook.timing``,
                else ``'pre'``).

        Example:
            >>> optimizer.add_hook(dbr.optimizer_hooks.WeightDecay(1e-4))  # doctest: +SKIP
        """
        self._check_setup('add_hook')
        if not callable(hook):
            raise TypeError(f'{type(self).__name__}.add_hook: the hook must be callable')
        if timing == 'auto':
            timing = getattr(hook, 'timing', 'pre')
        if timing not in ('pre', 'post'):
            raise ValueError(f"{type(self).__name__}.add_hook: timing must be 'pre', 'post' or "
                             f"'auto', got {timing!r}")
        name = name or getattr(hook, 'name', None) or getattr(hook, '__name__', None)
        if not name:
            raise ValueError(f'{type(self).__name__}.add_hook: the hook needs a name')
        if name in self._pre_update_hooks or name in self._post_update_hooks:
            raise KeyError(f'{type(self).__name__}.add_hook: a hook named {name!r} already exists')
        (self._pre_update_hooks if timing == 'pre' else self._post_update_hooks)[name] = hook

    def remove_hook(self, name):
        """Removes the hook ``name``."""
        self._check_setup('remove_hook')
        for hooks in (self._pre_update_hooks, self._post_update_hooks):
            if name in hooks:
                del hooks[name]
                return
        raise KeyError(f'{type(self).__name__}.remove_hook: no hook named {name!r}')

    def call_hooks(self, timing='pre'):
        """Runs the hooks of ``timing``; per-parameter hooks only see parameters with grads."""
        hooks = self._pre_update_hooks if timing == 'pre' else self._post_update_hooks
        for hook in list(hooks.values()):
            if getattr(hook, 'call_for_each_param', False):
                for param in self.target.params():
                    rule = param.update_rule
                    if rule is None or not rule.enabled or _skipped(param):
                        continue
                    if backend.is_gpu_array(param.array):
                        with backend.get_device_from_array(param.array):
                            hook(rule, param)
                    else:
                        hook(rule, param)
            else:
                hook(self)

    def serialize(self, serializer):
        """Saves or loads ``t``, ``epoch``, hyperparameters and every update rule's state."""
        self._check_setup('serialize')
        self.t = serializer('t', self.t)
        self.epoch = serializer('epoch', self.epoch)
        hyperparam = getattr(self, 'hyperparam', None)
        if hyperparam is not None:
            s = serializer['hyperparam']
            for key, value in sorted(hyperparam.get_dict().items()):
                if isinstance(value, (bool, int, float)):
                    setattr(hyperparam, key, s(key, value))
        for path, param in self.target.namedparams():
            rule = param.update_rule
            if rule is not None:
                rule.serialize(serializer[path[1:]], param)


class GradientMethod(Optimizer):
    """An optimizer that updates each parameter with its own UpdateRule.

    ``update()`` order: divide gradients by the loss scale, run 'pre' hooks, update each
    parameter (skipping those without a gradient), run 'post' hooks.
    """

    def __init__(self):
        self.hyperparam = Hyperparameter()

    def setup(self, link):
        super().setup(link)
        for path, param in link.namedparams():
            rule = self.create_update_rule()
            rule.path = path
            param.update_rule = rule
        return self

    def create_update_rule(self):
        """Returns a new UpdateRule whose hyperparameters fall back to ``self.hyperparam``."""
        raise NotImplementedError

    def update(self, lossfun=None, *args, **kwds):
        """Updates the target's parameters.

        Args:
            lossfun: If given, called as ``lossfun(*args, **kwds)``; the grads are cleared,
                the returned loss is backpropagated, then the update runs.

        Example:
            >>> optimizer.update(model, x, t)  # doctest: +SKIP
        """
        self._check_setup('update')
        if lossfun is not None:
            # Cleared before the forward pass rather than after it (as Chainer did): the old
            # gradients would otherwise stay alive through the forward pass, raising peak memory.
            self.target.cleargrads()
            loss = lossfun(*args, **kwds)
            loss.backward(loss_scale=getattr(self, '_loss_scale', None))
            del loss
        params = list(self.target.params())
        for param in params:
            scale = param._loss_scale
            if scale is not None:
                if param.grad is not None:
                    param.grad = param.grad / scale
                param._loss_scale = None
        self.call_hooks('pre')
        self.t += 1
        for param in params:
            rule = param.update_rule
            if rule is not None:
                rule.update(param)
        self.call_hooks('post')

    def set_loss_scale(self, loss_scale):
        """Scales the loss by ``loss_scale`` in ``update(lossfun)``; gradients are divided back.

        Example:
            >>> optimizer.set_loss_scale(1024.0)  # doctest: +SKIP
        """
        self._loss_scale = loss_scale


_HOOK_ALIASES = ('GradientClipping', 'GradientHardClipping', 'GradientNoise', 'Lasso',
                 'WeightDecay')


def __getattr__(name):
    """Resolves Chainer's old spellings ``dbr.optimizer.WeightDecay`` etc. of the hooks.

    Looked up lazily because ``dbr.optimizer_hooks`` is imported after this module.
    """
    if name in _HOOK_ALIASES:
        from dbr import optimizer_hooks
        return getattr(optimizer_hooks, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
