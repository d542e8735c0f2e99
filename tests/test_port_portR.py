"""Ports of plain-numpy and JAX-style programs to autograd_mini (portR's porting trial):
each hand-derived numpy gradient is compared with autodiff of the same maths in float64."""

import math

import numpy as np

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

D_ = am.distributions


def _close(a, b, tol=1e-12):
    a, b = np.asarray(a.data if isinstance(a, am.Tensor) else a), np.asarray(b)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= tol * max(1.0, np.abs(b).max())


def test_logistic_and_softmax_regression_match_hand_gradient():
    rng = np.random.default_rng(0)
    n, d, K, lam = 60, 4, 3, 0.1
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) > 0).astype(float)
    yk = rng.integers(0, K, n)
    w0, W0 = rng.normal(size=d) * 0.1, rng.normal(size=(d, K)) * 0.1

    def np_grad(w):
        return X.T @ (1 / (1 + np.exp(-X @ w)) - y) / n + lam * w

    def am_loss(w):
        z = am.tensor(X) @ w
        return am.mean(am.logaddexp(0, z) - am.tensor(y) * z) + 0.5 * lam * (w @ w)

    w = am.tensor(w0.copy(), requires_grad=True)
    am_loss(w).backward()
    _close(w.grad, np_grad(w0))
    # full-batch gradient descent follows the numpy iteration
    wn, wa = w0.copy(), am.tensor(w0.copy(), requires_grad=True)
    opt = am.optim.SGD([wa], lr=0.5)
    for _ in range(20):
        wn -= 0.5 * np_grad(wn)
        opt.zero_grad()
        am_loss(wa).backward()
        opt.step()
    _close(wa, wn)
    # L-BFGS reaches the stationary point of the hand gradient
    wa = am.tensor(w0.copy(), requires_grad=True)
    lb = am.optim.LBFGS([wa], line_search_fn="strong_wolfe", max_iter=100)

    def closure():
        lb.zero_grad()
        loss = am_loss(wa)
        loss.backward()
        return loss

    lb.step(closure)
    assert np.abs(np_grad(wa.detach().numpy())).max() < 1e-5

    def np_sm_grad(W):
        Z = X @ W
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        return X.T @ (P - np.eye(K)[yk]) / n + lam * W

    W = am.tensor(W0.copy(), requires_grad=True)
    (F.cross_entropy(am.tensor(X) @ W, am.tensor(yk)) + 0.5 * lam * (W * W).sum()).backward()
    _close(W.grad, np_sm_grad(W0))


