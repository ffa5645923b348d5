"""What a process designer reads and edits: deployed versions with their instance counts, drafts of diagrams and
forms (optimistically locked), the form catalogue, and validating / deploying a diagram with the forms edited beside it.

Only `designer` and `admin` may use any of it. Deployment itself (immutable versions, identical content is a no-op)
is `deployments`; this module adds the designer's view: forms sent with a diagram override the files in `forms/`.
"""
from __future__ import annotations

import json
import re

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import Session

from app import config
from app.engine import clock, validation, xml_safety
from app.engine.specs import executable_process
from app.engine.errors import Problem
from app.i18n import N_
from app.models import DesignDraft, ProcessDefinition, ProcessInstance, User
from app.services.design import deployments
from app.services.design.permissions import designer
from app.services.runtime.commands import audit
from app.services.runtime.unit_of_work import UnitOfWork, run
from app.services.errors import Conflict, ErrorCode, Invalid, NotFound, TooLarge
from app.vocabulary import InstanceStatus

MAX_BPMN_BYTES = xml_safety.MAX_BYTES    # 2 MB
MAX_FORMS_BYTES = 2 * 1024 * 1024
KEY_PATTERN = validation.KEY_PATTERN    # a process key or a form key: the API, the pages and deployment share it
_NO_FORM = N_("表单不存在：{key}")


def check_size(bpmn: str | bytes, forms: dict | None = None) -> None:
    raw = bpmn.encode("utf-8") if isinstance(bpmn, str) else bpmn
    if len(raw) > MAX_BPMN_BYTES:
        raise TooLarge(N_("流程文件过大（{size} KB），上限 {limit} KB"), size=len(raw) // 1024, limit=MAX_BPMN_BYTES // 1024)
    if forms:
        size = len(json.dumps(forms, ensure_ascii=False).encode("utf-8"))
        if size > MAX_FORMS_BYTES:
            raise TooLarge(N_("表单内容过大（{size} KB），上限 {limit} KB"), size=size // 1024, limit=MAX_FORMS_BYTES // 1024)


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise Invalid(N_("流程标识只能包含英文字母、数字和下划线，以字母或下划线开头，最长 100 个字符"),
                      fields={"process_key": N_("格式不正确")})
    return key


# ---- versions ------------------------------------------------------------------------------------------------------
def versions(session: Session, key: str) -> list[dict]:
    """Every deployed version of a process, newest first, with how many of its instances are in each status."""
    rows = session.execute(select(ProcessDefinition.id, ProcessDefinition.version, ProcessDefinition.name,
                                  ProcessDefinition.deployed_by, ProcessDefinition.deployed_at)
                           .where(ProcessDefinition.key == key).order_by(ProcessDefinition.version.desc())).all()
    if not rows:
        raise NotFound(N_("流程不存在：{key}"), key=key)
    counts = _instance_counts(session, [r.id for r in rows])
    return [{"version": r.version, "name": r.name, "deployed_by": r.deployed_by, "deployed_at": r.deployed_at,
             "instance_counts": counts.get(r.id, _zero_counts())} for r in rows]


def version_detail(session: Session, key: str, version: int) -> dict:
    definition = definition_of(session, key, version)
    return {"key": definition.key, "version": definition.version, "name": definition.name,
            "bpmn_xml": definition.bpmn_xml, "forms": definition.forms, "deployed_by": definition.deployed_by,
            "deployed_at": definition.deployed_at, "content_hash": definition.content_hash,
            "instance_counts": _instance_counts(session, [definition.id]).get(definition.id, _zero_counts())}


def definition_of(session: Session, key: str, version: int) -> ProcessDefinition:
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                                ProcessDefinition.version == version))
    if definition is None:
        raise NotFound(N_("流程 {key} 没有版本 {version}"), key=key, version=version)
    return definition


def _zero_counts() -> dict:
    return {s: 0 for s in InstanceStatus}


def _instance_counts(session: Session, definition_ids: list[int]) -> dict[int, dict]:
    counts: dict[int, dict] = {}
    for definition_id, status, n in session.execute(
            select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
            .where(ProcessInstance.definition_id.in_(definition_ids))
            .group_by(ProcessInstance.definition_id, ProcessInstance.status)):
        counts.setdefault(definition_id, _zero_counts())[status] = n
    return counts


# ---- validating and deploying a design -------------------------------------------------------------------------------
def design_forms(bpmn: str | bytes, forms: dict | None) -> tuple[dict, list[Problem]]:
    """The forms a diagram uses: the files in forms/, overridden by the forms sent with it (the form editor's)."""
    try:
        keys = validation.form_keys(bpmn)
    except xml_safety.XmlRejected:
        return {}, []  # reported by validation itself
    merged, problems = deployments.load_forms(keys)
    for key, form in (forms or {}).items():
        broken = deployments.form_problems(key, form)
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            problems.append(Problem(N_("表单键 {key} 只能包含英文字母、数字和下划线，且以字母或下划线开头").format(key=key),
                                    file=f"forms/{key}.json"))
        elif broken:
            problems.extend(broken)
        elif key in keys:
            merged[key] = form
    return merged, problems


