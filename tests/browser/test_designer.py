"""The designer pages in a real browser: a designer changes a task name in the properties panel, breaks a condition,
sees the problem marked at that flow, fixes it and deploys a new version; a shipped process opened and downloaded
unchanged loses nothing; compare, migrate and the form editor work from their pages; a draft overtaken by a newer
deploy is caught before it reverts that version; drafts can be discarded and are listed before their first deploy;
scenario files are attached, run and deleted; a version without layout says so instead of hanging; other roles get
403."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from app import config
from app.engine.specs import parse_definition

# bpmn-js omits attributes that have their default value, and shows the X marker of every exclusive gateway
# (isMarkerVisible, a drawing hint the engine never reads)
DEFAULT_ATTRIBUTES = {("cancelActivity", "true"), ("isInterrupting", "true"), ("isMarkerVisible", "true")}


@pytest.fixture(autouse=True)
def no_draft_left_behind(database_url):
    """Drafts and scenarios written through the pages are removed after each test (the shared clean-up does not know
    these tables)."""
    yield
    from sqlalchemy import text
    from app import db
    with db.get_engine(database_url).begin() as conn:
        conn.execute(text("DELETE FROM design_draft"))
        conn.execute(text("DELETE FROM process_scenario"))


def login(page, base: str, username: str):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "jiefen-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/inbox.*"))


def canonical(element):
    """An element tree as nested tuples: attributes sorted, default values dropped, text stripped. Diagram
    interchange shapes are compared as a set (bpmn-js writes them in drawing order)."""
    attributes = tuple(sorted((k, v) for k, v in element.attrib.items() if (k, v) not in DEFAULT_ATTRIBUTES))
    children = [canonical(c) for c in element if isinstance(c.tag, str)]
    if element.tag.endswith("}BPMNPlane"):
        children.sort(key=lambda c: dict(c[1]).get("id", ""))
    return element.tag, attributes, (element.text or "").strip(), tuple(children)


def open_modeler(page, base: str, key: str):
    page.goto(f"{base}/designer/{key}")
    page.wait_for_selector("body[data-modeler-ready=true]")


def click_element(page, element_id: str):
    """Click a diagram element (or its label) as a user would, after bringing it into view and closing the previous
    selection's context pad (which may lie over it)."""
    page.evaluate("""id => { const m = JfModeler.page.modeler, el = m.get('elementRegistry').get(id);
                             m.get('selection').select(null); m.get('canvas').scrollToElement(el, 200); }""", element_id)
    page.locator(f'[data-element-id="{element_id}"]').first.click()


@pytest.mark.parametrize("key", ["mediation", "compensation", "petition_to_review"])
def test_shipped_process_opened_and_downloaded_unchanged_loses_nothing(key, live_server, browser, deploy_process):
    deploy_process(key)
    page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    login(page, live_server, "designer1")
    open_modeler(page, live_server, key)
    assert "第 1 版" in page.inner_text("#source")
    with page.expect_download() as info:
        page.click("#download")
    saved = etree.fromstring(open(info.value.path(), "rb").read())
    original = etree.parse(str(config.PROCESSES_DIR / f"{key}.bpmn")).getroot()
    assert canonical(saved) == canonical(original)
    # the spiffworkflow extensions are kept by our moddle descriptor, not as opaque elements
    assert page.evaluate("""() => JfModeler.page.modeler.get('elementRegistry').filter(e =>
        (e.businessObject.extensionElements?.values || []).some(v => v.$type === 'spiffworkflow:Properties')).length""") > 3


