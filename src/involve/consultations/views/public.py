"""The public pages of the consultation hub: no sign-in, usable without JavaScript.

The flow: the consultation's page → respond (its first page; a one-page survey is sent from there) →
the pages of a long survey, each saved in a draft whose token is in the address (`answers/<token>/…`)
→ the equality questions (about you) → check your answers → confirmation. "Save and come back later"
on every page shows the resume link, and emails it on request. Nothing the person typed is lost: an
invalid page, a refused send (rate limit, old form) and the honeypot all show the form again with
the answers in it.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from involve.core.forms import Form
from involve.core.pagination import paginate
from involve.core.upload_guard import anonymous_body_limit
from involve.engagement.views.evidence import file_response
from involve.organisations.models import Organisation

from .. import blank_page, ratelimit, responding, submission
from ..models import Consultation, Response

PUBLIC_STATES = (
    Consultation.State.PUBLISHED,
    Consultation.State.CLOSED,
    Consultation.State.RESULTS_PUBLISHED,
)
INVALID, REFUSED, TOO_MANY = 400, 403, 429
# The largest page of answers taken from the public: a one-page survey with a dozen answers of the
# longest length, every character a six-byte percent-encoded accented letter, still fits; held in
# memory (under FILE_UPLOAD_MAX_MEMORY_SIZE), never written to disk.
ANSWERS_MAX_BYTES = 1024 * 1024
SEARCH_MAX = 200
HUB_PAGE_SIZE = 20


def public_consultation(org, slug):
    """A consultation the public may see (never a draft); 404 otherwise."""
    return get_object_or_404(
        Consultation.objects.select_related("organisation"), organisation_id=org, slug=slug, state__in=PUBLIC_STATES
    )


def _args(consultation):
    return {"org": consultation.organisation_id, "slug": consultation.slug}


def closed_url(consultation):
    return reverse("have_your_say:closed", kwargs=_args(consultation))


def confirmation_url(response):
    return reverse(
        "have_your_say:confirmation",
        kwargs={**_args(response.consultation), "reference": response.reference},
    )


def _base(**context):
    """What every public page's layout needs: the page's language and dates in words."""
    return {"preview": False, "when": local_date_words, "html_lang": current_language(), **context}


def _common(consultation, **context):
    return _base(consultation=consultation, organisation=consultation.organisation, **context)


# Hub and consultation pages


class SearchForm(Form):
    q = forms.CharField(label=gettext_lazy("Search consultations"), required=False, max_length=SEARCH_MAX)


@login_not_required
@require_GET
def hub(request, org):
    organisation = get_object_or_404(Organisation, pk=org)
    form = SearchForm(request.GET)
    search = form.cleaned_data.get("q", "") if form.is_valid() else ""
    consultations = Consultation.objects.filter(organisation=organisation, state__in=PUBLIC_STATES)
    if search:
        consultations = consultations.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    now = timezone.now()
    groups = {"open": [], "soon": [], "closed": [], "results": []}
    for consultation in consultations.order_by("closes_at", "title", "pk"):
        if consultation.state == Consultation.State.RESULTS_PUBLISHED:
            groups["results"].append(consultation)
        elif consultation.is_open(now):
            groups["open"].append(consultation)
        elif (
            consultation.state == Consultation.State.PUBLISHED and consultation.opens_at and consultation.opens_at > now
        ):
            groups["soon"].append(consultation)
        else:
            groups["closed"].append(consultation)
    groups["closed"].reverse()
    groups["results"].sort(key=lambda c: c.results_published_at or c.closes_at or now, reverse=True)
    # Past consultations build up over the years: a page of each at a time, newest first.
    groups["closed"] = paginate(request, groups["closed"], HUB_PAGE_SIZE, param="closed_page")
    groups["results"] = paginate(request, groups["results"], HUB_PAGE_SIZE, param="results_page")
    return render(
        request,
        "consultations/public/hub.html",
        _base(organisation=organisation, form=form, search=search, groups=groups),
        status=200 if form.is_valid() else INVALID,
    )


@login_not_required
@require_GET
def consultation_page(request, org, slug):
    consultation = public_consultation(org, slug)
    return render(
        request,
        "consultations/public/consultation.html",
        _common(
            consultation,
            documents=consultation.documents.order_by("title", "pk"),
            is_open=consultation.is_open(),
            has_results=_has_results(consultation),
            now_=timezone.now(),
        ),
    )


@login_not_required
@require_GET
def document(request, org, slug, pk):
    """A background document the consultation's team chose to publish; any other evidence is a 404."""
    consultation = public_consultation(org, slug)
    return file_response(get_object_or_404(consultation.documents.all(), pk=pk))


