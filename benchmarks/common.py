"""Helpers shared by the benchmark workload scripts and the runner.

Every script must call :func:`set_single_thread` at the very top, before NumPy (or anything that
imports NumPy) is imported: BLAS libraries read their thread count once, when they are loaded.
This module therefore never imports NumPy itself.

A workload script builds its parser with :func:`make_parser`, implements
``measure(args) -> Result`` and hands both to :func:`main`. With ``--json`` it prints exactly one
line::

    {"workload": ..., "impl": ..., "metrics": {name: value}, "peak_rss_mib": ..., "loss": ...}

or, when the implementation cannot run here, ``{"workload": ..., "impl": ..., "skipped": reason}``.
Metric names end in their unit (``_us``, ``_ms``); other metrics are correctness checks.

The training workloads (``mlp``, ``lstm``, ``convnet``) also share the helpers below: seeded
initial weights, the hand-written NumPy optimizers their floors use, access to dbr/Chainer/PyTorch
and CuPy (raising :class:`Skip` where one is missing), and :func:`time_training`. Those helpers
import NumPy inside their bodies, so they may only be called after :func:`set_single_thread`.
"""

import argparse
import importlib
import json
import math
import os
import resource
import sys
import time
from statistics import median
from types import ModuleType
from typing import Callable, NamedTuple

__all__ = ['IMPLS', 'FLOOR', 'THREAD_VARS', 'Result', 'Skip', 'set_single_thread', 'median',
           'time_fn', 'peak_rss_mib', 'optional_import', 'make_parser', 'main',
           'keep_freed_memory', 'lecun_normal',
           'NumpyAdam', 'NumpyMomentumSGD', 'Trainer', 'time_training', 'cupy_or_skip',
           'ChainerLike', 'chainer_like', 'torch_or_skip', 'torch_load', 'numpy_floor_device',
           'numpy_softmax_cross_entropy']

IMPLS = ('numpy', 'dbr', 'torch', 'chainer')
FLOOR = 'numpy'
THREAD_VARS = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS',
               'NUMEXPR_NUM_THREADS')


class Result(NamedTuple):
    """What a workload's ``measure`` returns.

    Attributes:
        metrics: Metric name to value; timing names end in their unit.
        peak_rss_mib: Peak resident memory of the measured process, in MiB.
        loss: The workload's final loss, so implementations can be checked against each other, or
            None where the workload computes no loss.
    """

    metrics: dict
    peak_rss_mib: float
    loss: float | None


class Skip(Exception):
    """Raised by ``measure`` when an implementation cannot run on this machine."""


def set_single_thread():
    """Pins BLAS/OpenMP thread pools to one thread, for this process and its children.

    Raises:
        RuntimeError: If NumPy is already imported, since its BLAS would ignore the setting.
    """
    if 'numpy' in sys.modules:
        raise RuntimeError('set_single_thread() must run before numpy is imported')
    os.environ.update(dict.fromkeys(THREAD_VARS, '1'))


def keep_freed_memory():
    """Stops glibc's malloc from handing freed memory back to the OS between training steps.

    By default glibc unmaps large freed blocks and trims the top of its heap whenever enough of it
    is free, so a step that allocates the same temporaries every time may fault all their pages in
    again on every step. Whether it does depends on incidental allocation order (one long-lived
    object at the top of the heap blocks trimming), not on the work done: on the LeNet workload
    it cost the NumPy floor about 10 ms of kernel time per 25 ms step, and dbr, by chance, half
    that. With this, called by the training scripts at start-up, blocks up to 32 MiB come from the
    heap and freed heap memory stays mapped for reuse, as a caching allocator would keep it. Peak
    RSS is unaffected (it is the largest live set either way). A no-op where the C library has no
    ``mallopt`` (not glibc).
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, 32 * 2 ** 20)  # glibc's largest allowed value on 64-bit
    mallopt(m_trim_threshold, 2 ** 30)


def time_fn(fn, warmup, iters):
    """Times repeated calls of a function.

    Args:
        fn: Callable taking no arguments.
        warmup: Untimed calls made first, to fill caches and allocator pools.
        iters: Timed calls.

    Returns:
        list[float]: Seconds taken by each timed call.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def peak_rss_mib(who=resource.RUSAGE_SELF):
    """Returns peak resident set size in MiB.

    Args:
        who: ``resource.RUSAGE_SELF``, or ``resource.RUSAGE_CHILDREN`` for the largest waited-for
            child process.
    """
    # ru_maxrss is in KiB on Linux but in bytes on macOS.
    scale = 2 ** 20 if sys.platform == 'darwin' else 2 ** 10
    return resource.getrusage(who).ru_maxrss / scale


