"""Links that own a loss's parameters: NegativeSampling, BinaryHierarchicalSoftmax."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {}