def validate(session: Session, bpmn: str | bytes, forms: dict | None = None, require_layout: bool = False) -> list[Problem]:
    check_size(bpmn, forms)
    merged, form_problems = design_forms(bpmn, forms)
    _parsed, _used, problems = deployments.check(session, bpmn, "process.bpmn", forms=merged,
                                                 require_layout=require_layout)
    return form_problems + problems


def parse_design(session: Session, bpmn: str | bytes, forms: dict | None = None):
    """The parsed definition (with the forms it uses) of a valid design; Invalid listing every problem otherwise."""
    check_size(bpmn, forms)
    merged, form_problems = design_forms(bpmn, forms)
    parsed, used, problems = deployments.check(session, bpmn, "process.bpmn", forms=merged)
    problems = form_problems + problems
    if problems:
        raise Invalid(N_("流程未通过校验，共 {count} 处问题"), count=len(problems), details=[p.as_dict() for p in problems])
    parsed.forms = used
    return parsed


def deploy(bpmn: str | bytes, actor: User, forms: dict | None = None, require_layout: bool = False,
           check_base: bool = False, base_version: int | None = None,
           from_draft: bool = False) -> deployments.Deployed:
    """Deploy a diagram with the forms edited beside it; a problem anywhere is a 422 listing every problem. With
    `check_base`, a design started from `base_version` that a newer deploy overtook is a 409 (code stale_base).
    `from_draft` (the designer deploying the process's draft): once deployed, the draft is retired. A file upload
    leaves the draft alone — it is someone's unfinished work, and its base version now shows it is stale."""
    def act(uow: UnitOfWork) -> deployments.Deployed:
        check_size(bpmn, forms)
        merged, form_problems = design_forms(bpmn, forms)
        result = deployments.deploy(uow.session, bpmn, actor.username, forms=merged, require_layout=require_layout,
                                    extra_problems=form_problems, check_base=check_base, base_version=base_version)
        if from_draft:
            uow.session.execute(delete(DesignDraft).where(DesignDraft.process_key == result.definition.key))
        return result
    return run(act, check=designer(actor))


# ---- drafts ----------------------------------------------------------------------------------------------------------
def get_draft(session: Session, key: str) -> dict:
    """The draft of a process; without one, the latest deployed version to start from (row_version None).
    `base_version` is the version the draft started from, `latest_version` the newest deployed one (both None for a
    process never deployed): when they differ, someone deployed since and the draft is stale."""
    draft = session.scalar(select(DesignDraft).where(DesignDraft.process_key == key))
    latest = deployments.latest_definition(session, key, required=False)
    if draft is not None:
        return {**_draft_view(draft), "latest_version": latest.version if latest else None}
    if latest is None:
        raise NotFound(N_("流程 {key} 既没有草稿也没有已部署的版本"), key=key)
    return {"process_key": key, "bpmn": latest.bpmn_xml, "forms": latest.forms, "row_version": None,
            "source": "deployed", "version": latest.version, "base_version": latest.version,
            "latest_version": latest.version, "updated_by": latest.deployed_by, "updated_at": latest.deployed_at}


def list_drafts(session: Session) -> list[dict]:
    """Every draft, including those of processes never deployed (the process list shows them too)."""
    return [{"key": d.process_key, "name": _process_name(d.bpmn_xml), "base_version": d.base_version,
             "updated_by": d.updated_by, "updated_at": d.updated_at}
            for d in session.scalars(select(DesignDraft).order_by(DesignDraft.process_key))]


def save_draft(key: str, bpmn: str, forms: dict, row_version: int | None, actor: User,
               base_version: int | None = None) -> dict:
    """Create or overwrite the draft. `row_version` must be the one the editor loaded (None for a new draft).
    A new draft records `base_version`, the deployed version it started from (default: the latest; None for a new
    process); an existing draft keeps its own unless one is given (the editor merged a newer version into it)."""
    return run(lambda uow: _save_draft(uow.session, key, bpmn, forms, row_version, actor, base_version),
               check=designer(actor))