def optional_import(name):
    """Imports a comparison framework, turning its absence into a :class:`Skip`.

    Args:
        name: Module name, e.g. ``'torch'`` or ``'chainer.functions'``.

    Returns:
        The imported module.

    Raises:
        Skip: If the module cannot be imported.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Skip(f'{name} is not importable ({exc})') from exc


def lecun_normal(rng, shape):
    """Draws float32 weights with Chainer's default initializer (LeCunNormal, scale 1).

    Args:
        rng: ``numpy.random.Generator``; every implementation gets the same draws.
        shape: Weight shape; its fan-in is the product of all but the first axis.

    Returns:
        numpy.ndarray: Normal(0, 1 / fan_in) samples, float32.
    """
    import numpy as np

    fan_in = math.prod(shape[1:])
    return (rng.standard_normal(shape) * math.sqrt(1.0 / fan_in)).astype(np.float32)


class _NumpyOptimizer:
    """Base of the floors' optimizers: the parameter list and one scratch buffer.

    The scratch buffer is as large as the largest parameter and every update reuses it, so an
    update allocates nothing.
    """

    def __init__(self, params):
        import numpy as np

        self.params = list(params)
        self._scratch = np.empty(max(p.size for p in self.params), self.params[0].dtype)

    def _buffer(self, p):
        return self._scratch[:p.size].reshape(p.shape)


class NumpyAdam(_NumpyOptimizer):
    """Hand-written Adam over NumPy arrays, with Chainer's arithmetic.

    ``m += (1 - beta1) * (g - m)``; ``v += (1 - beta2) * (g * g - v)``;
    ``p -= alpha_t * m / (sqrt(v) + eps)`` with the bias-corrected
    ``alpha_t = alpha * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)``. Parameters change in place.

    Args:
        params: Parameter arrays (float32), updated in place.
        alpha, beta1, beta2, eps: Adam's hyperparameters (Chainer's defaults).
    """

    def __init__(self, params, alpha=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        import numpy as np

        super().__init__(params)
        self.alpha, self.beta1, self.beta2, self.eps = alpha, beta1, beta2, eps
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def update(self, grads):
        """Applies one step given the gradients, in the order of ``params``."""
        import numpy as np

        self.t += 1
        b1, b2 = self.beta1, self.beta2
        alpha_t = self.alpha * math.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            buf = self._buffer(p)
            np.subtract(g, m, out=buf)
            buf *= 1.0 - b1
            m += buf
            np.multiply(g, g, out=buf)
            buf -= v
            buf *= 1.0 - b2
            v += buf
            np.sqrt(v, out=buf)
            buf += self.eps
            np.divide(m, buf, out=buf)
            buf *= alpha_t
            p -= buf


class NumpyMomentumSGD(_NumpyOptimizer):
    """Hand-written momentum SGD over NumPy arrays, with Chainer's arithmetic.

    ``v = momentum * v - lr * g``; ``p += v``. Parameters change in place.

    Args:
        params: Parameter arrays (float32), updated in place.
        lr: Learning rate.
        momentum: Momentum coefficient.
    """

    def __init__(self, params, lr=0.01, momentum=0.9):
        import numpy as np

        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.v = [np.zeros_like(p) for p in self.params]

    def update(self, grads):
        """Applies one step given the gradients, in the order of ``params``."""
        import numpy as np

        for p, g, v in zip(self.params, grads, self.v, strict=True):
            buf = self._buffer(p)
            v *= self.momentum
            np.multiply(g, self.lr, out=buf)
            v -= buf
            p += v


def numpy_softmax_cross_entropy(z, t):
    """Mean softmax cross entropy of the floors, turning the logits into their gradient.

    Works in place, as a hand-written step would: ``z`` is overwritten with
    ``d loss / d z = (softmax(z) - onehot(t)) / len(t)``.

    Args:
        z: (n, classes) float32 logits, overwritten.
        t: (n,) integer labels.

    Returns:
        float: The loss.
    """
    import numpy as np

    n = len(t)
    rows = np.arange(n)
    z -= z.max(axis=1, keepdims=True)
    picked = z[rows, t]
    np.exp(z, out=z)
    total = z.sum(axis=1, keepdims=True)
    loss = (np.log(total).sum() - picked.sum()) / n
    z /= total
    z[rows, t] -= 1
    z *= 1.0 / n
    return float(loss)


def torch_load(torch, pairs):
    """Copies NumPy arrays into PyTorch parameters.

    Args:
        torch: The ``torch`` module.
        pairs: ``(parameter, array)`` pairs of equal shapes.
    """
    with torch.no_grad():
        for param, array in pairs:
            param.copy_(torch.from_numpy(array))


class Trainer(NamedTuple):
    """One implementation of a training workload, ready to run.

    Attributes:
        step: One training iteration: forward, backward and optimizer update.
        loss: Returns the loss of the current weights on the workload's data as a float,
            without building a graph or updating anything.
        sync: Waits for queued device work (GPU runs), or None on the CPU.
    """

    step: Callable[[], object]
    loss: Callable[[], float]
    sync: Callable[[], object] | None = None


def time_training(trainer, warmup, iters):
    """Times a trainer's steps, then evaluates its loss with the trained weights.

    Args:
        trainer: A :class:`Trainer`.
        warmup: Untimed steps first.
        iters: Timed steps.

    Returns:
        tuple[float, float]: Median seconds per step, and the loss after all the steps.
    """
    if trainer.sync is None:
        step = trainer.step
    else:
        # Work queued while building the model must not count towards the first step.
        trainer.sync()

        def step():
            trainer.step()
            trainer.sync()
    return median(time_fn(step, warmup, iters)), float(trainer.loss())


def cupy_or_skip():
    """Returns CuPy when it and a CUDA device are present.

    Raises:
        Skip: If CuPy is missing or sees no device.
    """
    try:
        import cupy
    except ImportError as exc:
        raise Skip(f'no GPU (cupy is not importable: {exc})') from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError:
        count = 0
    if count == 0:
        raise Skip('no GPU (CUDA sees no device)')
    return cupy


class ChainerLike(NamedTuple):
    """dbr or Chainer (same API) and how to put a workload on the requested device.

    Attributes:
        core: The ``dbr`` or ``chainer`` module.
        F: Its ``functions``.
        L: Its ``links``.
        optimizers: Its ``optimizers``.
        asarray: Moves a NumPy array to the device (identity on the CPU).
        sync: Waits for the device (None on the CPU).
        gpu: Whether the device is a GPU.
    """

    core: ModuleType
    F: ModuleType
    L: ModuleType
    optimizers: ModuleType
    asarray: Callable
    sync: Callable[[], object] | None
    gpu: bool

    def to_device(self, link):
        """Moves a link's parameters to the device and returns the link."""
        if self.gpu:
            link.to_gpu()
        return link


