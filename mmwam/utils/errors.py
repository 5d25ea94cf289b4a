"""The error users see as one line: the lowest layer of the package (imports nothing of it)."""


class InputError(ValueError):
    """A file or name the user gave that cannot be used; the message names it and what to do. The CLI
    tools print it as one line (``mmwam.utils.cli.run_cli``)."""
