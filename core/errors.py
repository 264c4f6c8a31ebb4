from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """A request the rules refuse. The message is shown to the person as it is, so it must be
    translated and say what to do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def require(allowed: bool, message: str) -> None:
    """A service's check of the actor's right: refused, it raises PermissionDenied with the
    message (403 in the API, the message on the page)."""
    if not allowed:
        raise PermissionDenied(message)