def chainer_like(impl, device):
    """Imports dbr or Chainer and prepares the device.

    Args:
        impl: ``'dbr'`` (a missing dbr is an error) or ``'chainer'`` (skipped when missing).
        device: ``'cpu'`` or ``'gpu'``.

    Returns:
        ChainerLike: The framework's modules and device helpers.

    Raises:
        Skip: If Chainer, or for ``'gpu'`` CuPy or a device, is missing.
    """
    if impl == 'dbr':
        load = importlib.import_module
    elif impl == 'chainer':
        load = optional_import
    else:
        raise ValueError(f'chainer_like: impl must be dbr or chainer, got {impl!r}')
    mods = [load(name) for name in (impl, f'{impl}.functions', f'{impl}.links',
                                    f'{impl}.optimizers')]
    if device == 'gpu':
        cupy = cupy_or_skip()
        return ChainerLike(*mods, cupy.asarray, cupy.cuda.Device().synchronize, True)
    return ChainerLike(*mods, lambda a: a, None, False)


def torch_or_skip(device):
    """Imports PyTorch on one thread and picks the device.

    Args:
        device: ``'cpu'`` or ``'gpu'``.

    Returns:
        tuple: ``(torch, torch.device, sync)`` with ``sync`` None on the CPU.

    Raises:
        Skip: If PyTorch, or for ``'gpu'`` a CUDA device, is missing.
    """
    torch = optional_import('torch')
    torch.set_num_threads(1)
    if device == 'gpu':
        if not torch.cuda.is_available():
            raise Skip('no GPU (torch.cuda.is_available() is False)')
        return torch, torch.device('cuda'), torch.cuda.synchronize
    return torch, torch.device('cpu'), None


