"""Links with learnable activation parameters."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'Bias': 'bias',
    'Highway': 'highway',
    'Maxout': 'maxout',
    'PReLU': 'prelu',
    'Scale': 'scale',
    'SimplifiedDropconnect': 'simplified_dropconnect',
    'Swish': 'swish',
}
