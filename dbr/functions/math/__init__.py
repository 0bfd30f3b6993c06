"""Elementwise arithmetic, reductions and matrix products."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'absolute': 'absolute',
    'add': 'add',
    'div': 'div',
    'exp': 'exp',
    'floor_divide': 'floor_divide',
    'log': 'log',
    'logsumexp': 'logsumexp',
    'matmul': 'matmul',
    'mul': 'mul',
    'negative': 'negative',
    'pow': 'pow',
    'sub': 'sub',
    'sum': 'sum',
    'sum_to': 'sum_to',
}
