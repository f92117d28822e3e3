"""Errors a user can fix. The command line prints their message as one line, no traceback."""

from __future__ import annotations


class FramelensError(Exception):
    """Base class: a problem with input, configuration or environment the user can fix.

    The message says what is wrong and how to fix it. ``framelens`` prints it as one line
    and exits non-zero; the traceback is shown only with ``--debug`` (or FRAMELENS_DEBUG=1).
    """

    exit_code = 2


class CorpusNotFound(FramelensError):
    """A corpus name with no descriptor, or a descriptor whose data is not available."""


class FetchError(FramelensError):
    """Neither a mirror nor the public source could provide a corpus."""


class ChecksumError(FramelensError):
    """A corpus file does not match the checksum in its descriptor."""

    exit_code = 3


class ConfigError(FramelensError):
    """A configuration that cannot be turned into objects."""
