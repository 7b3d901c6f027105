# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which file each report format is written to, and the renderer that makes it from the model."""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._reports import html as _report_html
from ansible_collections.ghes.connect.plugins.module_utils._reports import junit as _report_junit
from ansible_collections.ghes.connect.plugins.module_utils._reports import markdown as _report_markdown
from ansible_collections.ghes.connect.plugins.module_utils._reports import prom as _report_prom
from ansible_collections.ghes.connect.plugins.module_utils._reports.model import as_json

# In the order they are written: drift.json first, so a reader of the directory that sees any
# other file of a run also finds that run's data.
FORMATS = {
    'json': ('drift.json', as_json),
    'md': ('drift.md', _report_markdown.render),
    'html': ('drift.html', _report_html.render),
    'junit': ('drift.junit.xml', _report_junit.render),
    'prom': ('drift.prom', _report_prom.render),
}


def render(model, formats):
    """``[(format, file name, content)]`` of the chosen formats, in FORMATS order."""
    return [(fmt, name, make(model)) for fmt, (name, make) in FORMATS.items() if fmt in formats]
