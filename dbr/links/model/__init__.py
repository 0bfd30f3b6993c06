"""Model wrappers: Classifier."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'Classifier': 'classifier',
}
