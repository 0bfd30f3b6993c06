"""The backward traversal shared by ``Variable.backward`` and ``dbr.grad``.

Functions are visited in decreasing rank from a heap, so each one runs once, after every
gradient flowing into its outputs has been summed. Gradients are Variables; unless double
backprop is requested, backward runs with graph construction off.
"""
import heapq

from dbr.configuration import config, using_config
from dbr.function_node import _check_finite
from dbr.variable import Variable, Parameter, _make


def _as_grad_variable(g):
    if g is None or isinstance(g, Variable):
        return g
    return _make(g, False)


def _traverse(roots, grads, retain_grad, keep, relevant):
    """Propagates ``grads`` (node -> gradient Variable) from ``roots`` down the graph.

    Args:
        roots: Nodes whose creators start the traversal.
        grads: Dict seeded with the roots' gradients; updated in place.
        retain_grad: Store each intermediate gradient on its Variable.
        keep: Nodes whose gradients stay in ``grads`` (others are freed once used), or None.
        relevant: Dict FunctionNode -> bool restricting the traversal, or None for all.
    """
    debug = config.debug
    heap = []
    seen = set()
    push = heapq.heappush
    pop = heapq.heappop
    count = 0
    for node in roots:
        f = node.creator
        if f is not None and f not in seen:
            seen.add(f)
            push(heap, (-f.rank, count, f))
            count += 1
    while heap:
        func = pop(heap)[2]
        in_nodes = func.inputs
        if in_nodes is None:
            continue
        outs = func.outputs
        if len(outs) == 1:
            node = outs[0]()
            if node is None:
                continue
            gy = grads.get(node) if keep is not None and node in keep else grads.pop(node, None)
            if gy is None:
                continue
            if retain_grad:
                _retain(node, gy)
            gys = (gy,)
        else:
            gys = []
            for ref in outs:
                node = ref()
                gy = None
                if node is not None:
                    gy = grads.get(node) if keep is not None and node in keep \
                        else grads.pop(node, None)
                    if gy is not None and retain_grad:
                        _retain(node, gy)
                gys.append(gy)
            if all(gy is None for gy in gys):
                continue
            gys = tuple(gys)
        if relevant is None:
            if len(in_nodes) == 1:
                x = in_nodes[0]
                if x is None or not x.requires_grad:
                    continue
                indexes = (0,)
            else:
                indexes = tuple([i for i, x in enumerate(in_nodes)
                                 if x is not None and x.requires_grad])
        else:
            indexes = tuple([i for i, x in enumerate(in_nodes)
                             if x is not None and x.requires_grad and
                             (x in keep or relevant.get(x.creator, False))])
        if not indexes:
            continue
        if debug:
            try:
                gxs = func.backward(indexes, gys)
            except FloatingPointError as e:
                raise FloatingPointError(f'{e} (while computing the backward of {func.label})') \
                    from e
            _check_finite(func, gxs, 'backward')
        else:
            gxs = func.backward(indexes, gys)
        if len(gxs) != len(indexes):
            if len(gxs) != len(in_nodes):
                raise ValueError(f'{func.label}: backward returned {len(gxs)} gradients for '
                                 f'{len(indexes)} requested of {len(in_nodes)} inputs')
            gxs = [gxs[i] for i in indexes]
        for i, gx in zip(indexes, gxs):
            if gx is None:
                continue
            if gx.__class__ is not Variable:
                gx = _as_grad_variable(gx)
            x = in_nodes[i]
            prev = grads.get(x)
            grads[x] = gx if prev is None else prev + gx
            f = x.creator
            if f is not None and f not in seen:
                seen.add(f)
                push(heap, (-f.rank, count, f))
                count += 1


def _retain(node, gy):
    var = node._variable()
    if var is not None:
        var._grad_var = gy


def _initial_grad(var, who, loss_scale):
    g = var._grad_var
    if g is None:
        if var._data.size != 1:
            raise ValueError(
                f'{who}: the output has shape {var.shape}; backward needs a gradient for '
                f'non-scalar outputs. Set y.grad (an array of that shape) or reduce it to a '
                f'scalar first, e.g. dbr.functions.sum(y)')
        g = _make(var.xp.ones_like(var._data), False)
    if loss_scale is not None:
        g = _make(g._data * loss_scale, False)
    return g


