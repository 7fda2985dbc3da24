"""Exceptions for mistakes a user can fix.

Every user-facing failure (bad parameters, missing data files, a locked run directory) is a
``UserError``: the command line prints its lines and exits with status 2, without a traceback.
"""


class UserError(Exception):
    """An error caused by input the user controls; printed as one line per problem."""

    def __init__(self, lines):
        if isinstance(lines, str):
            lines = [lines]
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class ParamsError(UserError):
    """Invalid parameter file: one line per problem, each naming the file and dotted key."""


class DataFileError(UserError):
    """A user-supplied data file (MD table, LAMMPS log) cannot be read."""


class RunLockedError(UserError):
    """Another process is writing the same run directory."""
