"""The n-step RNN computation rebuilt from dbr functions, for double backprop.

It follows the fused forward step by step (same packing, same dropout masks), so its first
derivatives equal the fused backward's and its graph can be differentiated again.
"""
import numpy

from dbr.functions.activation.relu import relu
from dbr.functions.activation.sigmoid import sigmoid
from dbr.functions.activation.tanh import tanh
from dbr.functions.array.concat import concat
from dbr.functions.array.get_item import get_item
from dbr.functions.array.stack import stack
from dbr.functions.math.matmul import matmul


def composed_forward(node, inputs):
    """Returns ``(hy, [cy,] *ys)`` as Variables computed from ``inputs`` with dbr functions."""
    states, ws, bs, xs = node._split_inputs(inputs)
    pk = node.packing
    mode = node.mode
    batch = len(xs)
    H = states[0].shape[2]
    x = get_item(concat([xs[i] for i in pk.order], axis=0), pk.gather)
    hx = get_item(states[0], (slice(None), pk.order))
    cx = get_item(states[1], (slice(None), pk.order)) if mode == 'lstm' else None
    unreverse = numpy.argsort(pk.reverse)
    hy, cy = [], []
    for layer in range(node.n_layers):
        mask = node._masks[layer]
        if mask is not None:
            x = x * mask
        outs = []
        for d in range(node.n_dirs):
            k = layer * node.n_dirs + d
            w_in, w_h, b_in, b_h = node._layer_weights(ws, bs, k)
            w_in = concat(w_in, axis=0)
            w_h = concat(w_h, axis=0)
            b_in = concat(b_in, axis=0)
            b_h = concat(b_h, axis=0)
            xd = x if d == 0 else get_item(x, pk.reverse)
            xw = matmul(xd, w_in, transb=True) + b_in
            if mode != 'gru':
                xw = xw + b_h
            h = hx[k]
            c = None if cx is None else cx[k]
            steps = []
            for t, bt in enumerate(pk.batch_sizes):
                bt = int(bt)
                a = xw[int(pk.offsets[t]):int(pk.offsets[t + 1])]
                hp = h[:bt]
                if mode == 'lstm':
                    a = a + matmul(hp, w_h, transb=True)
                    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
                    g, o = tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
                    ct = f * c[:bt] + i * g
                    ht = o * tanh(ct)
                    c = ct if bt == batch else concat([ct, c[bt:]], axis=0)
                elif mode == 'gru':
                    hw = matmul(hp, w_h, transb=True) + b_h
                    r = sigmoid(a[:, :H] + hw[:, :H])
                    z = sigmoid(a[:, H:2 * H] + hw[:, H:2 * H])
                    n = tanh(a[:, 2 * H:] + r * hw[:, 2 * H:])
                    ht = n + z * (hp - n)
                else:
                    a = a + matmul(hp, w_h, transb=True)
                    ht = tanh(a) if node.activation == 'tanh' else relu(a)
                steps.append(ht)
                h = ht if bt == batch else concat([ht, h[bt:]], axis=0)
            out = concat(steps, axis=0)
            if d == 1:
                out = get_item(out, unreverse)
            outs.append(out)
            hy.append(h)
            cy.append(c)
        x = outs[0] if node.n_dirs == 1 else concat(outs, axis=1)
    inverse = pk.inverse_order
    results = [get_item(stack(hy), (slice(None), inverse))]
    if mode == 'lstm':
        results.append(get_item(stack(cy), (slice(None), inverse)))
    for i in range(batch):
        j = int(inverse[i])
        results.append(get_item(x, pk.offsets[:int(pk.lengths[j])] + j))
    return results
