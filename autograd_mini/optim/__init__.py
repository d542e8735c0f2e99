"""Optimizers (`SGD`, `Adam`, `AdamW`, `Adamax`, `NAdam`, `RAdam`, `RMSprop`, `Adagrad`, `Adadelta`,
`ASGD`, `LBFGS`) and learning-rate schedules (`StepLR`,
`MultiStepLR`, `ExponentialLR`, `LinearLR`, `LambdaLR`, `CosineAnnealingLR`, `CosineAnnealingWarmRestarts`,
`OneCycleLR`, `SequentialLR`, `ReduceLROnPlateau`); `swa_utils` (AveragedModel, SWALR, update_bn:
weight averaging, as torch.optim.swa_utils).

    opt = am.optim.SGD(model.parameters(), lr=0.05)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
"""

from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .lr_scheduler import (CosineAnnealingLR, CosineAnnealingWarmRestarts, ExponentialLR, LambdaLR, LinearLR,
                           LRScheduler, MultiStepLR, OneCycleLR, ReduceLROnPlateau,
                           SequentialLR, StepLR)
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
           "ASGD", "LBFGS", "LRScheduler", "StepLR", "MultiStepLR",
           "ExponentialLR", "LinearLR", "LambdaLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
           "ReduceLROnPlateau", "SequentialLR", "lr_scheduler", "swa_utils"]
