"""Cases where a differential fuzz against torch.optim (float64) found torch's numbers to
be off and ours to follow the documented formula; hand-computed oracles, no torch."""

import math

import numpy as np

import autograd_mini as am


def _param(x):
    return am.tensor(np.array(x, dtype=np.float64), requires_grad=True)


def test_adagrad_uses_the_groups_initial_accumulator_value():
    # (torch 2.x fills "sum" from the constructor's argument, ignoring a group's own value)
    p, q = _param([0.3]), _param([0.3])
    opt = am.optim.Adagrad([{"params": [p], "initial_accumulator_value": 0.5}, {"params": [q]}], lr=0.5)
    for _ in range(2):
        p.grad = am.tensor(np.array([0.7]))
        q.grad = am.tensor(np.array([0.7]))
        opt.step()
    s1, s2 = 0.5 + 0.49, 0.5 + 0.98
    want_p = 0.3 - 0.5 * 0.7 / (math.sqrt(s1) + 1e-10) - 0.5 * 0.7 / (math.sqrt(s2) + 1e-10)
    want_q = 0.3 - 0.5 * 0.7 / (math.sqrt(0.49) + 1e-10) - 0.5 * 0.7 / (math.sqrt(0.98) + 1e-10)
    assert math.isclose(p.data[0], want_p, rel_tol=1e-13)
    assert math.isclose(q.data[0], want_q, rel_tol=1e-13)
    np.testing.assert_allclose(opt.state[p]["sum"], [s2], rtol=1e-15)


def test_adagrad_param_group_added_later_steps():
    # (torch's Adagrad makes its state in the constructor only: a group added later has none)
    p, q = _param([1.0]), _param([2.0])
    opt = am.optim.Adagrad([p], lr=0.1)
    opt.add_param_group({"params": [q], "initial_accumulator_value": 1.0})
    q.grad = am.tensor(np.array([3.0]))
    opt.step()
    assert math.isclose(q.data[0], 2.0 - 0.1 * 3.0 / (math.sqrt(10.0) + 1e-10), rel_tol=1e-14)
    assert p.data[0] == 1.0


def test_rmsprop_centered_alpha_zero_has_no_nan():
    # alpha=0: s = g^2 and a = g, so s - a^2 = 0 exactly and the denominator is eps
    # (torch rounds s - a^2 to a tiny negative and steps to NaN for some g)
    g = np.array([0.1, 1 / 3, 2.0, -7.3])
    p = _param(np.ones(4))
    opt = am.optim.RMSprop([p], lr=0.1, alpha=0.0, eps=1e-3, centered=True)
    p.grad = am.tensor(g)
    opt.step()
    assert np.all(np.isfinite(p.data))
    np.testing.assert_allclose(p.data, 1 - 0.1 * g / 1e-3, rtol=1e-12)
