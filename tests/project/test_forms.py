"""Every form in Involve, found by walking the URL resolver (tests/e2e/pages.py), so a new form cannot
escape these tests:

- saving an existing record unchanged, exactly as a browser submits the rendered page (one value per
  radio group, every checked checkbox, the selected option of each select), changes nothing: not the
  record, not its links, not the audit log;
- ticking every option of every "choose several" question saves every tick;
- submitting the form empty, or with bad values, answers 400 with messages written for people: none
  of Django's default messages ("This field is required.", "Ensure this value…") appears, and the
  database is unchanged.

A page with a POST form that has questions must be listed in FORMS (as an edit of an existing record
or as a form that adds one) or in EXEMPT with the reason, or the first test fails by name.
"""

import re
from html.parser import HTMLParser

import pytest
from django import forms as django_forms
from django.apps import apps
from django.core import validators
from django.db import models
from django.urls import reverse

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.engagement import models as eng
from involve.engagement.models import Activity, AudienceTag, BoardPaper, Decision, LegalDuty, Method
from involve.engagement.services import refresh_involvement

from ..consultations import spec as consultations_spec
from ..e2e.pages import urls_to_visit
from ..engagement import factories
from ..insight import spec as insight_spec
from ..world import build_world

EDIT, ADD = "edit", "add"
FORMS = {
    "engagement:decision_add": ADD,
    "engagement:decision_edit": EDIT,
    "engagement:decision_screen": EDIT,
    "engagement:cover_sheet_details": EDIT,
    "engagement:activity_add": ADD,
    "engagement:activity_edit": EDIT,
    "engagement:activity_feedback": EDIT,
    "engagement:programme_add": ADD,
    "engagement:programme_edit": EDIT,
    "engagement:objective_add": ADD,
    "engagement:objective_edit": EDIT,
    "engagement:milestone_add": ADD,
    "engagement:milestone_edit": EDIT,
    "engagement:partner_add": ADD,
    "engagement:partner_edit": EDIT,
    "engagement:terms_add": ADD,
    "engagement:terms_edit": EDIT,
    "engagement:audience_add": ADD,
    "engagement:audience_edit": EDIT,
    "engagement:evidence_add_file_decision": ADD,
    "engagement:evidence_add_link_decision": ADD,
    "engagement:evidence_add_file_activity": ADD,
    "engagement:evidence_add_link_activity": ADD,
    "organisations:edit": EDIT,
    "organisations:add_child": ADD,
    "organisations:succession_add": ADD,
    "organisations:invite": ADD,
    "organisations:member_edit": EDIT,
    # Consultations, public pages and equality: declared by each part (tests/consultations/spec.py).
    **consultations_spec.FORMS,
    **insight_spec.FORMS,
}
# Sign-in, password and two-factor pages are django-allauth's forms, tested in tests/organisations/test_auth.py; they
# hold no record of ours.
EXEMPT_PREFIXES = ("account_", "mfa_")
EXEMPT = {
    "organisations:switch": "a choice between buttons, one per organisation: no record is edited",
    **consultations_spec.FORM_EXEMPT,
    **insight_spec.FORM_EXEMPT,
}


class _Forms(HTMLParser):
    """The forms inside <main>: for each, its method and its controls as a browser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._in_main = [], None, 0
        self._textarea = self._select = self._option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self._in_main += 1
        elif tag == "form" and self._in_main:
            method = (a.get("method") or "get").lower()
            self._form = {"action": a.get("action") or "", "method": method, "controls": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["controls"].append(
                {
                    "tag": "input",
                    "type": (a.get("type") or "text").lower(),
                    "name": a.get("name"),
                    "value": a.get("value", "on" if a.get("type") in ("checkbox", "radio") else ""),
                    "checked": "checked" in a,
                }
            )
        elif tag == "textarea":
            self._textarea = {
                "tag": "textarea",
                "type": "textarea",
                "name": a.get("name"),
                "value": "",
                "maxlength": a.get("data-maxlength"),
            }
            self._form["controls"].append(self._textarea)
        elif tag == "select":
            self._select = {"tag": "select", "type": "select", "name": a.get("name"), "options": []}
            self._form["controls"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self._select["options"].append(self._option)

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main -= 1
        elif tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None:
                # A browser drops one newline straight after <textarea>.
                self._textarea["value"] = self._textarea["value"].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data
        elif self._option is not None:
            self._option["text"] += data


def main_form(html):
    """The page's form with questions (not a delete button or the sign-out form), or None."""
    return _first_with_questions(html, "post")


