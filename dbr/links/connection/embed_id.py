"""``EmbedID``: a lookup table of word vectors."""
from dbr import initializers
from dbr import link
from dbr.functions.connection.embed_id import embed_id
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter


class EmbedID(link.Link):
    """Embedding layer: maps integer ids to the rows of ``W (in_size, out_size)``.

    Args:
        in_size (int): Number of ids (vocabulary size).
        out_size (int): Size of each vector.
        initialW: Initializer, scalar, array or name for ``W``; ``Normal(1.0)`` by default.
        ignore_label (int or None): An id (such as -1 for padding) mapped to a zero vector
            that passes no gradient.

    Attributes:
        W (Parameter): The embedding matrix ``(in_size, out_size)``.
        ignore_label (int or None): As given.

    Example:
        >>> embed = L.EmbedID(10, 4, ignore_label=-1)
        >>> embed(numpy.array([[1, 2, -1]], 'i')).shape
        (1, 3, 4)
    """

    ignore_label = None

    def __init__(self, in_size, out_size, initialW=None, ignore_label=None):
        super().__init__()
        shape = (check_size(in_size, 'in_size', 'EmbedID'),
                 check_size(out_size, 'out_size', 'EmbedID'))
        self.ignore_label = ignore_label
        with self.init_scope():
            self.W = Parameter(get_initializer(initialW, initializers.Normal(1.0), 'EmbedID',
                                               'initialW', shape), shape)

    def forward(self, x):
        """Looks up the vectors of the ids ``x`` (any shape); the output is ``x.shape + (out,)``.

        Example:
            >>> vectors = embed(ids)  # doctest: +SKIP
        """
        return embed_id(x, self.W, ignore_label=self.ignore_label)
