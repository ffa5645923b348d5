"""统计报送 page: pick a month, quarter or half year, see the figures per unit and per dispute type with bar charts,
download the Excel return. Supervisors, 司法局 staff and administrators only (a 403 page for anyone else)."""
from __future__ import annotations

from flask import Response, g, render_template, request
from flask_babel import gettext as _

from app import db
from app.auth import page_login_required
from app.http import download
from app.i18n import N_
from app.services.people import access
from app.services.reporting import stats
from app.services.reporting.periods import default_period, recent_periods
from app.services.reporting import stats_export
from app.services.errors import Invalid
from app.web import web

CHART_WIDTH = 360  # px of the longest bar


@web.get("/supervision/stats")
@page_login_required
def stats_page():
    period = request.args.get("period") or default_period()
    process_key = request.args.get("process_key") or None
    fmt = request.args.get("format") or "html"
    with db.transaction(write=False) as s:
        org_ids = access.supervision_org_ids(s, g.user)  # Forbidden → the 403 error page
        try:
            if fmt not in ("html", "xlsx"):
                raise Invalid(N_("导出格式只能是 html 或 xlsx"), fields={"format": "html | xlsx"})
            report = stats.report(s, org_ids, period, process_key)
        except Invalid as err:
            return _page(None, period, process_key, err.render(_)["message"]), 422
    if fmt == "xlsx":
        return _xlsx(report)
    return _page(report, period, process_key, None)


@web.get("/supervision/stats.xlsx")
@page_login_required
def stats_xlsx():
    with db.transaction(write=False) as s:
        org_ids = access.supervision_org_ids(s, g.user)
        report = stats.report(s, org_ids, request.args.get("period") or default_period(),
                              request.args.get("process_key") or None)  # Invalid → the 422 error page
    return _xlsx(report)


def _xlsx(report: dict) -> Response:
    return download(stats_export.to_xlsx(report, unit=g.user.organisation.name), stats_export.XLSX_MIME,
                    stats_export.filename(report))


def _page(report: dict | None, period: str, process_key: str | None, error: str | None) -> str:
    periods = recent_periods()
    if report and not any(code == period for _group, options in periods for code, _label in options):
        periods.insert(0, (_("所选期间"), [(report["period"]["code"], report["period"]["label"])]))
    return render_template("supervision/stats.html", report=report, period=period, process_key=process_key,
                           error=error, periods=periods, processes=stats.PROCESS_LABELS,
                           charts=_charts(report) if report else [],
                           title=stats_export.title(report) if report else None, tr=_)


def _charts(report: dict) -> list[dict]:
    """Horizontal bar charts drawn as inline SVG by the template: bar widths are computed here."""
    labels = {c["key"]: c["label"] for c in report["columns"]}
    units = [r for r in report["organisations"] if r["received"] or r["concluded"]]
    return [
        _chart(_("各单位收案与办结"), [(r["name"], r) for r in units], ["received", "concluded"], labels),
        _chart(_("办理结果构成"), [(labels[k], {"value": report["totals"][k]}) for k in
                                   ("accepted", "not_accepted", "transferred", "succeeded", "terminated")],
               ["value"], {"value": _("件数")}),
        _chart(_("按纠纷类型收案"), [(r["name"], r) for r in report["dispute_types"]], ["received"], labels),
    ]


def _chart(title: str, rows: list[tuple[str, dict]], series: list[str], labels: dict) -> dict:
    top = max([row[k] or 0 for _name, row in rows for k in series] + [1])
    return {"title": title, "series": [labels[k] for k in series],
            "rows": [{"label": name, "bars": [{"value": row[k] or 0, "width": round(CHART_WIDTH * (row[k] or 0) / top)}
                                              for k in series]} for name, row in rows]}