def test_designer_renames_a_task_sees_a_broken_condition_at_its_flow_fixes_it_and_deploys(live_server, browser,
                                                                                          deploy_process):
    from app import db
    from app.services.design import deployments

    deploy_process("mediation")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "designer1")

    page.goto(f"{live_server}/designer")
    page.wait_for_selector("body[data-list-ready=true]")
    card = page.locator('.jf-process[data-key="mediation"]')
    assert "v1" in card.inner_text() and "tester" in card.inner_text()
    card.locator("text=打开设计器").click()
    page.wait_for_selector("body[data-modeler-ready=true]")

    # rename a user task in the properties panel: the diagram shows the new name
    click_element(page, "review_application")
    assert page.input_value("#props input[name=id]") == "review_application"
    assert page.locator("#props select[name=formKey]").input_value() == "mediation_review"
    page.fill("#props input[name=name]", "受理审查（新规）")
    page.press("#props input[name=name]", "Tab")
    assert "受理审查（新规）" in page.locator('g.djs-element[data-element-id="review_application"]').text_content()

    # break a condition: 校验 marks the flow and lists the problem
    click_element(page, "flow_review_not_within_label")
    assert page.input_value("#props input[name=id]") == "flow_review_not_within"
    page.fill("#props textarea[name=condition]", 'review_result == "not_within_duties" and')
    page.press("#props textarea[name=condition]", "Tab")
    page.click("#validate")
    problem = page.locator('#problems li[data-element-id="flow_review_not_within"]')
    problem.wait_for()
    assert "沙箱" in problem.inner_text()
    assert page.locator('g.djs-element.jf-problem[data-element-id="flow_review_not_within"]').count() == 1
    assert page.locator('.djs-overlays[data-container-id="flow_review_not_within"] .jf-problem-badge').count() == 1
    assert "发现 1 处问题" in page.inner_text("#status")

    # deploying it is refused with the same problem at the same flow
    page.click("#deploy")
    page.wait_for_selector('#problems li[data-element-id="flow_review_not_within"]')
    page.wait_for_selector("#status.error")
    with db.transaction(write=False) as s:
        assert deployments.latest_definition(s, "mediation").version == 1

    # the problem list selects the flow; fix the condition, validate again, deploy
    problem.click()
    assert page.input_value("#props input[name=id]") == "flow_review_not_within"
    page.fill("#props textarea[name=condition]", 'review_result == "not_within_duties"')
    page.press("#props textarea[name=condition]", "Tab")
    page.click("#validate")
    page.wait_for_selector("#status.ok")
    assert page.locator("g.djs-element.jf-problem").count() == 0
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('第 2 版')")
    assert page.inner_text("#deployed-version") == "2"

    with db.transaction(write=False) as s:
        latest = deployments.latest_definition(s, "mediation")
        assert latest.version == 2 and latest.deployed_by == "designer1"
        assert 'name="受理审查（新规）"' in latest.bpmn_xml
        assert "mediation_review" in latest.forms


def test_the_process_panel_edits_the_business_key_prefix_and_the_searchable_variables(live_server, browser,
                                                                                      deploy_process):
    deploy_process("mediation")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    open_modeler(page, live_server, "mediation")
    page.evaluate("""() => { const m = JfModeler.page.modeler;
                             m.get('selection').select(m.get('elementRegistry').get('participant_mediation')); }""")
    assert page.input_value("#props input[name=businessKeyPrefix]") == "调"
    assert page.input_value("#props textarea[name=searchable]").startswith("applicant_name:申请人, ")
    page.fill("#props input[name=businessKeyPrefix]", "行调")
    page.press("#props input[name=businessKeyPrefix]", "Tab")
    page.fill("#props textarea[name=searchable]", "applicant_name:申请人")
    page.press("#props textarea[name=searchable]", "Tab")
    page.click("#save-draft")
    page.wait_for_selector("#status.ok")
    draft = page.evaluate("async () => (await (await fetch('/api/v1/design-drafts/mediation')).json())")
    parsed = parse_definition(draft["bpmn"])
    assert (parsed.business_key_prefix, parsed.searchable) == ("行调", {"applicant_name": "申请人"})


