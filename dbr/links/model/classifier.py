"""``Classifier``: a predictor wrapped with a loss and an accuracy, both reported."""
from dbr import link
from dbr import reporter
from dbr.functions.evaluation.accuracy import accuracy
from dbr.functions.loss.softmax_cross_entropy import softmax_cross_entropy


class Classifier(link.Chain):
    """Runs ``predictor`` and returns ``lossfun(y, t)``, reporting ``loss`` and ``accuracy``.

    The label ``t`` is taken out of the call's arguments (the last one by default); the rest
    go to the predictor. ``loss`` and, while ``compute_accuracy`` is True, ``accuracy`` are
    reported with ``dbr.report(..., self)``, so a Trainer or an Evaluator logs them as
    ``main/loss`` and ``main/accuracy``.

    Args:
        predictor (Link): The model producing scores.
        lossfun: ``lossfun(y, t)``; :func:`~dbr.functions.softmax_cross_entropy` by default.
        accfun: ``accfun(y, t)``; :func:`~dbr.functions.accuracy` by default.
        label_key (int or str): Position of the label among the positional arguments, or the
            name of the keyword argument holding it.

    Attributes:
        predictor (Link): The wrapped model.
        lossfun, accfun: As given.
        compute_accuracy (bool): Whether to compute and report the accuracy.
        y: The predictor's output of the last call.
        loss: The loss of the last call.
        accuracy: The accuracy of the last call (None when not computed).

    Example:
        >>> model = L.Classifier(L.Linear(4, 3))
        >>> x = numpy.ones((2, 4), 'f'); t = numpy.array([0, 2], 'i')
        >>> model(x, t).shape
        ()
    """

    compute_accuracy = True

    def __init__(self, predictor, lossfun=softmax_cross_entropy, accfun=accuracy, label_key=-1):
        if isinstance(label_key, bool) or not isinstance(label_key, (int, str)):
            raise TypeError(f'Classifier: label_key must be an int or a str, got '
                            f'{type(label_key).__name__}')
        super().__init__()
        self.lossfun = lossfun
        self.accfun = accfun
        self.label_key = label_key
        self.y = None
        self.loss = None
        self.accuracy = None
        with self.init_scope():
            self.predictor = predictor

    def forward(self, *args, **kwargs):
        """Computes the loss of the predictor's output against the label among the arguments.

        Returns:
            Variable: The loss.

        Raises:
            ValueError: When the label is not among the arguments.

        Example:
            >>> loss = model(x, t)  # doctest: +SKIP
        """
        key = self.label_key
        if isinstance(key, int):
            if not -len(args) <= key < len(args):
                raise ValueError(f'Classifier: label_key {key} is out of bounds for '
                                 f'{len(args)} positional arguments')
            t = args[key]
            key %= len(args)
            args = args[:key] + args[key + 1:]
        else:
            if key not in kwargs:
                raise ValueError(f'Classifier: label_key {key!r} is not among the keyword '
                                 f'arguments {sorted(kwargs)}')
            t = kwargs.pop(key)
        self.y = None
        self.loss = None
        self.accuracy = None
        self.y = self.predictor(*args, **kwargs)
        self.loss = self.lossfun(self.y, t)
        reporter.report({'loss': self.loss}, self)
        if self.compute_accuracy:
            self.accuracy = self.accfun(self.y, t)
            reporter.report({'accuracy': self.accuracy}, self)
        return self.loss
