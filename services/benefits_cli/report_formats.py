"""The annual report in the unions' own form: a terminal table, CSV, HTML (with
an inline SVG chart of monthly totals per programme, no external assets) and
XLSX (written with zipfile and XML: no spreadsheet library).

Labels are Chinese with English; amounts in 元 and 万元, person-times (人次),
members (人), households (户). Amounts are fen integers until they are shown:
yuan and 万元 are written with integer and Decimal arithmetic, never floats.
"""

from __future__ import annotations

import csv
import html
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from benefits_cli.formatting import kind_label, level_label, table, timestamp
from benefits_cli.money import wan_yuan, yuan
from benefits_platform.protos.benefits.v1 import ledger_pb2, reporting_pb2

Report = reporting_pb2.AnnualReport
Totals = reporting_pb2.ReportTotals

FIGURE_HEADERS = [
    "发放金额(元) Paid (yuan)",
    "万元 10k yuan",
    "人次 Person-times",
    "人 Members",
    "户 Households",
    "发放笔数 Payouts",
    "冲正笔数 Reversals",
    "冲正金额(元) Reversed (yuan)",
]
# Chinese punctuation in the published sentences.
COLON, COMMA, OPEN, CLOSE = "\uff1a", "\uff0c", "\uff08", "\uff09"
PALETTE = [
    "#c0392b",
    "#2471a3",
    "#229954",
    "#d68910",
    "#7d3c98",
    "#17a589",
    "#a04000",
    "#2e4053",
    "#b7950b",
    "#cb4335",
    "#5b2c6f",
    "#148f77",
]


