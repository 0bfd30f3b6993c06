"""Stochastic functions: dropout, gaussian, gumbel softmax."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'dropout': 'dropout',
    'gaussian': 'gaussian',
    'gumbel_softmax': 'gumbel_softmax',
    'simplified_dropconnect': 'simplified_dropconnect',
    'zoneout': 'zoneout',
}
