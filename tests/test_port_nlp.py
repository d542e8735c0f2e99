"""Idioms of ported PyTorch NLP programs (word language model, BiLSTM-CRF)."""
import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_flatten_parameters_is_a_no_op(cls):
    # pytorch/examples word_language_model calls model.rnn.flatten_parameters() after loading;
    # on the CPU PyTorch's is a no-op, and so is this one: same parameters, same outputs.
    am.manual_seed(0)
    rnn = cls(3, 4, 2, bidirectional=True)
    x = am.randn(5, 2, 3)
    before = rnn(x)[0].data.copy()
    params = [p for p in rnn.parameters()]
    state = {k: v.copy() for k, v in rnn.state_dict().items()}
    assert rnn.flatten_parameters() is None
    after = list(rnn.parameters())
    assert len(after) == len(params) and all(a is b for a, b in zip(after, params))
    for k, v in rnn.state_dict().items():
        np.testing.assert_array_equal(v, state[k])
    np.testing.assert_array_equal(rnn(x)[0].data, before)
