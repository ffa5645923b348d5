"""Deploying a process: validate everything, store an immutable version, never disturb running instances.

Identical content (diagram + the forms it uses) is a no-op; changed content is the next version."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import config
from app.engine import clock, validation, xml_safety
from app.engine.errors import Problem
from app.models import ProcessDefinition, Role
from app.services.commands import audit, parsed_definition
from app.services.errors import Invalid, NotFound
from app.services.forms import check_conditions


@dataclass
class Deployed:
    definition: ProcessDefinition
    created: bool


def load_forms(keys: set[str], forms_dir: Path | None = None) -> tuple[dict, list[Problem]]:
    forms_dir = forms_dir or config.FORMS_DIR
    forms, problems = {}, []
    for key in sorted(keys):
        path = forms_dir / f"{key}.json"
        if not path.exists():
            continue  # reported by validation as a missing form, at the element that uses it
        try:
            form = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            problems.append(Problem(f"表单 {key} 不是合法的 JSON：{err.msg}（第 {err.lineno} 行） / invalid JSON",
                                    line=err.lineno, file=f"forms/{key}.json"))
            continue
        if not isinstance(form, dict) or not isinstance(form.get("components"), list):
            problems.append(Problem(f"表单 {key} 缺少 components 列表 / not a form-js schema", file=f"forms/{key}.json"))
            continue
        forms[key] = form
    return forms, problems


def check(session: Session, bpmn: bytes | str, filename: str = "process.bpmn", forms: dict | None = None,
          forms_dir: Path | None = None):
    """Validate without storing. Returns (parsed, forms, problems)."""
    try:
        keys = validation.form_keys(bpmn)
    except xml_safety.XmlRejected as err:
        return None, {}, [Problem(str(err), line=err.line, file=filename)]
    form_problems = []
    if forms is None:
        forms, form_problems = load_forms(keys, forms_dir)
    role_names = {n for row in session.execute(select(Role.code, Role.name)) for n in row}
    parsed, problems = validation.validate(bpmn, forms, role_names, filename, form_checker=check_conditions)
    problems = form_problems + problems
    return (parsed if not problems else None), {k: v for k, v in forms.items() if k in keys}, problems


def deploy(session: Session, bpmn: bytes | str, actor: str, filename: str = "process.bpmn", forms: dict | None = None,
           forms_dir: Path | None = None) -> Deployed:
    parsed, used_forms, problems = check(session, bpmn, filename, forms, forms_dir)
    if problems:
        raise Invalid(f"流程 {filename} 未通过校验，共 {len(problems)} 处问题 / validation failed",
                      details=[p.as_dict() for p in problems])
    text = bpmn.decode("utf-8") if isinstance(bpmn, bytes) else bpmn
    digest = hashlib.sha256((text + json.dumps(used_forms, sort_keys=True, ensure_ascii=False)).encode()).hexdigest()
    latest = latest_definition(session, parsed.process_key, required=False)
    if latest is not None and latest.content_hash == digest:
        return Deployed(latest, False)
    version = (session.scalar(select(func.max(ProcessDefinition.version)).where(
        ProcessDefinition.key == parsed.process_key)) or 0) + 1
    definition = ProcessDefinition(key=parsed.process_key, version=version, name=parsed.name, bpmn_xml=text,
                                   forms=used_forms, content_hash=digest, deployed_by=actor, deployed_at=clock.now())
    session.add(definition)
    session.flush()
    audit(session, actor, "deploy", None, None, {"process_key": parsed.process_key, "version": version, "file": filename})
    return Deployed(definition, True)


def latest_definition(session: Session, key: str, required: bool = True) -> ProcessDefinition | None:
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                .order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None and required:
        raise NotFound(f"流程不存在：{key}（请先部署） / unknown process")
    return definition


def definitions_with_message_start(session: Session, name: str) -> list[ProcessDefinition]:
    """The latest version of every process whose message start event catches `name`."""
    latest = session.execute(select(ProcessDefinition.key, func.max(ProcessDefinition.version))
                             .group_by(ProcessDefinition.key)).all()
    found = []
    for key, version in latest:
        definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                                    ProcessDefinition.version == version))
        if name in parsed_definition(session, definition.id).message_starts:
            found.append(definition)
    return found
