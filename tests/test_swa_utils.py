"""am.optim.swa_utils (torch.optim.swa_utils' names): AveragedModel with equal weights
and EMA (avg_fn and multi_avg_fn, use_buffers), torch's state_dict keys, SWALR's rates,
update_bn, an am.compile replay of the averaged model; numpy oracles, refusals."""

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn

su = am.optim.swa_utils


def net(seed=0):
    am.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def perturb(model, r):
    """A training step's worth of change: new weights, batch norm statistics moved."""
    model.train()
    model(am.tensor(r.standard_normal((8, 3))))
    with am.no_grad():
        for p in model.parameters():
            p.data[...] += 0.1 * r.standard_normal(p.shape)


def run(avg_kwargs, oracle, use_buffers=False, steps=5):
    model, r = net(), np.random.default_rng(0)
    avg = su.AveragedModel(model, use_buffers=use_buffers, **avg_kwargs)
    history = []
    for _ in range(steps):
        perturb(model, r)
        history.append(model.state_dict())
        avg.update_parameters(model)
    sd = avg.state_dict()
    assert list(sd) == ["n_averaged"] + [f"module.{k}" for k in model.state_dict()]  # (torch's keys)
    assert sd["n_averaged"] == steps and sd["n_averaged"].dtype == np.int64
    averaged = set(k for k, _ in model.named_parameters())
    if use_buffers:
        averaged |= {k for k, _ in model.named_buffers()}
    for k in model.state_dict():
        seq = [h[k] for h in history]
        want = oracle(seq) if k in averaged else seq[-1]
        np.testing.assert_allclose(sd[f"module.{k}"], want, rtol=1e-13, atol=1e-15, err_msg=k)
    return avg, model


def mean_oracle(seq):
    return np.mean(seq, axis=0)


def ema_oracle(decay):
    def f(seq):
        w = seq[0]
        for v in seq[1:]:  # (an int buffer keeps its dtype: truncated each update, as torch's copy_)
            w = (decay * w + (1 - decay) * v).astype(w.dtype)
        return w
    return f


def test_equal_weights_average_every_update_and_buffers_are_copied():
    avg, model = run({}, mean_oracle)
    x = am.tensor(np.random.default_rng(1).standard_normal((5, 3)))
    avg.eval()
    np.testing.assert_array_equal(avg(x).data, avg.module(x).data)


@pytest.mark.parametrize("kwargs", [{"avg_fn": su.get_ema_avg_fn(0.7)}, {"multi_avg_fn": su.get_ema_multi_avg_fn(0.7)}])
def test_ema_by_avg_fn_or_multi_avg_fn(kwargs):
    run(kwargs, ema_oracle(0.7))


def test_ema_with_use_buffers_averages_the_running_statistics_too():
    avg, model = run({"multi_avg_fn": su.get_ema_multi_avg_fn(0.8)}, ema_oracle(0.8), use_buffers=True)
    # (num_batches_tracked, an int buffer: decay n + (1 - decay) m, truncated, as torch's)
    assert avg.module[1].num_batches_tracked.dtype == np.int64
    assert int(avg.module[1].num_batches_tracked.data) != int(model[1].num_batches_tracked.data)


def test_swa_avg_fns_match_the_running_mean():
    a = [am.tensor(np.zeros(3))]
    for n, v in enumerate([np.ones(3), 3 * np.ones(3), 5 * np.ones(3)]):
        su.get_swa_multi_avg_fn()(a, [am.tensor(v)], n)
    np.testing.assert_array_equal(a[0].data, 3.0)
    w = su.get_swa_avg_fn()(am.tensor([1.0]), am.tensor([4.0]), am.tensor(2))
    np.testing.assert_array_equal(w.data, [2.0])


def test_a_state_dict_with_torchs_keys_loads_into_a_fresh_averaged_model():
    avg, model = run({}, mean_oracle)
    fresh = su.AveragedModel(net(1))
    fresh.load_state_dict({k: np.asarray(v) for k, v in avg.state_dict().items()})
    assert int(fresh.n_averaged.data) == 5
    for k, v in avg.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[k], v)


