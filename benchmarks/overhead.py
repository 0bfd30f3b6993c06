"""Per-op overhead: a chain of tiny elementwise ops on a (4, 4) float32 array.

On an array this small the arithmetic costs almost nothing, so the time per op is the framework's
own Python bookkeeping: wrapping arrays, checking types, linking the graph, walking it backward.

Metrics (microseconds per op, i.e. median iteration time / n_ops):
    fwd_graph_us: forward with graph building, no backward.
    fwd_bwd_us: forward, sum, and backward.
    fwd_nograd_us: forward with graph building disabled.
Checks, with ``loss`` (the sum), so implementations can be compared:
    grad_sum: sum of the gradient of the input.

The "numpy" implementation is the floor: the same ops and backward written by hand.
"""

from typing import Callable, NamedTuple

from common import Result, Skip, make_parser, main, median, optional_import, peak_rss_mib
from common import set_single_thread, time_fn

set_single_thread()

import numpy as np  # noqa: E402  (must follow set_single_thread)


class Steps(NamedTuple):
    """The three timed calls of one implementation.

    Attributes:
        fwd_graph: Forward pass building whatever backward needs.
        fwd_bwd: Forward, sum and backward; returns ``(loss, grad_of_input)`` as that
            implementation's arrays or tensors.
        fwd_nograd: Forward pass with graph building disabled.
    """

    fwd_graph: Callable[[], object]
    fwd_bwd: Callable[[], tuple]
    fwd_nograd: Callable[[], object]


def chain(y, tanh, n_ops):
    """Applies ``n_ops`` ops cycling through multiply, add and tanh.

    Args:
        y: Input array, tensor or Variable.
        tanh: That implementation's tanh.
        n_ops: Number of ops.

    Returns:
        The output, of the same kind as ``y``.
    """
    for i in range(n_ops):
        op = i % 3
        if op == 0:
            y = y * 1.0001
        elif op == 1:
            y = y + 0.1
        else:
            y = tanh(y)
    return y


def numpy_steps(x0, n_ops):
    """Hand-written NumPy floor: saves only what backward needs, as a framework should."""

    def forward_saving():
        y = x0
        saved = []
        for i in range(n_ops):
            op = i % 3
            if op == 0:
                y = y * 1.0001
            elif op == 1:
                y = y + 0.1
            else:
                y = np.tanh(y)
                saved.append(y)
        return y, saved

    def fwd_bwd():
        y, saved = forward_saving()
        loss = y.sum()
        g = np.ones_like(y)
        for i in reversed(range(n_ops)):
            op = i % 3
            if op == 0:
                g = g * 1.0001
            elif op == 2:
                t = saved.pop()
                g = g * (1 - t * t)
            # op 1 (add) passes g through unchanged.
        return loss, g

    return Steps(forward_saving, fwd_bwd, lambda: chain(x0, np.tanh, n_ops))


def chainer_like_steps(module, functions, x0, n_ops):
    """Steps for dbr and Chainer, which share one API.

    Args:
        module: ``dbr`` or ``chainer``.
        functions: Its ``functions`` subpackage.
        x0: Input array.
        n_ops: Number of ops.
    """
    x = module.Variable(x0)

    def fwd_bwd():
        loss = functions.sum(chain(x, functions.tanh, n_ops))
        x.cleargrad()
        loss.backward()
        return loss.array, x.grad

    def fwd_nograd():
        with module.no_backprop_mode():
            return chain(x, functions.tanh, n_ops)

    return Steps(lambda: chain(x, functions.tanh, n_ops), fwd_bwd, fwd_nograd)


def dbr_steps(x0, n_ops):
    """Steps for dbr; a missing dbr is an error, not a skip."""
    import dbr
    import dbr.functions

    return chainer_like_steps(dbr, dbr.functions, x0, n_ops)


def chainer_steps(x0, n_ops):
    """Steps for Chainer, skipped where it is not installed."""
    chainer = optional_import('chainer')
    return chainer_like_steps(chainer, optional_import('chainer.functions'), x0, n_ops)


def torch_steps(x0, n_ops):
    """Steps for PyTorch on CPU, skipped where it is not installed."""
    torch = optional_import('torch')
    torch.set_num_threads(1)
    x = torch.tensor(x0, requires_grad=True)

    def fwd_bwd():
        loss = chain(x, torch.tanh, n_ops).sum()
        x.grad = None
        loss.backward()
        return loss.detach(), x.grad

    def fwd_nograd():
        with torch.no_grad():
            return chain(x, torch.tanh, n_ops)

    return Steps(lambda: chain(x, torch.tanh, n_ops), fwd_bwd, fwd_nograd)


STEPS = {'numpy': numpy_steps, 'dbr': dbr_steps, 'torch': torch_steps, 'chainer': chainer_steps}


def measure(args):
    """Times the three steps of ``args.impl`` and checks its loss and gradient.

    Args:
        args: Parsed command line.

    Returns:
        Result: Microseconds per op for each step, plus ``grad_sum``.

    Raises:
        Skip: For ``--device gpu`` (not implemented yet) or a missing comparison framework.
    """
    if args.device != 'cpu':
        raise Skip('only --device cpu is implemented for this workload')
    x0 = (np.random.default_rng(0).standard_normal((4, 4)) * 0.5).astype(np.float32)
    steps = STEPS[args.impl](x0, args.n_ops)
    metrics = {}
    for name, fn in steps._asdict().items():
        times = time_fn(fn, args.warmup, args.iters)
        metrics[f'{name}_us'] = median(times) / args.n_ops * 1e6
    loss, grad = steps.fwd_bwd()
    metrics['grad_sum'] = float(grad.sum())
    return Result(metrics, peak_rss_mib(), float(loss))


if __name__ == '__main__':
    parser = make_parser(__doc__.splitlines()[0], iters=2000, warmup=200)
    parser.add_argument('--n-ops', type=int, default=100, help='ops per iteration')
    main('overhead', parser, measure)
