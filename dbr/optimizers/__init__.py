"""Optimizers (``dbr.optimizers.Adam`` etc.), each an UpdateRule plus a GradientMethod."""
from dbr.optimizers.ada_delta import AdaDelta, AdaDeltaRule  # noqa: F401
from dbr.optimizers.ada_grad import AdaGrad, AdaGradRule  # noqa: F401
from dbr.optimizers.adam import AdaBound, Adam, AdamRule, AdamW, AMSBound, AMSGrad  # noqa: F401
from dbr.optimizers.corrected_momentum_sgd import (CorrectedMomentumSGD,  # noqa: F401
                                                   CorrectedMomentumSGDRule)
from dbr.optimizers.momentum_sgd import MomentumSGD, MomentumSGDRule  # noqa: F401
from dbr.optimizers.nesterov_ag import NesterovAG, NesterovAGRule  # noqa: F401
from dbr.optimizers.rmsprop import RMSprop, RMSpropRule  # noqa: F401
from dbr.optimizers.rmsprop_graves import RMSpropGraves, RMSpropGravesRule  # noqa: F401
from dbr.optimizers.sgd import SGD, SGDRule  # noqa: F401
from dbr.optimizers.smorms3 import SMORMS3, SMORMS3Rule  # noqa: F401
