"""Rows for the CSV and XLSX exports of the engagement lists.

Values are passed as typed; core.exports.safe_cell() neutralises anything a spreadsheet could run.
Related records are prefetched, so an export costs the same few queries whatever its length.
"""

from django.db.models import Prefetch

from .models import AudienceTag, Decision, ImprovementObjective, LadderLevel, Method, VCSEPartner
from .selectors import partner_status, warnings_for


def _names(items):
    return "; ".join(str(item) for item in items)


def decision_rows(decisions):
    header = [
        "Organisation",
        "ODS code",
        "Reference",
        "Title",
        "Programme",
        "Decision-maker",
        "Type",
        "Planned decision date",
        "Date taken",
        "Affects delivery or range of services",
        "Reasons",
        "Duties that apply",
        "Substantial variation",
        "Scrutiny committee consulted on",
        "Equality impact assessment",
        "Health inequalities",
        "Methods planned",
        "Involvement plan",
        "How feedback changed the proposal",
        "Status",
        "Screened on",
        "Warnings",
        "Summary",
    ]
    rows = []
    for d in decisions.prefetch_related("duties"):
        rows.append(
            [
                d.organisation.name,
                d.organisation.ods_code,
                d.reference,
                d.title,
                d.programme.name if d.programme else "",
                d.decision_maker,
                d.get_kind_display(),
                d.planned_date,
                d.actual_date,
                d.get_affects_services_display(),
                d.affects_rationale,
                _names(duty.code for duty in d.duties.all()),
                d.get_substantial_variation_display(),
                d.scrutiny_consulted_on,
                d.eia_reference,
                d.health_inequalities,
                _names(d.plan_method_labels),
                d.plan_notes,
                d.feedback_changes,
                d.get_duty_status_display(),
                d.screened_at.date() if d.screened_at else None,
                _names(w.label for w in warnings_for(d)),
                d.summary,
            ]
        )
    return header, rows


def activity_rows(activities):
    header = [
        "Organisation",
        "ODS code",
        "Title",
        "Programme",
        "Method",
        "Level of participation",
        "Start date",
        "End date",
        "Place",
        "Online",
        "People who took part",
        "Responses",
        "Patient and public partners",
        "Their roles",
        "Partners",
        "Audiences targeted",
        "Audiences reached",
        "Decisions informed",
        "Cost (£)",
        "Outputs",
        "Feedback given on",
        "How feedback was given",
        "Feedback given",
        "Description",
    ]
    tags = Prefetch("audiences_targeted", queryset=AudienceTag.objects.order_by("name"))
    reached = Prefetch("audiences_reached", queryset=AudienceTag.objects.order_by("name"))
    decisions = Prefetch("decisions", queryset=Decision.objects.order_by("title"))
    partners = Prefetch("partners", queryset=VCSEPartner.objects.order_by("name"))
    rows = []
    for a in activities.prefetch_related(tags, reached, decisions, partners):
        rows.append(
            [
                a.organisation.name,
                a.organisation.ods_code,
                a.title,
                a.programme.name if a.programme else "",
                Method(a.method).label,
                LadderLevel(a.ladder_level).label,
                a.starts_on,
                a.ends_on,
                a.location,
                "Yes" if a.online else "No",
                a.participants,
                a.responses,
                a.public_partners,
                a.public_partner_roles,
                _names(a.partners.all()),
                _names(a.audiences_targeted.all()),
                _names(a.audiences_reached.all()),
                _names(a.decisions.all()),
                float(a.cost) if a.cost is not None else None,
                a.outputs,
                a.feedback_given_on,
                a.feedback_how,
                a.feedback_what,
                a.description,
            ]
        )
    return header, rows


def programme_rows(programmes):
    header = [
        "Organisation",
        "ODS code",
        "Programme",
        "Description",
        "Decisions",
        "Activities",
        "Improvement objectives",
    ]
    objectives = Prefetch("objectives", queryset=ImprovementObjective.objects.order_by("target_date", "title"))
    rows = []
    for p in programmes.prefetch_related(objectives):
        rows.append(
            [
                p.organisation.name,
                p.organisation.ods_code,
                p.name,
                p.description,
                p.n_decisions,
                p.n_activities,
                _names(f"{o.title} ({o.get_status_display().lower()})" for o in p.objectives.all()),
            ]
        )
    return header, rows


def partner_rows(partners):
    header = [
        "Organisation",
        "ODS code",
        "Partner",
        "Type",
        "Contact email address",
        "Website",
        "Activities",
        "Terms version",
        "Terms agreed on",
        "Terms review due",
        "Notes",
    ]
    rows = []
    for p in partners:
        rows.append(
            [
                p.organisation.name,
                p.organisation.ods_code,
                p.name,
                p.get_kind_display(),
                p.contact_email,
                p.website,
                p.n_activities,
                p.terms_version,
                p.terms_agreed_on,
                p.terms_review_on,
                partner_status(p) or "",
            ]
        )
    return header, rows
