"""LSTM forward + backward on a GPU: dbr's cuDNN path against PyTorch's nn.LSTM (packed input).

Both run cuDNN's RNN on the same weights and the same variable-length batch, float32, no
dropout, and a loss ``sum(concat(ys) * g)`` for a fixed random ``g`` (so every output gets a
gradient); each step is forward + backward of that loss, including each framework's own
packing of the sequences (dbr: ``F.n_step_lstm`` on a list of arrays; PyTorch:
``pack_sequence(..., enforce_sorted=False)`` then ``nn.LSTM``), gradients w.r.t. the inputs and
all weights. The GPU is synchronized after every step.

Configurations:
    small: the benchmarks/lstm.py model's LSTM: 2 layers, 256 -> 256, 32 sequences of lengths
        5..40.
    large: 4 layers, 1024 -> 1024, 128 sequences of lengths 50..200.

Reported per configuration: the median step time of each framework (median over ``--iters``
steps, then the median over ``--repeat`` interleaved rounds), tokens/s, dbr / PyTorch, and the
relative difference of the two losses (a check that both computed the same thing).

TF32 is off for both by default (exact float32 arithmetic); ``--tf32`` turns it on for both
(``dbr.global_config.use_cudnn_tensor_core = 'always'`` and ``torch.backends.cudnn.allow_tf32``).

Usage::

    PYTHONPATH=. python benchmarks/lstm_gpu.py [--config small|large|all] [--iters 20]
        [--warmup 3] [--repeat 3] [--tf32] [--json]

Without CuPy, a GPU or cuDNN it prints why and exits with status 2.
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np

CONFIGS = {
    'small': dict(layers=2, in_size=256, hidden=256, batch=32, min_len=5, max_len=40),
    'large': dict(layers=4, in_size=1024, hidden=1024, batch=128, min_len=50, max_len=200),
}
SEED = 0


def _fail(message):
    print(f'lstm_gpu: {message}', file=sys.stderr)
    sys.exit(2)


def require_gpu():
    """Exits with status 2 and a message unless CuPy, a CUDA device and cuDNN are usable."""
    try:
        import cupy
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # ImportError, or CuPy's CUDARuntimeError without a driver
        _fail(f'needs CuPy and a CUDA GPU; {type(e).__name__}: {e}')
    if n == 0:
        _fail('needs a CUDA GPU; none is visible')
    from dbr.backends import cudnn
    reason = cudnn.unavailable_reason()
    if reason is not None:
        _fail(f'dbr cannot use cuDNN: {reason}')


def make_data(cfg):
    """Sequences, per-sequence output gradients and weights in Chainer's layout (float32)."""
    rng = np.random.default_rng(SEED)
    lengths = rng.integers(cfg['min_len'], cfg['max_len'] + 1, cfg['batch'])
    H = cfg['hidden']
    xs = [rng.standard_normal((n, cfg['in_size'])).astype(np.float32) for n in lengths]
    gs = [rng.standard_normal((n, H)).astype(np.float32) for n in lengths]
    layers = []
    for layer in range(cfg['layers']):
        n_in = cfg['in_size'] if layer == 0 else H
        scale = 1 / np.sqrt(H)
        ws = [(rng.uniform(-scale, scale, (H, n_in if q < 4 else H))).astype(np.float32)
              for q in range(8)]
        bs = [(rng.uniform(-scale, scale, H)).astype(np.float32) for _ in range(8)]
        layers.append((ws, bs))
    return xs, gs, layers


def median_step(step, sync, warmup, iters):
    """Median seconds of ``step`` (synchronized), after ``warmup`` untimed steps."""
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def dbr_runner(cfg, data, tf32):
    import cupy
    import dbr
    import dbr.functions as F
    dbr.global_config.use_cudnn_tensor_core = 'always' if tf32 else 'auto'
    xs, gs, layers = data
    ws = [[dbr.Parameter(cupy.asarray(w)) for w in lw] for lw, _ in layers]
    bs = [[dbr.Parameter(cupy.asarray(b)) for b in lb] for _, lb in layers]
    params = [p for group in ws + bs for p in group]
    xv = [dbr.Variable(cupy.asarray(x)) for x in xs]
    g = cupy.asarray(np.concatenate(gs))
    state = {}

    def step():
        for v in params + xv:
            v.cleargrad()
        with dbr.using_config('use_cudnn', 'always'):
            _, _, ys = F.n_step_lstm(cfg['layers'], 0.0, None, None, ws, bs, xv)
        loss = F.sum(F.concat(ys, axis=0) * g)
        loss.backward()
        state['loss'] = loss

    def loss():
        return float(state['loss'].array)

    return step, cupy.cuda.Device().synchronize, loss