def filter_form(html):
    """The page's GET form with questions (a list's filters or search), or None."""
    return _first_with_questions(html, "get")


def _first_with_questions(html, method):
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == method and any(_is_question(c) for c in form["controls"]):
            return form
    return None


def _is_question(control):
    return control["name"] and control["type"] not in ("hidden", "submit", "button", "image", "reset")


def as_submitted(form):
    """What a browser sends for the form as drawn: a dict of name → list of values."""
    data = {}
    for c in form["controls"]:
        name = c["name"]
        if not name or c["type"] in ("submit", "button", "image", "reset", "file"):
            continue
        if c["type"] in ("checkbox", "radio"):
            if c["checked"]:
                data.setdefault(name, []).append(c["value"])
        elif c["tag"] == "select":
            chosen = [o["value"] for o in c["options"] if o["selected"]] or [c["options"][0]["value"]]
            data.setdefault(name, []).append(chosen[0] if chosen[0] is not None else "")
        else:
            data.setdefault(name, []).append(c["value"])
    return data


def checkbox_groups(form):
    """name → every value of a "choose several" question (two or more checkboxes under one name)."""
    groups = {}
    for c in form["controls"]:
        if c["type"] == "checkbox" and c["name"]:
            groups.setdefault(c["name"], []).append(c["value"])
    return {name: values for name, values in groups.items() if len(values) > 1}


def database_state():
    """Every row of every Involve model and every many-to-many link, and the number of audit events."""
    state = {}
    for model in apps.get_models():
        if not model._meta.app_config.name.startswith("involve.") or model is AuditEvent:
            continue
        if model._meta.app_config.label == "core":  # background task bookkeeping, not a record
            continue
        state[model._meta.label] = list(model.objects.order_by("pk").values())
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            state[through._meta.label] = list(through.objects.order_by("pk").values())
    # Downloads and refusals are logged (audit.middleware), but they change no record.
    state["audit events"] = AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count()
    return state


