"""Optimizer hooks: gradient clipping, weight decay and friends (``optimizer.add_hook``)."""
