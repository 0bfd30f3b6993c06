"""A GAN trained by a hand-written loop: WGAN-GP on a ring of eight 2-D Gaussians.

The research-style loop without the Trainer: two Chains, two Adam optimizers, and each step
spelled out with ``cleargrads()``, ``backward()`` and ``update()``. The critic's steps cut the
generated samples off the generator's graph with ``unchain_backward()``; the gradient penalty
differentiates the critic's input gradient, computed by
``dbr.grad(..., enable_double_backprop=True)``, once more.

    python examples/custom_loop/gan.py --iteration 2000
"""
import argparse
import math
import os
import time

import numpy

import dbr
import dbr.functions as F
import dbr.links as L


class MLP(dbr.Chain):
    """Three Linear layers with ReLU in between (both the generator and the critic)."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(n_in, n_hidden)
            self.l2 = L.Linear(n_hidden, n_hidden)
            self.l3 = L.Linear(n_hidden, n_out)

    def forward(self, x):
        h = F.relu(self.l1(x))
        h = F.relu(self.l2(h))
        return self.l3(h)


def ring_modes(n_modes=8, radius=2.0):
    angles = 2 * math.pi * numpy.arange(n_modes) / n_modes
    return numpy.stack([radius * numpy.cos(angles), radius * numpy.sin(angles)], 1)


def sample_real(xp, modes, n, std):
    """``n`` points: a uniformly chosen mode plus Gaussian noise of scale ``std``."""
    idx = xp.random.randint(0, len(modes), size=n)
    return (modes[idx] + std * xp.random.randn(n, 2)).astype(xp.float32)


def sample_z(xp, n, n_z):
    return xp.random.randn(n, n_z).astype(xp.float32)


def gradient_penalty(dis, x_real, x_fake, xp):
    """mean((|d dis(x) / dx| - 1)^2) at random points between real and generated samples."""
    eps = xp.random.uniform(0, 1, (len(x_real), 1)).astype(xp.float32)
    x_hat = dbr.Variable(eps * x_real + (1 - eps) * x_fake)
    # enable_double_backprop records the gradient's computation, so the penalty built from
    # it can itself be differentiated w.r.t. the critic's parameters.
    g, = dbr.grad([F.sum(dis(x_hat))], [x_hat], enable_double_backprop=True)
    norm = F.sqrt(F.sum(g * g, axis=1) + 1e-12)
    return F.mean((norm - 1) ** 2)


def quality(x, modes, std):
    """(mean distance to the nearest mode, share of points within 3 std of a mode, number of
    modes holding at least a quarter of their fair share of those points)."""
    d = numpy.sqrt(((x[:, None, :] - modes[None]) ** 2).sum(-1))
    nearest = d.argmin(1)
    dist = d.min(1)
    good = dist < 3 * std
    counts = numpy.bincount(nearest[good], minlength=len(modes))
    covered = int((counts >= 0.25 * len(x) / len(modes)).sum())
    return float(dist.mean()), float(good.mean()), covered


def plot(path, real, generated):
    from matplotlib.figure import Figure  # object API: no GUI backend needed
    figure = Figure(figsize=(5, 5))
    axes = figure.add_subplot(111)
    axes.scatter(real[:, 0], real[:, 1], s=2, alpha=0.3, label='data')
    axes.scatter(generated[:, 0], generated[:, 1], s=2, alpha=0.5, label='generated')
    axes.set_aspect('equal')
    axes.legend(loc='upper right')
    figure.savefig(path, bbox_inches='tight')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iteration', type=int, default=2000, help='generator updates')
    parser.add_argument('--n-critic', type=int, default=5,
                        help='critic updates per generator update')
    parser.add_argument('--batchsize', '-b', type=int, default=256)
    parser.add_argument('--hidden', type=int, default=128)
    parser.add_argument('--n-z', type=int, default=2, help='size of the noise vector')
    parser.add_argument('--lam', type=float, default=1.0, help='gradient penalty weight')
    parser.add_argument('--std', type=float, default=0.05, help='std of each Gaussian')
    parser.add_argument('--lr', type=float, default=1e-3, help='Adam\'s alpha')
    parser.add_argument('--interval', type=int, default=200, help='print every N iterations')
    parser.add_argument('--device', '-d', default='@numpy',
                        help='@numpy (default), @cupy:N or an int GPU id (-1: CPU)')
    parser.add_argument('--out', '-o', default='result/gan',
                        help='folder for the final samples (samples.npz, samples.png)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--test', action='store_true',
                        help='CI mode: a small model and a few hundred iterations')
    args = parser.parse_args()
    if args.test:
        args.iteration, args.hidden, args.batchsize, args.interval = 150, 64, 128, 25

    device = dbr.get_device(args.device)
    device.use()
    xp = device.xp
    numpy.random.seed(args.seed)  # initial weights
    xp.random.seed(args.seed)
    modes_cpu = ring_modes()
    modes = device.send(modes_cpu)

    gen = MLP(args.n_z, args.hidden, 2)
    dis = MLP(2, args.hidden, 1)
    gen.to_device(device)
    dis.to_device(device)
    opt_gen = dbr.optimizers.Adam(alpha=args.lr, beta1=0.5, beta2=0.9)
    opt_dis = dbr.optimizers.Adam(alpha=args.lr, beta1=0.5, beta2=0.9)
    opt_gen.setup(gen)
    opt_dis.setup(dis)

    z_eval = sample_z(xp, 2000, args.n_z)  # fixed noise, so the metric tracks one set

    def evaluate():
        with dbr.using_config('train', False), dbr.no_backprop_mode():
            return dbr.backend.to_cpu(gen(z_eval).array)

    dist, good, covered = quality(evaluate(), modes_cpu, args.std)
    print(f'{"iter":>6} {"loss_dis":>9} {"loss_gen":>9} {"penalty":>9} {"dist":>7} {"near":>6} '
          f'{"modes":>5}')
    print(f'{0:>6} {"":>9} {"":>9} {"":>9} {dist:7.4f} {good:6.1%} {covered:>5}')
    start = time.time()
    for it in range(1, args.iteration + 1):
        for _ in range(args.n_critic):
            x_real = sample_real(xp, modes, args.batchsize, args.std)
            x_fake = gen(sample_z(xp, args.batchsize, args.n_z))
            # The critic's loss must not reach the generator: cut the graph here.
            x_fake.unchain_backward()
            wasserstein = F.mean(dis(x_fake)) - F.mean(dis(x_real))
            penalty = gradient_penalty(dis, x_real, x_fake.array, xp)
            loss_dis = wasserstein + args.lam * penalty
            dis.cleargrads()
            loss_dis.backward()
            opt_dis.update()

        x_fake = gen(sample_z(xp, args.batchsize, args.n_z))
        loss_gen = -F.mean(dis(x_fake))
        gen.cleargrads()
        loss_gen.backward()
        opt_gen.update()

        if it % args.interval == 0:
            dist, good, covered = quality(evaluate(), modes_cpu, args.std)
            print(f'{it:>6} {float(loss_dis.array):9.4f} {float(loss_gen.array):9.4f} '
                  f'{float(penalty.array):9.5f} {dist:7.4f} {good:6.1%} {covered:>5}',
                  flush=True)
    print(f'training time: {time.time() - start:.1f} s')

    samples = evaluate()
    dist, good, covered = quality(samples, modes_cpu, args.std)
    print(f'final: mean distance to the nearest mode {dist:.4f} (std {args.std}), '
          f'{good:.1%} of samples within 3 std of a mode, {covered}/{len(modes_cpu)} modes '
          f'covered')
    os.makedirs(args.out, exist_ok=True)
    numpy.savez(os.path.join(args.out, 'samples.npz'), samples=samples, modes=modes_cpu)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print('matplotlib is not installed: skipped samples.png (pip install matplotlib)')
        return
    real = dbr.backend.to_cpu(sample_real(xp, modes, len(samples), args.std))
    path = os.path.join(args.out, 'samples.png')
    plot(path, real, samples)
    print(f'samples saved to {path}')

if __name__ == '__main__':
    main()
