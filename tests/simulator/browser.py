"""A tiny console "browser" for the simulator's own tests (needs `requests`): a cookie
session per appliance, HTML forms read from the page, submitted without following
redirects. Independent of the collection's console client on purpose."""
import html.parser
import urllib.parse

import requests


class Form:
    def __init__(self, action, method):
        self.action = action
        self.method = method
        self.fields = {}          # name -> value (hidden/text/password/selected option)
        self.selects = {}         # name -> [option values]
        self.buttons = []         # submit button texts

    def data(self, **changes):
        data = dict(self.fields)
        data.update(changes)
        return data


class _FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []
        self._select = None
        self._option = None
        self._button = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append(Form(attrs.get("action", ""), attrs.get("method", "get").lower()))
        elif form is None:
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind == "submit":
                form.buttons.append(attrs.get("value", ""))
            elif attrs.get("name"):
                form.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs.get("name")
            form.selects[self._select] = []
        elif tag == "option" and self._select:
            form.selects[self._select].append(attrs.get("value"))
            if "selected" in attrs or self._select not in form.fields:
                form.fields[self._select] = attrs.get("value")
        elif tag == "button":
            self._button = ""

    def handle_data(self, data):
        if self._button is not None:
            self._button += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons.append(self._button.strip())
            self._button = None


def forms(page_html):
    parser = _FormParser()
    parser.feed(page_html)
    return parser.forms


class Browser:
    def __init__(self, base_url, ca_path):
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.verify = ca_path
        self.http.trust_env = False        # else REQUESTS_CA_BUNDLE overrides verify
        self.page = None

    def url(self, path):
        return path if path.startswith("https://") else self.base + path

    def get(self, path, **kw):
        self.page = self.http.get(self.url(path), allow_redirects=False, timeout=10, **kw)
        return self.page

    def post(self, path, data, **kw):
        return self.http.post(self.url(path), data=data, allow_redirects=False, timeout=10, **kw)

    def form(self, action=None, button=None, page=None):
        """The form on the last page (or `page`) with this action and/or button text."""
        for candidate in forms((page or self.page).text):
            if action is not None and candidate.action != action:
                continue
            if button is not None and button not in candidate.buttons:
                continue
            return candidate
        raise AssertionError("no form action=%r button=%r on the page" % (action, button))

    def submit(self, form, **changes):
        return self.post(form.action, form.data(**changes))

    def login(self, username, password, return_to="/"):
        self.get("/login?" + urllib.parse.urlencode({"return_to": return_to}))
        return self.submit(self.form("/session"), login=username, password=password)
