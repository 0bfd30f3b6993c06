"""Keyword-argument helpers for functions that take ``**kwargs`` (Chainer's ``utils.argument``).

They let a signature keep accepting, and explain, arguments that an older API had (``train=``,
``use_cudnn=``, ...) instead of failing with a bare "unexpected keyword argument".
"""
import sys


def check_unexpected_kwargs(kwargs, **unexpected):
    """Raises ValueError with the given message when a retired argument is present.

    Args:
        kwargs (dict): The keyword arguments received.
        **unexpected: ``name=message`` for each retired argument.

    Raises:
        ValueError: With ``message`` of the first retired argument found in ``kwargs``.

    Example:
        >>> check_unexpected_kwargs({'train': False}, train='train is gone; use using_config')
        Traceback (most recent call last):
        ...
        ValueError: train is gone; use using_config
    """
    for name, message in unexpected.items():
        if name in kwargs:
            raise ValueError(message)


def parse_kwargs(kwargs, *name_and_values, **unexpected):
    """Takes the named arguments out of ``kwargs`` (with defaults) and rejects the rest.

    Args:
        kwargs (dict): The keyword arguments received; the parsed names are popped from it.
        *name_and_values: ``(name, default)`` pairs, in the order of the returned values.
        **unexpected: ``name=message`` for retired arguments (raised as ValueError).

    Returns:
        tuple: The value of each name, or its default.

    Raises:
        ValueError: For a retired argument named in ``unexpected``.
        TypeError: For any other argument left over, naming the calling function.

    Example:
        >>> def f(**kwargs):
        ...     return parse_kwargs(kwargs, ('mask', None), ('scale', 1.0))
        >>> f(scale=2.0)
        (None, 2.0)
    """
    values = tuple(kwargs.pop(name, default) for name, default in name_and_values)
    if kwargs:
        check_unexpected_kwargs(kwargs, **unexpected)
        caller = sys._getframe(1).f_code.co_name
        names = ', '.join(repr(name) for name in sorted(kwargs))
        raise TypeError(f'{caller}() got unexpected keyword argument(s) {names}')
    return values


def assert_kwargs_empty(kwargs):
    """Raises TypeError naming the caller when ``kwargs`` is not empty.

    Example:
        >>> assert_kwargs_empty({})
    """
    if kwargs:
        caller = sys._getframe(1).f_code.co_name
        names = ', '.join(repr(name) for name in sorted(kwargs))
        raise TypeError(f'{caller}() got unexpected keyword argument(s) {names}')
