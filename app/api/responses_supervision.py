"""What the supervisor's console and 统计报送 answer, for the OpenAPI document (see app/api/responses.py)."""
from __future__ import annotations

from marshmallow import fields as ma

from app.api.responses import (VARIABLES, Answer, AuditEvent, Bool, InstanceError, Int, OrganisationRef, Str, list_of,
                               nullable)

COUNTS = {"description": "元素编号（或状态）→ 案件数"}


class CountByOrganisation(Answer):
    organisation = ma.Nested(OrganisationRef)
    count = Int()


class CountByProcess(Answer):
    process_key = Str()
    count = Int()


class StuckCategory(Answer):
    category = Str()
    name = Str()
    total = Int()
    by_organisation = list_of(CountByOrganisation)
    by_process = list_of(CountByProcess)


class Overview(Answer):
    as_of = Str()
    lock_detection = Bool()
    categories = list_of(StuckCategory)


class CaseOpenTask(Answer):
    id = Str()
    element_id = Str()
    name = Str()
    due_at = nullable()
    overdue = Bool()


class CaseRow(Answer):
    id = Int()
    process_key = Str()
    version = Int()
    business_key = nullable()
    status = Str()
    row_version = Int()
    error = ma.Nested(InstanceError, allow_none=True)
    started_at = Str()
    started_by = Str()
    updated_at = Str()
    ended_at = nullable()
    limit_due = nullable()
    applicant = nullable()
    organisation = ma.Nested(OrganisationRef, allow_none=True)
    open_tasks = list_of(CaseOpenTask)


class CasePage(Answer):
    items = list_of(CaseRow)
    total = Int()
    total_capped = Bool(metadata={"description": "total 为计数上限，实际更多"})
    page = Int()
    per_page = Int()


class DefinitionRef(Answer):
    id = Int()
    key = Str()
    name = Str()
    version = Int()


class Wait(Answer):
    element_id = Str()
    name = Str()
    kind = Str(metadata={"enum": ["timer", "message"]})
    message = nullable()
    due = nullable()


class Diagram(Answer):
    active = ma.List(Str())
    completed = ma.List(Str())
    error = ma.List(Str())
    waits = list_of(Wait)


class Incident(InstanceError):
    task_id = nullable()
    at = nullable()
    data = ma.Dict(allow_none=True)


class EligibleUser(Answer):
    username = Str()
    display_name = Str()
    organisation = Str(metadata={"description": "所在单位名称"})


class CaseTask(Answer):
    id = Str()
    element_id = Str()
    name = Str()
    status = Str()
    candidate_role = nullable()
    assignee = nullable()
    due_at = nullable()
    overdue = Bool()
    created_at = Str()
    completed_at = nullable()
    completed_by = nullable()
    eligible = list_of(EligibleUser)  # who the task may be reassigned to (empty once it is done)


class VariableOption(Answer):
    value = Str()
    label = Str()


class VariableField(Answer):
    key = Str()
    label = Str()
    kind = Str(metadata={"enum": ["text", "textarea", "number", "select", "yesno", "multi", "date", "datetime"]})
    options = list_of(VariableOption)
    shown = ma.Raw(metadata={"description": "输入框中显示的当前值（多选为列表）"})
    required = Bool()


class ResetTarget(Answer):
    element_id = Str()
    name = Str()
    completed_at = nullable()
    completed_by = nullable()


class CaseAuditEvent(AuditEvent):
    id = Int()


class CaseView(CaseRow):
    definition = ma.Nested(DefinitionRef)
    bpmn_xml = Str()
    diagram = ma.Nested(Diagram)
    variables = ma.Dict(metadata=VARIABLES)
    variable_fields = list_of(VariableField)  # 修改变量: one input per variable the case's forms define
    can_edit_raw = Bool(metadata={"description": "可直接以 JSON 修改任意变量（仅系统管理员）"})
    incident = ma.Nested(Incident, allow_none=True)
    awaited_messages = ma.List(Str())
    tasks = list_of(CaseTask)
    reset_targets = list_of(ResetTarget)
    audit = list_of(CaseAuditEvent)


class ElementCounts(Answer):
    definition = ma.Nested(DefinitionRef)
    bpmn_xml = Str()
    statuses = ma.Dict(keys=Str(), values=Int(), metadata=COUNTS)
    active = ma.Dict(keys=Str(), values=Int(), metadata=COUNTS)
    incidents = ma.Dict(keys=Str(), values=Int(), metadata=COUNTS)


class Reassigned(Answer):
    task_id = Str()
    assignee = nullable()


class PreviewRow(CaseRow):
    applicable = Bool()


class BatchPreview(Answer):
    operation = Str()
    operation_name = Str()
    as_of = Str()
    count = Int()
    instance_ids = ma.List(Int())
    items = list_of(PreviewRow)


class BatchOutcome(Answer):
    id = Int()
    ok = Bool()
    message = Str()


class BatchResult(Answer):
    operation = Str()
    count = Int()
    succeeded = Int()
    results = list_of(BatchOutcome)


# ---- 统计报送 (app/services/reporting/stats.py) -------------------------------------------------------------------------
class Period(Answer):
    code = Str()
    kind = Str()
    label = Str()
    first_day = Str()
    last_day = Str()
    closed = Bool()
    as_of = Str()
    due = nullable()


class Figures(Answer):
    received = Int()
    accepted = Int()
    not_accepted = Int()
    transferred = Int()
    succeeded = Int()
    terminated = Int()
    concluded = Int()
    success_rate = nullable(ma.Float)
    avg_days = nullable(ma.Float)
    overdue = Int()
    overdue_days = nullable(ma.Float)
    major = Int()


class CodeName(Answer):
    code = Str()
    name = Str()


class FiguresRow(Figures):
    code = Str()
    name = Str()


class OrganisationFigures(FiguresRow):
    id = Int()


class Column(Answer):
    key = Str()
    label = Str()
    definition = Str()


class MajorCase(Answer):
    instance_id = Int()
    business_key = nullable()
    process = Str()
    organisation = Str()
    applicant_name = nullable()
    dispute_type = Str()
    registered_on = Str()
    major_on = Str()
    standing = Str()


class StatsReport(Answer):
    period = ma.Nested(Period)
    process_key = nullable()
    processes = list_of(CodeName)
    scope = Str()
    columns = list_of(Column)
    organisations = list_of(OrganisationFigures)
    dispute_types = list_of(FiguresRow)
    by_process = list_of(FiguresRow)
    totals = ma.Nested(Figures)
    major_cases = list_of(MajorCase)
