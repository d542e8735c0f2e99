"""optim.LBFGS: PyTorch's L-BFGS (two-loop recursion, optional strong-Wolfe line search),
checked against hand-computed quadratic oracles."""

import io

import numpy as np
import pytest

import autograd_mini as am

A = np.array([[3.0, 1.0], [1.0, 2.0]])
B = np.array([1.0, -1.0])


def quadratic(x):
    """f(x) = 1/2 x^T A x - b^T x; gradient A x - b; minimiser A^{-1} b."""
    return 0.5 * (x * am.tensor(A).matmul(x)).sum() - (am.tensor(B) * x).sum()


def make(x0, **kw):
    x = am.tensor(np.array(x0, float), requires_grad=True)
    opt = am.optim.LBFGS([x], **kw)

    def closure():
        opt.zero_grad()
        loss = quadratic(x)
        loss.backward()
        return loss
    return x, opt, closure


def test_first_iteration_is_a_scaled_gradient_step():
    x0 = np.array([1.0, 1.0])
    x, opt, closure = make(x0, lr=0.5, max_iter=1)
    loss = opt.step(closure)
    g = A @ x0 - B
    assert float(loss) == pytest.approx(0.5 * x0 @ A @ x0 - B @ x0)
    t = min(1.0, 1.0 / np.abs(g).sum()) * 0.5
    np.testing.assert_allclose(x.data, x0 - t * g, rtol=0, atol=1e-15)


def test_second_iteration_is_the_bfgs_update_of_a_scaled_identity():
    x0 = np.array([1.0, 1.0])
    lr = 0.5
    x, opt, closure = make(x0, lr=lr, max_iter=2, max_eval=10)  # (default max_eval 2 * 5 // 4 = 2 stops after one)
    opt.step(closure)
    # by hand: one step -t0 g0, then d = -H g1 with H the BFGS update of (s.y / y.y) I
    g0 = A @ x0 - B
    t0 = min(1.0, 1.0 / np.abs(g0).sum()) * lr
    x1 = x0 - t0 * g0
    g1 = A @ x1 - B
    s, y = x1 - x0, g1 - g0
    rho = 1 / (y @ s)
    H0 = (s @ y) / (y @ y) * np.eye(2)
    V = np.eye(2) - rho * np.outer(y, s)
    H = V.T @ H0 @ V + rho * np.outer(s, s)
    x2 = x1 - lr * (H @ g1)
    np.testing.assert_allclose(x.data, x2, rtol=0, atol=1e-14)
    st = opt.state[x]
    assert st["n_iter"] == 2 and st["func_evals"] == 2
    np.testing.assert_allclose(st["old_stps"][0], s, atol=1e-15)
    np.testing.assert_allclose(st["old_dirs"][0], y, atol=1e-15)


def test_strong_wolfe_reaches_the_minimiser_of_a_quadratic():
    x, opt, closure = make([4.0, -3.0], lr=1, max_iter=50, line_search_fn="strong_wolfe", tolerance_grad=1e-12,
                          tolerance_change=1e-15)
    opt.step(closure)
    np.testing.assert_allclose(x.data, np.linalg.solve(A, B), rtol=0, atol=1e-9)
    assert np.abs(A @ x.data - B).max() <= 1e-8


def test_strong_wolfe_step_meets_the_wolfe_conditions():
    # one iteration: the accepted t satisfies sufficient decrease and the curvature condition
    x0 = np.array([4.0, -3.0])
    x, opt, closure = make(x0, lr=1, max_iter=1, line_search_fn="strong_wolfe")
    opt.step(closure)
    g0 = A @ x0 - B
    d = -g0
    t = opt.state[x]["t"]
    np.testing.assert_allclose(x.data, x0 + t * d, atol=1e-14)
    f = lambda z: 0.5 * z @ A @ z - B @ z
    assert f(x0 + t * d) <= f(x0) + 1e-4 * t * (g0 @ d)
    assert abs((A @ (x0 + t * d) - B) @ d) <= 0.9 * abs(g0 @ d)


