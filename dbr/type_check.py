"""Readable input checks for ``FunctionNode.check_type_forward``.

A node states its expectations as Python expressions over its named inputs (raw arrays, so
``x.shape``, ``x.ndim``, ``x.dtype`` work) and ``self``::

    class Linear(FunctionNode):
        check_type_forward = type_check.expects(
            'x, W, b=None', "x.dtype.kind == 'f'", 'x.shape[1] == W.shape[1]')

The expressions are compiled once, at class definition, into one Python function, so a check
costs about one function call. When an expectation fails, the error names the function, the
expectation, and the values it read::

    linear: expected x.shape[1] == W.shape[1], got x.shape=(3, 5), W.shape=(4, 6)
"""
import numpy



class InvalidType(TypeError, ValueError):
    """Raised when a function's inputs do not meet its expectations.

    It is both a TypeError and a ValueError, so code catching either keeps working.

    Attributes:
        expect (str): The expectation that failed.
        actual (str): The values it was evaluated on.
    """

    def __init__(self, expect, actual, label=None):
        self.expect = expect
        self.actual = actual
        head = f'{label}: ' if label else ''
        super().__init__(f'{head}expected {expect}, got {actual}')


class _Check:
    __slots__ = ('fn', 'names', 'n_required', 'signature', 'conditions')

    def __init__(self, signature, conditions):
        body = ''.join(f'    if not ({c}): return {i}\n' for i, c in enumerate(conditions))
        src = f'def _check(self, {signature}):\n{body}    return -1\n'
        namespace = {}
        exec(compile(src, f'<type_check {signature}>', 'exec'), namespace)
        self.fn = namespace['_check']
        code = self.fn.__code__
        self.names = list(code.co_varnames[1:code.co_argcount])
        self.n_required = len(self.names) - len(self.fn.__defaults__ or ())
        self.signature = signature
        self.conditions = conditions


def _describe(value):
    if hasattr(value, 'shape') and hasattr(value, 'dtype'):
        return f'array(shape={tuple(value.shape)}, dtype={value.dtype})'
    if hasattr(value, 'kind') and hasattr(value, 'itemsize'):
        return str(value)
    return repr(value)


def _details(condition, env):
    """Evaluates the names and attribute chains a condition reads, for the error message."""
    import ast  # only on the error path: keeps `import dbr` fast
    tree = ast.parse(condition, mode='eval')
    shown = []

    def visit(node):
        if isinstance(node, ast.Attribute):
            chain = node
            while isinstance(chain, ast.Attribute):
                chain = chain.value
            if isinstance(chain, ast.Name) and chain.id in env:
                # x.dtype.kind reads better as x.dtype
                if node.attr == 'kind' and isinstance(node.value, ast.Attribute):
                    node = node.value
                shown.append(ast.unparse(node))
                return
        if isinstance(node, ast.Name) and node.id in env and node.id != 'self':
            shown.append(node.id)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    parts = []
    for text in dict.fromkeys(shown):
        try:
            value = eval(text, {}, env)
        except Exception as e:  # the condition itself may be what failed to evaluate
            parts.append(f'{text} -> {type(e).__name__}')
            continue
        if callable(value) and not hasattr(value, 'itemsize'):
            continue  # a method the condition calls: its arguments are shown instead
        parts.append(f'{text}={_describe(value)}')
    return ', '.join(parts) if parts else 'inputs that do not satisfy it'


def expects(signature, *conditions):
    """Compiles a ``check_type_forward`` method from a signature and conditions.

    Args:
        signature (str): Names for the inputs as a Python parameter list, e.g.
            ``'x, W, b=None'``; it also fixes how many inputs are accepted.
        *conditions (str): Python expressions over the input names and ``self``.

    Returns:
        A function ``check(node, in_types)`` raising :class:`InvalidType` when the number of
        inputs or a condition does not hold; assign it as ``check_type_forward`` or call it.

    Example:
        >>> class Tanh(dbr.FunctionNode):
        ...     check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")
    """
    compiled = _Check(signature, conditions)
    fn = compiled.fn
    lo = compiled.n_required
    hi = len(compiled.names)

    def check_type_forward(node, in_types):
        n = len(in_types)
        if n < lo or n > hi:
            counted = str(hi) if lo == hi else f'{lo} to {hi}'
            raise InvalidType(f'{counted} inputs ({signature})', f'{n}', _label(node))
        try:
            failed = fn(node, *in_types)
        except Exception:
            # A condition that cannot even be evaluated (x.shape[1] of a 1-d x) is a failed
            # expectation too; find which one and report it like the others.
            failed = _first_unevaluable(compiled, node, in_types)
        if failed >= 0:
            env = dict(zip(compiled.names, in_types))
            env['self'] = node
            condition = conditions[failed]
            raise InvalidType(condition, _details(condition, env), _label(node))

    return check_type_forward


def _first_unevaluable(compiled, node, in_types):
    env = dict(zip(compiled.names, in_types))
    env['self'] = node
    for i, condition in enumerate(compiled.conditions):
        try:
            if not eval(condition, {}, env):
                return i
        except Exception:
            return i
    return -1


def _label(node):
    return getattr(node, 'label', None) or type(node).__name__


def expect_broadcastable(node, *shapes):
    """Raises InvalidType naming ``node`` unless ``shapes`` broadcast together.

    Example:
        >>> type_check.expect_broadcastable(self, x0.shape, x1.shape)  # doctest: +SKIP
    """
    try:
        numpy.broadcast_shapes(*shapes)
    except ValueError:
        got = ', '.join(str(tuple(s)) for s in shapes)
        raise InvalidType('shapes that broadcast together', got, _label(node)) from None
