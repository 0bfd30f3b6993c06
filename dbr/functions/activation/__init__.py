"""Activation functions."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'log_softmax': 'log_softmax',
    'relu': 'relu',
    'sigmoid': 'sigmoid',
    'softmax': 'softmax',
    'tanh': 'tanh',
}
