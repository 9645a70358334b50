"""Staff pages of the analysis: counts of every closed question, cross-tabulations, the responses as
CSV or XLSX, and the summary report as a page and a tagged PDF. Reading a consultation (VIEW) is
enough for all of them: the equality cross-tabs are aggregates, always suppressed."""

import logging

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from involve.audit import services as audit
from involve.core import forms as core_forms
from involve.core.exports import csv_response, xlsx_response
from involve.core.forms import NHSDateField
from involve.core.pages import EXPORT_FORMATS

from .. import analysis, charts, exports
from ..access import get_consultation_for_user
from ..models import Consultation

SECTION = "consultations"


def consultation_url(consultation):
    """The consultation's own staff page, when the builder part has one."""
    try:
        return reverse("consultations:consultation_detail", args=[consultation.pk])
    except NoReverseMatch:
        return None


def with_charts(result: analysis.Analysis, prefix="chart"):
    """Draw each distribution's chart (an inline SVG with its text alternative)."""
    for item in result.closed:
        for i, dist in enumerate(item.distributions):
            dist.chart = charts.bar_chart(
                dist.title, dist.bars, base_text=dist.base_text, chart_id=f"{prefix}-{item.question.pk}-{i}"
            )
    return result


class ExportForm(core_forms.Form):
    question = forms.MultipleChoiceField(
        label="Questions to include",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave them all unticked to include every question",
    )
    date_from = NHSDateField(label="Submitted on or after", required=False)
    date_to = NHSDateField(label="Submitted on or before", required=False)

    def __init__(self, data, *, consultation, **kwargs):
        super().__init__(data, **kwargs)
        self.questions = list(consultation.questions.all())
        self.fields["question"].choices = [(str(q.pk), f"{q.code}: {q.text}") for q in self.questions]

    def value(self, name):
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None

    def chosen_questions(self):
        chosen = set(self.value("question") or [])
        return [q for q in self.questions if not chosen or str(q.pk) in chosen]


def analysis_page(request, pk):
    consultation = get_consultation_for_user(request.access, pk)
    result = with_charts(analysis.analyse(consultation))
    return render(
        request,
        "consultations/analysis/analysis.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "consultation_url": consultation_url(consultation),
            "result": result,
            "export_form": ExportForm(None, consultation=consultation),
            "exports": {
                fmt: reverse("consultations:response_export", args=[consultation.pk, fmt]) for fmt in EXPORT_FORMATS
            },
        },
    )


class CrossTabForm(core_forms.Form):
    rows = forms.ChoiceField(label="Rows: answers to the question")
    columns = forms.ChoiceField(label="Columns: another question or an equality characteristic")

    def __init__(self, data, *, consultation, **kwargs):
        super().__init__(data, **kwargs)
        self.question_dims = analysis.question_dimensions(consultation)
        self.equality_dims = analysis.equality_dimensions()
        self.dims = {d.key: d for d in (*self.question_dims, *self.equality_dims)}
        question_choices = [(d.key, d.label) for d in self.question_dims]
        self.fields["rows"].choices = [("", "Choose a question")] + question_choices
        self.fields["columns"].choices = [
            ("", "Choose a question or characteristic"),
            ("Questions", question_choices),
            ("Equality characteristics (totals only)", [(d.key, d.label) for d in self.equality_dims]),
        ]

    def clean(self):
        data = super().clean()
        if data.get("rows") and data.get("rows") == data.get("columns"):
            self.add_error("columns", "Choose a different question for the columns than for the rows")
        return data


def crosstab_page(request, pk):
    consultation = get_consultation_for_user(request.access, pk)
    form = CrossTabForm(request.GET or None, consultation=consultation)
    table = None
    if form.is_bound and form.is_valid():
        table = analysis.crosstab(
            consultation, form.dims[form.cleaned_data["rows"]], form.dims[form.cleaned_data["columns"]]
        )
    return render(
        request,
        "consultations/analysis/crosstab.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "form": form,
            "crosstab": table,
        },
        status=400 if form.errors else 200,
    )


def response_export(request, pk, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    consultation = get_consultation_for_user(request.access, pk)
    form = ExportForm(request.GET, consultation=consultation)
    questions = form.chosen_questions()
    responses = exports.filtered_responses(
        consultation, date_from=form.value("date_from"), date_to=form.value("date_to")
    )
    header, rows = exports.response_rows(consultation, questions, responses)
    name = f"responses-{consultation.slug}"
    if fmt == "csv":
        response = csv_response(header, rows, name)
    else:
        response = xlsx_response(header, rows, name, title="Responses")
    audit.record(
        action="responses.export",
        by=request.user,
        organisation=request.access.organisation,
        target=consultation,
        new={"format": fmt, "rows": len(rows), "questions": [q.code for q in questions]},
    )
    response.audited = True
    return response


def _summary_context(consultation, prefix):
    return {
        "consultation": consultation,
        "result": with_charts(analysis.analyse(consultation), prefix=prefix),
        "generated_at": timezone.now(),
    }


def summary(request, pk):
    consultation = get_consultation_for_user(request.access, pk)
    return render(
        request,
        "consultations/analysis/summary.html",
        {
            "section": SECTION,
            "consultation_url": consultation_url(consultation),
            **_summary_context(consultation, "chart"),
        },
    )


PDF_VARIANT = "pdf/ua-1"


def render_summary_pdf(consultation: Consultation) -> bytes:
    """The summary report through WeasyPrint, tagged (PDF/UA-1) as the cover sheet is, fetching nothing."""
    from weasyprint import HTML

    from involve.engagement.coversheet.pdf import _refusing_fetcher

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    html = render_to_string("consultations/analysis/summary_print.html", _summary_context(consultation, "pdf"))
    document = HTML(string=html, base_url="about:blank", url_fetcher=_refusing_fetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def summary_pdf(request, pk):
    consultation = get_consultation_for_user(request.access, pk)
    response = HttpResponse(render_summary_pdf(consultation), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="summary-{consultation.slug}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
