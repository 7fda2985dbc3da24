"""Phase-field dendrite model (FiPy): :mod:`.model` (equations, Newton solve), :mod:`.observables`
(front measures), :mod:`.stage` (the pipeline stage). FiPy comes through :mod:`multiscale._fipy`."""
