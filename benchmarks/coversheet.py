"""Cover sheet files (PDF and Word): time and peak memory, for a typical decision and the worst case.

Makes decisions in an empty database and draws each one's cover sheet in a child process, exactly
as a background render does (involve.engagement.coversheet.limits.render_in_child), reporting the
drawing time, the child's peak resident memory (getrusage ru_maxrss) and its peak address space
(VmPeak, what RLIMIT_AS limits), next to the weight the request uses to decide between drawing in
the request and in the background (limits.weight, limits.BACKGROUND_ABOVE).

    scripts/benchmark.sh coversheet                  # throwaway PostgreSQL; the whole set
    scripts/benchmark.sh coversheet --quick          # without the slowest worst-case PDFs

The cases:
- typical: what the demo's decisions look like: a few hundred words in each answer, 4 activities,
  6 pieces of evidence, the board paper filled in.
- at the PDF threshold, in three shapes, each built to weigh just under BACKGROUND_ABOVE["pdf"]:
  long prose, many short rows, and long words with no space to break at. Whatever its shape, a
  sheet the request draws as a PDF costs no more than these. The Word threshold is far higher: the
  100-activity worst case weighs just under it, so its Word document is what the request may cost.
- worst case: every field at its maximum length and 100 activities (3 pieces of evidence each, 5
  partners, 5 audiences targeted and reached), 20 more pieces of evidence on the decision. A large
  consultation on a service change runs a few dozen public meetings, focus groups and
  roadshows; 100 activities linked to one decision is more than any such record we know of. It is
  drawn as the background task draws it, within the limits in settings; a 10-activity slice of it
  is measured without limits, to show the cost.
"""

import argparse
import datetime
import sys
import time

from engagement_lists import setup_django

WORDS = (
    "the proposal to move the minor injuries unit to the community hospital was discussed with patients "
    "carers and staff who asked about parking public transport opening hours and waiting times for children "
    "and older people and the board agreed to publish what it heard and how it changed the plan"
).split()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the worst-case PDFs above 25 activities")
    parser.add_argument("--seconds", type=float, default=900, help="time allowed for one render (measurement)")
    return parser.parse_args()


def prose(n, seed=0):
    """Words, `n` characters exactly."""
    out, i = [], seed
    while sum(len(w) + 1 for w in out) < n:
        out.append(WORDS[i % len(WORDS)])
        i += 1
    return " ".join(out)[:n].rstrip() + "." if n > 1 else "x"


