"""统计报送 over the API: the figures of a period as JSON, and the same report as the .xlsx a 司法局 submits.
Only supervisors, 司法局 staff and administrators, over the organisations they supervise."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, g, jsonify
from marshmallow import fields, validate

from app import db
from app.api import api, openapi
from app.auth import login_required
from app.api.schemas import REQ, Strict
from app.api.util import query
from app.services.people import access
from app.services.reporting import stats
from app.services.reporting import stats_export


class StatsQuery(Strict):
    period = fields.String(required=True, error_messages=REQ, validate=validate.Length(
        max=20, error="格式应为 2026-10、2026-Q3 或 2026-H2 / bad period"))
    process_key = fields.String(load_default=None, validate=validate.OneOf(
        list(stats.RULES), error="可选：" + "、".join(stats.RULES) + " / unknown process"))


def _report() -> dict:
    args = query(StatsQuery)
    with db.transaction(write=False) as s:
        org_ids = access.supervision_org_ids(s, g.user)
        return stats.report(s, org_ids, args["period"], args["process_key"])


@api.get("/supervision/stats")
@login_required
def supervision_stats():
    return jsonify(_report())


@api.get("/supervision/stats.xlsx")
@login_required
def supervision_stats_xlsx():
    report = _report()
    content = stats_export.to_xlsx(report, unit=g.user.organisation.name)
    return Response(content, mimetype=stats_export.XLSX_MIME, headers={
        "Content-Disposition": f"attachment; filename=stats_{report['period']['code']}.xlsx; "
                               f"filename*=UTF-8''{quote(stats_export.filename(report))}"})


_STATS = openapi._op("统计报送 / statistics of a period", params=openapi._params(StatsQuery), errors=(401, 403, 422))
openapi.register({
    "/supervision/stats": {"get": _STATS},
    "/supervision/stats.xlsx": {"get": {**_STATS, "summary": "统计报表 Excel / the statistics as .xlsx", "responses": {
        **_STATS["responses"], "200": {"description": "成功 / OK", "content": {stats_export.XLSX_MIME: {
            "schema": {"type": "string", "format": "binary"}}}}}}},
})
