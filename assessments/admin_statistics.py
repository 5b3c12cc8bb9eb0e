"""Training → Quiz statistics: the item analysis report of one quiz, and its exports.

The figures come cached from assessments/services/statistics.py; this module only turns
them into tables. The same tables feed the page, the CSV and the XLSX, so the three always
agree. Learners type short answers and authors type options: every text cell that a
spreadsheet would run as a formula is prefixed with ``'`` (as content/reports.py does for
the progress matrix), and the page escapes them as any template value.
"""

import csv
import io
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments import statistics
from assessments.models import AttemptSet
from assessments.services.statistics import quiz_statistics_for, quizzes_with_statistics_visible_to
from courses.admin_viewsets import no_cohort_notice
from training_site.spreadsheets import neutralize_formula

PERMISSION = "assessments.grade_attempt"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _flag_labels() -> dict[str, str]:
    return {
        statistics.FLAG_TOO_HARD: _("Very hard (facility below 20%)"),
        statistics.FLAG_TOO_EASY: _("Very easy (facility above 90%)"),
        statistics.FLAG_LOW_DISCRIMINATION: _("Low discrimination (below 20%)"),
        statistics.FLAG_NEGATIVE_DISCRIMINATION: _("Negative discrimination"),
        statistics.FLAG_UNCHOSEN_OPTION: _("An option no one chose"),
    }


def _number(value, digits: int = 2):
    """A figure rounded for display; None stays None (shown as "not enough data")."""
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headings: list[str]
    rows: list[list]
    flag_column: int | None = None


def _place_label(place: str, data: dict) -> str:
    slots = data["slots"]
    if place.startswith("q"):
        return _("Outside the quiz's current slots")
    slot_number, _dot, draw = place.partition(".")
    slot = slots[int(slot_number) - 1] if int(slot_number) <= len(slots) else None
    if not draw:
        return slot_number
    total = slot["draws"] if slot else "?"
    return _("%(slot)s (draw %(draw)s of %(total)s)") % {"slot": slot_number, "draw": draw, "total": total}


def _place_question(place: str, data: dict) -> str:
    questions = data["questions"]
    if place.startswith("q"):
        return questions.get(place[1:], {}).get("title", "")
    slot_number, _dot, draw = place.partition(".")
    slots = data["slots"]
    slot = slots[int(slot_number) - 1] if int(slot_number) <= len(slots) else None
    if slot is None:
        return ""
    if not draw:
        return questions.get(str(slot["question_id"]), {}).get("title", "")
    if slot["tag"]:
        return _("Random question from %(bank)s tagged %(tag)s") % {"bank": slot["bank"], "tag": slot["tag"]}
    return _("Random question from %(bank)s") % {"bank": slot["bank"]}


def report_tables(data: dict) -> list[Table]:
    """Every table of the report, in order: quiz, positions, bank items, responses,
    distribution."""
    quiz = data["quiz"]
    flags = _flag_labels()
    quiz_rows = [
        [_("Attempts"), quiz["attempts"]],
        [_("Mean score"), _number(quiz["mean"])],
        [_("Median score"), _number(quiz["median"])],
        [_("Maximum possible score"), _number(quiz.get("max_total"))],
        [_("Standard deviation"), _number(quiz["sd"])],
        [_("Skewness"), _number(quiz["skewness"], 4)],
        [_("Kurtosis"), _number(quiz["kurtosis"], 4)],
        [_("Coefficient of internal consistency (CIC, %)"), _number(quiz["cic"])],
        [_("Error ratio (ER, %)"), _number(quiz["error_ratio"])],
        [_("Standard error (SE)"), _number(quiz["standard_error"])],
    ]
    figure_headings = [
        _("Attempts"),
        _("Facility index (%)"),
        _("Standard deviation"),
        _("Discrimination index (%)"),
        _("Discriminative efficiency (%)"),
    ]

    def figures(row):
        return [
            row["n"],
            _number(row["facility"]),
            _number(row["sd"], 4),
            _number(row["discrimination"]),
            _number(row["efficiency"]),
        ]

    places = [
        [_place_label(r["place"], data), _place_question(r["place"], data), *figures(r)]
        + ["; ".join(flags[f] for f in r["flags"])]
        for r in data["places"]
    ]
    questions = data["questions"]
    items = [
        [
            questions.get(str(r["question_id"]), {}).get("title", ""),
            questions.get(str(r["question_id"]), {}).get("bank", ""),
            *figures(r),
            "; ".join(flags[f] for f in r["flags"]),
        ]
        for r in sorted(
            data["items"], key=lambda r: questions.get(str(r["question_id"]), {}).get("title", "")
        )
    ]
    responses = []
    for entry in data["responses"]:
        title = questions.get(str(entry["question_id"]), {}).get("title", "")
        n = entry["n"] or 1
        for option in entry["options"]:
            text = (
                {"True": _("True"), "False": _("False")}.get(option["text"], option["text"])
                if (entry["kind"] == "true_false")
                else option["text"]
            )
            responses.append(
                [
                    title,
                    text,
                    option.get("fraction", ""),
                    option["count"],
                    _number(100 * option["count"] / n),
                    flags[statistics.FLAG_UNCHOSEN_OPTION] if option["count"] == 0 else "",
                ]
            )
        for typed in entry["top_responses"]:
            responses.append(
                [title, typed["text"], "", typed["count"], _number(100 * typed["count"] / n), ""]
            )
        if entry["blank"]:
            responses.append(
                [title, _("(no answer)"), "", entry["blank"], _number(100 * entry["blank"] / n), ""]
            )
    distribution = [[f"{b['low']}–{b['high']}%", b["count"]] for b in data["distribution"]]
    return [
        Table("quiz", _("Quiz statistics"), [_("Statistic"), _("Value")], quiz_rows),
        Table(
            "positions",
            _("Question statistics by position"),
            [_("Position"), _("Question"), *figure_headings, _("Look at")],
            places,
            flag_column=7,
        ),
        Table(
            "items",
            _("Question statistics by bank item"),
            [_("Question"), _("Bank"), *figure_headings, _("Look at")],
            items,
            flag_column=7,
        ),
        Table(
            "responses",
            _("Response analysis"),
            [_("Question"), _("Response"), _("Credit"), _("Count"), _("Frequency (%)"), _("Look at")],
            responses,
            flag_column=5,
        ),
        Table("distribution", _("Score distribution"), [_("Score band"), _("Attempts")], distribution),
    ]