def test_strong_wolfe_line_search_is_bounded_by_max_eval():
    # PyTorch 2.13 gives the search only what is left of max_eval (max_ls=max_eval - evals):
    # torch.optim.LBFGS(lr=1, max_iter=4, max_eval=5, line_search_fn="strong_wolfe") on this
    # quadratic from (4, -3) stops after 5 evaluations at (0.60067037948949..., -0.80001353948906)
    x, opt, closure = make([4.0, -3.0], lr=1, max_iter=4, max_eval=5, line_search_fn="strong_wolfe")
    opt.step(closure)
    assert opt.state[x]["func_evals"] == 5 and opt.state[x]["n_iter"] == 4
    np.testing.assert_allclose(x.data, [0.6006703794894971, -0.80001353948906], rtol=1e-12)
    # max_iter=1 (max_eval 1): one trial point, torch's t = lr / |g|_1 kept as it is
    x, opt, closure = make([4.0, -3.0], lr=0.01, max_iter=1, line_search_fn="strong_wolfe")
    opt.step(closure)
    assert opt.state[x]["func_evals"] == 2
    np.testing.assert_allclose(x.data, [3.991111111111111, -2.9988888888888887], rtol=1e-14)


def test_stops_at_a_stationary_point_after_one_evaluation():
    x, opt, closure = make(np.linalg.solve(A, B))
    before = x.data.copy()
    opt.step(closure)
    np.testing.assert_array_equal(x.data, before)
    assert opt.state[x]["func_evals"] == 1


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_state_dict_resumes_bit_for_bit(ls):
    x, opt, closure = make([4.0, -3.0], lr=0.3, max_iter=2, history_size=2, line_search_fn=ls)
    for _ in range(2):
        opt.step(closure)
    sd = opt.state_dict()
    buf = io.BytesIO()
    am.save(sd, buf)  # (through a file: lists of history vectors, None in "al")
    buf.seek(0)
    y, opt2, closure2 = make(x.data.copy(), lr=0.3, max_iter=2, history_size=2, line_search_fn=ls)
    opt2.load_state_dict(am.load(buf))
    for _ in range(2):
        opt.step(closure)
        opt2.step(closure2)
    np.testing.assert_array_equal(x.data, y.data)
    assert len(opt2.state[y]["old_dirs"]) <= 2


def test_state_dict_is_a_snapshot():
    x, opt, closure = make([4.0, -3.0], max_iter=3)
    opt.step(closure)
    sd = opt.state_dict()
    saved = [v.copy() for v in sd["state"][0]["old_dirs"]]
    opt.step(closure)
    for a, b in zip(sd["state"][0]["old_dirs"], saved):
        np.testing.assert_array_equal(a, b)


def test_load_state_dict_checks_vector_shapes():
    x, opt, closure = make([4.0, -3.0], max_iter=3)
    opt.step(closure)
    sd = opt.state_dict()
    sd["state"][0]["d"] = np.zeros(3)
    y, opt2, _ = make([0.0, 0.0])
    with pytest.raises(ValueError, match=r"'d'.*\(2,\)"):
        opt2.load_state_dict(sd)


def test_bad_use_is_refused_clearly():
    x = am.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="line_search_fn"):
        am.optim.LBFGS([x], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="parameter groups"):
        am.optim.LBFGS([{"params": [x]}, {"params": [am.tensor([2.0], requires_grad=True)]}])
    opt = am.optim.LBFGS([x])
    with pytest.raises(TypeError, match="closure"):
        opt.step()
    with pytest.raises(ValueError, match="max_iter"):
        am.optim.LBFGS([x], max_iter=0)


def test_several_parameters_and_a_model():
    am.manual_seed(0)
    model = am.nn.Linear(3, 1)
    X = am.randn(20, 3)
    w = am.tensor([[1.0, -2.0, 0.5]])
    Y = X @ w.T + 0.3
    opt = am.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe", max_iter=100)

    def closure():
        opt.zero_grad()
        loss = ((model(X) - Y) ** 2).mean()
        loss.backward()
        return loss
    opt.step(closure)
    np.testing.assert_allclose(model.weight.data, w.data, atol=1e-6)
    np.testing.assert_allclose(model.bias.data, [0.3], atol=1e-6)


def test_a_closure_failing_inside_the_line_search_leaves_the_parameters_where_they_were():
    x = am.tensor(np.array([4.0, -3.0]), requires_grad=True)
    opt = am.optim.LBFGS([x], line_search_fn="strong_wolfe")
    calls = []

    def closure():
        calls.append(1)
        if len(calls) == 2:  # (the line search's first trial point)
            raise ValueError("closure failed")
        opt.zero_grad()
        loss = quadratic(x)
        loss.backward()
        return loss

    with pytest.raises(ValueError, match="closure failed"):
        opt.step(closure)
    np.testing.assert_array_equal(x.data, [4.0, -3.0])
