"""Layer-wise adaptive rate scaling (LARS) of gradients."""
from dbr import backend
from dbr.optimizer_hooks._hook import Hook


class GradientLARS(Hook):
    """Scales each parameter's gradient by its trust ratio (arXiv:1708.03888).

    ``g = (g + weight_decay * p) * rate`` with
    ``rate = ||p|| / (eps + ||g|| + weight_decay * ||p||)`` when ``||p|| > threshold``, else 1.
    The optimizer's learning rate then plays the role of LARS's global rate times its
    coefficient.

    Args:
        threshold (float): Weight norm above which the gradient is rescaled (below it the
            ratio is unreliable, e.g. for freshly zero-initialized biases).
        weight_decay (float): Coefficient of the weight decay added before scaling.
        eps (float): Added to the denominator for numerical stability.
        exclude: Optional predicate on the parameter path; True leaves that parameter alone.

    Example:
        >>> hook = dbr.optimizer_hooks.GradientLARS(weight_decay=5e-4)
        >>> optimizer.add_hook(hook)  # doctest: +SKIP
    """

    name = 'GradientLARS'

    def __init__(self, threshold=1e-2, weight_decay=0.0, eps=1e-9, *, exclude=None):
        super().__init__(exclude)
        self.threshold = threshold
        self.weight_decay = weight_decay
        self.eps = eps

    def __call__(self, rule, param):
        if self._skips(rule.path, param):
            return
        data, grad = param.array, param.grad
        xp = backend.get_array_module(data)
        weight_decay = float(self.weight_decay)
        p_norm = xp.linalg.norm(data)
        g_norm = xp.linalg.norm(grad)
        # xp.where keeps the choice on the device: no host synchronization on a GPU
        rate = xp.where(p_norm > self.threshold,
                        p_norm / (float(self.eps) + g_norm + weight_decay * p_norm), 1.0)
        if weight_decay != 0:
            grad += weight_decay * data
        grad *= rate.astype(grad.dtype, copy=False)
