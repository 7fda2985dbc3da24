"""Thermodynamically chosen film thickness: :mod:`.model` (Phi(h), minima, transitions, diagram;
numpy/scipy), :mod:`.film` (1D FiPy Allen-Cahn film), :mod:`.stage` (the pipeline stage)."""
