"""What the designer's endpoints answer, for the OpenAPI document (see app/api/responses.py)."""
from __future__ import annotations

from marshmallow import fields as ma

from app.api.responses import Answer, Bool, Int, Str, list_of, nullable
from app.vocabulary import InstanceStatus

FORMS = {"description": "表单键 → form-js 表单定义"}
InstanceCounts = Answer.from_dict({s: Int() for s in InstanceStatus}, name="InstanceCounts")


class Problem(Answer):
    element_id = nullable()
    line = nullable(Int)
    message = Str()
    file = nullable(metadata={"description": "出问题的文件（表单为 forms/键.json）"})


class Problems(Answer):
    problems = list_of(Problem)


class Deployed(Answer):
    key = Str()
    version = Int()
    created = Bool(metadata={"description": "false：内容与已部署版本相同，未新建版本"})


class VersionRow(Answer):
    version = Int()
    name = Str()
    deployed_by = Str()
    deployed_at = Str()
    instance_counts = ma.Nested(InstanceCounts)


class VersionDetail(VersionRow):
    key = Str()
    bpmn_xml = Str()
    forms = ma.Dict(keys=Str(), values=ma.Dict(), metadata=FORMS)
    content_hash = Str()


class DraftRow(Answer):
    key = Str()
    name = nullable()
    base_version = nullable(Int)
    updated_by = Str()
    updated_at = Str()


class Draft(Answer):
    process_key = Str()
    bpmn = Str()
    forms = ma.Dict(keys=Str(), values=ma.Dict(), metadata=FORMS)
    row_version = nullable(Int, metadata={"description": "无草稿（显示最新已部署版本）时为 null"})
    source = Str(metadata={"enum": ["draft", "deployed"]})
    base_version = nullable(Int)
    latest_version = nullable(Int)
    version = Int(metadata={"description": "仅 source 为 deployed 时：显示的版本"})
    updated_by = nullable()
    updated_at = nullable()


class FormRow(Answer):
    key = Str()
    source = Str()
    title = nullable()
    drafts = ma.List(Str(), metadata={"description": "含此表单的草稿"})


class FormDetail(Answer):
    key = Str()
    source = Str()
    form = ma.Dict(metadata={"description": "form-js 表单定义"})


class ElementRef(Answer):
    element_id = Str()
    name = nullable()
    type = Str()


class PropertyChange(Answer):
    property = Str()
    old = ma.Raw(allow_none=True)
    new = ma.Raw(allow_none=True)


class ChangedElement(ElementRef):
    changes = list_of(PropertyChange)


class Comparison(Answer):
    key = Str()
    from_version = Int(data_key="from")
    to_version = Int(data_key="to")
    added = list_of(ElementRef)
    removed = list_of(ElementRef)
    changed = list_of(ChangedElement)


class MigrationCase(Answer):
    id = Int()
    business_key = nullable()
    status = Str()
    active_elements = ma.List(Str())
    reason = Str(metadata={"description": "仅 blocked：不能迁移的原因"})


class Migration(Answer):
    movable = list_of(MigrationCase)
    blocked = list_of(MigrationCase)
    migrated = ma.List(Int())


class Scenario(Answer):
    file = Str()
    name = Str()
    description = nullable()
    steps = Int()
    source = Str(metadata={"enum": ["shipped", "stored"]})
    content = ma.Dict(allow_none=True, metadata={"description": "情景文件"})
    updated_by = nullable()
    updated_at = nullable()


class ScenarioStored(Answer):
    key = Str()
    name = Str()
    created = Bool()


class ScenarioOutcome(Answer):
    name = Str()
    file = nullable()
    passed = Bool()
    message = Str()
    path = ma.List(Str(), metadata={"description": "走过的环节"})
    source = Str(metadata={"enum": ["shipped", "stored", "request"]})
