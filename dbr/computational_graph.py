"""Computational graphs as Graphviz dot: ``build_computational_graph(outputs).dump()``.

The graph is whatever is backward-reachable from the outputs: each variable links to its
creator, each function to its inputs. Arrays are not kept by the graph, so a variable's shape
and dtype are shown when its Variable is still alive or when a function retained its array;
otherwise the label says only ``variable``.

Example:
    >>> import dbr.computational_graph as c
    >>> y = F.relu(model(x))  # doctest: +SKIP
    >>> open('graph.dot', 'w').write(c.build_computational_graph([y]).dump())  # doctest: +SKIP
"""
import heapq

from dbr.function_node import FunctionNode
from dbr.variable import Variable, VariableNode

_var_style = {'shape': 'octagon', 'fillcolor': '#E0E0E0', 'style': 'filled'}
_func_style = {'shape': 'record', 'fillcolor': '#6495ED', 'style': 'filled'}

_RANKDIRS = ('TB', 'BT', 'LR', 'RL')


class ArrayInput:
    """A plain array given to a function (the graph keeps no node for it); drawn as a variable.

    Attributes:
        function: The function it was given to.
        index (int): Its input position.
        rank (int): Always 0 (it has no creator).
    """

    rank = 0
    creator = None

    def __init__(self, function, index):
        self.function = function
        self.index = index


def _array_label(array):
    if array.shape == ():
        return str(array.dtype)
    return f"({', '.join(map(str, array.shape))}), {array.dtype}"


def _quote(text):
    return '"' + str(text).replace('\\', '\\\\').replace('"', '\\"') + '"'


class ComputationalGraph:
    """Nodes and edges of a computational graph, printable as Graphviz dot.

    Args:
        nodes (list): :class:`~dbr.VariableNode`, :class:`~dbr.FunctionNode` and
            :class:`ArrayInput` (a plain-array input, drawn as a variable) objects.
        edges (list): ``(head, tail)`` pairs of nodes: variable -> function (an input) or
            function -> variable (an output).
        variable_style (dict): Dot attributes of variable nodes (None: no style).
        function_style (dict): Dot attributes of function nodes (None: no style).
        rankdir (str): ``'TB'``, ``'BT'``, ``'LR'`` or ``'RL'``.
        remove_variable (bool): Draw only the functions, linked directly to each other.
        show_name (bool): Prefix a variable's label with its ``name``.
        arrays (dict): ``id(node) -> array`` for nodes whose Variable was released but whose
            array a function retained (used for their labels).

    Example:
        >>> g = dbr.computational_graph.build_computational_graph([y])  # doctest: +SKIP
        >>> print(g.dump())  # doctest: +SKIP
    """

    def __init__(self, nodes, edges, variable_style=_var_style, function_style=_func_style,
                 rankdir='TB', remove_variable=False, show_name=True, arrays=None):
        if rankdir not in _RANKDIRS:
            raise ValueError(f'ComputationalGraph: rankdir must be one of {_RANKDIRS}, '
                             f'got {rankdir!r}')
        self.nodes = nodes
        self.edges = edges
        self.variable_style = variable_style
        self.function_style = function_style
        self.rankdir = rankdir
        self.remove_variable = remove_variable
        self.show_name = show_name
        self._arrays = arrays or {}

    def _label(self, node):
        if isinstance(node, FunctionNode):
            return type(node).__name__
        if isinstance(node, ArrayInput):
            array = self._arrays.get(id(node))
            return 'array' if array is None else _array_label(array)
        var = node.get_variable_or_none()
        array = var.array if var is not None else self._arrays.get(id(node))
        label = 'variable' if array is None else _array_label(array)
        if self.show_name and var is not None and var.name is not None:
            label = f'{var.name}: {label}'
        return label

    def _node_line(self, node):
        attributes = {'label': self._label(node)}
        if isinstance(node, FunctionNode):
            attributes['shape'] = 'box'
            style = self.function_style
        else:
            attributes['shape'] = 'oval'
            style = self.variable_style
        if style:
            attributes.update(style)
        body = ','.join(f'{k}={_quote(v)}' for k, v in attributes.items())
        return f'{id(node)} [{body}];'

    def _function_edges(self):
        """Edges between functions: f -> g when an output of f is an input of g."""
        creators = {id(tail): head for head, tail in self.edges
                    if isinstance(head, FunctionNode)}
        edges = []
        for head, tail in self.edges:
            if isinstance(head, VariableNode) and id(head) in creators:
                edges.append((creators[id(head)], tail))
        return edges

    def _to_dot(self):
        lines = [f'digraph graphname{{rankdir={self.rankdir};']
        if self.remove_variable:
            nodes = [n for n in self.nodes if isinstance(n, FunctionNode)]
            edges = self._function_edges()
        else:
            nodes, edges = self.nodes, self.edges
        lines.extend(self._node_line(node) for node in nodes)
        drawn = set()
        for head, tail in edges:
            edge = (id(head), id(tail))
            if edge not in drawn:
                drawn.add(edge)
                lines.append(f'{edge[0]} -> {edge[1]};')
        lines.append('}')
        return '\n'.join(lines) + '\n'

    def dump(self, format='dot'):
        """Returns the graph as text in ``format`` (only ``'dot'`` is supported)."""
        if format != 'dot':
            raise NotImplementedError(f"ComputationalGraph.dump: only format='dot' is "
                                      f"supported, got {format!r}")
        return self._to_dot()


