# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads what the console client needs from a page: forms, their controls, markers.

Standard library only (``html.parser``). It does not try to be a browser: it collects
the forms (action, method, hidden/text inputs, selects and their selected option,
submit buttons and their text), the elements carrying ``data-*`` attributes, the page's
visible text, and error flashes.
"""

from __future__ import annotations

from html.parser import HTMLParser


class Form:
    def __init__(self, action, method):
        self.action = action
        self.method = (method or 'get').lower()
        self.fields = {}      # name -> value, as a browser would submit it unchanged
        self.options = {}     # select name -> [option values]
        self.marked = set()   # selects whose page marks an option selected (else a browser submits the first)
        self.buttons = []     # [{'text', 'name', 'value'}]

    def has_control(self, name):
        return name in self.fields or name in self.options

    def button(self, text):
        for button in self.buttons:
            if button['text'] == text:
                return button
        return None

    def __repr__(self):
        return 'Form(action=%r, fields=%r, buttons=%r)' % (self.action, sorted(self.fields), self.buttons)


class Page:
    """A parsed console page."""

    def __init__(self, html, url=''):
        parser = _PageParser()
        parser.feed(html)
        parser.close()
        self.url = url
        self.forms = parser.forms
        self.markers = parser.markers
        self.text = ' '.join(' '.join(parser.text).split())
        self.flash_errors = [' '.join(t.split()) for t in parser.flash_errors if t.strip()]

    def has_text(self, text):
        return text in self.text

    def find_forms(self, action=None, control=None, button=None):
        found = []
        for form in self.forms:
            if action is not None and form.action != action:
                continue
            if control is not None and not form.has_control(control):
                continue
            if button is not None and not form.button(button):
                continue
            found.append(form)
        return found

    def marker(self, attribute):
        """The first value of a ``data-*`` attribute on the page, or None."""
        for attrs in self.markers:
            if attribute in attrs:
                return attrs[attribute]
        return None

    def features(self):
        """``{feature: enabled}`` from elements carrying ``data-feature`` and ``data-enabled``; a feature whose
        ``data-enabled`` is neither ``true`` nor ``false``, or that the page shows twice with different values, is
        left out (unread, not off; nor whichever came last)."""
        said = {}
        for attrs in self.markers:
            if 'data-feature' in attrs and attrs.get('data-enabled') in ('true', 'false'):
                said.setdefault(attrs['data-feature'], set()).add(attrs['data-enabled'] == 'true')
        return dict((name, values.pop()) for name, values in said.items() if len(values) == 1)


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.markers = []
        self.text = []
        self.flash_errors = []
        self._form = None
        self._select = None
        self._option_value = None
        self._button = None
        self._flash_depth = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict((k, v if v is not None else '') for k, v in attrs)
        if tag in ('script', 'style'):
            self._skip += 1
        if any(k.startswith('data-') for k in attrs):
            self.markers.append(attrs)
        if 'flash-error' in attrs.get('class', '').split():
            self._flash_depth = 1
            self.flash_errors.append('')
        elif self._flash_depth:
            self._flash_depth += 1
        if tag == 'form':
            self._form = Form(attrs.get('action', ''), attrs.get('method'))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == 'input':
            self._input(attrs)
        elif tag == 'select':
            self._select = attrs.get('name')
            self._form.options[self._select] = []
        elif tag == 'option' and self._select:
            value = attrs.get('value', '')
            self._form.options[self._select].append(value)
            if 'selected' in attrs or self._select not in self._form.fields:
                self._form.fields[self._select] = value
            if 'selected' in attrs:
                self._form.marked.add(self._select)
        elif tag == 'button':
            self._button = {'text': '', 'name': attrs.get('name'), 'value': attrs.get('value'),
                            'type': attrs.get('type', 'submit')}

    def _input(self, attrs):
        kind = attrs.get('type', 'text').lower()
        name = attrs.get('name')
        if kind == 'submit':
            self._form.buttons.append({'text': attrs.get('value', ''), 'name': name, 'value': attrs.get('value')})
        elif name and kind in ('checkbox', 'radio'):
            if 'checked' in attrs:
                self._form.fields[name] = attrs.get('value', 'on')
        elif name:
            self._form.fields[name] = attrs.get('value', '')

    def handle_endtag(self, tag):
        if tag in ('script', 'style') and self._skip:
            self._skip -= 1
        if self._flash_depth:
            self._flash_depth -= 1
        if tag == 'form':
            self._form = None
        elif tag == 'select':
            self._select = None
        elif tag == 'button' and self._button is not None and self._form is not None:
            self._button['text'] = ' '.join(self._button['text'].split())
            if self._button['type'] == 'submit':
                self._form.buttons.append(self._button)
            self._button = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._flash_depth and self.flash_errors:
            self.flash_errors[-1] += data
        if self._button is not None:
            self._button['text'] += data
