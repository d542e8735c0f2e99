"""PyTorch's implementation options of the optimizers and its process-wide settings,
which ported scripts pass: accepted where they change nothing here, refused where they
would ask for something that does not exist."""

import numpy as np
import pytest

import autograd_mini as am


def _param():
    return am.tensor(np.array([1.0, -2.0]), requires_grad=True)


OPTIONS = {
    am.optim.SGD: ("foreach", "differentiable", "fused"),
    am.optim.Adam: ("foreach", "capturable", "differentiable", "fused"),
    am.optim.AdamW: ("foreach", "capturable", "differentiable", "fused"),
    am.optim.RMSprop: ("foreach", "capturable", "differentiable"),
    am.optim.Adagrad: ("foreach", "differentiable", "fused"),
    am.optim.Adadelta: ("foreach", "capturable", "differentiable"),
    am.optim.Adamax: ("foreach", "capturable", "differentiable"),
    am.optim.NAdam: ("foreach", "capturable", "differentiable"),
    am.optim.RAdam: ("foreach", "capturable", "differentiable"),
    am.optim.ASGD: ("foreach", "capturable", "differentiable"),
}


@pytest.mark.parametrize("cls", list(OPTIONS), ids=lambda c: c.__name__)
def test_foreach_and_fused_change_nothing(cls):
    steps = []
    variants = [{}, {"foreach": True}, {"foreach": None, "differentiable": False}]
    if "fused" in OPTIONS[cls]:
        variants += [{"fused": True}, {"foreach": False, "fused": None}]
    for extra in variants:
        p = _param()
        opt = cls([p], lr=0.1, **extra)
        assert set(opt.param_groups[0]) == set(cls([_param()], lr=0.1).param_groups[0])  # (not kept)
        for _ in range(3):
            opt.zero_grad()
            ((p * p).sum() + p[0]).backward()
            opt.step()
        steps.append(p.data.copy())
    assert not np.array_equal(steps[0], _param().data)  # (the steps moved p: equal is not vacuous)
    for s in steps[1:]:
        assert np.array_equal(s, steps[0])


@pytest.mark.parametrize("cls", list(OPTIONS), ids=lambda c: c.__name__)
def test_options_torch_does_not_have_or_cannot_be_met_are_refused(cls):
    name = cls.__name__
    with pytest.raises(TypeError, match=rf"{name}.__init__\(\) got an unexpected keyword argument 'fast'"):
        cls([_param()], lr=0.1, fast=True)
    if "fused" not in OPTIONS[cls]:  # (torch's RMSprop and Adadelta have no fused=)
        with pytest.raises(TypeError, match="unexpected keyword argument 'fused'"):
            cls([_param()], lr=0.1, fused=True)
    with pytest.raises(ValueError, match=rf"{name}: differentiable=True is not supported: a step is never recorded"):
        cls([_param()], lr=0.1, differentiable=True)
    if "capturable" in OPTIONS[cls]:
        with pytest.raises(ValueError, match=rf"{name}: capturable=True is not supported: CUDA graph"):
            cls([_param()], lr=0.1, capturable=True)
        cls([_param()], lr=0.1, capturable=False)
    with pytest.raises(TypeError, match=rf"{name}: foreach must be True or False, got 'yes'"):
        cls([_param()], lr=0.1, foreach="yes")


def test_sgd_takes_torchs_default_lr():
    p = _param()
    opt = am.optim.SGD([p])
    assert opt.param_groups[0]["lr"] == 1e-3
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(p.data, np.array([1.0, -2.0]) - 1e-3 * np.array([2.0, -4.0]))


def test_thread_and_determinism_settings_are_recorded_and_checked():
    before = am.get_num_threads()
    assert isinstance(before, int) and before >= 1
    try:
        am.set_num_threads(1)
        assert am.get_num_threads() == 1
        with pytest.raises(ValueError, match="set_num_threads: the number of threads must be at least 1, got 0"):
            am.set_num_threads(0)
        with pytest.raises(TypeError, match="set_num_threads: expected an int, got float"):
            am.set_num_threads(2.0)
        assert am.get_num_threads() == 1
    finally:
        am.set_num_threads(before)
    assert am.are_deterministic_algorithms_enabled() is False
    try:
        am.use_deterministic_algorithms(True, warn_only=True)
        assert am.are_deterministic_algorithms_enabled() is True
        assert am.is_deterministic_algorithms_warn_only_enabled() is True
        with pytest.raises(TypeError, match="use_deterministic_algorithms: mode must be True or False"):
            am.use_deterministic_algorithms("on")
    finally:
        am.use_deterministic_algorithms(False)
    assert am.are_deterministic_algorithms_enabled() is False
    assert am.is_deterministic_algorithms_warn_only_enabled() is False