def _retained_arrays(func, input_nodes, arrays):
    """Records the arrays ``func`` retained, keyed by the id of their (input/output) node."""
    for i, data in zip(func._input_indexes_to_retain or (), func._retained_inputs or ()):
        if i < len(input_nodes):
            arrays.setdefault(id(input_nodes[i]), data)
    outputs = func.outputs or ()
    for i, data in zip(func._output_indexes_to_retain or (), func._retained_outputs or ()):
        node = outputs[i]() if i < len(outputs) else None
        if node is not None:
            arrays.setdefault(id(node), data)


def build_computational_graph(outputs, remove_split=True, variable_style=_var_style,
                              function_style=_func_style, rankdir='TB', remove_variable=False,
                              show_name=True):
    """Builds the graph of the functions and variables backward-reachable from ``outputs``.

    Args:
        outputs: Variables, VariableNodes or FunctionNodes to start from.
        remove_split (bool): Must be True (kept for compatibility with Chainer).
        variable_style (dict): Dot attributes of variable nodes, e.g. ``{'shape': 'octagon'}``.
        function_style (dict): Dot attributes of function nodes.
        rankdir (str): ``'TB'``, ``'BT'``, ``'LR'`` or ``'RL'``.
        remove_variable (bool): Draw only the functions.
        show_name (bool): Show variables' names in their labels.

    Returns:
        ComputationalGraph: Call ``dump()`` for the dot text.

    Example:
        >>> y = F.sum(F.relu(x) * 2)  # doctest: +SKIP
        >>> dot = dbr.computational_graph.build_computational_graph([y]).dump()  # doctest: +SKIP
    """
    if not remove_split:
        raise ValueError('build_computational_graph: remove_split=False is not supported')
    # Highest rank first, so every node is reached before what it was computed from.
    heap = []
    count = 0
    nodes = {}
    seen_edges = set()
    edges = []
    arrays = {}

    def push(node):
        nonlocal count
        if id(node) not in nodes:
            nodes[id(node)] = node
            heapq.heappush(heap, (-node.rank, count, node))
            count += 1

    for o in outputs:
        if isinstance(o, Variable):
            o = o.node
        elif not isinstance(o, (VariableNode, FunctionNode)):
            raise TypeError(f'build_computational_graph: outputs must be Variables, '
                            f'VariableNodes or FunctionNodes, got {type(o).__name__}')
        push(o)

    def add_edge(head, tail):
        key = (id(head), id(tail))
        if key not in seen_edges:
            seen_edges.add(key)
            edges.append((head, tail))

    while heap:
        _, _, node = heapq.heappop(heap)
        if isinstance(node, VariableNode):
            creator = node.creator
            if creator is not None:
                push(creator)
                add_edge(creator, node)
        elif isinstance(node, FunctionNode):
            input_nodes = [ArrayInput(node, i) if x is None else x
                           for i, x in enumerate(node.inputs or ())]
            _retained_arrays(node, input_nodes, arrays)
            for x in input_nodes:
                push(x)
                add_edge(x, node)
    return ComputationalGraph(list(nodes.values()), edges, variable_style, function_style,
                              rankdir, remove_variable, show_name, arrays)
