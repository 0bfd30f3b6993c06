"""What the momentum optimizers share: ``lr`` and ``momentum`` and a velocity state ``v``.

:class:`VelocityRule` and :class:`VelocityMethod` hold the hyperparameter plumbing of
``MomentumSGD``, ``CorrectedMomentumSGD`` and ``NesterovAG``; each of those only says how its
rule moves the parameter (``update_core_cpu`` / ``update_core_gpu``).
"""
from dbr import backend
from dbr import optimizer

default_hyperparam = optimizer.Hyperparameter()
default_hyperparam.lr = 0.01
default_hyperparam.momentum = 0.9


class VelocityRule(optimizer.UpdateRule):
    """An update rule with ``lr``, ``momentum`` and a velocity ``v`` shaped like the parameter.

    Args:
        parent_hyperparam: The optimizer's hyperparameters (Chainer's defaults when None).
        lr (float): Learning rate (overrides the parent's for this parameter).
        momentum (float): Decay rate of the velocity.
    """

    def __init__(self, parent_hyperparam=None, lr=None, momentum=None):
        super().__init__(parent_hyperparam or default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if momentum is not None:
            self.hyperparam.momentum = momentum

    def init_state(self, param):
        self.state['v'] = backend.get_array_module(param.array).zeros_like(param.array)


class VelocityMethod(optimizer.GradientMethod):
    """An optimizer whose parameters each get a :class:`VelocityRule` subclass ``rule_class``.

    Args:
        lr (float): Learning rate.
        momentum (float): Decay rate of the velocity.
    """

    rule_class = VelocityRule
    lr = optimizer.HyperparameterProxy('lr')
    momentum = optimizer.HyperparameterProxy('momentum')

    def __init__(self, lr=default_hyperparam.lr, momentum=default_hyperparam.momentum):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    def create_update_rule(self):
        return self.rule_class(self.hyperparam)
