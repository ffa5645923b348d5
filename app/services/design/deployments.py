"""Deploying a process: validate everything, store an immutable version, never disturb running instances.

Identical content (diagram + the forms it uses) is a no-op; changed content is the next version."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy import text as text_sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import config
from app.engine import clock, validation, xml_safety
from app.engine.errors import Problem
from app.i18n import N_, Text
from app.models import ProcessDefinition, Role
from app.services.runtime import unit_of_work
from app.services.runtime.commands import audit, parsed_definition
from app.services.errors import Conflict, ErrorCode, Invalid, NotFound
from app.services.runtime.forms import check_conditions, structure_problems


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
            problems.append(Problem(N_("表单 {key} 不是合法的 JSON：{error}（第 {line} 行）").format(
                key=key, error=err.msg, line=err.lineno), line=err.lineno, file=f"forms/{key}.json"))
            continue
        broken = form_problems(key, form)
        if broken:
            problems.extend(broken)
            continue
        forms[key] = form
    return forms, problems


def form_problems(key: str, form) -> list[Problem]:
    """One Problem per structural fault of a form (see forms.structure_problems)."""
    return [Problem(N_("表单 {key}：{problem}").format(key=key, problem=message), file=f"forms/{key}.json")
            for message in structure_problems(form)]


def check(session: Session, bpmn: bytes | str, filename: str = "process.bpmn", forms: dict | None = None,
          forms_dir: Path | None = None, require_layout: bool = False):
    """Validate without storing. Returns (parsed, forms, problems). `require_layout` (the designer's API): a diagram
    without its drawing is a problem too."""
    try:
        keys = validation.form_keys(bpmn)
    except xml_safety.XmlRejected as err:
        return None, {}, [Problem(str(err), line=err.line, file=filename)]
    form_problems = []
    if forms is None:
        forms, form_problems = load_forms(keys, forms_dir)
    role_names = {n for row in session.execute(select(Role.code, Role.name)) for n in row}
    parsed, problems = validation.validate(bpmn, forms, role_names, filename, form_checker=check_conditions,
                                           require_layout=require_layout)
    problems = form_problems + problems
    return (parsed if not problems else None), {k: v for k, v in forms.items() if k in keys}, problems


def deploy(session: Session, bpmn: bytes | str, actor: str, filename: str = "process.bpmn", forms: dict | None = None,
           forms_dir: Path | None = None, require_layout: bool = False, extra_problems: list[Problem] | None = None,
           check_base: bool = False, base_version: int | None = None) -> Deployed:
    """Store the next version (or nothing, if the content is unchanged). `extra_problems` (the caller's own, e.g. of
    forms sent with the diagram) are reported together with validation's. With `check_base`, a design started from
    `base_version` (None: a new process) is refused with a 409 when a newer version was deployed meanwhile — so a
    stale draft never silently reverts what others deployed."""
    parsed, used_forms, problems = check(session, bpmn, filename, forms, forms_dir, require_layout)
    problems = (extra_problems or []) + problems
    if problems:
        raise Invalid(N_("流程 {file} 未通过校验，共 {count} 处问题"), file=filename, count=len(problems),
                      details=[p.as_dict() for p in problems])
    lock_key(session, parsed.process_key)
    text = bpmn.decode("utf-8") if isinstance(bpmn, bytes) else bpmn
    digest = hashlib.sha256((text + json.dumps(used_forms, sort_keys=True, ensure_ascii=False)).encode()).hexdigest()
    latest = latest_definition(session, parsed.process_key, required=False)
    if latest is not None and latest.content_hash == digest:
        return Deployed(latest, False)
    if check_base and latest is not None and (base_version is None or latest.version > base_version):
        since = Text(N_("版本 {version}"), version=base_version) if base_version is not None else Text(N_("新建流程"))
        raise Conflict(N_("流程 {key} 已有更新的版本 {version}（{user} 部署），而此设计基于{base}；请先比较并合并，或确认覆盖后强制部署"),
                       key=parsed.process_key, version=latest.version, user=latest.deployed_by, base=since,
                       code=ErrorCode.STALE_BASE)
    version = (session.scalar(select(func.max(ProcessDefinition.version)).where(
        ProcessDefinition.key == parsed.process_key)) or 0) + 1
    definition = ProcessDefinition(key=parsed.process_key, version=version, name=parsed.name, bpmn_xml=text,
                                   forms=used_forms, content_hash=digest, deployed_by=actor, deployed_at=clock.now())
    session.add(definition)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a deploy of the same key that did not wait for the lock (should not happen)
        raise Conflict(N_("流程 {key} 正在被他人部署，请刷新后重试"), key=parsed.process_key,
                       code=ErrorCode.STALE_VERSION) from None
    audit(session, actor, "deploy", None, None, {"process_key": parsed.process_key, "version": version, "file": filename})
    return Deployed(definition, True)


def deploy_file(path: Path, actor: str) -> Deployed:
    """Deploy a BPMN file with the forms in forms/, as one unit of work (the command line's deploy)."""
    return unit_of_work.run(lambda uow: deploy(uow.session, path.read_bytes(), actor, filename=path.name))


def lock_key(session: Session, key: str) -> None:
    """Serialise deploys of one process key until the transaction ends (SQLite serialises every writer already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text_sql("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"deploy:{key}"})


def latest_definition(session: Session, key: str, required: bool = True) -> ProcessDefinition | None:
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                .order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None and required:
        raise NotFound(N_("流程不存在：{key}（请先部署）"), key=key)
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
