"""Copy to a device."""
from dbr import backend
from dbr.function_node import FunctionNode


class Copy(FunctionNode):
    """Copies ``x`` from ``in_device`` to ``out_device``; the gradient is copied back."""

    def __init__(self, in_device, out_device):
        self.in_device = in_device
        self.out_device = out_device

    def forward(self, inputs):
        x, = inputs
        y = self.out_device.send(x)
        if y is x:
            # Same device: still a copy, so writing to one never changes the other.
            with self.out_device:
                y = x.copy()
        return y,

    def backward(self, indexes, grad_outputs):
        return Copy(self.out_device, self.in_device).apply(grad_outputs)


def copy(x, dst):
    """Copies ``x`` to the device ``dst``; gradients are sent back to ``x``'s device.

    Args:
        x: Variable or array (NumPy or CuPy).
        dst: Destination device in any form :func:`dbr.get_device` takes: ``-1``,
            ``'@numpy'`` or ``numpy`` for the host, ``N >= 0`` or ``'@cupy:N'`` for GPU N.

    Returns:
        Variable: A copy of ``x`` on ``dst`` (a new array even when ``x`` is already there).

    Example:
        >>> F.copy(numpy.ones(2, 'f'), -1).array
        array([1., 1.], dtype=float32)
    """
    in_device = backend.get_device_from_array(x)
    return Copy(in_device, backend.get_device(dst)).apply((x,))[0]
