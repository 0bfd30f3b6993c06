"""Links with learnable activation parameters."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {}