def test_gmm_log_likelihood_gradient_matches_em_formulas():
    rng = np.random.default_rng(1)
    N, D, K = 90, 2, 3
    X = np.concatenate([rng.normal(loc=c, size=(N // 3, D)) for c in ([0, 0], [4, 0], [0, 4])])
    mu0, ls0, a0 = rng.normal(size=(K, D)), rng.normal(size=(K, D)) * 0.1, rng.normal(size=K) * 0.1
    s = np.exp(ls0)
    logp = (-0.5 * (((X[:, None] - mu0) / s) ** 2).sum(-1) - ls0.sum(-1) - 0.5 * D * np.log(2 * np.pi)
            + a0 - np.logaddexp.reduce(a0))
    R = np.exp(logp - np.logaddexp.reduce(logp, axis=1, keepdims=True))   # responsibilities
    diff = X[:, None] - mu0
    g_mu = (R[:, :, None] * diff / s ** 2).sum(0)
    g_ls = (R[:, :, None] * (diff ** 2 / s ** 2 - 1)).sum(0)
    g_a = R.sum(0) - N * np.exp(a0 - np.logaddexp.reduce(a0))
    ll = np.logaddexp.reduce(logp, axis=1).sum()

    Xa = am.tensor(X)
    for build in ("logsumexp", "mixture"):
        mu, ls, a = (am.tensor(v.copy(), requires_grad=True) for v in (mu0, ls0, a0))
        if build == "logsumexp":
            lp = (-0.5 * (((Xa[:, None, :] - mu) / am.exp(ls)) ** 2).sum(-1) - ls.sum(-1)
                  - 0.5 * D * np.log(2 * np.pi))
            L = am.logsumexp(lp + a - am.logsumexp(a, axis=0), axis=1).sum()
        else:
            mix = D_.MixtureSameFamily(D_.Categorical(logits=a), D_.Independent(D_.Normal(mu, am.exp(ls)), 1))
            L = mix.log_prob(Xa).sum()
        L.backward()
        assert abs(L.item() - ll) <= 1e-12 * abs(ll)
        for t, g in ((mu, g_mu), (ls, g_ls), (a, g_a)):
            _close(t.grad, g)


def test_vi_linear_regression_and_poisson_glm():
    rng = np.random.default_rng(2)
    n, d, S, sn = 50, 3, 6, 0.5
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + sn * rng.normal(size=n)
    m0, r0, eps = rng.normal(size=d) * 0.1, rng.normal(size=d) * 0.1 - 1, rng.normal(size=(S, d))
    s = np.exp(r0)
    dW = ((y[None] - (m0 + s * eps) @ X.T) @ X) / sn ** 2 / S
    g_m, g_r = -(dW.sum(0) - m0), -((dW * eps).sum(0) * s - (s ** 2 - 1))
    m, r = am.tensor(m0.copy(), requires_grad=True), am.tensor(r0.copy(), requires_grad=True)
    q = D_.Normal(m, am.exp(r))
    W = m + am.exp(r) * am.tensor(eps)
    ll = D_.Normal(W @ am.tensor(X).T, sn).log_prob(am.tensor(y)[None, :]).sum(1)
    (-(ll.mean() - D_.kl_divergence(q, D_.Normal(am.zeros(d), am.ones(d))).sum())).backward()
    _close(m.grad, g_m)
    _close(r.grad, g_r)

    k = rng.poisson(np.exp(X @ rng.normal(size=d) * 0.3)).astype(float)
    b0 = rng.normal(size=d) * 0.1
    nll = -(k * (X @ b0) - np.exp(X @ b0) - np.array([math.lgamma(v + 1) for v in k])).sum()
    b = am.tensor(b0.copy(), requires_grad=True)
    L = -D_.Poisson(am.exp(am.tensor(X) @ b)).log_prob(am.tensor(k)).sum()
    L.backward()
    assert abs(L.item() - nll) <= 1e-12 * abs(nll)
    _close(b.grad, -X.T @ (k - np.exp(X @ b0)))


def test_skipgram_negative_sampling_gradients_of_both_tables():
    rng = np.random.default_rng(3)
    V, E, B, Kn = 20, 4, 12, 3
    Wi0, Wo0 = rng.normal(size=(V, E)) * 0.1, rng.normal(size=(V, E)) * 0.1
    c, o, ng = rng.integers(0, V, B), rng.integers(0, V, B), rng.integers(0, V, (B, Kn))
    c[:4] = 7
    vc, uo, un = Wi0[c], Wo0[o], Wo0[ng]
    sp, sn = (vc * uo).sum(1), np.einsum("bke,be->bk", un, vc)
    dsp, dsn = -(1 - 1 / (1 + np.exp(-sp))) / B, 1 / (1 + np.exp(-sn)) / B
    gWi, gWo = np.zeros_like(Wi0), np.zeros_like(Wo0)
    np.add.at(gWi, c, dsp[:, None] * uo + np.einsum("bk,bke->be", dsn, un))
    np.add.at(gWo, o, dsp[:, None] * vc)
    np.add.at(gWo, ng, dsn[:, :, None] * vc[:, None, :])
    inp, out = nn.Embedding(V, E), nn.Embedding(V, E)
    inp.weight.data[...], out.weight.data[...] = Wi0, Wo0
    v = inp(am.tensor(c))
    L = -(F.logsigmoid((v * out(am.tensor(o))).sum(1)).sum()
          + F.logsigmoid(-am.einsum("bke,be->bk", out(am.tensor(ng)), v)).sum()) / B
    L.backward()
    _close(inp.weight.grad, gWi)
    _close(out.weight.grad, gWo)


def test_gcn_dense_and_index_add_and_per_example_grads():
    rng = np.random.default_rng(4)
    N, Fin, H, C = 12, 4, 5, 3
    A = np.triu((rng.random((N, N)) < 0.2).astype(float), 1)
    Ah = A + A.T + np.eye(N)
    dinv = 1 / np.sqrt(Ah.sum(1))
    An = dinv[:, None] * Ah * dinv[None, :]
    src, dst = np.nonzero(Ah)
    X, lab = rng.normal(size=(N, Fin)), rng.integers(0, C, N)
    W1_0, W2_0 = rng.normal(size=(Fin, H)) * 0.3, rng.normal(size=(H, C)) * 0.3
    Z1 = An @ X @ W1_0
    H1 = np.maximum(Z1, 0)
    Z2 = An @ H1 @ W2_0
    P = np.exp(Z2 - Z2.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    dZ2 = P.copy()
    dZ2[np.arange(N), lab] -= 1
    dZ2 /= N
    g2 = (An @ H1).T @ dZ2
    g1 = (An @ X).T @ ((An.T @ dZ2 @ W2_0.T) * (Z1 > 0))
    ew = am.tensor(An[dst, src])

    def prop(h):
        return am.zeros(N, h.shape[1]).index_add(0, am.tensor(dst), h[src] * ew[:, None])

    for dense in (True, False):
        W1, W2 = am.tensor(W1_0.copy(), requires_grad=True), am.tensor(W2_0.copy(), requires_grad=True)
        if dense:
            logits = am.tensor(An) @ am.relu(am.tensor(An) @ am.tensor(X) @ W1) @ W2
        else:
            logits = prop(am.relu(prop(am.tensor(X) @ W1)) @ W2)
        F.cross_entropy(logits, am.tensor(lab)).backward()
        _close(W1.grad, g1)
        _close(W2.grad, g2)

    Xr, yr, w0 = rng.normal(size=(8, 3)), rng.normal(size=8), rng.normal(size=3)

    def loss(params, x, t):
        w, b = params
        return (am.tanh(x @ w + b) - t) ** 2

    gw, gb = am.func.vmap(am.func.grad(loss), in_dims=(None, 0, 0))((am.tensor(w0), am.tensor(0.3)),
                                                                   am.tensor(Xr), am.tensor(yr))
    z = np.tanh(Xr @ w0 + 0.3)
    per = 2 * (z - yr) * (1 - z ** 2)
    _close(gw, per[:, None] * Xr)
    _close(gb, per)


def test_to_text_marks_a_return_to_top_level_code():
    # an op written outside every scope, below one written inside a composite, used to
    # carry no note and so read as part of that composite (here: the user's mul as if
    # it were inside logsigmoid)
    x = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss = F.logsigmoid(x * 3.0).sum()
    text = am.viz.to_text(loss, params={"x": x})
    lines = text.splitlines()
    assert lines[0] == "sum → ()"
    mul = [ln for ln in lines if "mul(·, 3)" in ln]
    assert len(mul) == 1 and mul[0].endswith("(3,)  at top level"), text
    # a top-level op whose parent is top-level carries no note
    assert "at top level" not in am.viz.to_text((am.exp(x) * 2.0).sum())


def test_distribution_log_prob_is_a_scope_in_drawings():
    # a port that writes its likelihood with am.distributions saw the ops of log_prob as
    # loose top-level ops: no cluster to read them by, nothing for depth= to collapse
    mu = am.tensor([0.0, 1.0], requires_grad=True)
    a = am.tensor([0.2, -0.1], requires_grad=True)
    x = am.tensor([[0.5], [1.5], [-0.3]])
    mix = D_.MixtureSameFamily(D_.Categorical(logits=a), D_.Normal(mu, am.ones(2)))
    loss = -mix.log_prob(x[:, 0]).sum()
    text = am.viz.to_text(loss, depth=1)
    assert "in MixtureSameFamily.log_prob" in text
    assert "[Normal.log_prob]" in text
    assert "MixtureSameFamily.log_prob" in am.viz.draw_graph(loss).source
    # values and gradients are unchanged, the scope is a label only: the closed forms of
    # a two-component unit-variance mixture (responsibilities R, weights softmax(a))
    xs, m, al = x.data[:, 0], mu.data, a.data
    w = np.exp(al - np.logaddexp.reduce(al))
    lk = np.log(w) - 0.5 * (xs[:, None] - m) ** 2 - 0.5 * np.log(2 * np.pi)
    R = np.exp(lk - np.logaddexp.reduce(lk, axis=1, keepdims=True))
    _close(loss, -np.logaddexp.reduce(lk, axis=1).sum())
    loss.backward()
    _close(mu.grad, -(R * (xs[:, None] - m)).sum(0))
    _close(a.grad, -(R - w).sum(0))
    assert D_.Normal.log_prob.__name__ == "log_prob"
    # named after the distribution's own class, also where log_prob is inherited
    lap = D_.Laplace(mu, am.ones(2)).log_prob(x).sum()
    assert "[Laplace.log_prob]" in am.viz.to_text(lap, depth=0)
