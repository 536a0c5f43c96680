"""Commands of this group are registered here (see procskill.cli)."""

from procskill.cli._app import app  # noqa: F401
