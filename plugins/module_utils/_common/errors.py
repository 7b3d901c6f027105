# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors, with one root: every failure ghes.connect raises on purpose is a ``GhesConnectError``.

Each error carries a message written for the administrator who reads the failed task:
what happened, where, and what to change. None of them ever carries a secret: the HTTP
layer scrubs the values it was given before building a message.

Two rules keep a failure whole on its way to the task result:

- A message is built once. A layer that knows better words for an error it caught raises
  ``exc.reworded(message) from exc``: a new error of the same type and facts; the caught one
  is never changed.
- ``details`` are what the failed task result carries beside ``msg`` (``changed``, ``state``,
  ``upload``, ``problems``, ``events`` ...), each under its own name, all of them
  (``plugin_utils._action_base``). What only code reads (an HTTP status, a URL) is an attribute.
"""

from __future__ import annotations


class GhesConnectError(Exception):
    """The root: ``str(error)`` is the message to show; ``details`` reach the failed result."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def reworded(self, message):
        """This error saying ``message`` instead, as a new error (raise it ``from`` this one)."""
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        Exception.__init__(other, message)
        other.message = message
        other.details = dict(self.details)
        return other


class Refusal(GhesConnectError):
    """Nothing was changed because a check before the first write said no: the message says why and the fix.

    A refusal is decided before anything is written (``decide`` of a state module, the preflight),
    so its task never ``changed`` anything.
    """


class TransportError(GhesConnectError):
    """The request did not get an HTTP answer (refused, reset, timeout, DNS, TLS).

    ``maybe_sent`` says whether the server may have received and acted on the request:
    a refused connection never reached it, a reset or a timeout may have.
    """

    def __init__(self, message, url=None, maybe_sent=True, **details):
        super().__init__(message, **details)
        self.url = url
        self.maybe_sent = maybe_sent


class InvalidRequestError(TransportError):
    """The request could not be sent as given (a header value HTTP cannot carry); it never left the controller."""


class TLSVerificationError(TransportError):
    """The server's certificate was not trusted or did not match the host name."""


class HttpStatusError(GhesConnectError):
    """The server answered with a status the caller did not expect."""

    def __init__(self, message, status, method=None, url=None, api_message=None, headers=None, **details):
        super().__init__(message, **details)
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
    """A configuration run failed; ``events`` (a detail) holds the failing events, if any."""

    def __init__(self, message, events=None, **details):
        super().__init__(message, events=list(events or []), **details)

    @property
    def events(self):
        return self.details['events']


class WaitTimeoutError(GhesConnectError):
    """A bounded wait (config run, approval, sync, upload) ran out of time."""


class PreflightError(Refusal):
    """One or more preconditions failed before any write; ``problems`` (a detail) lists them all."""

    def __init__(self, problems, **details):
        problems = list(problems)
        super().__init__('Preflight failed, nothing was changed: ' + ' | '.join(problems), problems=problems, **details)

    @property
    def problems(self):
        return self.details['problems']


class InputError(GhesConnectError):
    """Task options that cannot work together, found before any request."""


class UnexpectedAnswerError(GhesConnectError):
    """An answer lacks a documented field or carries it with another type: what was asked and what came back."""