def _has_results(consultation):
    return consultation.state == Consultation.State.RESULTS_PUBLISHED


@login_not_required
@require_GET
def privacy(request, org, slug):
    return render(request, "consultations/public/privacy.html", _common(public_consultation(org, slug)))


@login_not_required
@require_GET
def closed(request, org, slug):
    consultation = public_consultation(org, slug)
    if consultation.is_open():
        return redirect("have_your_say:consultation", **_args(consultation))
    return _closed_page(request, consultation, status=200)


def _closed_page(request, consultation, *, status):
    not_yet = consultation.opens_at is not None and consultation.opens_at > timezone.now()
    return render(request, "consultations/public/closed.html", _common(consultation, not_yet=not_yet), status=status)


@login_not_required
@require_GET
def confirmation(request, org, slug, reference):
    consultation = public_consultation(org, slug)
    response = get_object_or_404(Response, consultation=consultation, reference=reference)
    return render(request, "consultations/public/confirmation.html", _common(consultation, response=response))


@login_not_required
@require_GET
def language(request):
    """Switch the public pages between English and Welsh (a link, so it works without JavaScript)."""
    code = request.GET.get("lang", "")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    if not target.startswith("/"):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in {c for c, _name in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
        )
    return response


# Answering


def _page_context(request, consultation, survey, page, form, *, draft_token=None, preview=False, **extra):
    answers = extra.pop("known", {})
    hints = {}
    for question in form.questions:
        parts = []
        if question.condition_question is not None and not responding.condition_met(
            question.condition_question, question.condition_values, answers
        ):
            parts.append(responding.condition_hint(question))
        if question.help_text:
            parts.append(question.help_text)
        hints[question.code] = " ".join(parts)
    sections = []
    for question in form.questions:
        if not sections or sections[-1]["section"] != question.section:
            section = question.section
            hint = ""
            if section is not None and section.condition_question is not None:
                if not responding.condition_met(section.condition_question, section.condition_values, answers):
                    hint = responding.section_condition_hint(section)
            sections.append({"section": section, "hint": hint, "questions": []})
        sections[-1]["questions"].append(question)
    return _common(
        consultation,
        survey=survey,
        page=page,
        form=form,
        hints=hints,
        groups=sections,
        draft_token=draft_token,
        preview=preview,
        form_token=submission.make_form_token(consultation),
        one_page=consultation.paging == Consultation.Paging.ALL,
        total=len(survey.pages),
        **extra,
    )


def _render_page(request, context, status=200):
    if context["form"].errors and status == 200:
        status = INVALID
    return render(request, "consultations/public/page.html", context, status=status)


def raw_of(form, questions):
    """{question code: {field name: [values posted]}}: what the person typed, kept as typed in a draft."""
    raw = {}
    for question in questions:
        fields = {}
        for name in responding.field_names(question):
            values = [v for v in form.data.getlist(name) if str(v).strip()][:50]
            if values:
                # No NUL characters: PostgreSQL's JSON refuses them (the page says so when it is sent).
                fields[name] = [str(v).replace("\x00", "")[: responding.ANSWER_MAX_LENGTH] for v in values]
        if fields:
            raw[question.code] = fields
    return raw


def data_of(raw):
    data = {}
    for fields in raw.values():
        for name, values in fields.items():
            data[name] = list(values)
    return responding.as_data(data)


def initial_of(raw, questions):
    initial = {}
    for question in questions:
        for name, values in raw.get(question.code, {}).items():
            initial[name] = values if question.kind == "multiple_choice" else values[0]
    return initial


def known_answers(survey, raw):
    """The answers a draft holds that are valid and asked, for the conditions of later pages."""
    form = responding.QuestionsForm(data_of(raw), questions=survey.questions)
    form.is_valid()
    return form.answers


