"""The cover sheet's structure: "How the duty to involve has been considered", built from the record.

build_cover_sheet(decision) reads the decision, its board paper details, its assessment, its
activities and all the evidence once, and gives back a plain CoverSheet. The page, the PDF and the
DOCX are all drawn from that one structure, so they cannot disagree. Anything missing is stated in
words ("Meeting details not recorded", "No involvement activity is recorded for this decision.") and
listed under "Gaps in the record"; nothing is left out quietly.

Nothing here is markup: values are plain text, with the characters XML cannot hold (control
characters) dropped on the way in. No internal id is shown as text: the record is named by the
decision's own reference and title.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from ..models import Activity, BoardPaper, Decision, Evidence

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    return _NOT_XML.sub("", str(value or "")).strip()


def _date(value) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _join(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _size(n) -> str:
    if not n:
        return ""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    missing: bool = False  # the value says that something is not recorded


@dataclass(frozen=True)
class EvidenceItem:
    pk: int
    title: str
    dated: datetime.date
    kind: str  # "File" or "Link"
    detail: str  # the file's name, type and size, or the web address
    url: str  # links only
    attached_to: str
    after_decision: bool
    description: str = ""


@dataclass(frozen=True)
class ActivityItem:
    pk: int
    title: str
    dates: str
    starts_on: datetime.date
    method: str
    ladder_level: str
    place: str
    participants: str
    responses: str
    partners: list[str]
    targeted: list[str]
    reached: list[str]
    not_reached: list[str]
    feedback: str  # what, when and how, or the statement that it is not recorded
    feedback_recorded: bool
    after_decision: bool
    evidence: list[EvidenceItem]


@dataclass
class CoverSheet:
    decision_id: int
    title: str
    organisation: str
    generated_on: datetime.date
    details: list[Row]
    summary: str
    duty_applies: bool | None
    assessment: list[Row]
    duties: list[str]
    activities: list[ActivityItem]
    activities_statement: str  # what the activities add up to, or that there are none
    reach: list[Row]
    reached: list[str]
    not_reached: list[str]
    reach_statement: str
    feedback_changes: Row
    equality: list[Row]
    feedback_to_participants: list[Row]
    feedback_statement: str
    evidence: list[EvidenceItem]
    evidence_statement: str
    gaps: list[str] = field(default_factory=list)
    reference: str = ""  # the decision's own reference, if it has one
    board_paper: list[Row] = field(default_factory=list)  # the front table; empty when not recorded
    board_paper_recorded: bool = False
    board_paper_statement: str = ""  # "Meeting details not recorded." when there are none
    author: str = ""  # for the DOCX author property: the paper's author, else the organisation

    HEADING = "How the duty to involve has been considered"
    BOARD_PAPER_HEADING = "About this paper"
    NOT_RECORDED = "Meeting details not recorded."

    @property
    def filename_stem(self) -> str:
        """cover-sheet-<reference>-<title>-<date>: whole words only, no internal id."""
        parts = [
            "cover-sheet",
            _slug(self.reference, 30),
            _slug(self.title, 60) or "decision",
            f"{self.generated_on:%Y-%m-%d}",
        ]
        return "-".join(p for p in parts if p)


def _slug(text, limit) -> str:
    """A slug of at most `limit` characters, cut after the last whole word that fits."""
    slug = slugify(text or "")
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rfind("-")
    # One word longer than the limit can only be cut inside the word.
    return slug[:cut] if cut > 0 else slug[:limit].strip("-")


def _decision_queryset():
    evidence = Evidence.objects.order_by("dated", "pk")
    activities = Activity.objects.order_by("starts_on", "pk").prefetch_related(
        "partners", "audiences_targeted", "audiences_reached", Prefetch("evidence", evidence)
    )
    return Decision.objects.select_related("organisation", "programme", "screened_by", "board_paper").prefetch_related(
        "duties",
        "plan_audiences",
        Prefetch("activities", activities),
        Prefetch("evidence", evidence),
    )


def _evidence_item(evidence, attached_to, decision_on) -> EvidenceItem:
    if evidence.kind == Evidence.Kind.LINK:
        kind, detail, url = "Link", _text(evidence.url), _text(evidence.url)
    else:
        parts = [_text(evidence.original_name) or "File", _size(evidence.size)]
        kind, detail, url = "File", ", ".join(p for p in parts if p), ""
    return EvidenceItem(
        pk=evidence.pk,
        title=_text(evidence.title),
        dated=evidence.dated,
        kind=kind,
        detail=detail,
        url=url,
        attached_to=attached_to,
        after_decision=bool(decision_on and evidence.dated > decision_on),
        description=_text(evidence.description),
    )


def _count(value, noun, plural) -> str:
    if value is None:
        return "Not recorded"
    return f"{value:,} {noun if value == 1 else plural}"


def build_cover_sheet(decision, *, today=None) -> CoverSheet:
    """The cover sheet for one decision. Takes any Decision; reads it again with everything it needs."""
    today = today or timezone.localdate()
    decision = _decision_queryset().with_warnings(today=today).get(pk=decision.pk)
    decision_on = decision.decision_date
    when = "the decision" if decision.actual_date else "the planned decision date"
    gaps: list[str] = []
    applies = {Decision.Answer.YES: True, Decision.Answer.NO: False}.get(decision.affects_services)
    involvement_expected = applies is not False

    # The decision's warnings, by the same definitions as its page and the lists.
    gaps += [f"Warning: {w.label}. {w.explanation}" for w in decision.warnings]

    # About this paper: the front of the board paper
    board_paper, board_paper_statement, meeting_gap = _board_paper_rows(decision)
    if meeting_gap:
        gaps.append(meeting_gap)

    # About the decision
    if decision.actual_date:
        date_row = Row("Decision taken on", _date(decision.actual_date))
    elif decision.planned_date:
        date_row = Row("Decision planned for", _date(decision.planned_date))
    else:
        date_row = Row("Decision date", "No decision date is recorded.", missing=True)
        gaps.append("No decision date is recorded, so evidence cannot be shown to come before the decision.")
    details = [
        Row("Organisation", _text(decision.organisation.name)),
        Row("Reference", _text(decision.reference) or "None given"),
        Row("Decision-maker", _text(decision.decision_maker) or "Not recorded", missing=not decision.decision_maker),
        date_row,
        Row("Type of decision", decision.get_kind_display()),
        Row("Programme", _text(decision.programme.name) if decision.programme else "None"),
    ]

    # The assessment
    assessment = []
    if decision.duty_status == Decision.DutyStatus.NOT_SCREENED:
        gaps.append("The decision has not been screened for the duty to involve.")
    if applies is None:
        assessment.append(
            Row(
                "Does the duty to involve apply?",
                "Not yet known: whether the decision affects how services are delivered or the range of services "
                "has not been recorded.",
                missing=True,
            )
        )
        gaps.append("Whether the duty to involve applies has not been recorded.")
    else:
        if applies:
            answer = (
                "Yes. The decision affects how services are delivered or the range of services, so "
                "the duty to involve applies."
            )
        else:
            answer = (
                "No. The decision does not affect how services are delivered or the range of "
                "services, so the duty to involve does not apply."
            )
        assessment.append(Row("Does the duty to involve apply?", answer))
    rationale = _text(decision.affects_rationale)
    assessment.append(Row("Why", rationale or "No reasons are recorded.", missing=not rationale))
    if not rationale and applies is not None:
        gaps.append("No reasons are recorded for the assessment of whether the duty applies.")

    duties = []
    for duty in decision.duties.all():
        dates = []
        if duty.valid_from:
            dates.append(f"in force from {_date(duty.valid_from)}")
        if duty.valid_to:
            dates.append(f"until {_date(duty.valid_to)}")
        in_force = f" ({', '.join(dates)})" if dates else ""
        duties.append(f"{_text(duty.code)}: {_text(duty.title)}{in_force}")
    if duties:
        assessment.append(Row("Legal duties", "; ".join(duties)))
    elif applies:
        assessment.append(Row("Legal duties", "No legal duty is recorded as applying.", missing=True))
        gaps.append("The duty applies but no legal duty (such as s14Z45 or s242) is recorded.")
    else:
        assessment.append(Row("Legal duties", "None recorded"))

    variation = decision.substantial_variation
    if variation == Decision.Answer.YES:
        consulted = decision.scrutiny_consulted_on
        if consulted and decision_on and consulted > decision_on:
            assessment.append(
                Row(
                    "Substantial development or variation",
                    f"Yes. The local authority scrutiny committee was consulted on {_date(consulted)} (s244), "
                    f"after the decision date of {_date(decision_on)}.",
                    missing=True,
                )
            )
            gaps.append(
                "The scrutiny committee was consulted after the decision date, so it could not have "
                "informed the decision."
            )
        elif consulted:
            text = f"Yes. The local authority scrutiny committee was consulted on {_date(consulted)} (s244)."
            assessment.append(Row("Substantial development or variation", text))
        else:
            assessment.append(
                Row(
                    "Substantial development or variation",
                    "Yes. Consultation of the local authority scrutiny committee (s244) is not recorded.",
                    missing=True,
                )
            )
            gaps.append(
                "The proposal is a substantial variation but consultation of the local authority "
                "scrutiny committee is not recorded."
            )
    elif variation == Decision.Answer.NO:
        assessment.append(Row("Substantial development or variation", "No"))
    else:
        assessment.append(Row("Substantial development or variation", "Not yet known.", missing=True))
        if involvement_expected:
            gaps.append("Whether the proposal is a substantial development or variation has not been recorded.")
    assessment.append(Row("Status", decision.get_duty_status_display()))
    if decision.screened_at:
        who = decision.screened_by.display_name if decision.screened_by else "someone no longer in Involve"
        on = _date(timezone.localdate(decision.screened_at))
        assessment.append(Row("Screened", f"By {_text(who)} on {on}"))

    plan_bits = []
    if decision.plan_method_labels:
        plan_bits.append("Methods: " + _join(decision.plan_method_labels).lower().capitalize())
    if decision.plan_starts or decision.plan_ends:
        plan_bits.append(
            f"From {_date(decision.plan_starts) or 'a date not given'} "
            f"to {_date(decision.plan_ends) or 'a date not given'}"
        )
    if decision.plan_notes:
        plan_bits.append(_text(decision.plan_notes))
    if plan_bits:
        assessment.append(Row("Involvement plan", ". ".join(plan_bits)))
    elif applies:
        assessment.append(Row("Involvement plan", "No involvement plan is recorded.", missing=True))

    # Activities, with their evidence
    activities = []
    targeted_all = {t.pk: _text(t.name) for t in decision.plan_audiences.all()}
    reached_all = {}
    missing_feedback, missing_reach, late_activities, no_evidence = [], [], [], []
    evidence_items = []
    for activity in decision.activities.all():
        title = _text(activity.title)
        targeted = {t.pk: _text(t.name) for t in activity.audiences_targeted.all()}
        reached = {t.pk: _text(t.name) for t in activity.audiences_reached.all()}
        targeted_all.update(targeted)
        reached_all.update(reached)
        if activity.ends_on and activity.ends_on != activity.starts_on:
            dates = f"{_date(activity.starts_on)} to {_date(activity.ends_on)}"
        else:
            dates = _date(activity.starts_on)
        if activity.feedback_given_on:
            feedback = f"On {_date(activity.feedback_given_on)}"
            if activity.feedback_how:
                feedback += f", by {_text(activity.feedback_how)}"
            feedback += ": " + (_text(activity.feedback_what) or "what was said is not recorded.")
        else:
            feedback = "Feedback to participants has not been recorded."
            missing_feedback.append(title)
        if activity.participants is None and activity.responses is None:
            missing_reach.append(title)
        after = bool(decision_on and activity.starts_on > decision_on)
        if after:
            late_activities.append(f"{title} (started {_date(activity.starts_on)})")
        items = [_evidence_item(e, title, decision_on) for e in activity.evidence.all()]
        if not items:
            no_evidence.append(title)
        evidence_items += items
        activities.append(
            ActivityItem(
                pk=activity.pk,
                title=title,
                dates=dates,
                starts_on=activity.starts_on,
                method=activity.get_method_display(),
                ladder_level=activity.get_ladder_level_display(),
                place=_text(activity.place_label) or "Not recorded",
                participants=_count(activity.participants, "person", "people"),
                responses=_count(activity.responses, "response", "responses"),
                partners=[_text(p.name) for p in activity.partners.all()],
                targeted=sorted(targeted.values()),
                reached=sorted(reached.values()),
                not_reached=sorted(v for k, v in targeted.items() if k not in reached),
                feedback=feedback,
                feedback_recorded=bool(activity.feedback_given_on),
                after_decision=after,
                evidence=items,
            )
        )

    if activities:
        methods = sorted({a.method for a in activities})
        activities_statement = (
            f"{len(activities)} involvement {'activity is' if len(activities) == 1 else 'activities are'} "
            f"recorded for this decision, using {len(methods)} method{'' if len(methods) == 1 else 's'}: "
            f"{_join(m.lower() for m in methods)}."
        )
    else:
        activities_statement = "No involvement activity is recorded for this decision."
        if involvement_expected:
            gaps.append(activities_statement)
    if late_activities:
        gaps.append(f"Activities that started after {when}: {'; '.join(late_activities)}.")
    if missing_reach:
        gaps.append(f"The number of people reached is not recorded for: {'; '.join(missing_reach)}.")

    participants = [a.participants for a in decision.activities.all() if a.participants is not None]
    responses = [a.responses for a in decision.activities.all() if a.responses is not None]
    reach = [
        Row("Activities", str(len(activities))),
        Row(
            "People who took part",
            f"{sum(participants):,}" if participants else "Not recorded",
            missing=not participants,
        ),
        Row("Responses", f"{sum(responses):,}" if responses else "Not recorded", missing=not responses),
    ]
    if missing_reach and participants:
        reach[1] = Row(
            "People who took part", f"{sum(participants):,} (not recorded for {len(missing_reach)} of the activities)"
        )
    reached = sorted(reached_all.values())
    not_reached = sorted(v for k, v in targeted_all.items() if k not in reached_all)
    if not targeted_all and not reached_all:
        reach_statement = "No target audiences are recorded, in the plan or for any activity."
        if activities:
            gaps.append("No target audiences (such as seldom-heard or inclusion health groups) are recorded.")
    elif not_reached:
        reach_statement = f"Targeted but not reached: {_join(not_reached)}."
    else:
        reach_statement = "Every audience targeted was reached."

    # How feedback changed the proposal
    changes = _text(decision.feedback_changes)
    feedback_changes = Row(
        "How feedback changed the proposal",
        changes or "How feedback changed the proposal is not recorded.",
        missing=not changes,
    )
    if not changes and activities:
        gaps.append("How feedback changed the proposal is not recorded.")

    # Equality
    eia = _text(decision.eia_reference)
    inequalities = _text(decision.health_inequalities)
    equality = [
        Row(
            "Equality impact assessment", eia or "No equality impact assessment reference is recorded.", missing=not eia
        ),
        Row(
            "Health inequalities",
            inequalities or "How health inequalities were considered is not recorded.",
            missing=not inequalities,
        ),
    ]
    if not eia and involvement_expected:
        gaps.append("No equality impact assessment reference is recorded.")
    if not inequalities and involvement_expected:
        gaps.append("How health inequalities were considered is not recorded.")

    # Feedback to participants
    feedback_rows = [Row(a.title, a.feedback, missing=not a.feedback_recorded) for a in activities]
    if missing_feedback:
        feedback_statement = f"Feedback to participants has not been recorded for: {'; '.join(missing_feedback)}."
        gaps.append(feedback_statement)
    elif activities:
        feedback_statement = "Feedback to participants is recorded for every activity."
    else:
        feedback_statement = "There are no activities, so no feedback to participants is recorded."

    # Evidence: the decision's own and every activity's, in date order
    evidence_items += [_evidence_item(e, "The decision", decision_on) for e in decision.evidence.all()]
    evidence_items.sort(key=lambda e: (e.dated, e.attached_to, e.pk))
    late = [e for e in evidence_items if e.after_decision]
    if not evidence_items:
        evidence_statement = "No evidence (files or links) is attached to the decision or its activities."
        if involvement_expected:
            gaps.append(evidence_statement)
    else:
        n = len(evidence_items)
        evidence_statement = f"{n} piece{'' if n == 1 else 's'} of evidence."
    if late:
        gaps.append(f"Evidence dated after {when}: " + "; ".join(f"{e.title} ({_date(e.dated)})" for e in late) + ".")
    if no_evidence and evidence_items:
        gaps.append(f"No evidence is attached to: {'; '.join(no_evidence)}.")

    return CoverSheet(
        decision_id=decision.pk,
        title=_text(decision.title),
        organisation=_text(decision.organisation.name),
        generated_on=today,
        details=details,
        summary=_text(decision.summary),
        duty_applies=applies,
        assessment=assessment,
        duties=duties,
        activities=activities,
        activities_statement=activities_statement,
        reach=reach,
        reached=reached,
        not_reached=not_reached,
        reach_statement=reach_statement,
        feedback_changes=feedback_changes,
        equality=equality,
        feedback_to_participants=feedback_rows,
        feedback_statement=feedback_statement,
        evidence=evidence_items,
        evidence_statement=evidence_statement,
        gaps=gaps,
        reference=_text(decision.reference),
        board_paper=board_paper,
        board_paper_recorded=bool(board_paper),
        board_paper_statement=board_paper_statement,
        author=_paper_author(decision),
    )


# What the front table asks for, in order, with the words used when one is missing.
MEETING_DETAILS = [
    ("meeting", "Board or committee", "board or committee"),
    ("meeting_on", "Date of the meeting", "date of the meeting"),
    ("agenda_item", "Agenda item", "agenda item"),
    ("paper_reference", "Paper reference", "paper reference"),
    ("author", "Author", "author"),
    ("lead_director", "Lead director", "lead director"),
    ("purpose", "Purpose", "purpose"),
    ("recommendation", "Recommendation", "recommendation"),
    (
        "what_people_said",
        "What people said and how it changed the proposal",
        "what people said and how it changed the proposal",
    ),
]


def _board_paper(decision) -> BoardPaper | None:
    try:
        return decision.board_paper
    except BoardPaper.DoesNotExist:
        return None


def _paper_author(decision) -> str:
    paper = _board_paper(decision)
    return (_text(paper.author) if paper else "") or _text(decision.organisation.name)


def _board_paper_rows(decision) -> tuple[list[Row], str, str]:
    """The front table's rows, the statement shown when there are none, and the gap (if any)."""
    paper = _board_paper(decision)
    if paper is None:
        every = [words for _, _, words in MEETING_DETAILS if words != "purpose"]
        return [], CoverSheet.NOT_RECORDED, f"{CoverSheet.NOT_RECORDED[:-1]}: {'; '.join(every)}."
    rows, missing = [], []
    for name, label, words in MEETING_DETAILS:
        if name == "meeting_on":
            value = _date(paper.meeting_on)
        elif name == "purpose":
            value = paper.get_purpose_display()
        else:
            value = _text(getattr(paper, name))
        if not value:
            missing.append(words)
        rows.append(Row(label, value or "Not recorded", missing=not value))
    rows.append(Row("Version", f"{paper.revision}, last changed {_date(timezone.localdate(paper.updated_at))}"))
    gap = f"{CoverSheet.NOT_RECORDED[:-1]}: {'; '.join(missing)}." if missing else ""
    return rows, "", gap
