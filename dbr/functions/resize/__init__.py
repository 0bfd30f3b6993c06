"""Image resizing."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'resize_images': 'resize_images',
}
