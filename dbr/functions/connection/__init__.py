"""Linear, embedding and convolution functions."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {}
