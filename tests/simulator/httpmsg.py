"""HTTP request and response values, and the small parsers the handlers share."""
import base64
import email.parser
import email.policy
import html
import http
import json
import urllib.parse


class HttpError(Exception):
    """Raised by a handler to answer with a status and a JSON message."""

    def __init__(self, status, message, headers=None, body=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []
        self.body = body


class Request:
    __slots__ = ("method", "target", "path", "query", "headers", "body", "_form", "_cookies", "_json")

    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        path, _sep, query = target.partition("?")
        self.path = urllib.parse.unquote(path) or "/"
        self.query = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.headers = headers          # lower-case name -> value
        self.body = body
        self._form = self._cookies = self._json = None

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def json(self):
        """The body as JSON; an empty body is {}; anything else unparseable is a 400."""
        if self._json is None:
            if not self.body.strip():
                self._json = {}
            else:
                try:
                    self._json = json.loads(self.body)
                except ValueError as exc:
                    raise HttpError(400, "Problems parsing JSON") from exc
        return self._json

    def form(self):
        """application/x-www-form-urlencoded or multipart fields: name -> str (files: see files())."""
        if self._form is None:
            content_type = self.header("content-type", "")
            if content_type.startswith("multipart/form-data"):
                self._form = {name: (value.decode("utf-8", "replace") if filename is None else value)
                              for name, (filename, value) in self.multipart().items()}
            else:
                pairs = urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)
                self._form = dict(pairs)
        return self._form

    def multipart(self):
        """name -> (filename or None, bytes)."""
        content_type = self.header("content-type", "")
        raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + self.body
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        fields = {}
        if not message.is_multipart():
            return fields
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
        return fields

    def cookies(self):
        if self._cookies is None:
            self._cookies = {}
            for chunk in self.header("cookie", "").split(";"):
                name, sep, value = chunk.strip().partition("=")
                if sep:
                    self._cookies[name] = value
        return self._cookies

    def basic_auth(self):
        """(user, password) from an Authorization: Basic header, or None."""
        scheme, _sep, value = self.header("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return (user, password) if sep else None

    def token(self):
        """The token of 'Authorization: token X' or 'Bearer X', or None."""
        scheme, _sep, value = self.header("authorization", "").partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
        return None


class Response:
    __slots__ = ("status", "headers", "body", "trickle")

    def __init__(self, status=200, body=b"", headers=None):
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else []
        self.trickle = 0.0      # seconds between the bytes of the answer (a fault): 0 sends it at once

    def header(self, name, value):
        self.headers.append((name, value))
        return self


RESET = object()   # a handler's answer meaning "close the connection without a response"
HANG = object()    # ... meaning "keep the connection open and never answer" (a black hole)


def reason(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def json_response(data, status=200, headers=None):
    body = json.dumps(data).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json; charset=utf-8")] + list(headers or []))


def empty(status):
    return Response(status, b"")


def html_response(text, status=200, headers=None):
    return Response(status, text.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")] + list(headers or []))


def redirect(location, headers=None):
    return Response(302, b"", [("Location", location)] + list(headers or []))


def error_response(exc):
    body = exc.body if exc.body is not None else {"message": exc.message}
    return json_response(body, exc.status, exc.headers)


def escape(value):
    return html.escape(str(value), quote=True)
