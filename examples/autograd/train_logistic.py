"""Logistic regression written as plain Python, differentiated with dbr.functional.

The quickstart demo: two overlapping Gaussian classes, a loss written as an ordinary
function of arrays, and gradient descent driven by ``dbr.functional.value_and_grad``.

    python examples/autograd/train_logistic.py --steps 200
"""
import argparse

import numpy

import dbr
import dbr.functions as F
from dbr import functional


def make_data(n, dim, rng):
    """Two Gaussian blobs in ``dim`` dimensions with labels 0/1, split 80/20."""
    centers = rng.randn(2, dim) * 1.5
    labels = rng.randint(0, 2, size=n)
    x = centers[labels] + rng.randn(n, dim)
    split = int(0.8 * n)
    return (x[:split], labels[:split]), (x[split:], labels[split:])


def nll(w, b, x, t):
    """Mean negative log-likelihood of logistic regression, computed stably.

    ``log(1 + exp(-|z|)) + max(z, 0) - t * z`` avoids overflow for large logits.
    """
    z = F.matmul(x, w) + b
    abs_z = F.absolute(z)
    relu_z = (z + abs_z) * 0.5
    return F.sum(F.log(1.0 + F.exp(-abs_z)) + relu_z - t * z) / z.shape[0]


def accuracy(w, b, x, t):
    return float(((x @ w + b > 0).astype(int) == t).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--samples', type=int, default=2000)
    parser.add_argument('--dim', type=int, default=10)
    parser.add_argument('--steps', type=int, default=200)
    parser.add_argument('--lr', type=float, default=0.5)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', '-d', default='@numpy',
                        help='@numpy (default), @cupy:N or an int GPU id (-1: CPU)')
    parser.add_argument('--test', action='store_true', help='CI mode: 30 steps')
    args = parser.parse_args()
    if args.test:
        args.steps = 30

    device = dbr.get_device(args.device)
    device.use()
    rng = numpy.random.RandomState(args.seed)
    (x_train, t_train), (x_test, t_test) = make_data(args.samples, args.dim, rng)
    x_dev, t_dev = device.send((x_train, t_train.astype(numpy.float64)))
    w = device.xp.zeros(args.dim)
    b = device.xp.zeros(())

    step = functional.value_and_grad(nll, argnums=(0, 1))
    for i in range(1, args.steps + 1):
        loss, (gw, gb) = step(w, b, x_dev, t_dev)
        w = w - args.lr * gw
        b = b - args.lr * gb
        if i == 1 or i % max(1, args.steps // 10) == 0:
            print(f'step {i:4d}  train loss {float(loss):.4f}')

    w, b = dbr.backend.to_cpu(w), dbr.backend.to_cpu(b)
    print(f'train accuracy {accuracy(w, b, x_train, t_train):.3f}')
    print(f'test accuracy  {accuracy(w, b, x_test, t_test):.3f}')


if __name__ == '__main__':
    main()
