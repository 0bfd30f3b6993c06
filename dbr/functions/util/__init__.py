"""Utility functions: forget (recompute in backward instead of storing)."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'forget': 'forget',
}