def _literal_parts(message):
    return [p for p in re.split(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}", message) if p.strip()]


def django_default_messages():
    """Fragments of every default error message Django's form fields, model fields and validators
    carry, long enough that they cannot appear by chance."""
    messages = set()

    def fields_of(base):
        for cls in [base, *base.__subclasses__()]:
            yield cls
            if cls is not base:
                yield from fields_of(cls)

    for cls in list(fields_of(django_forms.Field)) + list(fields_of(models.Field)):
        if not cls.__module__.startswith("django."):
            continue  # our own fields (NHSDateField, UploadField) carry messages written for people
        for message in getattr(cls, "default_error_messages", {}).values():
            messages.add(str(message))
    for value in vars(validators).values():
        if isinstance(value, type) and isinstance(getattr(value, "message", None), str):
            messages.add(str(value.message))
    messages |= {
        "Ensure this value has at most",
        "Ensure this value has at least",
        "Ensure that there are no more than",
        "Ensure this value is less than",
        "Ensure this value is greater than",
        " already exists.",
        " is violated.",
    }
    fragments = set()
    for message in messages:
        parts = _literal_parts(message)
        if parts:
            longest = max(parts, key=len).strip()
            if len(longest) >= 10:
                fragments.add(longest)
    return fragments


DEFAULTS = None


def defaults_in(html):
    global DEFAULTS
    DEFAULTS = DEFAULTS or django_default_messages()
    text = re.sub(r"\s+", " ", html)
    return sorted(f for f in DEFAULTS if f in text)


@pytest.fixture
def world(cast):
    return build_world(cast)


@pytest.fixture
def rich(world):
    """The walker's pages, with records whose "choose several" questions hold several values."""
    urls, problems = urls_to_visit(world, world.walker)
    org = world.org_a
    e = world.engagement
    duties = [d for d in LegalDuty.objects.valid_on(factories.TODAY) if d.applies_to_kind(org.kind)][:2]
    second_decision = factories.make_decision(org, title="Second decision")
    tags = list(AudienceTag.objects.filter(organisation=None)[:3])
    Decision.objects.filter(pk=e.decision.pk).update(
        affects_services="yes",
        affects_rationale="It moves a service",
        duty_status="plan_in_progress",
        plan_methods=[Method.WORKSHOP, Method.SURVEY],
    )
    e.decision.refresh_from_db()
    e.decision.duties.set(duties)
    e.decision.plan_audiences.set(tags[:2])
    e.activity.decisions.add(second_decision)
    e.activity.partners.add(factories.make_partner(org, "Second partner"))
    e.activity.audiences_targeted.set(tags[:2])
    e.activity.audiences_reached.set(tags[1:3])
    Activity.objects.filter(pk=e.activity.pk).update(
        state="done",
        participants=12,
        feedback_what="What we heard",
        feedback_how="Email",
        feedback_given_on=factories.days(-1),
    )
    refresh_involvement([e.decision.pk, second_decision.pk])  # as the services do
    BoardPaper.objects.create(organisation=org, decision=e.decision, meeting="Alpha ICB Board", purpose="decision")
    assert len(duties) == 2, "the reference data should offer two duties for an ICB"
    return urls, problems


def _client(world):
    from django.test import Client

    client = Client()
    client.force_login(world.walker)
    return client


def _form_pages(world, urls):
    client = _client(world)
    found = {}
    for name, url, _ in urls:
        if name in EXEMPT or (name or "").startswith(EXEMPT_PREFIXES):
            continue
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        form = main_form(response.content.decode())
        if form is not None:
            found[name] = (url, form)
    return client, found


def test_every_form_is_covered(rich, world):
    urls, problems = rich
    assert not problems
    _, found = _form_pages(world, urls)
    unlisted = sorted(set(found) - set(FORMS))
    assert not unlisted, f"add these forms to FORMS (or EXEMPT, with the reason): {unlisted}"
    missing = sorted(set(FORMS) - set(found))
    assert not missing, f"FORMS names pages that no longer show a form: {missing}"


def test_saving_any_record_unchanged_changes_nothing_and_every_tick_is_kept(rich, world):
    urls, _ = rich
    client, found = _form_pages(world, urls)
    checked = []
    for name, (url, _) in sorted(found.items()):
        if FORMS.get(name) != EDIT:
            continue
        # Drawn afresh: an earlier save may have changed a record this page shows (a newer revision).
        form = main_form(client.get(url).content.decode())
        before = database_state()
        response = client.post(url, as_submitted(form))
        assert response.status_code == 302, (name, _errors(response))
        assert database_state() == before, f"{name}: saving unchanged changed the record or wrote an audit event"
        groups = checkbox_groups(main_form(client.get(url).content.decode()))
        if groups:
            data = {**as_submitted(form), **groups}
            response = client.post(url, data)
            assert response.status_code == 302, (name, _errors(response))
            again = main_form(client.get(url).content.decode())
            for group, values in groups.items():
                ticked = {c["value"] for c in again["controls"] if c["name"] == group and c["checked"]}
                assert ticked == set(values), f"{name}: {group} kept {sorted(ticked)} of {sorted(values)}"
        checked.append((name, sorted(groups)))
    assert len(checked) == sum(kind == EDIT for kind in FORMS.values())
    groups_checked = {g for _, gs in checked for g in gs}
    # The questions that lost ticks when they were drawn as radios must be among those checked.
    assert {
        "duties",
        "plan_audiences",
        "plan_methods",
        "decisions",
        "partners",
        "audiences_targeted",
        "audiences_reached",
    } <= groups_checked


def _errors(response):
    html = response.content.decode()
    return re.findall(r"nhsuk-error-message[^>]*>\s*<span[^>]*>Error: </span>([^<]*)", html) or html[:500]


def _bad_values(form, variant):
    data = {}
    for c in form["controls"]:
        name, kind = c["name"], c["type"]
        if not name or kind in ("submit", "button", "hidden", "file"):
            continue
        if kind in ("checkbox", "radio") or c["tag"] == "select":
            data.setdefault(name, []).append("999999999" if variant == 0 else "x")
        elif kind == "number" or name in (
            "participants",
            "responses",
            "public_partners",
            "cost",
            "expected_participants",
        ):
            data[name] = ["abc"] if variant == 0 else ["-5"]
        elif name.endswith("-day"):
            data[name] = ["31" if variant == 0 else "12"]
        elif name.endswith("-month"):
            data[name] = ["2" if variant == 0 else "12"]
        elif name.endswith("-year"):
            data[name] = ["2026" if variant == 0 else "9999"]
        elif kind == "email":
            data[name] = ["not an email address"]
        else:
            data[name] = ["x" * 6000 if variant == 0 else "javascript:alert(1)\r\nBcc: x@example.org"]
    return data


def test_no_django_default_message_on_any_form(rich, world):
    urls, _ = rich
    client, found = _form_pages(world, urls)
    for name, (url, _) in sorted(found.items()):
        form = main_form(client.get(url).content.decode())
        for label, data in (
            ("empty", {}),
            ("bad values", _bad_values(form, 0)),
            ("other bad values", _bad_values(form, 1)),
        ):
            before = database_state()
            response = client.post(url, data)
            html = response.content.decode()
            assert response.status_code == 400, (name, label, response.status_code, _errors(response))
            assert "There is a problem" in html, (name, label)
            assert not defaults_in(html), (name, label, defaults_in(html))
            assert database_state() == before, (name, label)


HEADER_INJECTION = "a\r\nBcc: x@example.com"
SINGLE_LINE_INPUTS = ("text", "email", "url", "search", "tel")


def test_no_single_line_field_takes_a_line_break(rich, world):
    # A name or title with a line break ends up in email headers (an invitation's subject) and file names.
    urls, _ = rich
    client, found = _form_pages(world, urls)
    checked = []
    for name, (url, _) in sorted(found.items()):
        form = main_form(client.get(url).content.decode())
        single_line = [
            c["name"]
            for c in form["controls"]
            if c["tag"] == "input"
            and c["type"] in SINGLE_LINE_INPUTS
            and c["name"]
            and not c["name"].endswith(("-day", "-month", "-year"))
        ]
        if not single_line:
            continue
        before = database_state()
        response = client.post(url, {**as_submitted(form), **{field: [HEADER_INJECTION] for field in single_line}})
        html = response.content.decode()
        assert response.status_code == 400, (name, response.status_code)
        for field in single_line:
            # The error summary links to the field: the error is the field's own.
            assert f'href="#id_{field}"' in html, (name, field, _errors(response))
        assert database_state() == before, name
        checked += [(name, field) for field in single_line]
    assert {
        ("organisations:edit", "name"),
        ("organisations:add_child", "ods_code"),
        ("organisations:invite", "first_name"),
        ("organisations:invite", "last_name"),
        ("engagement:decision_edit", "title"),
        ("engagement:partner_add", "name"),
    } <= set(checked)


def test_the_audit_filter_refuses_a_line_break(cast, client_for):
    html = client_for(cast.a_administrator).get(reverse("audit:list"), {"actor": HEADER_INJECTION}).content.decode()
    assert "must be on one line" in html


def test_every_text_field_has_a_length_limit():
    unlimited = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_config.name.startswith("involve.")
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField) and field.max_length is None and field.editable
    ]
    assert unlimited == []


