"""Gradient clipping by the global L2 norm."""
import math

import numpy

from dbr import backend
from dbr.optimizer_hooks._hook import Hook


def _squared_norm(grads):
    """Sum of squares of all ``grads``: a float on the host, or a 0-d array on one GPU."""
    per_device = {}
    for g in grads:
        flat = g.ravel()
        if flat.dtype == numpy.float16:  # a float16 sum of squares overflows at 65504
            flat = flat.astype(numpy.float32)
        device = backend.get_device_from_array(g)
        with device:
            s = flat.dot(flat)
            total = per_device.get(device.name)
            per_device[device.name] = s if total is None else total + s
    if len(per_device) == 1:
        total, = per_device.values()
        return total if backend.is_gpu_array(total) else float(total)
    return sum(float(s) for s in per_device.values())


class GradientClipping(Hook):
    """Rescales all gradients so that their global L2 norm is at most ``threshold``.

    The norm is taken over every parameter that has a gradient (and is not excluded); when it
    exceeds ``threshold``, each of those gradients is multiplied by ``threshold / norm``.

    Args:
        threshold (float): Largest allowed global L2 norm.
        exclude: Optional predicate on the parameter path; excluded parameters neither count
            toward the norm nor get rescaled.

    Example:
        >>> optimizer.add_hook(dbr.optimizer_hooks.GradientClipping(5.0))  # doctest: +SKIP
    """

    name = 'GradientClipping'
    call_for_each_param = False

    def __init__(self, threshold, *, exclude=None):
        super().__init__(exclude)
        self.threshold = threshold

    def __call__(self, opt):
        grads = [param.grad for path, param in opt.target.namedparams()
                 if not self._skips(path, param)]
        if not grads:
            return
        sqnorm = _squared_norm(grads)
        if isinstance(sqnorm, float):
            norm = math.sqrt(sqnorm)
            if norm == 0:
                return
            rate = self.threshold / norm
            if rate >= 1:
                return
        else:
            # on a GPU, multiplying by min(rate, 1) avoids a host synchronization
            xp = backend.get_array_module(sqnorm)
            with backend.get_device_from_array(sqnorm):
                rate = xp.minimum(self.threshold / xp.sqrt(sqnorm), 1.0)
        for grad in grads:
            grad *= rate
