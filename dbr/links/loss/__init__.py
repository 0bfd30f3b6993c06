"""Links that own a loss's parameters: NegativeSampling."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'NegativeSampling': 'negative_sampling',
}