def _csv(tables: list[Table], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for table in tables:
        writer.writerow([table.title])
        writer.writerow(table.headings)
        writer.writerows([neutralize_formula("" if v is None else v) for v in row] for row in table.rows)
        writer.writerow([])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx(tables: list[Table], filename: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=table.title[:31])
        sheet.append(table.headings)
        for row in table.rows:
            # Written as given: numbers as numbers, text (neutralized) as strings.
            sheet.append([neutralize_formula(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _chart(data: dict) -> dict:
    """Bar geometry of the score distribution for an inline SVG (attributes, not styles:
    the admin's CSP is no reason to need inline CSS)."""
    bands = data["distribution"]
    top = max((b["count"] for b in bands), default=0) or 1
    height, bar, gap = 120, 28, 6
    bars = []
    for index, band in enumerate(bands):
        h = round(height * band["count"] / top)
        bars.append(
            {
                "x": index * (bar + gap),
                "y": height - h,
                "width": bar,
                "height": h,
                "label": f"{band['low']}–{band['high']}%",
                "count": band["count"],
            }
        )
    return {"bars": bars, "width": len(bands) * (bar + gap), "height": height}


def quiz_statistics_index(request):
    """Pick a quiz: those with attempts by learners in the user's scope."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    no_cohort_notice(request)
    quizzes = (
        quizzes_with_statistics_visible_to(user=request.user).order_by("title", "pk").only("pk", "title")
    )
    return TemplateResponse(
        request,
        "assessments/admin/quiz_statistics_index.html",
        {"quizzes": quizzes, "page_title": _("Quiz statistics")},
    )


def quiz_statistics_detail(request, quiz_id: int):
    """One quiz's item analysis; ``?attempts=first|all|last``, ``?export=csv|xlsx``; a POST
    recalculates now."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    quiz = get_object_or_404(quizzes_with_statistics_visible_to(user=request.user), pk=quiz_id)
    attempt_set = request.GET.get("attempts") or request.POST.get("attempts") or AttemptSet.FIRST
    if attempt_set not in AttemptSet.values:
        return HttpResponseBadRequest(_("Unknown attempt set."))
    export = request.GET.get("export", "")
    if export not in ("", "csv", "xlsx"):
        return HttpResponseBadRequest(_("Unknown export format."))
    recalculate = request.method == "POST"
    row, stale = quiz_statistics_for(
        quiz=quiz, attempt_set=attempt_set, user=request.user, recalculate=recalculate
    )
    if recalculate:
        messages.success(request, _("Statistics recalculated."))
        return redirect(f"{request.path}?attempts={attempt_set}")
    tables = report_tables(row.data)
    if export:
        filename = f"quiz-statistics-{slugify(quiz.title) or quiz.pk}-{attempt_set}"
        return (_csv if export == "csv" else _xlsx)(tables, filename)
    quiz_figures = row.data["quiz"]
    return TemplateResponse(
        request,
        "assessments/admin/quiz_statistics_detail.html",
        {
            "quiz": quiz,
            "tables": tables,
            "chart": _chart(row.data),
            "attempt_set": attempt_set,
            "attempt_sets": AttemptSet.choices,
            "computed_at": row.computed_at,
            "stale": stale,
            "unreliable": not quiz_figures["reliable"],
            "reliable_attempts": number_format(statistics.RELIABLE_ATTEMPTS),
            "page_title": _("Quiz statistics: %(quiz)s") % {"quiz": quiz.title},
        },
    )