def backward(var, retain_grad, enable_double_backprop, loss_scale):
    """Implements ``Variable.backward``: leaf gradients are accumulated into ``.grad``."""
    node = var._node
    if node is None or node.creator is None:
        return
    if var._grad_var is None:
        var._grad_var = _initial_grad(var, 'Variable.backward', None)
    seed = var._grad_var
    if loss_scale is not None:
        seed = _make(seed._data * loss_scale, False)
    grads = {node: seed}
    # Set and restore the two keys directly: a context manager per call costs microseconds.
    cfg = config
    saved = {k: cfg.__dict__[k] for k in ('enable_backprop', 'type_check') if k in cfg.__dict__}
    cfg.enable_backprop = enable_double_backprop
    cfg.type_check = enable_double_backprop and cfg.type_check
    try:
        _traverse((node,), grads, retain_grad, None, None)
        given = {id(var._grad_var._data)}
        for leaf, g in grads.items():
            v = leaf._variable()
            if v is None:
                continue
            if loss_scale is not None and isinstance(v, Parameter):
                v._loss_scale = loss_scale
            prev = v._grad_var
            if prev is not None:
                v._grad_var = prev + g
                continue
            d = g._data
            if not enable_double_backprop and (id(d) in given or _is_view_of_one(d)):
                # Optimizers update gradients in place: each leaf must own its gradient.
                g = _make(d.copy(), False)
            given.add(id(g._data))
            v._grad_var = g
    finally:
        for k in ('enable_backprop', 'type_check'):
            if k in saved:
                setattr(cfg, k, saved[k])
            else:
                delattr(cfg, k)


def _is_view_of_one(a):
    """True for broadcast (stride-0) or read-only arrays, which in-place updates would corrupt."""
    return (a.size > 1 and 0 in a.strides) or not getattr(a.flags, 'writeable', True)


def _relevant_functions(roots, targets):
    """Maps every function reachable from ``roots`` to whether some target lies behind it."""
    relevant = {}
    stack = [(n.creator, False) for n in roots if n.creator is not None]
    while stack:
        func, expanded = stack.pop()
        if func in relevant and not expanded:
            continue
        inputs = [x for x in func.inputs or () if x is not None]
        if expanded:
            relevant[func] = any(x in targets or relevant.get(x.creator, False) for x in inputs)
            continue
        relevant[func] = False  # placeholder: the graph is acyclic, so it is never read early
        stack.append((func, True))
        stack.extend((x.creator, False) for x in inputs
                     if x.creator is not None and x.creator not in relevant)
    return relevant


def grad(outputs, inputs, grad_outputs, grad_inputs, set_grad, retain_grad,
         enable_double_backprop, loss_scale):
    """Implements ``dbr.grad`` (see :func:`dbr.function_node.grad`)."""
    outputs = _as_variable_list(outputs, 'outputs')
    inputs = _as_variable_list(inputs, 'inputs')
    grad_outputs = _optional_list(grad_outputs, len(outputs), 'grad_outputs')
    grad_inputs = _optional_list(grad_inputs, len(inputs), 'grad_inputs')

    grads = {}
    roots = []
    for y, gy in zip(outputs, grad_outputs):
        if gy is None:
            gy = _initial_grad(_make(y._data, False), 'dbr.grad', loss_scale)
        else:
            gy = _as_grad_variable(gy)
            if loss_scale is not None:
                gy = gy * loss_scale
        node = y.node
        grads[node] = gy if node not in grads else grads[node] + gy
        roots.append(node)
    in_nodes = [x.node for x in inputs]
    targets = set(in_nodes)
    with using_config('enable_backprop', enable_double_backprop):
        for node, gx in zip(in_nodes, grad_inputs):
            if gx is not None:
                gx = _as_grad_variable(gx)
                grads[node] = gx if node not in grads else grads[node] + gx
        relevant = _relevant_functions(roots, targets)
        _traverse(roots, grads, retain_grad, targets, relevant)
    result = [grads.get(n) for n in in_nodes]
    if set_grad:
        for x, g in zip(inputs, result):
            x._grad_var = g
    return result


def _as_variable_list(seq, name):
    if isinstance(seq, Variable):
        raise TypeError(f'dbr.grad: {name} must be a list or tuple of Variables, got a Variable '
                        f'(wrap it in a list)')
    seq = list(seq)
    for i, v in enumerate(seq):
        if not isinstance(v, Variable):
            raise TypeError(f'dbr.grad: {name}[{i}] must be a Variable, got {type(v).__name__}')
    return seq


def _optional_list(seq, n, name):
    if seq is None:
        return [None] * n
    seq = list(seq)
    if len(seq) != n:
        raise ValueError(f'dbr.grad: expected {n} {name} (one per entry), got {len(seq)}')
    return seq
