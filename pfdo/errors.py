"""Domain errors: a refused operation with a message for the user (in Russian)."""

from __future__ import annotations


class DomainError(Exception):
    """An operation the rules refuse. `message` is shown to the user as is;
    `field`, when set, names the form field the message belongs beside."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """The object does not exist or does not belong to the actor (shown as 404)."""

    def __init__(self, message: str = "Страница не найдена"):
        super().__init__(message)


class Forbidden(DomainError):
    """The actor's role may not do this (shown as 403)."""

    def __init__(self, message: str = "Недостаточно прав"):
        super().__init__(message)


class ServerBusy(Exception):
    """Too much work of one kind at once (password hashing): answered 503 «Сервер занят»
    before the work starts. Not a DomainError: no form can fix it, only a minute's wait."""

    message = "Сервер занят, повторите через минуту"
