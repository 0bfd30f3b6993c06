"""Activation functions."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'clipped_relu': 'clipped_relu',
    'crelu': 'crelu',
    'elu': 'elu',
    'gelu': 'gelu',
    'hard_sigmoid': 'hard_sigmoid',
    'leaky_relu': 'leaky_relu',
    'log_softmax': 'log_softmax',
    'lstm': 'lstm',
    'maxout': 'maxout',
    'prelu': 'prelu',
    'relu': 'relu',
    'relu6': 'relu6',
    'rrelu': 'rrelu',
    'selu': 'selu',
    'sigmoid': 'sigmoid',
    'silu': 'silu',
    'slstm': 'slstm',
    'softmax': 'softmax',
    'softplus': 'softplus',
    'swish': 'swish',
    'tanh': 'tanh',
    'tree_lstm': 'tree_lstm',
}