def wan(fen: int) -> Decimal:
    """Fen as 万元, two decimals, rounded half up."""
    return (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def yuan_value(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def count_wan(n: int) -> str:
    """A count the way the unions write it: 915000 -> '91.50万', 600 -> '600'."""
    if abs(n) < 10_000:
        return f"{n:,}"
    return f"{(Decimal(n) / 10_000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}万"


def title(report: Report) -> str:
    year = report.fiscal_year
    return f"{year}年度 工会会员福利发放统计 · Annual benefits report {year}"


def unit_name(report: Report) -> str:
    return f"{report.unit_name_zh} {report.unit_name_en}".strip() + (
        f" ({report.unit_code})" if report.unit_code else ""
    )


def as_of_label(report: Report) -> str:
    if report.HasField("as_of"):
        return f"截至记录时间 as recorded up to {timestamp(report.as_of)}"
    return "当前 current (every entry recorded so far)"


def built_from(report: Report) -> str:
    return ", ".join(f"{p.source} {p.position} (seq {p.stream_seq})" for p in report.built_from)


def figures(t: Totals) -> list[str]:
    return [
        yuan(t.paid_fen),
        f"{wan(t.paid_fen):,}",
        f"{t.person_times:,}",
        f"{t.members:,}",
        f"{t.households:,}",
        f"{t.payout_count:,}",
        f"{t.reversal_count:,}",
        yuan(t.reversal_fen),
    ]


def headline(name_zh: str, name_en: str, t: Totals) -> str:
    """The published sentence, e.g. 绿色出行 (full-width colon) 发放2,210.00万元, 惠及工会会员
    91.50万人次 (N人, N户), in Chinese punctuation, then the same in English."""
    return (
        f"{name_zh}{COLON}发放{wan_yuan(t.paid_fen)}{COMMA}惠及工会会员"
        f"{count_wan(t.person_times)}人次{OPEN}{t.members:,}人{COMMA}{t.households:,}户{CLOSE}\n"
        f"  {name_en}: {yuan(t.paid_fen)} yuan paid, {t.person_times:,} person-times, "
        f"{t.members:,} members, {t.households:,} households"
    )


# -- table ----------------------------------------------------------------------------------


SHORT_HEADERS = ["发放(元) Paid", "万元", "人次", "人", "户", "冲正 Reversals"]


def short_figures(t: Totals) -> list[str]:
    return [
        yuan(t.paid_fen),
        f"{wan(t.paid_fen):,}",
        f"{t.person_times:,}",
        f"{t.members:,}",
        f"{t.households:,}",
        f"{t.reversal_count:,} / {yuan(t.reversal_fen)}",
    ]


def as_table(report: Report) -> str:
    """For a terminal: figures, budgets, the published sentences, months, units."""
    figures_rows = [
        [f"{p.name_zh} {p.program_code}", *short_figures(p.totals)] for p in report.programs
    ]
    figures_rows.append(["合计 Total", *short_figures(report.totals)])
    budget_rows = [
        [
            f"{p.name_zh} {p.program_code}",
            kind_label(p.kind),
            f"{wan(p.budget_fen):,}",
            f"{wan(p.committed_fen):,}",
            f"{wan(p.remaining_fen):,}",
            "closed 已结束" if p.closed else "",
        ]
        for p in report.programs
    ]
    parts = [
        title(report),
        f"单位 Unit: {unit_name(report)} · {as_of_label(report)}",
        f"数据来源 Built from: {built_from(report)}",
        f"SHA-256 {report.content_sha256}",
        "",
        table(["项目 Programme", *SHORT_HEADERS], figures_rows, right=range(1, 7)),
        "",
        table(
            [
                "项目 Programme",
                "类型 Kind",
                "预算(万元) Budget",
                "已支出(万元) Committed",
                "余额(万元) Remaining",
                "",
            ],
            budget_rows,
            right=(2, 3, 4),
        ),
        "",
        "摘要 Summary",
        *(
            headline(p.name_zh, p.name_en, p.totals)
            for p in report.programs
            if p.totals.payout_count
        ),
        headline("全部项目合计", "All programmes", report.totals),
        "",
        "按月 By month of the effective date",
        table(
            ["月份 Month", "发放(万元) Paid", "人次 Person-times", "冲正 Reversals"],
            [
                [
                    f"{m.month}月",
                    f"{wan(m.paid_fen):,}",
                    f"{m.person_times:,}",
                    f"{m.reversal_count:,}",
                ]
                for m in report.months
            ],
            right=(1, 2, 3),
        ),
    ]
    parts += aid_sections(report)
    if report.units:
        parts += [
            "",
            "按单位 By unit (the member's unit on each payout's effective date)",
            table(
                ["单位 Unit", "层级 Level", *SHORT_HEADERS],
                [
                    [_unit_label(u), level_label(u.level), *short_figures(u.totals)]
                    for u in report.units
                ],
                right=range(2, 8),
            ),
        ]
    return "\n".join(parts)


def _unit_label(u: reporting_pb2.UnitTotals) -> str:
    indent = "  " * max(0, u.depth - 1)
    return f"{indent}{u.name_zh} ({u.unit_code})"


# -- rows for CSV and XLSX -----------------------------------------------------------------

ROW_HEADERS = [
    "范围 Section",
    "项目代码 Programme code",
    "项目 Programme",
    "单位代码 Unit code",
    "单位 Unit",
    "层级 Level",
    "月份 Month",
    "发放金额(元) Paid (yuan)",
    "万元 10k yuan",
    "人次 Person-times",
    "人 Members",
    "户 Households",
    "发放笔数 Payouts",
    "冲正笔数 Reversals",
    "冲正金额(元) Reversed (yuan)",
    "预算(元) Budget (yuan)",
    "已支出(元) Committed (yuan)",
    "余额(元) Remaining (yuan)",
]

Cell = str | int | Decimal


def _figure_cells(t: Totals) -> list[Cell]:
    return [
        yuan_value(t.paid_fen),
        wan(t.paid_fen),
        t.person_times,
        t.members,
        t.households,
        t.payout_count,
        t.reversal_count,
        yuan_value(t.reversal_fen),
    ]


ALL = ("*", "全部项目 All programmes")


def _line(
    section: str,
    programme: tuple[str, str],
    unit: tuple[str, str, str],
    month: Cell,
    figures_: Sequence[Cell],
    budget: Sequence[Cell] = ("", "", ""),
) -> list[Cell]:
    """One row of ROW_HEADERS: section, (code, name), (unit code, name, level), ..."""
    return [section, *programme, *unit, month, *figures_, *budget]


def rows(report: Report) -> list[list[Cell]]:
    """Every figure of the report, one row each: programmes (and the total), by
    unit (per programme and for all), by month (per programme and for all)."""
    whole = (report.unit_code, unit_name(report), "")
    named = [((p.program_code, f"{p.name_zh} {p.name_en}"), p) for p in report.programs]
    out: list[list[Cell]] = [
        _line(
            "programme 项目",
            programme,
            whole,
            "",
            _figure_cells(p.totals),
            [yuan_value(p.budget_fen), yuan_value(p.committed_fen), yuan_value(p.remaining_fen)],
        )
        for programme, p in named
    ]
    out.append(_line("total 合计", ALL, whole, "", _figure_cells(report.totals)))
    units: list[tuple[tuple[str, str], Sequence[reporting_pb2.UnitTotals]]] = [
        *((programme, p.units) for programme, p in named),
        (ALL, report.units),
    ]
    for programme, items in units:
        out += [
            _line(
                "unit 单位",
                programme,
                (u.unit_code, f"{u.name_zh} {u.name_en}", level_label(u.level)),
                "",
                _figure_cells(u.totals),
            )
            for u in items
        ]
    months: list[tuple[tuple[str, str], Sequence[reporting_pb2.MonthTotals]]] = [
        *((programme, p.months) for programme, p in named),
        (ALL, report.months),
    ]
    for programme, month_items in months:
        out += [
            _line(
                "month 月份",
                programme,
                whole,
                m.month,
                [
                    yuan_value(m.paid_fen),
                    wan(m.paid_fen),
                    m.person_times,
                    "",
                    "",
                    m.person_times + m.reversal_count,
                    m.reversal_count,
                    yuan_value(m.reversal_fen),
                ],
            )
            for m in month_items
        ]
    return out


def as_csv(report: Report) -> str:
    """The figures as one table (ROW_HEADERS); then, when the year has them,
    the mutual-aid and emergency-aid tables, each after an empty line and a
    title line, with its own header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ROW_HEADERS)
    for row in rows(report):
        writer.writerow([str(cell) for cell in row])
    for name, table_rows in aid_tables(report):
        writer.writerow([])
        writer.writerow([name])
        for row in table_rows:
            writer.writerow([str(cell) for cell in row])
    return buffer.getvalue()


# -- XLSX -------------------------------------------------------------------------------------


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet(table_rows: Iterable[Sequence[Cell]]) -> str:
    lines = []
    for r, row in enumerate(table_rows, 1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value != "":
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>"
    )


def xlsx(sheets: Sequence[tuple[str, Sequence[Sequence[Cell]]]]) -> bytes:
    """A minimal Office Open XML workbook: one worksheet per (name, rows)."""
    ns = "http://schemas.openxmlformats.org"
    rel = f"{ns}/officeDocument/2006/relationships"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{rel}"><sheets>'
            + "".join(
                f'<sheet name="{escape(name[:31])}" sheetId="{i}" r:id="rId{i}"/>'
                for i, (name, _rows) in enumerate(sheets, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{rel}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + "</Relationships>"
        ),
    }
    for i, (_name, sheet_rows) in enumerate(sheets, 1):
        files[f"xl/worksheets/sheet{i}.xml"] = _sheet(sheet_rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode())
    return buffer.getvalue()


def as_xlsx(report: Report) -> bytes:
    everything = rows(report)
    title: list[Cell] = [f"{report.fiscal_year}年度 {unit_name(report)} · {as_of_label(report)}"]
    stamp: list[Cell] = [f"SHA-256 {report.content_sha256} · {built_from(report)}"]
    by = {
        section: [r for r in everything if r[0] == section]
        for section in ("programme 项目", "total 合计", "unit 单位", "month 月份")
    }
    return xlsx(
        [
            ("汇总 Summary", [title, stamp, ROW_HEADERS, *by["programme 项目"], *by["total 合计"]]),
            ("按月 By month", [ROW_HEADERS, *by["month 月份"]]),
            ("按单位 By unit", [ROW_HEADERS, *by["unit 单位"]]),
            *aid_tables(report),
        ]
    )


# -- HTML -------------------------------------------------------------------------------------


def monthly_chart(report: Report, width: int = 960, height: int = 340) -> str:
    """Grouped bars: paid per month (万元) for each programme with payouts."""
    shown = [p for p in report.programs if p.totals.payout_count]
    per_row = 6
    legend_rows = -(-len(shown) // per_row)
    left, top, bottom, right = 70, 24 + 16 * legend_rows, 40, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((m.paid_fen for p in shown for m in p.months), default=0) or 1_000_000
    group = plot_w / 12
    bar = max(group * 0.8 / max(len(shown), 1), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        'aria-label="每月发放金额 Monthly paid per programme">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]
    for tick in range(5):
        value = peak * tick // 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{wan(value):,}</text>"
        )
    for month in range(12):
        x = left + group * month
        parts.append(
            f'<text x="{x + group / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{month + 1}月</text>'
        )
        for i, p in enumerate(shown):
            paid = max(p.months[month].paid_fen, 0) if len(p.months) > month else 0
            h = plot_h * paid / peak
            bx = x + group * 0.1 + bar * i
            parts.append(
                f'<rect x="{bx:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[i % len(PALETTE)]}">'
                f"<title>{html.escape(p.name_zh)} {month + 1}月: {wan(paid):,} 万元</title></rect>"
            )
    for i, p in enumerate(shown):  # the legend, above the plot
        x, y = left + (i % per_row) * 150, 16 + (i // per_row) * 16
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{y}" font-size="11">{html.escape(p.name_zh)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _html_table(headers: Sequence[str], body: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    lines = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in body
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


def as_html(report: Report) -> str:
    heading = title(report)
    programmes = [
        [
            f"{p.name_zh} {p.name_en}",
            kind_label(p.kind),
            *figures(p.totals),
            f"{wan(p.budget_fen):,}",
            f"{wan(p.remaining_fen):,}",
        ]
        for p in report.programs
    ]
    programmes.append(["合计 Total", "", *figures(report.totals), "", ""])
    headlines = "".join(
        f"<li>{html.escape(headline(p.name_zh, p.name_en, p.totals))}</li>"
        for p in report.programs
        if p.totals.payout_count
    )
    units = _html_table(
        ["单位 Unit", "层级 Level", *FIGURE_HEADERS],
        [[_unit_label(u), level_label(u.level), *figures(u.totals)] for u in report.units],
    )
    months = _html_table(
        ["项目 Programme", *(f"{m}月" for m in range(1, 13))],
        [
            [p.name_zh, *(f"{wan(m.paid_fen):,}" for m in p.months)]
            for p in report.programs
            if p.totals.payout_count
        ]
        + [["合计 Total", *(f"{wan(m.paid_fen):,}" for m in report.months)]],
    )
    style = (
        "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
        "th,td{border:1px solid #ccc;padding:4px 8px}td{text-align:right}"
        "td:first-child{text-align:left;white-space:pre}th{background:#f3f3f3}"
        ".meta{color:#666;font-size:12px}"
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)}</title><style>{style}</style></head><body>"
        f"<h1>{html.escape(heading)}</h1>"
        f"<p>单位 Unit: {html.escape(unit_name(report))} · {html.escape(as_of_label(report))}</p>"
        f'<p class="meta">数据来源 Built from: {html.escape(built_from(report))}<br>'
        f"SHA-256 {html.escape(report.content_sha256)}</p>"
        f"<h2>摘要 Summary</h2><ul>{headlines}"
        f"<li>{html.escape(headline('全部项目合计', 'All programmes', report.totals))}</li></ul>"
        "<h2>项目 Programmes</h2>"
        + _html_table(
            [
                "项目 Programme",
                "类型 Kind",
                *FIGURE_HEADERS,
                "预算(万元) Budget",
                "余额(万元) Remaining",
            ],
            programmes,
        )
        + "<h2>按月 By month (万元 10k yuan paid, net of reversals, by effective date)</h2>"
        + monthly_chart(report)
        + months
        + "<h2>按单位 By unit</h2>"
        + units
        + aid_html(report)
        + "</body></html>"
    )


# -- mutual aid and emergency aid ---------------------------------------------------------

CLAIM_STATES = {
    ledger_pb2.CLAIM_STATE_FILED: "已申请 filed",
    ledger_pb2.CLAIM_STATE_UNDER_REVIEW: "审核中 under review",
    ledger_pb2.CLAIM_STATE_APPROVED: "已核定 approved",
    ledger_pb2.CLAIM_STATE_REJECTED: "不予赔付 rejected",
    ledger_pb2.CLAIM_STATE_WITHDRAWN: "已撤回 withdrawn",
    ledger_pb2.CLAIM_STATE_PAID: "已赔付 paid",
}
CLAIMS_HEADERS = [
    "申请 Claims",
    "自付(元) Self-paid",
    "赔付 Paid",
    "赔付金额(元) Paid (yuan)",
    "平均赔付(元) Average",
    "缴费人次 Contributions",
    "缴费(元) Contributed",
    "赔付率 Loss ratio",
]


def loss_ratio(t: reporting_pb2.ClaimsTotals) -> str:
    """Basis points as a percentage with two decimals ('-' without contributions)."""
    if t.contributions_fen <= 0:
        return "-"
    return f"{t.loss_ratio_bp // 100}.{t.loss_ratio_bp % 100:02d}%"


def claims_figures(t: reporting_pb2.ClaimsTotals) -> list[str]:
    return [
        f"{t.claim_count:,}",
        yuan(t.self_paid_fen),
        f"{t.paid_count:,}",
        yuan(t.paid_fen),
        yuan(t.average_benefit_fen),
        f"{t.contribution_count:,}",
        yuan(t.contributions_fen),
        loss_ratio(t),
    ]


def pool_line(p: reporting_pb2.PoolTotals) -> str:
    return (
        f"资金池 Pool {p.account}: 缴费 contributed {yuan(p.contributed_fen)} 元 "
        f"({p.contribution_count:,}), 赔付 paid {yuan(p.claims_paid_fen)} 元 "
        f"({p.claims_paid_count:,}), 余额 balance {yuan(p.balance_fen)} 元, "
        f"可透支 overdraft {yuan(p.overdraft_fen)} 元, 可用 available {yuan(p.available_fen)} 元"
    )


def claims_headline(c: reporting_pb2.ClaimsReport) -> str:
    """The published sentence of a mutual-aid programme, e.g. 职工医疗互助 (full-width
    colon) 受理N件, 赔付N人次 X万元, 赔付率 R."""
    t = c.totals
    return (
        f"{c.name_zh}{COLON}受理申请{t.claim_count:,}件{COMMA}赔付{t.paid_count:,}人次"
        f"{wan_yuan(t.paid_fen)}{COMMA}缴费{t.contribution_count:,}人次"
        f"{wan_yuan(t.contributions_fen)}{COMMA}赔付率{loss_ratio(t)}"
    )


def by_state_table(t: reporting_pb2.ClaimsTotals) -> str:
    return table(
        ["状态 State", "件数 Count", "自付(元) Self-paid", "核定/赔付(元) Benefit"],
        [
            [CLAIM_STATES.get(s.state, "?"), f"{s.count:,}", yuan(s.self_paid_fen),
             yuan(s.benefit_fen)]
            for s in t.by_state
        ],
        right=(1, 2, 3),
    )  # fmt: skip


def claims_report_text(c: reporting_pb2.ClaimsReport) -> str:
    """``benefits report claims``: the pool, each period (and the total), by
    state, and by unit when the report breaks the periods down."""
    unit = f"{c.unit_name_zh} {c.unit_name_en}".strip() + (
        f" ({c.unit_code})" if c.unit_code else ""
    )
    when = (
        f"截至记录时间 as recorded up to {timestamp(c.as_of)}"
        if c.HasField("as_of")
        else "当前 current (every event recorded so far)"
    )
    periods = [
        [f"{p.period_id} ({p.start_date} - {p.end_date})", *claims_figures(p.totals)]
        for p in c.periods
    ]
    periods.append(["合计 Total", *claims_figures(c.totals)])
    parts = [
        f"互助保障理赔 Mutual-aid claims · {c.name_zh} {c.name_en} ({c.program_code}) "
        f"{c.fiscal_year}",
        f"单位 Unit: {unit} · {when}",
        "数据来源 Built from: "
        + ", ".join(f"{p.source} {p.position} (seq {p.stream_seq})" for p in c.built_from),
        pool_line(c.pool),
        "",
        claims_headline(c),
        "",
        table(["期间 Period", *CLAIMS_HEADERS], periods, right=range(1, 9)),
        "",
        "按状态 By state",
        by_state_table(c.totals),
    ]
    for p in c.periods:
        if p.units:
            parts += [
                "",
                f"按单位 By unit · {p.period_id} (the member's unit on the incident date; "
                "contributions: on the contribution date)",
                table(
                    ["单位 Unit", "层级 Level", *CLAIMS_HEADERS],
                    [
                        [
                            f"{'  ' * max(0, u.depth - 1)}{u.name_zh} ({u.unit_code})",
                            level_label(u.level),
                            *claims_figures(u.totals),
                        ]
                        for u in p.units
                    ],
                    right=range(2, 10),
                ),
            ]
    return "\n".join(parts)


EMERGENCY_HEADERS = [
    "项目 Programme",
    "发放 Payouts",
    "发放(元) Paid",
    "追回(元) Recovered",
    "冲正(元) Reversed",
    "净发放(元) Net paid",
    "已核实 Verified",
    "待核实 Unverified",
    "未结(元) Outstanding",
    "年末逾期 Overdue at year end",
]


def emergency_row(e: reporting_pb2.EmergencyAidTotals) -> list[str]:
    return [
        f"{e.name_zh} {e.program_code}",
        f"{e.payout_count:,}",
        yuan(e.paid_fen),
        f"{yuan(e.recovered_fen)} ({e.recovery_count:,})",
        yuan(e.reversed_fen),
        yuan(e.net_paid_fen),
        f"{e.verified_count:,}",
        f"{e.unverified_count:,}",
        yuan(e.outstanding_fen),
        f"{e.overdue_at_year_end_count:,} / {yuan(e.overdue_at_year_end_fen)}",
    ]


# The aid tables of the CSV and XLSX files: figures as numbers (yuan with two
# decimals, counts, the loss ratio in percent), a row per programme.
MUTUAL_AID_CELL_HEADERS = [
    "项目代码 Programme code",
    "项目 Programme",
    "申请 Claims",
    "自付(元) Self-paid (yuan)",
    "赔付人次 Paid",
    "赔付金额(元) Paid (yuan)",
    "平均赔付(元) Average (yuan)",
    "缴费人次 Contributions",
    "缴费(元) Contributed (yuan)",
    "赔付率(%) Loss ratio (%)",
    "资金池 Pool",
    "资金池余额(元) Pool balance (yuan)",
    "可透支(元) Overdraft (yuan)",
    "可用(元) Available (yuan)",
]
EMERGENCY_CELL_HEADERS = [
    "项目代码 Programme code",
    "项目 Programme",
    "发放 Payouts",
    "发放(元) Paid (yuan)",
    "追回次数 Recoveries",
    "追回(元) Recovered (yuan)",
    "冲正(元) Reversed (yuan)",
    "净发放(元) Net paid (yuan)",
    "已核实 Verified",
    "待核实 Unverified",
    "未结(元) Outstanding (yuan)",
    "年末逾期 Overdue at year end",
    "年末逾期(元) Overdue at year end (yuan)",
]


def _percent(bp: int, contributions_fen: int) -> Cell:
    return Decimal(bp).scaleb(-2) if contributions_fen > 0 else ""


def aid_tables(report: Report) -> list[tuple[str, list[list[Cell]]]]:
    """(title, header row and a row per programme) of the mutual-aid and the
    emergency-aid figures, each only when the year has such programmes."""
    tables: list[tuple[str, list[list[Cell]]]] = []
    if report.mutual_aid:
        mutual: list[list[Cell]] = [list(MUTUAL_AID_CELL_HEADERS)]
        for c in report.mutual_aid:
            t, pool = c.totals, c.pool
            mutual.append(
                [
                    c.program_code,
                    f"{c.name_zh} {c.name_en}",
                    t.claim_count,
                    yuan_value(t.self_paid_fen),
                    t.paid_count,
                    yuan_value(t.paid_fen),
                    yuan_value(t.average_benefit_fen),
                    t.contribution_count,
                    yuan_value(t.contributions_fen),
                    _percent(t.loss_ratio_bp, t.contributions_fen),
                    pool.account,
                    yuan_value(pool.balance_fen),
                    yuan_value(pool.overdraft_fen),
                    yuan_value(pool.available_fen),
                ]
            )
        tables.append(("互助保障 Mutual aid", mutual))
    if report.emergency_aid:
        emergency: list[list[Cell]] = [list(EMERGENCY_CELL_HEADERS)]
        for e in report.emergency_aid:
            emergency.append(
                [
                    e.program_code,
                    f"{e.name_zh} {e.name_en}",
                    e.payout_count,
                    yuan_value(e.paid_fen),
                    e.recovery_count,
                    yuan_value(e.recovered_fen),
                    yuan_value(e.reversed_fen),
                    yuan_value(e.net_paid_fen),
                    e.verified_count,
                    e.unverified_count,
                    yuan_value(e.outstanding_fen),
                    e.overdue_at_year_end_count,
                    yuan_value(e.overdue_at_year_end_fen),
                ]
            )
        tables.append(("临时救助 Emergency aid", emergency))
    return tables


def aid_sections(report: Report) -> list[str]:
    """The annual report's mutual-aid and emergency-aid parts (none when the
    year has no such programme)."""
    parts: list[str] = []
    if report.mutual_aid:
        parts += [
            "",
            "互助保障 Mutual aid (claims by the member's unit on the incident date)",
            table(
                ["项目 Programme", *CLAIMS_HEADERS],
                [
                    [f"{c.name_zh} {c.program_code}", *claims_figures(c.totals)]
                    for c in report.mutual_aid
                ],
                right=range(1, 9),
            ),
            *(claims_headline(c) for c in report.mutual_aid),
            *(pool_line(c.pool) for c in report.mutual_aid),
        ]
    if report.emergency_aid:
        parts += [
            "",
            "临时救助 Emergency aid (paid first, verified after; net of recoveries)",
            table(
                EMERGENCY_HEADERS,
                [emergency_row(e) for e in report.emergency_aid],
                right=range(1, 10),
            ),
        ]
    return parts


def aid_html(report: Report) -> str:
    parts = []
    if report.mutual_aid:
        parts.append(
            "<h2>互助保障 Mutual aid</h2>"
            + _html_table(
                ["项目 Programme", *CLAIMS_HEADERS],
                [
                    [f"{c.name_zh} {c.name_en}", *claims_figures(c.totals)]
                    for c in report.mutual_aid
                ],
            )
            + "".join(f"<p>{html.escape(pool_line(c.pool))}</p>" for c in report.mutual_aid)
        )
    if report.emergency_aid:
        parts.append(
            "<h2>临时救助 Emergency aid (net of recoveries)</h2>"
            + _html_table(EMERGENCY_HEADERS, [emergency_row(e) for e in report.emergency_aid])
        )
    return "".join(parts)


OVERDUE_HEADERS = [
    "发放编号 Payout",
    "会员 Member",
    "项目 Programme",
    "单位 Unit",
    "发放日 Paid on",
    "应核实 Due",
    "逾期天数 Days",
    "发放(元) Paid",
    "已追回(元) Recovered",
    "期数 Instalments",
    "未结(元) Outstanding",
]


def overdue_text(found: reporting_pb2.ListOverdueEmergencyAidResponse) -> str:
    rows = [
        [
            o.payout_entry_id[:8],
            o.member_id,
            f"{o.program_code} {o.fiscal_year}",
            o.unit_code or "-",
            o.effective_date,
            o.due_date,
            f"{o.days_overdue:,}",
            yuan(o.paid_fen),
            yuan(o.recovered_fen),
            f"{o.instalments:,}",
            yuan(o.outstanding_fen),
        ]
        for o in found.obligations
    ]
    summary = (
        f"截至 {found.as_of_date} 逾期未核实临时救助 {found.total_count:,} 笔{COMMA}"
        f"发放{yuan(found.paid_fen)}元{COMMA}已追回{yuan(found.recovered_fen)}元{COMMA}"
        f"未结{yuan(found.outstanding_fen)}元\n"
        f"  overdue unverified emergency aid as of {found.as_of_date}: "
        f"{found.total_count:,}, paid {yuan(found.paid_fen)}, recovered "
        f"{yuan(found.recovered_fen)}, outstanding {yuan(found.outstanding_fen)} yuan"
    )
    if not rows:
        return summary
    return f"{summary}\n\n{table(OVERDUE_HEADERS, rows, right=(6, 7, 8, 9, 10))}"