def test_draft_survives_a_reload_and_a_stale_save_is_refused(live_server, browser, deploy_process):
    deploy_process("mediation")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    open_modeler(page, live_server, "mediation")
    click_element(page, "review_application")
    page.fill("#props textarea[name=documentation]", "草稿中的说明")
    page.press("#props textarea[name=documentation]", "Tab")
    page.click("#save-draft")
    page.wait_for_selector("#status.ok")

    other = browser.new_page(viewport={"width": 1400, "height": 900})
    login(other, live_server, "designer1")
    open_modeler(other, live_server, "mediation")
    assert "草稿" in other.inner_text("#source")
    click_element(other, "review_application")
    assert other.input_value("#props textarea[name=documentation]") == "草稿中的说明"
    other.fill("#props textarea[name=documentation]", "另一位设计员的说明")
    other.press("#props textarea[name=documentation]", "Tab")
    other.click("#save-draft")                      # saves over the first page's draft
    other.wait_for_selector("#status.ok")

    page.click("#save-draft")                       # the first page's draft is now stale: nothing is overwritten
    page.wait_for_selector("#status.error")
    assert "已被他人修改" in page.inner_text("#status")
    draft = page.evaluate("async () => (await (await fetch('/api/v1/design-drafts/mediation')).json())")
    assert "另一位设计员的说明" in draft["bpmn"]


def _deploy_changed_mediation(database_url, replace_script: bool = False):
    """Version 2 of mediation: one user task renamed; with `replace_script`, the script task map_referral (and its
    flows) replaced by one with another id, i.e. removed and added."""
    from app import db
    from app.services.design import deployments
    xml = (config.PROCESSES_DIR / "mediation.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('name="受理审查（第三十一条）"', 'name="受理审查（新规）"')
    if replace_script:
        xml = xml.replace("map_referral", "import_referral")
    with db.transaction(database_url) as s:
        return deployments.deploy(s, xml, "designer1", filename="mediation.bpmn").definition


def test_compare_marks_added_removed_and_changed_elements_and_lists_properties(live_server, browser, deploy_process, database_url):
    deploy_process("mediation")
    assert _deploy_changed_mediation(database_url, replace_script=True).version == 2
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    page.goto(f"{live_server}/designer/mediation/compare?from=1&to=2")
    page.wait_for_selector("body[data-compare-ready=true]")

    def marked(side, kind, element_id):
        return page.locator(f'#canvas-{side} g.djs-element.jf-{kind}[data-element-id="{element_id}"]').count()

    assert marked("from", "changed", "review_application") == 1 and marked("to", "changed", "review_application") == 1
    assert marked("from", "removed", "map_referral") == 1 and marked("to", "added", "import_referral") == 1
    assert marked("to", "removed", "map_referral") == 0 and marked("from", "added", "import_referral") == 0
    row = page.locator('#changes tr[data-element-id="review_application"]')
    assert "受理审查（第三十一条）" in row.inner_text() and "受理审查（新规）" in row.inner_text()
    assert "已删除" in page.inner_text('#changes tr[data-element-id="map_referral"]')
    assert "新增" in page.inner_text('#changes tr[data-element-id="import_referral"]')


def test_migrate_dry_run_then_move_the_listed_cases(live_server, browser, deploy_process, database_url, users):
    from app import db
    from app.models import ProcessInstance
    from app.services.runtime import instances
    deploy_process("mediation")
    started = instances.start("mediation", users["intake1"], {
        "case_source": "application", "application_form": "written", "received_date": "2026-11-20",
        "dispute_type": "civil", "dispute_subtype": "contract", "applicant_type": "natural_person",
        "applicant_name": "李四", "applicant_id_number": "11010519491231002X", "applicant_phone": "13812345678",
        "other_party_name": "某公司", "respondent_agency": "海州区某局", "respondent_level": "county_department",
        "claims": "赔偿", "facts": "事实"})
    instance_id = started["id"]
    target = _deploy_changed_mediation(database_url)

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "designer1")
    page.goto(f"{live_server}/designer/mediation/migrate?from=1&to=2")
    page.wait_for_selector("body[data-migrate-ready=true]")
    page.click("#dry-run")
    page.wait_for_selector(f'#movable tr[data-id="{instance_id}"]')
    assert "review_application" in page.inner_text(f'#movable tr[data-id="{instance_id}"]')
    page.click("#migrate")                                   # no reason yet: refused on the page
    assert "请填写迁移原因" in page.inner_text("#status")
    page.fill("#reason", "受理审查环节更名")
    page.click("#migrate")
    page.wait_for_selector("#result:not([hidden])")
    assert "已迁移 1 个案件到第 2 版" in page.inner_text("#result")
    with db.transaction(database_url, write=False) as s:
        assert s.get(ProcessInstance, instance_id).definition_id == target.id