def _equality_raw(form):
    equality = dict(form.equality_answers)
    if form.data.get(responding.CONSENT_FIELD):
        equality["consent"] = True
    for name in [k for k in form.data if k.startswith(responding.EQUALITY_PREFIX) and k != responding.CONSENT_FIELD]:
        key = name.removeprefix(responding.EQUALITY_PREFIX)
        if key in responding.categories.BY_KEY and form.data.get(name) in responding.categories.BY_KEY[key].labels:
            equality[key] = form.data.get(name)
    return equality


def _equality_initial(equality):
    initial = {responding.EQUALITY_PREFIX + k: v for k, v in equality.items() if k != "consent"}
    if equality.get("consent"):
        initial[responding.CONSENT_FIELD] = True
    return initial


def _next_url(survey, draft_token, known, after):
    """The next page with something to ask after page `after`, else about you, else check."""
    for page in survey.pages[after:]:
        if responding.shown_on_page(page, known):
            return reverse("have_your_say:page", kwargs={"token": draft_token, "number": page.number})
    if (
        survey.consultation.ask_equality
        and survey.consultation.paging != Consultation.Paging.ALL
        and after <= len(survey.pages)
    ):
        return reverse("have_your_say:about_you", kwargs={"token": draft_token})
    return reverse("have_your_say:check", kwargs={"token": draft_token})


def _previous_url(survey, draft_token, known, before, consultation):
    for page in reversed(survey.pages[: before - 1]):
        if responding.shown_on_page(page, known):
            if draft_token:
                return reverse("have_your_say:page", kwargs={"token": draft_token, "number": page.number})
    return reverse("have_your_say:consultation", kwargs=_args(consultation))


def _prune(survey, raw):
    """Drop saved answers to questions no longer asked (an earlier answer changed): not tampering, just
    questions the person will not be shown again."""
    known = known_answers(survey, raw)
    for question in survey.questions:
        if question.code in raw and not responding.asked(question, known):
            raw.pop(question.code)
    return raw


def _closed_refusal(request, consultation):
    return _closed_page(request, consultation, status=REFUSED)


