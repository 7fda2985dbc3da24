"""Growth rates of a front's first Fourier mode along the electrode, read from backward-Euler steps.

For a linear mode backward Euler gives a' = a / (1 - omega dt) exactly, so each step yields omega
= (1 - a / a') / dt without a fit (omega < 0: decay).
"""

import numpy as np


def mode_growth_rates(system, dt: float, steps: int) -> np.ndarray:
    """omega (1/s) of each of ``steps`` steps of ``dt`` s of an ``ElectrodepositionSystem``."""
    ny = system.shape[0]

    def amplitude():
        return 2 * np.abs(np.fft.rfft(system.front_rows())[1]) / ny

    amplitudes = [amplitude()]
    for _ in range(steps):
        report = system.try_step(dt)
        assert report.accepted, report
        system.mark_step_start()
        amplitudes.append(amplitude())
    a = np.array(amplitudes)
    return (1 - a[:-1] / a[1:]) / dt
