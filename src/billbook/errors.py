"""Named errors that services raise and entry points show as plain messages.

Every error here is a user's mistake or a refused request: GUI and CLI show ``str(err)``
(never a traceback) and the CLI exits with status 1.
"""

from __future__ import annotations


class BillbookError(Exception):
    """Base of every error meant to be shown to a person without a traceback."""


class ValidationError(BillbookError):
    """Bad input; ``field`` names the form field (or CLI option) at fault."""

    def __init__(self, field: str | None, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class NotFound(BillbookError):
    pass


class Conflict(BillbookError):
    """A uniqueness clash (duplicate SKU, phone, user name...)."""

    def __init__(self, field: str | None, message: str):
        self.field = field
        super().__init__(message)


class PermissionDenied(BillbookError):
    pass


class AuthenticationError(BillbookError):
    """Login refused. The message never says whether the user name exists."""


class AccountLocked(AuthenticationError):
    pass


class OutOfStock(BillbookError):
    def __init__(self, sku: str, name: str, available, requested):
        self.sku, self.name, self.available, self.requested = sku, name, available, requested
        super().__init__(f"Not enough stock for {name} ({sku}): {available} available, {requested} requested")


class InvalidTransition(BillbookError):
    pass


class DatabaseUnavailable(BillbookError):
    """The database could not be reached; the user's work is kept and can be retried."""


class FileRefused(BillbookError):
    """A file billbook was asked to write or read and will not: it exists (no --force), is a link,
    a device, too large, not what it should be. Nothing was written."""


class StorageError(BillbookError):
    """The disk said no: full, read-only, no permission, locked. The message names the file or disk."""

    def __init__(self, message: str, *, errno_code: int | None = None):
        self.errno = errno_code
        super().__init__(message)


class ReturnInvalid(BillbookError):
    """A GST return or e-invoice that cannot be made or fails its published schema: nothing is
    written (the message says which document or field is at fault)."""
