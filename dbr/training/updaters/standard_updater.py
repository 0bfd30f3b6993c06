"""``StandardUpdater``: one batch from an iterator, one optimizer step, per iteration."""
from dbr import backend
from dbr.dataset import concat_examples
from dbr.dataset.convert import _call_converter
from dbr.training.updaters.updater import Updater


class StandardUpdater(Updater):
    """The usual updater: fetch a batch, convert it, and call ``optimizer.update(loss_func, ...)``.

    ``update_core`` can be overridden for custom steps (GANs, truncated BPTT); pass dicts of
    iterators and optimizers to hold several (``{'main': it}``, ``{'gen': g, 'dis': d}``).
    The epoch counters come from the ``'main'`` iterator.

    Args:
        iterator: An iterator, or a dict of them (one must be ``'main'``).
        optimizer: An optimizer (set up on its target), or a dict of them.
        converter: ``converter(batch, device)`` turning a list of examples into arrays;
            :func:`dbr.dataset.concat_examples` by default. A :class:`dbr.dataset.Converter`
            gets a Device; a plain function gets None, ``-1`` or a GPU id, as in Chainer.
        device: Device (spec) the optimizers' targets are moved to, and the default
            ``input_device``.
        loss_func: Loss function called with the converted batch; the main optimizer's
            target by default.
        loss_scale (float): Static loss scale passed to every optimizer.
        auto_new_epoch (bool): Call ``optimizer.new_epoch(auto=True)`` at epoch boundaries.
        input_device: Device the converter sends batches to (``device`` when None).

    Attributes:
        iteration (int): Number of completed iterations.
        converter, loss_func, loss_scale, auto_new_epoch, input_device: As given.

    Example:
        >>> updater = dbr.training.updaters.StandardUpdater(  # doctest: +SKIP
        ...     train_iter, optimizer, device='@numpy')
    """

    def __init__(self, iterator, optimizer, converter=concat_examples, device=None,
                 loss_func=None, loss_scale=None, auto_new_epoch=True, *, input_device=None):
        if not isinstance(iterator, dict):
            iterator = {'main': iterator}
        if 'main' not in iterator:
            raise ValueError(f"StandardUpdater: the iterators need a 'main' one (it drives the "
                             f"epoch counters), got {sorted(iterator)}")
        self._iterators = iterator
        if not isinstance(optimizer, dict):
            optimizer = {'main': optimizer}
        for name, opt in optimizer.items():
            if getattr(opt, 'target', None) is None:
                raise ValueError(f'StandardUpdater: optimizer {name!r} has no target; call '
                                 f'optimizer.setup(model) first')
        self._optimizers = optimizer
        if device is not None:
            device = backend.get_device(device)
            for opt in optimizer.values():
                opt.target.to_device(device)
        self.device = device
        self.input_device = device if input_device is None else backend.get_device(input_device)
        self.converter = converter
        self.loss_func = loss_func
        self.loss_scale = loss_scale
        if loss_scale is not None:
            for opt in optimizer.values():
                opt.set_loss_scale(loss_scale)
        self.auto_new_epoch = auto_new_epoch
        if auto_new_epoch:
            for opt in optimizer.values():
                opt.use_auto_new_epoch = True
        self.iteration = 0

    @property
    def epoch(self):
        """Completed epochs of the main iterator."""
        return self._iterators['main'].epoch

    @property
    def epoch_detail(self):
        """Epochs of the main iterator, as a float (``1.5`` is half way through epoch 2)."""
        return self._iterators['main'].epoch_detail

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last batch (negative before the first)."""
        return self._iterators['main'].previous_epoch_detail

    @property
    def is_new_epoch(self):
        """True when the last batch completed an epoch."""
        return self._iterators['main'].is_new_epoch

    def finalize(self):
        """Finalizes every iterator (stops prefetching workers)."""
        for it in self._iterators.values():
            finalize = getattr(it, 'finalize', None)
            if finalize is not None:
                finalize()

    def get_optimizer(self, name):
        """Returns the optimizer called ``name`` (``'main'`` for a single one)."""
        return self._optimizers[name]

    def get_all_optimizers(self):
        """Returns a new dict of every optimizer by name."""
        return dict(self._optimizers)

    def get_iterator(self, name):
        """Returns the iterator called ``name`` (``'main'`` for a single one)."""
        return self._iterators[name]

    def update(self):
        """Runs ``update_core()`` and counts the iteration."""
        self.update_core()
        self.iteration += 1

    def update_core(self):
        """One step: next batch of ``'main'``, convert, ``optimizer.update(loss_func, *arrays)``.

        Override this for custom steps; ``update()`` counts iterations around it.
        """
        iterator = self._iterators['main']
        batch = iterator.next()
        in_arrays = _call_converter(self.converter, batch, self.input_device)
        optimizer = self._optimizers['main']
        loss_func = self.loss_func or optimizer.target
        if isinstance(in_arrays, tuple):
            optimizer.update(loss_func, *in_arrays)
        elif isinstance(in_arrays, dict):
            optimizer.update(loss_func, **in_arrays)
        else:
            optimizer.update(loss_func, in_arrays)
        if self.auto_new_epoch and iterator.is_new_epoch:
            optimizer.new_epoch(auto=True)

    def serialize(self, serializer):
        """Saves or loads iterators, optimizers, their targets and the iteration count.

        Keys follow Chainer: ``iterator:<name>/``, ``optimizer:<name>/``, ``model:<name>/``
        and ``iteration``, so ``load_npz(snapshot, model, path='updater/model:main/')`` reads
        the model out of a trainer snapshot.
        """
        for name, it in self._iterators.items():
            it.serialize(serializer['iterator:' + name])
        for name, opt in self._optimizers.items():
            # The model first: loading sizes its lazy parameters, whose optimizer state follows.
            opt.target.serialize(serializer['model:' + name])
            opt.serialize(serializer['optimizer:' + name])
        self.iteration = int(serializer('iteration', self.iteration))
