"""Base of the NStep* links: one child link per layer-direction holding ``w0..``/``b0..``."""
import numpy

from dbr import initializers
from dbr.link import ChainList, Link
from dbr.utils import argument
from dbr.variable import Parameter, Variable


class NStepRNNBase(ChainList):
    """Stacked RNN over variable-length sequences; children are ``self[layer * dirs + d]``.

    Subclasses set ``n_weights`` (8 LSTM, 6 GRU, 2 RNN), ``use_bi_direction``, ``rnn`` (the
    F.n_step_* function) and, for plain RNNs, ``activation``.

    Args:
        n_layers (int): Number of layers.
        in_size (int or None): Input size; None initializes the input matrices of layer 0 from
            the first call's ``xs``.
        out_size (int): Hidden size.
        dropout (float): Dropout between layers (train mode only).
        initialW: Initializer of every weight matrix (LeCunNormal by default, as Chainer).
        initial_bias: Initializer of every bias (zeros by default).
    """

    n_weights = None
    use_bi_direction = False
    activation = None

    def __init__(self, n_layers, in_size, out_size, dropout, initialW=None, initial_bias=None,
                 **kwargs):
        if kwargs:
            argument.check_unexpected_kwargs(
                kwargs,
                use_cudnn='use_cudnn argument is not supported anymore; use '
                          "dbr.using_config('use_cudnn', ...)",
                use_bi_direction='use_bi_direction is not supported anymore; use the NStepBi* '
                                 'links',
                activation='activation is not supported anymore; use the NStepRNNTanh / '
                           'NStepRNNReLU links')
            argument.assert_kwargs_empty(kwargs)
        if not isinstance(n_layers, int) or n_layers < 1:
            raise ValueError(f'{type(self).__name__}: n_layers must be a positive int, got '
                             f'{n_layers!r}')
        if not 0 <= dropout < 1:
            raise ValueError(f'{type(self).__name__}: dropout must be in [0, 1), got {dropout}')
        w_init = initializers.LeCunNormal() if initialW is None else \
            initializers._get_initializer(initialW)
        b_init = initializers.Zero() if initial_bias is None else \
            initializers._get_initializer(initial_bias)
        dirs = 2 if self.use_bi_direction else 1
        cells = []
        for layer in range(n_layers):
            for _ in range(dirs):
                cell = Link()
                with cell.init_scope():
                    for j in range(self.n_weights):
                        if j >= self.n_weights // 2:
                            n_in = out_size
                        else:
                            n_in = in_size if layer == 0 else out_size * dirs
                        shape = None if n_in is None else (out_size, n_in)
                        setattr(cell, f'w{j}', Parameter(w_init, shape))
                        setattr(cell, f'b{j}', Parameter(b_init, out_size))
                cells.append(cell)
        super().__init__(*cells)
        self.n_layers = n_layers
        self.in_size = in_size
        self.out_size = out_size
        self.dropout = dropout
        self.direction = dirs

    @property
    def n_cells(self):
        """2 for LSTMs (h and c), 1 otherwise."""
        return 2 if self.n_weights == 8 else 1

    @property
    def ws(self):
        """Weights as ``[[w0, w1, ...] for each layer-direction]``."""
        return [[getattr(cell, f'w{j}') for j in range(self.n_weights)] for cell in self]

    @property
    def bs(self):
        """Biases as ``[[b0, b1, ...] for each layer-direction]``."""
        return [[getattr(cell, f'b{j}') for j in range(self.n_weights)] for cell in self]

    def init_hx(self, xs):
        """Zero initial states of shape (n_layers * directions, len(xs), out_size)."""
        dtype = xs[0].dtype
        return Variable(self.xp.zeros((self.n_layers * self.direction, len(xs), self.out_size),
                                      dtype), requires_grad=False)

    def _initialize_input(self, xs):
        cells = list(self)[:self.direction]
        if cells[0].w0.array is not None:
            return
        if not xs or getattr(xs[0], 'ndim', 0) != 2:
            raise ValueError(f'{type(self).__name__}: xs must be a non-empty list of 2-D '
                             f'sequences to initialize in_size')
        self.in_size = xs[0].shape[1]
        for cell in cells:
            for j in range(self.n_weights // 2):
                getattr(cell, f'w{j}').initialize((self.out_size, self.in_size))

    def _call(self, states, xs, kwargs):
        if kwargs:
            argument.check_unexpected_kwargs(
                kwargs, train="train argument is not supported anymore; use "
                              "dbr.using_config('train', ...)")
            argument.assert_kwargs_empty(kwargs)
        self._initialize_input(xs)
        args = [self.n_layers, self.dropout] + list(states) + [self.ws, self.bs, xs]
        if self.activation is not None:
            return self.rnn(*args, activation=self.activation)
        return self.rnn(*args)

    def _repr_lines(self):
        return [f'{type(self).__name__}(n_layers={self.n_layers}, in_size={self.in_size}, '
                f'out_size={self.out_size}, dropout={self.dropout})']


def _as_list(xs):
    if isinstance(xs, numpy.ndarray) or not isinstance(xs, (list, tuple)):
        raise TypeError(f'NStep links: xs must be a list of 2-D sequences, got '
                        f'{type(xs).__name__}')
    return list(xs)
