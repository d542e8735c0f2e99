"""am.accelerator: the current quickstart tutorial picks its device with torch.accelerator."""

from __future__ import annotations

import autograd_mini as am


def test_quickstart_device_line_ports_and_picks_cpu():
    device = am.accelerator.current_accelerator().type if am.accelerator.is_available() else "cpu"
    assert device == "cpu"
    assert am.accelerator.is_available() is False
    assert am.accelerator.current_accelerator() is None  # (torch's answer without one)
    assert am.accelerator.device_count() == 0
    assert am.nn.Linear(2, 2).to(device).weight.shape == (2, 2)