@login_not_required
@anonymous_body_limit(ANSWERS_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def respond(request, org, slug):
    """The first page (a one-page survey: the whole survey, sent from here)."""
    consultation = public_consultation(org, slug)
    survey = responding.survey_for(consultation)
    one_page = consultation.paging == Consultation.Paging.ALL
    if request.method == "GET":
        if not consultation.is_open():
            return redirect(closed_url(consultation))
        if not survey.pages:
            return render(request, "consultations/public/no_questions.html", _common(consultation))
        page = survey.pages[0]

        def draw(form_token=None):
            form = _page_form(consultation, survey, page, None, one_page=one_page)
            context = _page_context(request, consultation, survey, page, form)
            if form_token:
                context["form_token"] = form_token
            return _render_page(request, context)

        if not blank_page.can_use(request):
            return draw()
        key = blank_page.page_key(consultation, survey, translation.get_language())
        form_token = submission.make_form_token(consultation)
        return blank_page.blank_first_page(request, key, lambda: draw(form_token), form_token=form_token)
    if not survey.pages:
        raise Http404
    token = submission.read_form_token(consultation, request.POST.get("form_token"))
    if token is not None:
        done = Response.objects.filter(consultation=consultation, idempotency_key=token.key).first()
        if done is not None:  # the same form sent again: the same confirmation
            return redirect(confirmation_url(done))
    page = survey.pages[0]
    form = _page_form(consultation, survey, page, request.POST, one_page=one_page)
    try:
        at = submission.submission_time(consultation, token)
    except submission.Closed:
        return _closed_refusal(request, consultation)
    saving = request.POST.get("action") == "save"
    if (saving or not one_page) and not ratelimit.allow_draft(request):
        form.is_valid()
        context = _page_context(request, consultation, survey, page, form, rate_limited=True)
        return _render_page(request, context, status=TOO_MANY)
    if saving:
        form.is_valid()
        raw = raw_of(form, form.questions)
        draft, draft_token = submission.new_draft(
            consultation, answers=raw, equality=_equality_raw(form) if form.equality else {}, page=1
        )
        return redirect("have_your_say:saved", token=draft_token)
    if not form.is_valid():
        return _render_page(request, _page_context(request, consultation, survey, page, form))
    if not one_page:
        raw = raw_of(form, form.questions)
        draft, draft_token = submission.new_draft(consultation, answers=_prune(survey, raw), page=2)
        return redirect(_next_url(survey, draft_token, known_answers(survey, raw), 1))
    return _send(request, consultation, survey, page, form, token, at)


def _page_form(consultation, survey, page, data, *, one_page, known=None, initial=None):
    known = known or {}
    return responding.QuestionsForm(
        data,
        questions=responding.shown_on_page(page, known),
        all_questions=survey.questions,
        earlier={k: v for k, v in known.items() if k not in {q.code for q in page.questions}},
        equality=one_page and consultation.ask_equality,
        honeypot=one_page,
        require_something=one_page,
        initial=initial,
    )


def _send(request, consultation, survey, page, form, token, at):
    """Send a one-page survey: its form token is the idempotency key."""
    if token is None:
        form.add_error(
            None,
            _(
                "Your answers have not been sent yet, because the page was open too long or was changed. "
                "Check your answers below and press Send again."
            ),
        )
        return _render_page(request, _page_context(request, consultation, survey, page, form))
    if not ratelimit.allow_submission(request, consultation):
        return _render_page(
            request, _page_context(request, consultation, survey, page, form, rate_limited=True), status=TOO_MANY
        )
    response = submission.submit(
        consultation,
        form.answers,
        form.equality_answers,
        idempotency_key=token.key,
        at=at,
        publish_consent=request.POST.get("publish_consent") == "on",
        consented=form.consent,
        postcode=submission.postcode_of(survey.questions, form.answers),
        questions=survey.questions,
    )
    return redirect(confirmation_url(response))


def _draft_or_gone(request, token):
    draft = submission.find_draft(token)
    if draft is None or draft.consultation.state not in PUBLIC_STATES:
        return None, render(request, "consultations/public/draft_gone.html", _base(), status=404)
    return draft, None


@login_not_required
@require_GET
def resume(request, token):
    draft, gone = _draft_or_gone(request, token)
    if gone:
        return gone
    consultation = draft.consultation
    if not consultation.is_open():
        return redirect(closed_url(consultation))
    survey = responding.survey_for(consultation)
    number = min(max(draft.page, 1), len(survey.pages) + 1)
    if number > len(survey.pages):
        return redirect("have_your_say:check", token=token)
    return redirect("have_your_say:page", token=token, number=number)


@login_not_required
@anonymous_body_limit(ANSWERS_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def page_view(request, token, number):
    draft, gone = _draft_or_gone(request, token)
    if gone:
        return gone
    consultation = draft.consultation
    if not consultation.is_open():
        return redirect(closed_url(consultation))
    survey = responding.survey_for(consultation)
    page = survey.page(number)
    if page is None:
        raise Http404
    one_page = consultation.paging == Consultation.Paging.ALL
    raw = dict(draft.answers)
    known = known_answers(survey, raw)
    if request.method == "GET":
        initial = initial_of(raw, page.questions)
        if one_page:
            initial.update(_equality_initial(draft.equality))
        form = _page_form(consultation, survey, page, None, one_page=one_page, known=known, initial=initial)
        if not form.questions:
            return redirect(_next_url(survey, token, known, number))
        submission.save_draft(draft, page=number)
        context = _page_context(
            request,
            consultation,
            survey,
            page,
            form,
            draft_token=token,
            known=known,
            back_url=_previous_url(survey, token, known, number, consultation),
        )
        return _render_page(request, context)
    form = _page_form(consultation, survey, page, request.POST, one_page=one_page, known=known)
    valid = form.is_valid()
    for question in page.questions:
        raw.pop(question.code, None)
    raw.update(raw_of(form, form.questions))
    equality = _equality_raw(form) if form.equality else None
    if request.POST.get("action") == "save":
        submission.save_draft(draft, answers=raw, equality=equality, page=number)
        return redirect("have_your_say:saved", token=token)
    if not valid:
        context = _page_context(
            request,
            consultation,
            survey,
            page,
            form,
            draft_token=token,
            known=known,
            back_url=_previous_url(survey, token, known, number, consultation),
        )
        return _render_page(request, context)
    raw = _prune(survey, raw)
    known = known_answers(survey, raw)
    submission.save_draft(draft, answers=raw, equality=equality, page=number + 1)
    if request.POST.get("return") == "check":
        return redirect("have_your_say:check", token=token)
    return redirect(_next_url(survey, token, known, number))


@login_not_required
@require_http_methods(["GET", "POST"])
def about_you(request, token):
    """The equality monitoring questions, on their own page before check your answers."""
    draft, gone = _draft_or_gone(request, token)
    if gone:
        return gone
    consultation = draft.consultation
    if not consultation.is_open():
        return redirect(closed_url(consultation))
    if not consultation.ask_equality:
        return redirect("have_your_say:check", token=token)
    survey = responding.survey_for(consultation)
    known = known_answers(survey, draft.answers)
    data = request.POST if request.method == "POST" else None
    form = responding.QuestionsForm(
        data, questions=[], equality=True, initial=_equality_initial(draft.equality) if data is None else None
    )
    context = _common(
        consultation,
        form=form,
        draft_token=token,
        back_url=_previous_url(survey, token, known, len(survey.pages) + 1, consultation),
    )
    if data is None:
        submission.save_draft(draft, page=len(survey.pages) + 1)
        return render(request, "consultations/public/about_you.html", context)
    valid = form.is_valid()
    equality = _equality_raw(form)
    if request.POST.get("action") == "save":
        submission.save_draft(draft, equality=equality)
        return redirect("have_your_say:saved", token=token)
    if not valid:
        return render(request, "consultations/public/about_you.html", context, status=INVALID)
    submission.save_draft(draft, equality=equality, page=len(survey.pages) + 1)
    return redirect("have_your_say:check", token=token)


class CheckForm(Form):
    publish_consent = forms.BooleanField(
        label=gettext_lazy(
            "You may publish what I wrote, after anything that could identify me or someone else has been removed"
        ),
        required=False,
    )
    website = forms.CharField(label=gettext_lazy("Leave this empty"), required=False, max_length=200)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave the box labelled “Leave this empty” empty"))
        return ""


def _check_rows(survey, token, known, raw):
    rows = []
    for page in survey.pages:
        for question in page.questions:
            if not responding.asked(question, known):
                continue
            rows.append(
                {
                    "question": question,
                    "lines": responding.display(question, known.get(question.code)),
                    "change": reverse("have_your_say:page", kwargs={"token": token, "number": page.number})
                    + "?return=check",
                    "anchor": responding.field_names(question)[0] if responding.field_names(question) else "",
                }
            )
    return rows


@login_not_required
@require_http_methods(["GET", "POST"])
def check(request, token):
    draft = submission.find_draft(token)
    if draft is None and request.method == "POST":
        # Sent twice: the first send stored the response and removed the draft.
        done = _response_for_token(request.POST.get("form_token"))
        if done is not None:
            return redirect(confirmation_url(done))
    draft, gone = _draft_or_gone(request, token)
    if gone:
        return gone
    consultation = draft.consultation
    survey = responding.survey_for(consultation)
    errors, known = responding.validate_answers(survey, data_of(draft.answers))
    if consultation.ask_equality and set(draft.equality) - {"consent"} and not draft.equality.get("consent"):
        errors.append(
            (None, _("Tick the box to agree to us keeping your answers about you, or leave those questions blank"))
        )
    form = CheckForm(request.POST if request.method == "POST" else None)
    context = _common(
        consultation,
        form=form,
        draft_token=token,
        rows=_check_rows(survey, token, known, draft.answers),
        problems=[
            {
                "text": message,
                "href": _page_of(survey, token, question)
                if question is not None or not consultation.ask_equality
                else reverse("have_your_say:about_you", kwargs={"token": token}),
            }
            for question, message in errors
        ],
        equality_rows=responding.equality_display(draft.equality) if consultation.ask_equality else [],
        equality_consent=bool(draft.equality.get("consent")),
        ask_equality=consultation.ask_equality,
        equality_url=reverse("have_your_say:about_you", kwargs={"token": token})
        if consultation.paging != Consultation.Paging.ALL
        else reverse("have_your_say:page", kwargs={"token": token, "number": 1}),
        form_token=submission.make_form_token(consultation),
        back_url=reverse("have_your_say:resume", kwargs={"token": token}),
    )
    if request.method == "GET":
        if not consultation.is_open():
            return redirect(closed_url(consultation))
        return render(request, "consultations/public/check.html", context)
    form_token = submission.read_form_token(consultation, request.POST.get("form_token"))
    if form_token is not None:
        done = Response.objects.filter(consultation=consultation, idempotency_key=form_token.key).first()
        if done is not None:
            return redirect(confirmation_url(done))
    try:
        at = submission.submission_time(consultation, form_token)
    except submission.Closed:
        return _closed_refusal(request, consultation)
    if not form.is_valid() or errors or form_token is None or not (known or draft.equality):
        if form_token is None and form.is_valid():
            form.add_error(None, _("Your answers have not been sent yet: press Send again."))
        elif not known and not errors and form.is_valid():
            form.add_error(None, _("Answer at least one question before you send your response"))
        return render(request, "consultations/public/check.html", context, status=INVALID)
    if not ratelimit.allow_submission(request, consultation):
        return render(request, "consultations/public/check.html", {**context, "rate_limited": True}, status=TOO_MANY)
    response = submission.submit_draft(
        draft,
        answers=known,
        idempotency_key=form_token.key,
        at=at,
        publish_consent=form.cleaned_data["publish_consent"],
    )
    return redirect(confirmation_url(response))


def _page_of(survey, token, question):
    if question is None:
        return "#main-form"
    for page in survey.pages:
        if question in page.questions:
            return reverse("have_your_say:page", kwargs={"token": token, "number": page.number}) + "?return=check"
    return "#main-form"


def _response_for_token(value):
    if not value or len(value) > 200:
        return None
    consultation_id = str(value).split(".", 1)[0]
    if not consultation_id.isdigit():
        return None
    consultation = Consultation.objects.filter(pk=int(consultation_id)).first()
    token = submission.read_form_token(consultation, value) if consultation else None
    if token is None:
        return None
    return (
        Response.objects.select_related("consultation")
        .filter(consultation=consultation, idempotency_key=token.key)
        .first()
    )


class EmailForm(Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        help_text=gettext_lazy("We use it to send you this link, then forget it."),
        max_length=254,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def saved(request, token):
    """The resume link, shown once, and an optional email with it."""
    draft, gone = _draft_or_gone(request, token)
    if gone:
        return gone
    consultation = draft.consultation
    link = request.build_absolute_uri(reverse("have_your_say:resume", kwargs={"token": token}))
    form = EmailForm(request.POST if request.method == "POST" else None)
    context = _common(consultation, link=link, form=form, draft_token=token, sent_to="", expires=draft.expires_at)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "consultations/public/saved.html", context, status=INVALID)
        if not ratelimit.allow_email(request):
            form.add_error("email", _("We cannot send more emails from here just now. Copy the link instead."))
            return render(request, "consultations/public/saved.html", context, status=TOO_MANY)
        submission.send_resume_link(address=form.cleaned_data["email"], link=link, consultation=consultation)
        context["sent_to"] = form.cleaned_data["email"]
        context["form"] = EmailForm()
    return render(request, "consultations/public/saved.html", context)


def local_date_words(value):
    """'Tuesday 3 March 2026 at 5pm', in Europe/London."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    hour = local.strftime("%-I%p").lower() if local.minute == 0 else local.strftime("%-I:%M%p").lower()
    if local.hour == 0 and local.minute == 0:
        hour = _("midnight")
    elif local.hour == 12 and local.minute == 0:
        hour = _("midday")
    return _("%(date)s at %(time)s") % {"date": _date_words(local.date()), "time": hour}


WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]
MONTHS = [
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
]


def _date_words(day: datetime.date):
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def current_language():
    return "cy" if (translation.get_language() or "").startswith("cy") else "en-GB"