def torch_runner(cfg, data, tf32):
    import torch
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    pack_sequence = torch.nn.utils.rnn.pack_sequence
    xs, gs, layers = data
    dev = torch.device('cuda')
    lstm = torch.nn.LSTM(cfg['in_size'], cfg['hidden'], num_layers=cfg['layers'])
    with torch.no_grad():
        for layer, (ws, bs) in enumerate(layers):
            # PyTorch's gate order is also i, f, g, o; its two biases are Chainer's b0-3, b4-7.
            getattr(lstm, f'weight_ih_l{layer}').copy_(torch.from_numpy(np.concatenate(ws[:4])))
            getattr(lstm, f'weight_hh_l{layer}').copy_(torch.from_numpy(np.concatenate(ws[4:])))
            getattr(lstm, f'bias_ih_l{layer}').copy_(torch.from_numpy(np.concatenate(bs[:4])))
            getattr(lstm, f'bias_hh_l{layer}').copy_(torch.from_numpy(np.concatenate(bs[4:])))
    lstm.to(dev)
    xt = [torch.from_numpy(x).to(dev).requires_grad_() for x in xs]
    g = pack_sequence([torch.from_numpy(x).to(dev) for x in gs], enforce_sorted=False).data
    state = {}

    def step():
        lstm.zero_grad(set_to_none=True)
        for x in xt:
            x.grad = None
        out, _ = lstm(pack_sequence(xt, enforce_sorted=False))
        loss = (out.data * g).sum()
        loss.backward()
        state['loss'] = loss

    def loss():
        return float(state['loss'])

    return step, torch.cuda.synchronize, loss


def bench(name, args):
    cfg = CONFIGS[name]
    data = make_data(cfg)
    tokens = sum(len(x) for x in data[0])
    runners = {'dbr': dbr_runner(cfg, data, args.tf32)}
    try:
        import torch  # noqa: F401
        runners['torch'] = torch_runner(cfg, data, args.tf32)
    except ImportError:
        print('lstm_gpu: PyTorch is not installed; timing dbr only', file=sys.stderr)
    rounds = {impl: [] for impl in runners}
    for _ in range(args.repeat):
        for impl, (step, sync, _) in runners.items():
            rounds[impl].append(median_step(step, sync, args.warmup, args.iters))
    record = {'config': name, **cfg, 'tokens': tokens, 'tf32': args.tf32}
    for impl, (_, _, loss) in runners.items():
        seconds = statistics.median(rounds[impl])
        record[f'{impl}_ms'] = seconds * 1e3
        record[f'{impl}_tokens_per_s'] = tokens / seconds
        record[f'{impl}_loss'] = loss()
    if 'torch' in runners:
        record['dbr_over_torch'] = record['dbr_ms'] / record['torch_ms']
        record['loss_rel_diff'] = (abs(record['dbr_loss'] - record['torch_loss'])
                                   / max(abs(record['torch_loss']), 1e-30))
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', choices=[*CONFIGS, 'all'], default='all')
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--tf32', action='store_true')
    parser.add_argument('--json', action='store_true', help='one JSON record per line')
    args = parser.parse_args()
    try:
        # Loaded first, PyTorch's cuDNN is the copy dbr then finds in the process: both
        # frameworks run the same cuDNN build.
        import torch  # noqa: F401
    except ImportError:
        pass
    require_gpu()
    from dbr.backends import cudnn
    lib = cudnn.get_library()
    print(f'# cuDNN {cudnn.format_version(lib.version)} via {lib.source}: {lib.path}',
          file=sys.stderr)
    names = list(CONFIGS) if args.config == 'all' else [args.config]
    for name in names:
        record = bench(name, args)
        if args.json:
            print(json.dumps(record))
            continue
        line = (f"{name}: {record['tokens']} tokens, dbr {record['dbr_ms']:.2f} ms "
                f"({record['dbr_tokens_per_s']:.0f} tok/s)")
        if 'torch_ms' in record:
            line += (f", torch {record['torch_ms']:.2f} ms ({record['torch_tokens_per_s']:.0f} "
                     f"tok/s), dbr/torch {record['dbr_over_torch']:.3f}, loss rel diff "
                     f"{record['loss_rel_diff']:.1e}")
        print(line)


if __name__ == '__main__':
    main()
