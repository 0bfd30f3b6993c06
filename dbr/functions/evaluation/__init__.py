"""Metrics: accuracy and friends."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'accuracy': 'accuracy',
    'binary_accuracy': 'binary_accuracy',
    'classification_summary': 'classification_summary',
    'f1_score': 'classification_summary',
    'precision': 'classification_summary',
    'r2_score': 'r2_score',
    'recall': 'classification_summary',
}
