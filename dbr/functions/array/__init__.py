"""Shape manipulation, indexing, joining and splitting."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'broadcast_to': 'broadcast_to',
    'get_item': 'get_item',
    'reshape': 'reshape',
    'transpose': 'transpose',
}