def numpy_floor_device(device):
    """Checks that the NumPy floor can run on ``device``.

    Raises:
        Skip: For ``'gpu'``: the floor is NumPy, CPU only.
    """
    if device != 'cpu':
        raise Skip('the NumPy floor runs on the CPU only')


def make_parser(description, iters, warmup):
    """Builds the argument parser every workload script shares.

    Args:
        description: Shown by ``--help``.
        iters: Default number of timed iterations.
        warmup: Default number of untimed iterations.

    Returns:
        argparse.ArgumentParser: Parser to which a script may add its own options.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--impl', choices=IMPLS, default='dbr')
    parser.add_argument('--iters', type=int, default=iters, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=warmup, help='untimed iterations first')
    parser.add_argument('--device', choices=('cpu', 'gpu'), default='cpu')
    parser.add_argument('--json', action='store_true', help='print one line of JSON')
    return parser


def _emit(record, as_json):
    if as_json:
        print(json.dumps(record))
        return
    title = f"{record['workload']} [{record['impl']}]"
    if 'skipped' in record:
        print(f"{title}: skipped ({record['skipped']})")
        return
    print(title)
    for name, value in record['metrics'].items():
        print(f'  {name:<16} {value:.6g}')
    if record['loss'] is not None:
        print(f"  {'loss':<16} {record['loss']:.6g}")
    print(f"  {'peak_rss_mib':<16} {record['peak_rss_mib']:.1f}")


def main(workload, parser, measure: Callable[[argparse.Namespace], Result]):
    """Parses arguments, runs a workload and prints its result.

    Args:
        workload: Name reported in the result, matching the script's file name.
        parser: Parser from :func:`make_parser`, possibly extended.
        measure: Runs the workload for ``args.impl`` and returns a :class:`Result`; raises
            :class:`Skip` when the implementation cannot run here.
    """
    args = parser.parse_args()
    try:
        result = measure(args)
    except Skip as exc:
        _emit({'workload': workload, 'impl': args.impl, 'skipped': str(exc)}, args.json)
        return
    _emit({'workload': workload, 'impl': args.impl, **result._asdict()}, args.json)


def torch_classification_trainer(torch, model, optimizer, x, t, sync):
    """Trainer for a PyTorch classifier on one fixed batch: cross entropy, zero_grad/step.

    Args:
        torch: The torch module.
        model: ``nn.Module`` already on the device.
        optimizer: ``torch.optim`` optimizer over ``model.parameters()``.
        x, t: Tensors on the device (inputs, int64 labels).
        sync: Device synchronization callable.
    """
    functional = torch.nn.functional

    def step():
        optimizer.zero_grad()
        functional.cross_entropy(model(x), t).backward()
        optimizer.step()

    def loss():
        with torch.no_grad():
            return float(functional.cross_entropy(model(x), t))

    return Trainer(step, loss, sync)


def measure_training(trainers, make_data):
    """Returns ``measure(args)`` training ``trainers[args.impl]`` and timing its steps.

    Args:
        trainers (dict): impl name -> ``f(device, *make_data(args))`` returning a Trainer.
        make_data: Callable taking the parsed arguments and returning the workload's data and
            initial weights.
    """
    def measure(args):
        trainer = trainers[args.impl](args.device, *make_data(args))
        seconds, loss = time_training(trainer, args.warmup, args.iters)
        return Result({'step_ms': seconds * 1e3}, peak_rss_mib(), loss)
    return measure
