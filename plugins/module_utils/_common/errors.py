# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors shared by every client.

Each error carries a message written for the administrator who reads the failed task:
what happened, where, and what to change. None of them ever carries a secret: the HTTP
layer scrubs the values it was given before building a message.
"""

from __future__ import annotations


class GhesConnectError(Exception):
    """Base class: ``str(error)`` is the message to show."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class TransportError(GhesConnectError):
    """The request did not get an HTTP answer (refused, reset, timeout, DNS, TLS).

    ``maybe_sent`` says whether the server may have received and acted on the request:
    a refused connection never reached it, a reset or a timeout may have.
    """

    def __init__(self, message, url=None, maybe_sent=True, **details):
        super().__init__(message, url=url, **details)
        self.url = url
        self.maybe_sent = maybe_sent


class InvalidRequestError(TransportError):
    """The request could not be sent as given (a header value HTTP cannot carry); it never left the controller."""


class TLSVerificationError(TransportError):
    """The server's certificate was not trusted or did not match the host name."""


class HttpStatusError(GhesConnectError):
    """The server answered with a status the caller did not expect."""

    def __init__(self, message, status, method=None, url=None, api_message=None, headers=None, **details):
        super().__init__(message, status=status, method=method, url=url, **details)
        self.status = status
        self.method = method
        self.url = url
        self.api_message = api_message
        self.headers = headers or {}


class AuthenticationError(HttpStatusError):
    """401: the credentials for this interface were refused."""


class PermissionDeniedError(HttpStatusError):
    """403: authenticated, but not allowed (scope, ownership, rate limit)."""


class NotFoundError(HttpStatusError):
    """404: the path does not exist here (version gating, unknown enterprise, not an admin)."""


class ConsoleError(GhesConnectError):
    """The site-admin console did not behave as our model of it says."""


class ConsoleLoginError(ConsoleError):
    """Signing in to the console (password, 2FA, sudo) was refused."""


class ConsoleLayoutError(ConsoleError):
    """The page fetched does not hold the form or control our route table expects."""


class ConfigRunError(GhesConnectError):
    """A configuration run failed; ``events`` holds the failing events, if any."""

    def __init__(self, message, events=None, **details):
        super().__init__(message, **details)
        self.events = events or []


class WaitTimeoutError(GhesConnectError):
    """A bounded wait (config run, approval, sync, upload) ran out of time."""


class PreflightError(GhesConnectError):
    """One or more preconditions failed before any write; ``problems`` lists them all."""

    def __init__(self, problems, **details):
        self.problems = list(problems)
        super().__init__('Preflight failed, nothing was changed: ' + ' | '.join(self.problems), **details)


class InputError(GhesConnectError):
    """Task options that cannot work together, found before any request."""


class UnexpectedAnswerError(GhesConnectError):
    """An answer lacks a documented field or carries it with another type: what was asked and what came back."""
