"""Fashion-MNIST / MNIST classification with an MLP or a small CNN, trained by the Trainer.

    python examples/mnist/train_mnist.py                      # MLP on Fashion-MNIST
    python examples/mnist/train_mnist.py --arch cnn --epoch 5
    python examples/mnist/train_mnist.py --dataset mnist --device @cupy:0

The run writes the log, loss.png / accuracy.png (when matplotlib is installed) and a snapshot
per epoch to ``--out``; running the same command again resumes from the newest snapshot.
"""
import argparse
import os
import time

import numpy

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import training
from dbr.training import extensions


class MLP(dbr.Chain):
    """Two hidden ReLU layers on the flattened 28x28 image."""

    def __init__(self, n_units, n_out):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(28 * 28, n_units)
            self.l2 = L.Linear(n_units, n_units)
            self.l3 = L.Linear(n_units, n_out)

    def forward(self, x):
        h = F.relu(self.l1(x))
        h = F.relu(self.l2(h))
        return self.l3(h)


class CNN(dbr.Chain):
    """Two 3x3 conv + 2x2 max-pool stages, then a hidden layer with dropout."""

    def __init__(self, n_channels, n_units, n_out):
        super().__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(1, n_channels, ksize=3, pad=1)
            self.conv2 = L.Convolution2D(n_channels, 2 * n_channels, ksize=3, pad=1)
            # Two 2x2 poolings leave 7x7 maps.
            self.l1 = L.Linear(2 * n_channels * 7 * 7, n_units)
            self.l2 = L.Linear(n_units, n_out)

    def forward(self, x):
        h = F.max_pooling_2d(F.relu(self.conv1(x)), 2)
        h = F.max_pooling_2d(F.relu(self.conv2(h)), 2)
        h = F.dropout(F.relu(self.l1(h)), ratio=0.3)
        return self.l2(h)


def load_data(name, arch):
    """(train, test) TupleDatasets of (image, label); images are (1, 28, 28) for the CNN."""
    ndim = 3 if arch == 'cnn' else 1
    loader = {'fashion': dbr.datasets.get_fashion_mnist, 'mnist': dbr.datasets.get_mnist}[name]
    return loader(ndim=ndim)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataset', choices=('fashion', 'mnist'), default='fashion',
                        help='Fashion-MNIST (default) or the handwritten digits')
    parser.add_argument('--arch', choices=('mlp', 'cnn'), default='mlp')
    parser.add_argument('--batchsize', '-b', type=int, default=100)
    parser.add_argument('--epoch', '-e', type=int, default=10,
                        help='number of sweeps over the training set')
    parser.add_argument('--unit', '-u', type=int, default=1000,
                        help='hidden units of the MLP (the CNN uses a quarter as many)')
    parser.add_argument('--channels', type=int, default=32,
                        help='channels of the CNN\'s first convolution (doubled in the second)')
    parser.add_argument('--lr', type=float, default=1e-3, help='Adam\'s alpha')
    parser.add_argument('--device', '-d', default='@numpy',
                        help='@numpy (default), @cupy:N or an int GPU id (-1: CPU)')
    parser.add_argument('--out', '-o', default=None,
                        help='output folder (default: result/<dataset>-<arch>)')
    parser.add_argument('--resume', '-r', default=None,
                        help='snapshot to resume from (the newest one in --out is loaded '
                             'automatically anyway)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--test', action='store_true',
                        help='CI mode: a small slice of the data, a small model, one epoch')
    args = parser.parse_args()

    if args.test:
        args.epoch, args.unit, args.channels, args.batchsize = 1, 64, 4, 50
    out = args.out or os.path.join('result', f'{args.dataset}-{args.arch}')

    device = dbr.get_device(args.device)
    device.use()
    numpy.random.seed(args.seed)  # initial weights, shuffling and dropout masks
    if device.xp is not numpy:
        device.xp.random.seed(args.seed)

    try:
        train, test = load_data(args.dataset, args.arch)
    except FileNotFoundError as e:  # the message says where to put the files
        raise SystemExit(str(e)) from None
    if args.test:
        train = dbr.datasets.split_dataset(train, min(1000, len(train)))[0]
        test = dbr.datasets.split_dataset(test, min(500, len(test)))[0]
    print(f'dataset: {args.dataset}  train {len(train)}  test {len(test)}  device {device}')

    n_classes = 10
    if args.arch == 'mlp':
        predictor = MLP(args.unit, n_classes)
    else:
        predictor = CNN(args.channels, args.unit // 4, n_classes)
    model = L.Classifier(predictor)
    model.to_device(device)

    optimizer = dbr.optimizers.Adam(alpha=args.lr)
    optimizer.setup(model)

    train_iter = dbr.iterators.SerialIterator(train, args.batchsize)
    test_iter = dbr.iterators.SerialIterator(test, args.batchsize, repeat=False, shuffle=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, device=device)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=out)

    trainer.extend(extensions.Evaluator(test_iter, model, device=device))
    trainer.extend(extensions.snapshot(n_retains=1, autoload=True), trigger=(1, 'epoch'))
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.PlotReport(['main/loss', 'validation/main/loss'], 'epoch',
                                         filename='loss.png'))
    trainer.extend(extensions.PlotReport(['main/accuracy', 'validation/main/accuracy'],
                                         'epoch', filename='accuracy.png'))
    trainer.extend(extensions.PrintReport(
        ['epoch', 'main/loss', 'validation/main/loss', 'main/accuracy',
         'validation/main/accuracy', 'elapsed_time']))
    trainer.extend(extensions.ProgressBar(update_interval=10 if args.test else 100))
    if args.resume:
        dbr.serializers.load_npz(args.resume, trainer)

    start = time.time()
    trainer.run()
    print(f'training time: {time.time() - start:.1f} s')

    result = extensions.Evaluator(test_iter, model, device=device)()
    print(f'test loss: {float(result["main/loss"]):.4f}')
    print(f'test accuracy: {float(result["main/accuracy"]):.4f}')


if __name__ == '__main__':
    main()