def test_form_editor_previews_and_saves_into_the_process_draft(live_server, browser, deploy_process):
    deploy_process("mediation")
    modeler = browser.new_page(viewport={"width": 1400, "height": 900})   # opened before the form is saved
    login(modeler, live_server, "designer1")
    open_modeler(modeler, live_server, "mediation")

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    page.goto(f"{live_server}/designer/forms/mediation_review?process=mediation")
    page.wait_for_selector("body[data-form-editor-ready=true]")
    assert "第 1 版" in page.inner_text("#source")
    page.wait_for_selector("#form-preview .fjs-form-field")
    assert page.locator("#form-editor .fjs-editor-container").count() == 1
    page.click("#save")
    page.wait_for_selector("#status.ok")
    draft = page.evaluate("async () => (await (await fetch('/api/v1/design-drafts/mediation')).json())")
    saved = draft["forms"]["mediation_review"]
    shipped = json.loads((config.FORMS_DIR / "mediation_review.json").read_text(encoding="utf-8"))
    assert [c.get("key") for c in saved["components"]] == [c.get("key") for c in shipped["components"]]

    # the modeler loaded before the form was saved: its draft save keeps the saved form
    click_element(modeler, "review_application")
    modeler.fill("#props input[name=name]", "受理审查（新规）")
    modeler.press("#props input[name=name]", "Tab")
    modeler.click("#save-draft")
    modeler.wait_for_selector("#status.ok")
    draft = page.evaluate("async () => (await (await fetch('/api/v1/design-drafts/mediation')).json())")
    assert "受理审查（新规）" in draft["bpmn"] and draft["forms"]["mediation_review"] == saved


def test_scenarios_run_against_the_diagram_on_the_canvas(live_server, browser, deploy_process):
    deploy_process("compensation")
    files = sorted((config.PROCESSES_DIR / "scenarios" / "compensation").glob("*.json"))
    names = [json.loads(f.read_text(encoding="utf-8"))["name"] for f in files]
    assert names, "the shipped compensation process comes with scenarios"
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    open_modeler(page, live_server, "compensation")
    page.wait_for_selector("#scenario-list li")
    assert page.locator("#scenario-list li").count() == len(names)
    page.click("#run-scenarios")
    page.wait_for_selector("#scenario-results tbody tr")
    assert page.locator("#scenario-results tr.jf-pass").count() == len(names)
    assert f"{len(names)} / {len(names)} 个场景通过" in page.inner_text("#status")

    # an unsaved change on the canvas is what runs: the eligible branch can no longer be taken
    click_element(page, "flow_eligible_yes_label")
    page.fill("#props textarea[name=condition]", 'verify_result == "never"')
    page.press("#props textarea[name=condition]", "Tab")
    page.click("#run-scenarios")
    page.wait_for_selector("#scenario-results tr.jf-fail")
    failed = page.locator("#scenario-results tr.jf-fail").first.inner_text()
    assert "核查符合条件" in failed and "未通过" in failed


def _latest_version(database_url, key: str) -> int:
    from app import db
    from app.services.design import deployments
    with db.transaction(database_url, write=False) as s:
        return deployments.latest_definition(s, key).version


def _draft(page, key: str) -> dict:
    return page.evaluate("async key => (await (await fetch('/api/v1/design-drafts/' + key)).json())", key)