def _save_draft(session: Session, key: str, bpmn: str, forms: dict, row_version: int | None, actor: User,
                base_version: int | None) -> dict:
    check_key(key)
    check_size(bpmn, forms)
    bad = [k for k, f in forms.items() if not isinstance(f, dict) or not KEY_PATTERN.match(k)]
    if bad:
        raise Invalid(N_("表单键只能包含英文字母、数字和下划线，表单必须是 JSON 对象"),
                      fields={k: N_("表单键或表单格式不正确") for k in bad})
    if base_version is not None:
        definition_of(session, key, base_version)  # 404 for a version that does not exist
    query = select(DesignDraft).where(DesignDraft.process_key == key)
    draft = session.scalar(query.with_for_update() if session.get_bind().dialect.name == "postgresql" else query)
    if draft is None:
        if row_version is not None:
            raise Conflict(N_("草稿已被删除或从未保存，请刷新后重试"), code=ErrorCode.STALE_VERSION)
        if base_version is None:  # not said: the version the editor was given to start from, the latest
            base_version = _latest_version(session, key)
        draft = DesignDraft(process_key=key, base_version=base_version)
        session.add(draft)
    elif row_version != draft.version:
        raise Conflict(N_("草稿已被 {user} 于 {at} 修改（当前版本 {current}，您编辑的是 {edited}），请刷新后合并修改"),
                       user=draft.updated_by, at=f"{draft.updated_at:%Y-%m-%d %H:%M}", current=draft.version,
                       edited=row_version, code=ErrorCode.STALE_VERSION)
    elif base_version is not None:
        draft.base_version = base_version
    draft.bpmn_xml, draft.forms, draft.updated_by, draft.updated_at = bpmn, forms, actor.username, clock.now()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another designer created the same draft a moment ago
        raise Conflict(N_("草稿刚被他人创建，请刷新后重试"), code=ErrorCode.STALE_VERSION) from None
    except StaleDataError:  # another designer saved or discarded it a moment ago
        raise Conflict(N_("草稿刚被他人保存或放弃，请刷新后合并修改"), code=ErrorCode.STALE_VERSION) from None
    audit(session, actor.username, "save_design_draft", None, None, {"process_key": key, "row_version": draft.version})
    return {**_draft_view(draft), "latest_version": _latest_version(session, key)}


def discard_draft(key: str, actor: User) -> None:
    """Throw a draft away (404 if there is none)."""
    run(lambda uow: _discard_draft(uow.session, key, actor), check=designer(actor))


def _discard_draft(session: Session, key: str, actor: User) -> None:
    draft = session.scalar(select(DesignDraft).where(DesignDraft.process_key == key))
    if draft is None:
        raise NotFound(N_("流程 {key} 没有草稿"), key=key)
    session.delete(draft)
    try:
        with session.begin_nested():
            session.flush()
    except StaleDataError:
        raise Conflict(N_("草稿刚被他人保存或放弃，请刷新后重试"), code=ErrorCode.STALE_VERSION) from None
    audit(session, actor.username, "discard_design_draft", None, None, {"process_key": key})


def _latest_version(session: Session, key: str) -> int | None:
    return session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key))


def _draft_view(draft: DesignDraft) -> dict:
    return {"process_key": draft.process_key, "bpmn": draft.bpmn_xml, "forms": draft.forms,
            "row_version": draft.version, "source": "draft", "base_version": draft.base_version,
            "updated_by": draft.updated_by, "updated_at": draft.updated_at}


def _process_name(bpmn: str) -> str | None:
    """The name of the draft's executable process (None if the draft is not readable XML yet)."""
    try:
        process = executable_process(xml_safety.parse(bpmn))
    except xml_safety.XmlRejected:
        return None
    return (process.get("name") or None) if process is not None else None


# ---- the form catalogue ------------------------------------------------------------------------------------------------
def form_catalogue(session: Session) -> list[dict]:
    """Every form key a designer can choose: the files in forms/ and the forms kept in drafts."""
    found: dict[str, dict] = {}
    for path in sorted(config.FORMS_DIR.glob("*.json")):
        found[path.stem] = {"key": path.stem, "source": "file", "title": _title(path)}
    for key, forms in session.execute(select(DesignDraft.process_key, DesignDraft.forms).order_by(DesignDraft.process_key)):
        for form_key, form in (forms or {}).items():
            entry = found.setdefault(form_key, {"key": form_key, "source": "draft", "title": _form_title(form)})
            entry.setdefault("drafts", []).append(key)
    return sorted(found.values(), key=lambda e: e["key"])


def form(session: Session, key: str) -> dict:
    """A form by key: the file in forms/, else the most recently saved draft that holds it."""
    if not KEY_PATTERN.match(key or ""):
        raise NotFound(_NO_FORM, key=key)
    path = config.FORMS_DIR / f"{key}.json"
    if path.exists():
        try:
            return {"key": key, "source": "file", "form": json.loads(path.read_text(encoding="utf-8"))}
        except json.JSONDecodeError as err:
            raise Invalid(N_("表单文件 {key}.json 不是合法的 JSON：{error}"), key=key, error=err.msg) from None
    for process_key, forms in session.execute(select(DesignDraft.process_key, DesignDraft.forms)
                                              .order_by(DesignDraft.updated_at.desc())):
        if key in (forms or {}):
            return {"key": key, "source": "draft", "process_key": process_key, "form": forms[key]}
    raise NotFound(_NO_FORM, key=key)


def _title(path) -> str | None:
    try:
        return _form_title(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError):
        return None


def _form_title(form) -> str | None:
    """The form's first text heading (form-js has no title field), without markdown marks."""
    for comp in (form or {}).get("components", []) if isinstance(form, dict) else []:
        if isinstance(comp, dict) and comp.get("type") == "text" and comp.get("text"):
            first_line = (str(comp["text"]).lstrip("# ").splitlines() or [""])[0]
            return re.split(r"[（(。：:]", first_line)[0][:60] or None
    return None