def test_form_fields_come_from_the_services_allowlists():
    from involve.engagement import forms, services

    pairs = [
        (forms.ProgrammeForm, services.PROGRAMME_FIELDS),
        (forms.ObjectiveForm, services.OBJECTIVE_FIELDS),
        (forms.MilestoneForm, services.MILESTONE_FIELDS),
        (forms.DecisionForm, services.DECISION_FIELDS + services.DECISION_M2M),
        (forms.ScreeningForm, services.SCREENING_FIELDS + services.SCREENING_M2M),
        (forms.ActivityForm, services.ACTIVITY_FIELDS + services.ACTIVITY_M2M),
        (forms.FeedbackForm, services.FEEDBACK_FIELDS),
        (forms.PartnerForm, services.PARTNER_FIELDS),
        (forms.TermsForm, services.TERMS_FIELDS),
        (forms.AudienceTagForm, services.AUDIENCE_TAG_FIELDS),
    ]
    for form, allowed in pairs:
        assert set(form._meta.fields) == set(allowed), form.__name__


def test_the_default_message_detector_finds_django_messages():
    # Guard: the detector would catch the messages this issue was about.
    html = "<p>This field is required.</p><p>Ensure this value has at most 200 characters (it has 201).</p>"
    assert "This field is required." in defaults_in(html)
    assert "Ensure this value has at most" in defaults_in(html)
    assert defaults_in("<p>Enter a title</p><p>Title must be 200 characters or fewer</p>") == []