def test_a_draft_overtaken_by_a_newer_version_asks_before_deploying(live_server, browser, deploy_process, database_url):
    deploy_process("mediation")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "designer1")
    open_modeler(page, live_server, "mediation")
    click_element(page, "review_application")
    page.fill("#props textarea[name=documentation]", "按新规受理")
    page.press("#props textarea[name=documentation]", "Tab")
    page.click("#save-draft")
    page.wait_for_selector("#status.ok")
    assert "基于第 1 版" in page.inner_text("#source")
    assert _draft(page, "mediation")["base_version"] == 1

    assert _deploy_changed_mediation(database_url).version == 2      # someone else deploys meanwhile

    page.click("#deploy")
    page.wait_for_selector("#stale:not([hidden])")
    message = page.inner_text("#stale-message")
    assert "1" in message and "2" in message
    assert "from=1&to=2" in page.get_attribute("#stale-compare", "href")
    assert _latest_version(database_url, "mediation") == 2           # nothing deployed yet

    page.click("#stale-cancel")                                       # 取消 deploys nothing
    assert page.locator("#stale").is_hidden()
    assert _latest_version(database_url, "mediation") == 2

    page.click("#deploy")
    page.wait_for_selector("#stale:not([hidden])")
    page.click("#stale-force")                                        # 仍然部署
    page.wait_for_selector("#status.ok:has-text('第 3 版')")
    assert page.locator("#stale").is_hidden()
    assert _latest_version(database_url, "mediation") == 3
    # the deploy retired the draft, and the page says so
    assert "无草稿" in page.inner_text("#source") and page.locator("#discard-draft").is_hidden()
    assert _draft(page, "mediation")["source"] == "deployed"
    page.click("#save-draft")                                         # a new draft starts from version 3
    page.wait_for_selector("#status.ok")
    assert _draft(page, "mediation")["base_version"] == 3


def test_discarding_a_draft_shows_the_latest_version_again(live_server, browser, deploy_process):
    deploy_process("mediation")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    login(page, live_server, "designer1")
    open_modeler(page, live_server, "mediation")
    assert page.locator("#discard-draft").is_hidden()                # nothing to discard yet
    click_element(page, "review_application")
    page.fill("#props input[name=name]", "草稿里的名称")
    page.press("#props input[name=name]", "Tab")
    page.click("#save-draft")
    page.wait_for_selector("#status.ok")
    page.click("#discard-draft")
    page.wait_for_selector("#status.ok:has-text('草稿已放弃')")
    assert any("放弃草稿" in d for d in dialogs)
    assert "第 1 版（无草稿）" in page.inner_text("#source") and page.locator("#discard-draft").is_hidden()
    assert "草稿里的名称" not in page.locator('g.djs-element[data-element-id="review_application"]').text_content()
    assert _draft(page, "mediation")["source"] == "deployed"


