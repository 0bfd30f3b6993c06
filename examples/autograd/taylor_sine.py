"""Differentiating a plain Python function with a data-dependent ``while`` loop.

``taylor_sine`` sums the Taylor series of sin(x) until the next term is negligible, so how
many terms the graph holds depends on x. ``dbr.functional.grad`` differentiates it as it
ran; the derivative must match cos(x), and differentiating twice must give -sin(x).

    python examples/autograd/taylor_sine.py --out result/taylor_sine
"""
import argparse
import os

import numpy

import dbr
import dbr.functions as F
from dbr import functional


def taylor_sine(x, tol=1e-15):
    """sin(x) = x - x^3/3! + x^5/5! - ..., summed until every next term is below ``tol``.

    Works on a Variable of any shape; returns the partial sum and the number of terms used.
    """
    term = x
    total = x
    n = 1
    # The loop condition reads the values: a different x runs a different number of steps.
    while float(abs(term.array).max()) > tol:
        term = -term * x * x / ((2 * n) * (2 * n + 1))
        total = total + term
        n += 1
    return total, n


def sine(x):
    return taylor_sine(x)[0]


def elementwise(fun):
    """Each output element depends only on its input element, so the gradient of the sum is
    the elementwise derivative."""
    return functional.grad(lambda x: F.sum(fun(x)))


def plot(path, x, y, dy, d2y):
    from matplotlib.figure import Figure  # object API: no GUI backend needed
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot(111)
    axes.plot(x, y, label='taylor_sine(x)')
    axes.plot(x, dy, label='d/dx taylor_sine (dbr)')
    axes.plot(x, numpy.cos(x), '--', label='cos(x)')
    axes.plot(x, d2y, ':', label='d²/dx² taylor_sine (dbr)')
    axes.set_xlabel('x')
    axes.grid()
    axes.legend(loc='upper left', bbox_to_anchor=(1.02, 1), fontsize='small')
    figure.savefig(path, bbox_inches='tight')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--points', type=int, default=401, help='grid points on [-7, 7]')
    parser.add_argument('--device', '-d', default='@numpy',
                        help='@numpy (default), @cupy:N or an int GPU id (-1: CPU)')
    parser.add_argument('--out', '-o', default='result/taylor_sine',
                        help='folder for the plot taylor_sine.png')
    parser.add_argument('--test', action='store_true', help='CI mode: a coarse grid')
    args = parser.parse_args()
    if args.test:
        args.points = 41

    device = dbr.get_device(args.device)
    device.use()
    x_cpu = numpy.linspace(-7, 7, args.points)
    x = device.send(x_cpu)

    y, n_terms = taylor_sine(dbr.Variable(x))
    dsin = elementwise(sine)
    d2sin = elementwise(lambda v: dsin(v))  # grad of grad: the first grad is recorded too
    dy = dbr.backend.to_cpu(dsin(x))
    d2y = dbr.backend.to_cpu(d2sin(x))
    y = dbr.backend.to_cpu(y.array)

    print(f'grid: {args.points} points on [-7, 7]; the series took {n_terms} terms')
    for x0 in (0.5, 7.0):
        # Scalars: the loop runs fewer steps near 0, and grad follows whatever ran.
        _, n0 = taylor_sine(dbr.Variable(numpy.asarray(x0)))
        g0 = float(functional.grad(sine)(x0))
        print(f'x = {x0}: {n0} terms, d/dx = {g0:.15f}, cos(x) = {numpy.cos(x0):.15f}')
    print(f'max |taylor_sine(x) - sin(x)|          = {numpy.abs(y - numpy.sin(x_cpu)).max():.3e}')
    print(f'max |d/dx taylor_sine(x) - cos(x)|     = {numpy.abs(dy - numpy.cos(x_cpu)).max():.3e}')
    print(f'max |d2/dx2 taylor_sine(x) + sin(x)|   = {numpy.abs(d2y + numpy.sin(x_cpu)).max():.3e}')

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print('matplotlib is not installed: skipped the plot (pip install matplotlib)')
        return
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, 'taylor_sine.png')
    plot(path, x_cpu, y, dy, d2y)
    print(f'plot saved to {path}')


if __name__ == '__main__':
    main()
