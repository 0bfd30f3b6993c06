"""The cell shared by :func:`slstm` and :func:`tree_lstm`: LSTM-like units with several inputs.

Both compute, from gate pre-activations laid out in one or more inputs ``x_m`` and the cells
``c_1 .. c_N`` of the children::

    c = sum_j tanh(a_j) * sigmoid(i_j) + sum_k sigmoid(f_k) * c_k
    h = sigmoid(o) * tanh(c),    o = sum of the output-gate pre-activations

and differ only in where each gate sits, which a :class:`Layout` describes. The fused forward
and gradient nodes run on raw arrays; the gradient node's own backward is written with dbr
functions, so double backprop works.
"""
from dbr import backend
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import stable_sigmoid


class Layout:
    """Where the gates of a cell sit in its inputs ``x_1 .. x_M``.

    Each ``x_m`` of shape ``(B, n_gates * units, ...)`` is viewed as ``(B, n_gates, units,
    ...)`` (``gate_axis`` 1: one block of ``units`` channels per gate) or ``(B, units,
    n_gates, ...)`` (``gate_axis`` 2: the gates of a unit side by side). A gate is named by
    ``(m, p)``: position ``p`` on the gate axis of ``x_m``.

    Args:
        n_inputs (int): Number of ``x`` inputs, M.
        n_gates (int): Gates per ``x``.
        gate_axis (int): 1 or 2, see above.
        pairs: ``((a, i), ...)``: the cell-input and input gates of each ``tanh(a) *
            sigmoid(i)`` term.
        forgets: The forget gate of each child cell, in the order of the cells.
        outs: The gates summed into the output-gate pre-activation.
    """

    def __init__(self, n_inputs, n_gates, gate_axis, pairs, forgets, outs):
        self.n_inputs = n_inputs
        self.n_gates = n_gates
        self.gate_axis = gate_axis
        self.pairs = pairs
        self.forgets = forgets
        self.outs = outs
        # role of each gate position of each x, for assembling gradients of x
        roles = [[None] * n_gates for _ in range(n_inputs)]
        for j, (a, i) in enumerate(pairs):
            roles[a[0]][a[1]] = ('a', j)
            roles[i[0]][i[1]] = ('i', j)
        for k, (m, p) in enumerate(forgets):
            roles[m][p] = ('f', k)
        for m, p in outs:
            roles[m][p] = ('o', 0)
        self.roles = roles

    def view_shape(self, x_shape, units):
        head = (x_shape[0], self.n_gates, units) if self.gate_axis == 1 else \
            (x_shape[0], units, self.n_gates)
        return head + tuple(x_shape[2:])

    def gate(self, view, p):
        return view[:, p] if self.gate_axis == 1 else view[:, :, p]


def _split(layout, inputs):
    n = len(inputs) - layout.n_inputs
    return inputs[:n], inputs[n:]


class Cell(FunctionNode):
    """Forward of the cell; inputs ``(c_1, .., c_N, x_1, .., x_M)``, outputs ``(c, h)``.

    Subclasses set ``grad_class`` (the :class:`CellGrad` subclass named after them) and a
    ``check_type_forward``.
    """

    grad_class = None

    def __init__(self, layout):
        self.layout = layout

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        self.retain_outputs((0,))
        layout = self.layout
        cs, xs = _split(layout, inputs)
        xp = backend.get_array_module(*inputs)
        units = cs[0].shape[1]
        views = [x.reshape(layout.view_shape(x.shape, units)) for x in xs]

        def gate(mp):
            return layout.gate(views[mp[0]], mp[1])

        c = None
        for a, i in layout.pairs:
            term = xp.tanh(gate(a)) * stable_sigmoid(xp, gate(i))
            c = term if c is None else c + term
        for f, ck in zip(layout.forgets, cs):
            c += stable_sigmoid(xp, gate(f)) * ck
        o = gate(layout.outs[0])
        for mp in layout.outs[1:]:
            o = o + gate(mp)
        return c, stable_sigmoid(xp, o) * xp.tanh(c)

    def backward(self, indexes, grad_outputs):
        inputs = self.get_retained_inputs()
        c, = self.get_retained_outputs()
        gc, gh = grad_outputs
        # A missing gradient is a zero one (the last c of a tree is often unused).
        xp = backend.get_array_module(c.array)
        if gc is None:
            gc = xp.zeros_like(c.array)
        if gh is None:
            gh = xp.zeros_like(c.array)
        grads = self.grad_class(self.layout).apply(inputs + (c, gc, gh))
        return tuple([grads[i] for i in indexes])


