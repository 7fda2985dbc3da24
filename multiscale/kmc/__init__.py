"""Kinetic Monte Carlo of Li deposition on a 3D lattice (DESIGN §5.2).

Modules: :mod:`.model` (rates and rules, plain Python, SI), :mod:`._kernels` (the numba event
loop: the only numba code), :mod:`.engine` (state, driver, alias sampling).
"""
