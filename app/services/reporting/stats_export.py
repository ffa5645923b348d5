"""The statistics report as the Excel workbook a 司法局 submits (统计报送): a 统计表 sheet laid out like a paper return
(title with the period, 填报单位, two header rows with grouped columns, one row per unit, 合计, 填报人/审核人/填报日期),
the same figures by dispute type and by procedure, the list of major cases, and the definitions of every figure."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.engine import clock

GROUPS = [  # (group header or None, figure keys): how the figure columns are grouped under the header
    (None, ["received"]), ("受理情况", ["accepted", "not_accepted", "transferred"]),
    ("办理结果", ["succeeded", "terminated", "concluded"]), (None, ["success_rate"]), (None, ["avg_days"]),
    ("超期情况", ["overdue", "overdue_days"]), (None, ["major"]),
]
MAJOR_HEADER = ["序号", "案号", "程序", "办理单位", "当事人", "纠纷类型", "登记日期", "认定重大案件日期", "期末办理情况"]
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(report: dict) -> str:
    return f"统计报表_{report['period']['code']}.xlsx"


def to_xlsx(report: dict, unit: str | None = None, filled_on: date | None = None) -> bytes:
    """`unit` is the 填报单位 (default: the area the report covers); `filled_on` the 填报日期 (default: today)."""
    unit = unit or report["scope"]
    filled_on = filled_on or clock.today()
    wb = Workbook()
    _figures_sheet(wb.active, report, "统计表", "单位", report["organisations"], unit, filled_on)
    _figures_sheet(wb.create_sheet(), report, "按纠纷类型", "纠纷类型", report["dispute_types"], unit, filled_on)
    _figures_sheet(wb.create_sheet(), report, "按程序", "程序", report["by_process"], unit, filled_on)
    _major_sheet(wb.create_sheet("重大案件"), report, unit)
    _definitions_sheet(wb.create_sheet("指标说明"), report)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def title(report: dict) -> str:
    what = "行政调解工作统计表" if report["process_key"] == "mediation" else "行政争议多元化解工作统计表"
    return f"{what}（{report['period']['label']}）"


def _figures_sheet(ws, report: dict, sheet_title: str, row_header: str, rows: list[dict], unit: str, filled_on: date):
    ws.title = sheet_title
    labels = {c["key"]: c["label"] for c in report["columns"]}
    keys = [k for _g, ks in GROUPS for k in ks]
    width = 2 + len(keys)
    last = get_column_letter(width)
    period = report["period"]

    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title(report) + ("" if sheet_title == "统计表" else f" — {sheet_title}")
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), CENTER
    ws.row_dimensions[1].height = 30
    half = width // 2
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    ws.cell(2, 1, f"填报单位（盖章）：{unit}")
    ws.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)
    ws.cell(2, half + 1, f"统计期间：{period['first_day']} 至 {period['last_day']}").alignment = Alignment(horizontal="right")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    processes = "、".join(p["name"] for p in report["processes"])
    ws.cell(3, 1, f"统计范围：{report['scope']}；程序：{processes}" +
            ("" if period["closed"] else f"；统计期间尚未结束，数据截至 {period['as_of'][:16].replace('T', ' ')}"))

    top, sub = 4, 5
    for col, text in ((1, "序号"), (2, row_header)):
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
        ws.cell(top, col, text)
    col = 3
    for group, members in GROUPS:
        if group is None:
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
            ws.cell(top, col, labels[members[0]])
        else:
            ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(members) - 1)
            ws.cell(top, col, group)
            for i, key in enumerate(members):
                ws.cell(sub, col + i, labels[key])
        col += len(members)
    for r in (top, sub):
        for c in range(1, width + 1):
            cell = ws.cell(r, c)
            cell.font, cell.alignment, cell.border, cell.fill = Font(bold=True), CENTER, BOX, HEAD_FILL

    r = sub + 1
    for n, row in enumerate(rows, 1):
        _figure_row(ws, r, n, row["name"], row, keys)
        r += 1
    _figure_row(ws, r, None, "合计", report["totals"], keys)
    for c in range(1, width + 1):
        ws.cell(r, c).font = Font(bold=True)

    ws.cell(r + 2, 1, "填报人：")
    ws.cell(r + 2, half - 1, "审核人：")
    ws.cell(r + 2, width - 2, f"填报日期：{filled_on.year}年{filled_on.month}月{filled_on.day}日")
    due = "本表于次月25日前报送（恩阳方案：每月25日前报送受理、调解情况）；" if period["kind"] == "month" else ""
    ws.merge_cells(start_row=r + 3, start_column=1, end_row=r + 3, end_column=width)
    ws.cell(r + 3, 1, f"说明：{due}各项指标口径见“指标说明”工作表；期间结束后重新生成，数字不变。")
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 28
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.row_dimensions[sub].height = 32
    ws.freeze_panes = ws.cell(sub + 1, 3)


DECIMALS = {"success_rate", "avg_days", "overdue_days"}  # shown with one decimal (四舍五入 by the report)


def _figure_row(ws, r: int, n: int | None, name: str, figures: dict, keys: list[str]):
    values = [n if n is not None else "", name] + [figures[k] if figures[k] is not None else "—" for k in keys]
    for c, value in enumerate(values, 1):
        cell = ws.cell(r, c, value)
        cell.border = BOX
        cell.alignment = Alignment(horizontal="left" if c == 2 else "center", vertical="center")
        if c > 2 and keys[c - 3] in DECIMALS and isinstance(value, float):
            cell.number_format = "0.0"


def _major_sheet(ws, report: dict, unit: str):
    width = len(MAJOR_HEADER)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"] = f"重大案件情况表（{report['period']['label']}）"
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1, f"填报单位（盖章）：{unit}；重大案件：涉及人数较多、社会影响大、可能影响社会稳定的案件，或召开联合会商会的涉企补偿案件")
    for c, text in enumerate(MAJOR_HEADER, 1):
        cell = ws.cell(3, c, text)
        cell.font, cell.alignment, cell.border, cell.fill = Font(bold=True), CENTER, BOX, HEAD_FILL
    for n, case in enumerate(report["major_cases"], 1):
        values = [n, case["business_key"], case["process"], case["organisation"], case["applicant_name"],
                  case["dispute_type"], case["registered_on"], case["major_on"], case["standing"]]
        for c, value in enumerate(values, 1):
            ws.cell(3 + n, c, value).border = BOX
    if not report["major_cases"]:
        ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=width)
        ws.cell(4, 1, "本期无重大案件").alignment = CENTER
    for c, w in enumerate((6, 24, 16, 24, 20, 26, 12, 16, 14), 1):
        ws.column_dimensions[get_column_letter(c)].width = w


def _definitions_sheet(ws, report: dict):
    ws["A1"], ws["B1"] = "指标", "统计口径"
    for cell in (ws["A1"], ws["B1"]):
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BOX
    for r, col in enumerate(report["columns"], 2):
        ws.cell(r, 1, col["label"]).border = BOX
        cell = ws.cell(r, 2, col["definition"])
        cell.border, cell.alignment = BOX, Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
