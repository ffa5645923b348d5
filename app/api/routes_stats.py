"""统计报送 over the API: the figures of a period as JSON, and the same report as the .xlsx a 司法局 submits.
Only supervisors, 司法局 staff and administrators, over the organisations they supervise."""
from __future__ import annotations

from flask import g, jsonify

from app import db
from app.api import api, responses_supervision as rs
from app.auth import login_required
from app.http import download
from app.api.contract import contract
from app.services.fields import Length, OneOf, Strict, String
from app.api.schemas import INVALID
from app.api.util import query
from app.i18n import N_
from app.services.people import access
from app.services.reporting import stats
from app.services.reporting import stats_export

ERRORS = (401, 403, 422)


class StatsQuery(Strict):
    period = String(required=True, error_messages=INVALID, validate=Length(
        max=20, error=N_("格式应为 2026-10、2026-Q3 或 2026-H2")))
    process_key = String(load_default=None, validate=OneOf(list(stats.RULES), error=N_("可选：{choices}"), separator="、"))


def _report() -> dict:
    args = query()
    with db.transaction(write=False) as s:
        org_ids = access.supervision_org_ids(s, g.user)
        return stats.report(s, org_ids, args["period"], args["process_key"])


@api.get("/supervision/stats")
@contract(N_("统计报送"), rs.StatsReport, query=StatsQuery, errors=ERRORS)
@login_required
def supervision_stats():
    return jsonify(_report())


@api.get("/supervision/stats.xlsx")
@contract(N_("统计报表 Excel"), None, query=StatsQuery, binary=stats_export.XLSX_MIME, errors=ERRORS)
@login_required
def supervision_stats_xlsx():
    report = _report()
    content = stats_export.to_xlsx(report, unit=g.user.organisation.name)
    return download(content, stats_export.XLSX_MIME, stats_export.filename(report))
