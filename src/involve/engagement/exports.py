"""The columns of the CSV and XLSX exports of the engagement lists.

Each export is one list of (header, value) pairs: the header says what the column holds (its unit, and
what an empty cell means where that matters) and the value is a function of the record that gives the
cell. core.exports.table() builds the header and the rows from that one list, so a column cannot drift
from its header. Values are typed (dates as dates, numbers as numbers, None for an empty cell);
core.exports.safe_cell() neutralises anything a spreadsheet could run.
Related records are prefetched, so an export costs the same few queries whatever its length.
"""

from operator import attrgetter as attr

from django.db.models import Prefetch
from django.utils import timezone

from involve.core.exports import table
from involve.organisations.models import Organisation

from .models import AudienceTag, Decision, ImprovementObjective, LadderLevel, Method, VCSEPartner
from .selectors import partner_status


def _names(items):
    return "; ".join(str(item) for item in items)


def _organisation(record):
    return record.organisation.name


def _ods_code(record):
    return record.organisation.ods_code


def _programme(record):
    return record.programme.name if record.programme else ""


def _screened_on(decision):
    return timezone.localdate(decision.screened_at) if decision.screened_at else None


DECISION_COLUMNS = [
    ("Organisation", _organisation),
    ("ODS code", _ods_code),
    ("Reference", attr("reference")),
    ("Title", attr("title")),
    ("Programme (empty if none)", _programme),
    ("Decision-maker (board or committee)", attr("decision_maker")),
    ("Type of decision", lambda d: d.get_kind_display()),
    ("Organisations it affects", lambda d: _names(d.affected_organisations.all())),
    ("Decision date (taken, else planned)", attr("decision_date")),
    ("Planned decision date", attr("planned_date")),
    ("Date taken (empty if not taken yet)", attr("actual_date")),
    (
        "Affects how services are delivered or the range of services (Yes, No, Not yet known)",
        lambda d: d.get_affects_services_display(),
    ),
    ("Why it does or does not affect services", attr("affects_rationale")),
    ("Legal duties that apply (codes)", lambda d: _names(duty.code for duty in d.duties.all())),
    ("Substantial development or variation", lambda d: d.get_substantial_variation_display()),
    ("Scrutiny committee consulted on", attr("scrutiny_consulted_on")),
    ("Equality impact assessment reference", attr("eia_reference")),
    ("How health inequalities were considered", attr("health_inequalities")),
    ("Involvement methods planned", lambda d: _names(d.plan_method_labels)),
    ("Involvement plan", attr("plan_notes")),
    ("How feedback changed the proposal", attr("feedback_changes")),
    ("Duty to involve: status", lambda d: d.get_duty_status_display()),
    ("Screened on (empty if not screened yet)", _screened_on),
    ("Warnings (empty if none)", lambda d: _names(w.label for w in d.warnings)),
    ("Summary", attr("summary")),
]

ACTIVITY_COLUMNS = [
    ("Organisation", _organisation),
    ("ODS code", _ods_code),
    ("Title", attr("title")),
    ("Programme (empty if none)", _programme),
    ("Has it taken place?", lambda a: a.get_state_display()),
    ("Method", lambda a: Method(a.method).label),
    ("Level of participation", lambda a: LadderLevel(a.ladder_level).label),
    ("Start date", attr("starts_on")),
    ("End date (empty if not given)", attr("ends_on")),
    ("Place", attr("location")),
    ("Held online", lambda a: "Yes" if a.online else "No"),
    ("People expected to take part", attr("expected_participants")),
    ("People who took part", attr("participants")),
    ("Responses", attr("responses")),
    ("Patient and public partners involved (number)", attr("public_partners")),
    ("Their roles", attr("public_partner_roles")),
    ("VCSE partners", lambda a: _names(a.partners.all())),
    ("Audiences targeted", lambda a: _names(a.audiences_targeted.all())),
    ("Audiences reached", lambda a: _names(a.audiences_reached.all())),
    ("Decisions it informed", lambda a: _names(a.decisions.all())),
    # Decimal would reach the spreadsheet as text; a float keeps it a number.
    ("Cost (£)", lambda a: float(a.cost) if a.cost is not None else None),
    ("Outputs", attr("outputs")),
    ("Feedback given on", attr("feedback_given_on")),
    ("How feedback was given", attr("feedback_how")),
    ("Feedback given to participants", attr("feedback_what")),
    ("Description", attr("description")),
]

PROGRAMME_COLUMNS = [
    ("Organisation", _organisation),
    ("ODS code", _ods_code),
    ("Programme", attr("name")),
    ("Description", attr("description")),
    ("Decisions (number)", attr("n_decisions")),
    ("Activities (number)", attr("n_activities")),
    (
        "Improvement objectives (status in brackets)",
        lambda p: _names(f"{o.title} ({o.get_status_display().lower()})" for o in p.objectives.all()),
    ),
]

PARTNER_COLUMNS = [
    ("Organisation", _organisation),
    ("ODS code", _ods_code),
    ("Partner", attr("name")),
    ("Type", lambda p: p.get_kind_display()),
    ("Contact email address", attr("contact_email")),
    ("Website", attr("website")),
    ("Activities (number)", attr("n_activities")),
    ("Latest terms: version (empty if none agreed)", attr("terms_version")),
    ("Latest terms: agreed on", attr("terms_agreed_on")),
    ("Latest terms: review due", attr("terms_review_on")),
    ("Terms status (empty if in date)", lambda p: partner_status(p) or ""),
]


def decision_rows(decisions):
    affected = Prefetch("affected_organisations", queryset=Organisation.objects.order_by("name"))
    return table(DECISION_COLUMNS, decisions.prefetch_related("duties", affected))


def activity_rows(activities):
    tags = Prefetch("audiences_targeted", queryset=AudienceTag.objects.order_by("name"))
    reached = Prefetch("audiences_reached", queryset=AudienceTag.objects.order_by("name"))
    decisions = Prefetch("decisions", queryset=Decision.objects.order_by("title"))
    partners = Prefetch("partners", queryset=VCSEPartner.objects.order_by("name"))
    return table(ACTIVITY_COLUMNS, activities.prefetch_related(tags, reached, decisions, partners))


def programme_rows(programmes):
    objectives = Prefetch("objectives", queryset=ImprovementObjective.objects.order_by("target_date", "title"))
    return table(PROGRAMME_COLUMNS, programmes.prefetch_related(objectives))


def partner_rows(partners):
    return table(PARTNER_COLUMNS, partners)