def test_the_decision_model_keeps_its_dated_rules():
    # Dates that say something happened cannot be in the future, whichever form or service writes them.
    decision = Decision(title="x", kind="operational", scrutiny_consulted_on=factories.days(1))
    with pytest.raises(Exception) as caught:
        decision.clean()
    assert "scrutiny_consulted_on" in caught.value.message_dict
    assert eng.not_in_future(factories.days(1), "It") == "It cannot be in the future"
    assert eng.not_in_future(factories.TODAY, "It") is None


def test_saving_a_record_deleted_meanwhile_is_a_page_not_a_500(rich, world):
    # Issue 8 item 5: for every edit form, the record is deleted while the person edits it, either
    # just before the save takes its lock (they get the page that shows what they typed) or before they
    # press Save.
    from django.db import connection, transaction
    from django.test import Client

    from involve.audit import writes

    urls, _ = rich
    _, found = _form_pages(world, urls)
    client = Client(raise_request_exception=False)
    client.force_login(world.walker)
    real_lock, checked = writes.lock, []

    def delete(instance):
        # As another person's committed delete looks to this transaction; no cascades or protection.
        table, pk = instance._meta.db_table, instance._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)} WHERE {pk} = %s", [instance.pk])  # noqa: S608

    for name, (url, _) in sorted(found.items()):
        if FORMS.get(name) != EDIT:
            continue
        data = as_submitted(main_form(client.get(url).content.decode()))
        locked = []

        def deleted_meanwhile(instance):
            if not locked:
                locked.append(instance)
                delete(instance)
            return real_lock(instance)

        writes.lock = deleted_meanwhile
        try:
            with transaction.atomic():
                response = client.post(url, data)
                transaction.set_rollback(True)
        finally:
            writes.lock = real_lock
        assert locked, f"{name}: the save did not lock its record"
        assert response.status_code == 404, (name, response.status_code)
        assert "This record has been deleted" in response.content.decode(), name
        with transaction.atomic():
            delete(locked[0])
            response = client.post(url, data)
            transaction.set_rollback(True)
        # Page not found, or saved afresh where the record locked is a part of the page's record (a
        # decision's cover sheet details are made again).
        assert response.status_code in (302, 404), (name, "deleted before saving", response.status_code)
        checked.append(name)
    assert len(checked) == sum(kind == EDIT for kind in FORMS.values())