def unbroken(n, seed=0):
    """Long words with no space to break at, `n` characters: a pasted URL or a run of characters."""
    return ("".join(WORDS[(seed + i) % len(WORDS)] for i in range(n // 3 + 1)))[:n]


def make_decision(org, *, title, text, activities, evidence_each, decision_evidence, partners, audiences, tags, today):
    """A decision with every text field `text(max_length, seed)` long, and its activities and evidence."""
    from involve.engagement.models import LONG_TEXT as LONG
    from involve.engagement.models import (
        SHORT_TEXT,
        Activity,
        BoardPaper,
        Decision,
        Evidence,
        LadderLevel,
        Method,
    )

    decided = today - datetime.timedelta(days=5)
    decision = Decision.objects.create(
        organisation=org,
        title=title or text(200, 1),
        reference=text(50, 2),
        decision_maker=text(200, 3),
        kind=Decision.Kind.SERVICE_CHANGE,
        summary=text(LONG, 4),
        affects_services=Decision.Answer.YES,
        affects_rationale=text(SHORT_TEXT, 5),
        substantial_variation=Decision.Answer.YES,
        scrutiny_consulted_on=decided - datetime.timedelta(days=30),
        eia_reference=text(200, 6),
        health_inequalities=text(LONG, 7),
        plan_notes=text(LONG, 8),
        feedback_changes=text(LONG, 9),
        actual_date=decided,
        duty_status=Decision.DutyStatus.FEEDBACK_GIVEN,
    )
    BoardPaper.objects.create(
        organisation=org,
        decision=decision,
        meeting=text(200, 10),
        meeting_on=today,
        agenda_item=text(20, 11),
        paper_reference=text(50, 12),
        author=text(200, 13),
        lead_director=text(200, 14),
        recommendation=text(2000, 15),
        what_people_said=text(4000, 16),
    )
    partner_rows = _partners(org, partners, text)
    for i in range(activities):
        starts = decided - datetime.timedelta(days=60 - i % 50)
        activity = Activity.objects.create(
            organisation=org,
            title=text(200, 100 + i) or f"Activity {i}",
            description=text(SHORT_TEXT, 200 + i),
            state=Activity.State.DONE,
            method=Method.choices[i % len(Method.choices)][0],
            ladder_level=LadderLevel.choices[i % len(LadderLevel.choices)][0],
            starts_on=starts,
            ends_on=starts + datetime.timedelta(days=1),
            location=text(200, 300 + i),
            public_partner_roles=text(SHORT_TEXT, 400 + i),
            participants=100 + i,
            responses=50 + i,
            outputs=text(LONG, 500 + i),
            feedback_what=text(LONG, 600 + i),
            feedback_given_on=starts + datetime.timedelta(days=3),
            feedback_how=text(200, 700 + i),
        )
        activity.decisions.add(decision)
        activity.partners.set(partner_rows)
        activity.audiences_targeted.set(tags[:audiences])
        activity.audiences_reached.set(tags[:audiences])
        for j in range(evidence_each):
            Evidence.objects.create(
                organisation=org,
                activity=activity,
                title=text(200, 800 + i * 7 + j) or f"Evidence {j}",
                kind=Evidence.Kind.LINK,
                url="https://example.org/" + unbroken(len(text(1980, 0)), j),
                description=text(SHORT_TEXT, 900 + j),
                dated=starts + datetime.timedelta(days=1),
            )
    for j in range(decision_evidence):
        Evidence.objects.create(
            organisation=org,
            decision=decision,
            title=text(200, 1000 + j) or f"Evidence {j}",
            kind=Evidence.Kind.LINK,
            url="https://example.org/" + unbroken(len(text(1980, 0)), j),
            description=text(SHORT_TEXT, 1100 + j),
            dated=decided - datetime.timedelta(days=2),
        )
    return decision


def _partners(org, n, text):
    from involve.engagement.models import VCSEPartner

    names = {f"{i + 1} {text(200, 20 + i)}"[:200] for i in range(n)}
    return [VCSEPartner.objects.get_or_create(organisation=org, name=name)[0] for name in names]


def sized(length):
    """A text function giving `length` characters of prose (at most the field's own limit `n`)."""
    return lambda n, seed: prose(min(n, length), seed)


def unbroken_sized(length):
    return lambda n, seed: unbroken(min(n, length), seed)


def cases(org, tags, today, quick):
    from involve.engagement.coversheet import limits

    def typical_text(n, seed):
        return prose(min(n, {50: 12, 20: 4}.get(n, 600 if n >= 2000 else 60)), seed)

    yield (
        "typical",
        make_decision(
            org,
            title="Move the minor injuries unit to Station Road",
            text=typical_text,
            activities=4,
            evidence_each=1,
            decision_evidence=2,
            partners=2,
            audiences=3,
            tags=tags,
            today=today,
        ),
    )

    # At the threshold: grow one dimension until the next step would pass BACKGROUND_ABOVE.
    for name, hi, build in [
        ("threshold: long prose", 5000, lambda k: dict(text=sized(k), activities=5, evidence_each=1)),
        ("threshold: many short rows", 400, lambda k: dict(text=sized(8), activities=k, evidence_each=1)),
        ("threshold: unbroken words", 5000, lambda k: dict(text=unbroken_sized(k), activities=5, evidence_each=1)),
    ]:
        yield name, _largest_under(org, tags, today, build, limits, hi)

    for n in (10,) + (() if quick else (100,)):
        yield (
            f"worst case, {n} activities",
            make_decision(
                org,
                title=None,
                text=lambda n_, s: prose(n_, s),
                activities=n,
                evidence_each=3,
                decision_evidence=20 if n == 100 else 2,
                partners=5,
                audiences=5,
                tags=tags,
                today=today,
            ),
        )


def _largest_under(org, tags, today, build, limits, hi):
    """The decision built by build(k) for the largest k whose sheet weighs at most BACKGROUND_ABOVE.

    The attempts that are too heavy stay in the database (all of it is rolled back at the end)."""
    from involve.engagement.coversheet import build_cover_sheet

    lo, best = 1, None
    while lo <= hi:
        k = (lo + hi) // 2
        decision = make_decision(
            org,
            title=f"At the threshold {k}",
            decision_evidence=0,
            partners=1,
            audiences=2,
            tags=tags,
            today=today,
            **build(k),
        )
        if limits.weight(build_cover_sheet(decision)) <= limits.BACKGROUND_ABOVE["pdf"]:
            best, lo = decision, k + 1
        else:
            hi = k - 1
    return best


def main():
    args = parse_args()
    setup_django()
    from django.conf import settings
    from django.db import transaction

    from involve.core import dates
    from involve.engagement.coversheet import build_cover_sheet, limits
    from involve.engagement.models import AudienceTag
    from involve.organisations.models import Organisation

    today = dates.today()
    mib = 1024
    print(
        f"Limits: background above weight {limits.BACKGROUND_ABOVE['pdf']:,} (PDF), "
        f"{limits.BACKGROUND_ABOVE['docx']:,} (Word); a background render stops at "
        f"{settings.COVER_SHEET_SECONDS} s or {settings.COVER_SHEET_MEMORY_MB} MiB of address space"
    )
    header = (
        f"{'case':<30} {'format':<6} {'weight':>9} {'chars':>9} {'pieces':>7} {'KB out':>7} "
        f"{'draw s':>7} {'wall s':>7} {'RSS MiB':>8} {'VM MiB':>7} {'VM+ MiB':>8}  fits the limits"
    )
    with transaction.atomic():
        org = Organisation.objects.create(name="NHS Example Integrated Care Board", kind="icb", ods_code="QXX")
        tags = [AudienceTag.objects.create(organisation=org, name=prose(120, 40 + i)) for i in range(5)]
        built = []
        for name, decision in cases(org, tags, today, args.quick):
            sheet = build_cover_sheet(decision)
            built.append((name, sheet))
            print(f"built {name}: weight {limits.weight(sheet):,}", file=sys.stderr, flush=True)
        print(header)
        for name, sheet in built:
            chars, pieces = limits._pieces(sheet)
            # The largest case runs as the background would, within the limits; the others are measured.
            worst = name.startswith("worst case, 100")
            seconds = settings.COVER_SHEET_SECONDS if worst else args.seconds
            memory = settings.COVER_SHEET_MEMORY_MB * 1024 * 1024 if worst else None
            for fmt in ("pdf", "docx"):
                try:
                    r = limits.render_in_child(sheet, fmt, seconds=seconds, memory_bytes=memory)
                except limits.TooLarge as e:
                    print(
                        f"{name:<30} {fmt:<6} {limits.weight(sheet):>9,} {chars:>9,} {pieces:>7,}  "
                        f"stopped at the {e.limit} limit ({seconds:g} s, {(memory or 0) // 1024 // 1024} MiB)",
                        flush=True,
                    )
                    continue
                fits = (
                    r.wall_seconds < settings.COVER_SHEET_SECONDS
                    and r.vm_peak_kib < settings.COVER_SHEET_MEMORY_MB * mib
                )
                print(
                    f"{name:<30} {fmt:<6} {limits.weight(sheet):>9,} {chars:>9,} {pieces:>7,} "
                    f"{len(r.content) // 1024:>7,} {r.seconds:>7.2f} {r.wall_seconds:>7.2f} "
                    f"{r.max_rss_kib / mib:>8.0f} {r.vm_peak_kib / mib:>7.0f} "
                    f"{(r.vm_peak_kib - r.vm_start_kib) / mib:>8.0f}  {'yes' if fits else 'NO'}",
                    flush=True,
                )
        transaction.set_rollback(True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"Done in {time.perf_counter() - started:.0f} s")