def test_a_draft_of_a_process_never_deployed_is_listed(live_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    page.goto(f"{live_server}/designer")
    page.wait_for_selector("body[data-list-ready=true]")
    page.fill("#new-process input[name=key]", "land_dispute")
    page.click("#new-process button[type=submit]")
    page.wait_for_selector("body[data-modeler-ready=true]")
    assert "新流程" in page.inner_text("#source")
    page.click("#save-draft")
    page.wait_for_selector("#status.ok")

    page.goto(f"{live_server}/designer")
    page.wait_for_selector("body[data-list-ready=true]")
    card = page.locator('.jf-process[data-key="land_dispute"]')
    assert "尚未部署" in card.inner_text() and "designer1" in card.inner_text()
    card.locator("text=继续编辑草稿").click()
    page.wait_for_selector("body[data-modeler-ready=true]")
    assert "草稿" in page.inner_text("#source")


def test_the_new_process_key_follows_the_server_pattern(live_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    page.goto(f"{live_server}/designer")
    page.wait_for_selector("body[data-list-ready=true]")
    page.evaluate("() => document.querySelector('#new-process input[name=key]').removeAttribute('pattern')")
    for bad in ["land-dispute", "x" * 101]:
        page.evaluate("() => document.querySelector('#new-process input[name=key]').removeAttribute('maxlength')")
        page.fill("#new-process input[name=key]", bad)
        page.click("#new-process button[type=submit]")
        page.wait_for_selector("#status.error")
        assert "最多 100 个字符" in page.inner_text("#status") and page.url.endswith("/designer")


def test_a_version_without_layout_says_so_on_compare_and_in_the_modeler(live_server, browser, deploy):
    single = (config.ROOT / "tests" / "bpmn" / "single.bpmn").read_text(encoding="utf-8")
    deploy("single.bpmn")                                              # the service does not require layout
    deploy(single.replace('name="办理"', 'name="办理（新）"'))
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server, "designer1")
    page.goto(f"{live_server}/designer/single_task/compare?from=1&to=2")
    page.wait_for_selector("body[data-compare-ready=partial]")
    text = page.inner_text("#status")
    assert "第 1 版的流程图无法显示" in text and "第 2 版的流程图无法显示" in text and "没有图形布局" in text
    assert "没有图形布局" in page.inner_text("#canvas-from")
    # the list of changes does not need the drawings
    assert "办理（新）" in page.inner_text('#changes tr[data-element-id="ut_only"]')

    page.goto(f"{live_server}/designer/single_task")
    page.wait_for_selector("body[data-modeler-ready=import-failed]")
    assert "第 2 版" in page.inner_text("#status") and "没有图形布局" in page.inner_text("#status")
    page.click("#save-draft")                                          # nothing on the canvas to save
    assert "画布上没有可用的流程图" in page.inner_text("#status")
    # a good file can still be uploaded
    page.set_input_files("#upload", files=[{"name": "mediation.bpmn", "mimeType": "application/xml",
                                             "buffer": (config.PROCESSES_DIR / "mediation.bpmn").read_bytes()}])
    page.wait_for_selector("body[data-modeler-ready=true]")
    assert page.locator('g.djs-element[data-element-id="review_application"]').count() == 1


def test_a_designer_attaches_a_scenario_file_runs_it_and_deletes_it(live_server, browser, deploy_process):
    deploy_process("compensation")
    shipped = sorted((config.PROCESSES_DIR / "scenarios" / "compensation").glob("*.json"))
    mine = json.loads(shipped[0].read_text(encoding="utf-8"))
    mine["name"] = "设计员附加的场景"
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    login(page, live_server, "designer1")
    open_modeler(page, live_server, "compensation")
    page.wait_for_selector("#scenario-list li")
    assert page.locator('#scenario-list li[data-source="shipped"]').count() == len(shipped)
    assert page.locator("#scenario-list .jf-delete-scenario").count() == 0    # shipped ones cannot be deleted here

    # a file that is not JSON is refused on the page
    page.set_input_files("#attach-scenario", files=[{"name": "broken.json", "mimeType": "application/json",
                                                     "buffer": b"{not json"}])
    page.wait_for_selector("#status.error:has-text('不是合法的 JSON')")

    page.set_input_files("#attach-scenario", files=[{"name": "my_case.json", "mimeType": "application/json",
                                                     "buffer": json.dumps(mine, ensure_ascii=False).encode()}])
    page.wait_for_selector("#status.ok:has-text('场景 my_case 已上传')")
    stored = page.locator('#scenario-list li[data-source="stored"][data-name="my_case"]')
    assert "设计员上传" in stored.inner_text() and "设计员附加的场景" in stored.inner_text()
    assert page.locator('#scenario-list li[data-source="shipped"]').first.inner_text().startswith("随流程提供")

    page.click("#run-scenarios")
    page.wait_for_selector("#scenario-results tbody tr")
    assert page.locator("#scenario-results tr.jf-pass").count() == len(shipped) + 1
    assert "设计员附加的场景" in page.inner_text("#scenario-results")

    stored.locator(".jf-delete-scenario").click()
    page.wait_for_selector("#status.ok:has-text('场景 my_case 已删除')")
    assert any("my_case" in d for d in dialogs)
    assert page.locator('#scenario-list li[data-source="stored"]').count() == 0
    assert page.locator("#scenario-list li").count() == len(shipped)


@pytest.mark.parametrize("path", ["/designer", "/designer/mediation", "/designer/forms/mediation_review",
                                  "/designer/mediation/compare?from=1&to=2", "/designer/mediation/migrate"])
def test_other_roles_get_403_on_designer_pages(path, live_server, browser):
    page = browser.new_page()
    login(page, live_server, "mediator1")
    response = page.goto(f"{live_server}{path}")
    assert response.status == 403
    assert "没有" in page.inner_text("main") and "权限" in page.inner_text("main")
