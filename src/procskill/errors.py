"""The one base class for errors a user can fix (bad file, unknown id, bad parameter, missing key).

Every such error in procskill derives from :class:`ProcskillError`; the CLI catches it once and prints its message
as one line (exit code 2), so the message must name the file, line, field or parameter and say what to do.
"""


class ProcskillError(ValueError):
    """A user-fixable error: the message names what is wrong and what to do."""


class InputNotFoundError(ProcskillError, FileNotFoundError):
    """A file or folder the user named does not exist or holds nothing usable (still a ``FileNotFoundError``)."""
