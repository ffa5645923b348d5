"""The shipped diagrams import into the real bpmn-js viewer (served locally, as the pages use it) without warnings."""
from __future__ import annotations

import pytest

from app import config

PAGE = """<!doctype html><meta charset="utf-8"><div id="canvas" style="width:1200px;height:800px"></div>
<script src="/vendor/bpmn-js/bpmn-viewer.production.min.js"></script>"""


@pytest.mark.parametrize("key", ["mediation", "compensation", "petition_to_review"])
def test_diagram_imports_into_bpmn_js_without_warnings(key, live_server, browser):
    page = browser.new_page()
    page.goto(f"{live_server}/login")
    page.set_content(PAGE)
    page.add_script_tag(url=f"{live_server}/vendor/bpmn-js/bpmn-viewer.production.min.js")
    xml = (config.PROCESSES_DIR / f"{key}.bpmn").read_text(encoding="utf-8")
    result = page.evaluate("""async (xml) => {
        const viewer = new BpmnJS({container: '#canvas'});
        const {warnings} = await viewer.importXML(xml);
        const shapes = viewer.get('elementRegistry').getAll().length;
        return {warnings: warnings.map(w => w.message), shapes};
    }""", xml)
    assert result["warnings"] == [] and result["shapes"] > 20