def test_compiled_averaged_model_replays_eager_bit_for_bit_across_updates():
    model, r = net(), np.random.default_rng(2)
    avg = su.AveragedModel(model)
    avg.update_parameters(model)
    avg.eval()
    fn = lambda x: (avg(x) ** 2).sum()
    step = am.compile(fn)
    for _ in range(3):
        x0 = r.standard_normal((4, 3))
        out, want = step(am.tensor(x0)), fn(am.tensor(x0))
        out.backward(), want.backward()
        np.testing.assert_array_equal(out.data, want.data)
        perturb(model, r)
        model.eval()
        avg.update_parameters(model)


def swalr_oracle(lr0, swa, epochs, strategy, steps):
    """The closed form alone: lr_t = swa alpha(t) + lr0 (1 - alpha(t)), t = min(1, k / E)."""
    f = (lambda t: (1 - math.cos(math.pi * t)) / 2) if strategy == "cos" else (lambda t: t)
    return [swa if epochs == 0 else swa * f(min(1.0, k / epochs)) + lr0 * (1 - f(min(1.0, k / epochs)))
            for k in range(steps)]


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("epochs", [0, 1, 4])
def test_swalr_anneals_to_swa_lr_then_holds_it(strategy, epochs):
    p = am.tensor(np.ones(2), requires_grad=True)
    opt = am.optim.SGD([p], lr=0.5)
    sched = su.SWALR(opt, swa_lr=0.05, anneal_epochs=epochs, anneal_strategy=strategy)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(7):
        p.grad = am.zeros(2)
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, swalr_oracle(0.5, 0.05, epochs, strategy, 8), rtol=1e-13)
    assert lrs[-1] == pytest.approx(0.05) and opt.param_groups[0]["swa_lr"] == 0.05


def test_update_bn_recomputes_the_running_statistics_with_equal_weights():
    model, r = net(), np.random.default_rng(3)
    model.eval()
    batches = [r.standard_normal((6, 3)) for _ in range(4)]
    su.update_bn([(am.tensor(b), 0) for b in batches], model)
    assert not model.training and model[1].momentum == 0.1
    with am.no_grad():
        h = [model[0](am.tensor(b)).data for b in batches]
    bn = model[1]
    np.testing.assert_allclose(bn.running_mean.data, np.mean([x.mean(0) for x in h], 0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, np.mean([x.var(0, ddof=1) for x in h], 0), rtol=1e-12)
    assert int(bn.num_batches_tracked.data) == 4
    su.update_bn([], nn.Linear(2, 2))  # (no batch norm: nothing runs)


def test_bad_arguments_are_refused_by_name():
    model = net()
    with pytest.raises(ValueError, match="AveragedModel: give one of avg_fn and multi_avg_fn"):
        su.AveragedModel(model, avg_fn=su.get_ema_avg_fn(), multi_avg_fn=su.get_ema_multi_avg_fn())
    with pytest.raises(TypeError, match="AveragedModel: model must be an nn.Module"):
        su.AveragedModel(np.ones(3))
    with pytest.raises(ValueError, match=r"update_parameters: model's parameters \[\(3, 3\), \(3,\)\]"):
        su.AveragedModel(nn.Linear(2, 3)).update_parameters(nn.Linear(3, 3))
    for bad in (-0.1, 1.5, "0.9"):
        with pytest.raises(ValueError, match="get_ema_avg_fn: decay"):
            su.get_ema_avg_fn(bad)
        with pytest.raises(ValueError, match="get_ema_multi_avg_fn: decay"):
            su.get_ema_multi_avg_fn(bad)
    opt = am.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="SWALR: anneal_strategy"):
        su.SWALR(opt, 0.05, anneal_strategy="exp")
    with pytest.raises(ValueError, match="SWALR: anneal_epochs"):
        su.SWALR(opt, 0.05, anneal_epochs=-1)
    with pytest.raises(ValueError, match="SWALR: swa_lr has 2 values for 1 param groups"):
        su.SWALR(opt, [0.05, 0.01])
    with pytest.raises(TypeError, match="update_bn: model"):
        su.update_bn([], "model")


def test_update_parameters_after_a_forward_is_caught_by_backward() -> None:
    # The averaged copy's weights change in place: a graph recorded before the update
    # must refuse its backward (PyTorch's version counter), not differentiate the new weights.
    from autograd_mini.optim.swa_utils import AveragedModel

    model = am.nn.Linear(3, 1)
    swa = AveragedModel(model)
    swa.update_parameters(model)
    x = am.tensor(np.ones((2, 3)), requires_grad=True)
    y = swa(x).sum()
    with am.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    swa.update_parameters(model)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()
