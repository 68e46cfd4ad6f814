"""The two exceptions that cross from the library to the pages.

A LabError is a mistake a user can cause; its message is one sentence that says what to change,
and the UI shows it as it is. Cancelled ends a job that a user stopped.
"""


class LabError(Exception):
    """A user-facing problem, worded as a sentence that says what to change."""


class Cancelled(Exception):
    """Raised inside a job when its cancel event is set; its message, if any, says why nothing is kept."""
