"""The only code that touches HDF5 (and the run directory's other files).

- :mod:`.hdf5`: stage files in netCDF-4 conventions, written through h5netcdf atomically, with
  streaming frames along an unlimited ``time`` dimension (fixed at its length when the file is
  committed); readers through netCDF-C (h5netcdf where netCDF-C cannot open a path, or is not
  installed) that refuse incomplete files.
- :mod:`.provenance`: the root attributes every file carries (docs/architecture.md §4).
- :mod:`.files`: atomic text writes and the run-directory lock.
- :mod:`.checkpoint`: atomic ``.npz`` checkpoints keyed by the stage's cache key.
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .files import RunLock, atomic_write_text
from .hdf5 import StageFileWriter, complete_root_attrs, is_complete, open_stage_tree, read_dataset, read_root_attrs
from .provenance import package_versions, provenance_attrs

__all__ = [
    "RunLock",
    "StageFileWriter",
    "atomic_write_text",
    "complete_root_attrs",
    "is_complete",
    "load_checkpoint",
    "open_stage_tree",
    "package_versions",
    "provenance_attrs",
    "read_dataset",
    "read_root_attrs",
    "save_checkpoint",
]
