"""Checks shared by the optimizers whose update divides by a small ``eps``."""


def check_eps(optimizer_name, eps, dtype):
    """Raises ValueError when a nonzero ``eps`` underflows to zero in ``dtype``.

    An ``eps`` of 1e-8 is 0 in float16, which would silently turn a stabilized division into a
    division by zero.
    """
    if eps != 0 and dtype.type(eps) == 0:
        raise ValueError(f'{optimizer_name}: eps={eps!r} is too small for {dtype.name} '
                         f'(it rounds to 0)')
