"""Pooling and unpooling."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {}
