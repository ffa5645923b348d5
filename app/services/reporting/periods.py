"""Reporting periods: a month ("2026-10"), a quarter ("2026-Q3") or a half year ("2026-H2"), as [start, end) in Beijing
time, with the label a return is titled by and the choices of the period picker."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.engine import clock
from app.i18n import N_
from app.services.errors import Invalid

CN_NUMBERS = "一二三四"


@dataclass(frozen=True)
class Period:
    code: str
    kind: str          # month | quarter | half
    label: str
    first_day: date
    end_day: date      # exclusive

    @property
    def start(self) -> datetime:
        return clock.beijing_start(self.first_day)

    @property
    def end(self) -> datetime:
        return clock.beijing_start(self.end_day)

    @property
    def due(self) -> date | None:
        """恩阳方案: the monthly figures are submitted by the 25th; taken here as the 25th of the following month."""
        return self.end_day.replace(day=25) if self.kind == "month" else None


def parse_period(code: str) -> Period:
    text = (code or "").strip()
    m = re.fullmatch(r"(\d{4})-(?:(\d{2})|Q([1-4])|H([12]))", text)
    year = int(m.group(1)) if m else 0
    if not m or not 2000 <= year <= 2100 or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
        raise Invalid(N_("统计期间格式不正确，应为 2026-10（月）、2026-Q3（季度）或 2026-H2（半年）"),
                      fields={"period": N_("格式应为 2026-10、2026-Q3 或 2026-H2")})
    if m.group(2):
        month = int(m.group(2))
        first, months, kind, label = date(year, month, 1), 1, "month", f"{year}年{month}月"
    elif m.group(3):
        q = int(m.group(3))
        first, months, kind, label = date(year, 3 * q - 2, 1), 3, "quarter", f"{year}年第{CN_NUMBERS[q - 1]}季度"
    else:
        h = int(m.group(4))
        first, months, kind, label = date(year, 6 * h - 5, 1), 6, "half", f"{year}年{'上' if h == 1 else '下'}半年"
    end_month = first.month - 1 + months
    end_day = date(first.year + end_month // 12, end_month % 12 + 1, 1)
    return Period(text, kind, label, first, end_day)


def month_code(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def default_period(today: date | None = None) -> str:
    """The month due for submission: the last closed month."""
    today = today or clock.today()
    return month_code(today.replace(day=1) - timedelta(days=1))


def recent_periods(today: date | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for the period picker: the last 24 months, 8 quarters and 4 half years, the current one first."""
    today = today or clock.today()
    months, day = [], today.replace(day=1)
    for _ in range(24):
        months.append(month_code(day))
        day = (day - timedelta(days=1)).replace(day=1)
    quarter = today.year * 4 + (today.month - 1) // 3   # quarters since year 0, counting from 0
    quarters = [f"{i // 4}-Q{i % 4 + 1}" for i in range(quarter, quarter - 8, -1)]
    half = today.year * 2 + (today.month - 1) // 6
    halves = [f"{i // 2}-H{i % 2 + 1}" for i in range(half, half - 4, -1)]
    return [(title, [(c, parse_period(c).label) for c in codes])
            for title, codes in (("月度", months), ("季度", quarters), ("半年度", halves))]