class CellGrad(FunctionNode):
    """Gradients of :class:`Cell` w.r.t. all its inputs in one pass.

    Inputs ``(c_1, .., c_N, x_1, .., x_M, c, gc, gh)``: the cell's inputs, its output cell
    ``c`` (so ``tanh(c)`` is not recomputed, and the double backward routes a gradient to it)
    and the output gradients. Outputs ``(gc_1, .., gc_N, gx_1, .., gx_M)``.
    """

    def __init__(self, layout):
        self.layout = layout

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        layout = self.layout
        (*cell_inputs, c, gc, gh) = inputs
        cs, xs = _split(layout, cell_inputs)
        xp = backend.get_array_module(*inputs)
        one = c.dtype.type(1)
        units = c.shape[1]
        views = [x.reshape(layout.view_shape(x.shape, units)) for x in xs]
        gviews = [xp.empty(v.shape, v.dtype) for v in views]

        def gate(mp):
            return layout.gate(views[mp[0]], mp[1])

        def set_grad(mp, value):
            g = gviews[mp[0]]
            if layout.gate_axis == 1:
                g[:, mp[1]] = value
            else:
                g[:, :, mp[1]] = value

        o = gate(layout.outs[0])
        for mp in layout.outs[1:]:
            o = o + gate(mp)
        o = stable_sigmoid(xp, o)
        t = xp.tanh(c)
        # gradient reaching the cell: directly, and through h = sigmoid(o) * tanh(c)
        gcell = gh * o * (one - t * t) + gc
        go = gh * t * o * (one - o)
        for a, i in layout.pairs:
            ta = xp.tanh(gate(a))
            si = stable_sigmoid(xp, gate(i))
            set_grad(a, gcell * si * (one - ta * ta))
            set_grad(i, gcell * ta * si * (one - si))
        gcs = []
        for f, ck in zip(layout.forgets, cs):
            sf = stable_sigmoid(xp, gate(f))
            set_grad(f, gcell * ck * sf * (one - sf))
            gcs.append(gcell * sf)
        for mp in layout.outs:
            set_grad(mp, go)
        return tuple(gcs) + tuple([g.reshape(x.shape) for g, x in zip(gviews, xs)])

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        from dbr.functions.activation.tanh import tanh
        from dbr.functions.array.reshape import reshape
        from dbr.functions.array.stack import stack
        from dbr.variable import Variable
        layout = self.layout
        inputs = self.get_retained_inputs()
        (*cell_inputs, c, gc, gh) = inputs
        cs, xs = _split(layout, cell_inputs)
        n_c = len(cs)
        xp = backend.get_array_module(c.array)

        def given(g, like):
            return Variable(xp.zeros_like(like.array), requires_grad=False) if g is None else g

        ggcs = [given(g, v) for g, v in zip(grad_outputs[:n_c], cs)]
        ggxs = [given(g, v) for g, v in zip(grad_outputs[n_c:], xs)]
        units = c.shape[1]
        views = [reshape(x, layout.view_shape(x.shape, units)) for x in xs]
        ggviews = [reshape(g, layout.view_shape(g.shape, units)) for g in ggxs]

        def gate(vs, mp):
            return layout.gate(vs[mp[0]], mp[1])

        o_in = gate(views, layout.outs[0])
        gg_o = gate(ggviews, layout.outs[0])
        for mp in layout.outs[1:]:
            o_in = o_in + gate(views, mp)
            gg_o = gg_o + gate(ggviews, mp)
        o = sigmoid(o_in)
        do = o * (1 - o)
        t = tanh(c)
        dt = 1 - t * t
        gcell = gc + gh * o * dt
        # Every second-order term below is d<gg, first-order gradient> w.r.t. one input; the
        # first-order gradients share the factor gcell, whose total weight is G.
        pair_terms = []
        G = None
        for a, i in layout.pairs:
            ta = tanh(gate(views, a))
            si = sigmoid(gate(views, i))
            da, di = 1 - ta * ta, si * (1 - si)
            gga, ggi = gate(ggviews, a), gate(ggviews, i)
            pair_terms.append((ta, si, da, di, gga, ggi))
            term = gga * si * da + ggi * ta * di
            G = term if G is None else G + term
        forget_terms = []
        for f, ck, ggck in zip(layout.forgets, cs, ggcs):
            sf = sigmoid(gate(views, f))
            df = sf * (1 - sf)
            ggf = gate(ggviews, f)
            forget_terms.append((sf, df, ggf))
            G = G + ggf * ck * df + ggck * sf

        def x_grad(m):
            parts = []
            for role, j in layout.roles[m]:
                if role == 'a':
                    ta, si, da, di, gga, ggi = pair_terms[j]
                    parts.append(gcell * da * (ggi * di - 2 * gga * si * ta))
                elif role == 'i':
                    ta, si, da, di, gga, ggi = pair_terms[j]
                    parts.append(gcell * di * (gga * da + ggi * ta * (1 - 2 * si)))
                elif role == 'f':
                    sf, df, ggf = forget_terms[j]
                    parts.append(gcell * df * (ggcs[j] + ggf * cs[j] * (1 - 2 * sf)))
                else:
                    parts.append(gh * do * (G * dt + gg_o * t * (1 - 2 * o)))
            return reshape(stack(parts, axis=layout.gate_axis), xs[m].shape)

        ret = []
        n_x = len(xs)
        for k in indexes:
            if k < n_c:
                sf, df, ggf = forget_terms[k]
                ret.append(gcell * ggf * df)
            elif k < n_c + n_x:
                ret.append(x_grad(k - n_c))
            elif k == n_c + n_x:
                ret.append(gh * dt * (gg_o * do - 2 * G * o * t))
            elif k == n_c + n_x + 1:
                ret.append(G)
            else:
                ret.append(G * o * dt + gg_o * t * do)
        return tuple(ret)
