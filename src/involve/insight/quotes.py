"""Representative quotes: for each theme the machine suggests up to MAX_QUOTES comments of an
organisation; a person (EDIT) confirms or removes each suggestion, and only confirmed quotes are shown
as representative quotes (suggestions are shown apart, as "suggested, not yet confirmed").

A suggestion is a comment that carries the theme (its label applies), whose masked text is MIN_WORDS to
MAX_WORDS words, most probable first (a person's accepted label counts as certain), never two from one
duplicate group (a campaign would otherwise fill every place), and not too alike (word overlap under
MAX_OVERLAP with those already chosen). A removed suggestion is not suggested again for that theme (the
removal's audit event remembers it: see the lead's note on a `removed_at` field for Quote).
"""

import re

from django.db import transaction
from django.db.models import Case, F, FloatField, Value, When
from django.utils import timezone

from involve.audit import services as audit

from . import audit_actions_pages  # noqa: F401  (registers the quote actions)
from .models import Label, Quote
from .selectors import APPLIES

MAX_QUOTES = 3
MIN_WORDS, MAX_WORDS = 8, 60
MAX_OVERLAP = 0.5
CANDIDATES = 300
_WORD = re.compile(r"\w+")


def _words(text):
    return set(_WORD.findall(text.casefold()))


def _removed(organisation_id, theme_id):
    return set(
        Quote.objects.filter(organisation_id=organisation_id, theme_id=theme_id, removed_at__isnull=False).values_list(
            "comment_id", flat=True
        )
    )


def candidates(*, organisation, theme, limit=CANDIDATES):
    """Comments of the organisation carrying the theme, most probable first: (comment, probability)."""
    organisation_id = getattr(organisation, "pk", organisation)
    labels = (
        Label.objects.filter(APPLIES, theme=theme, comment__organisation_id=organisation_id)
        .annotate(
            weight=Case(
                When(decision=Label.Decision.ACCEPTED, then=Value(1.0)),
                default=F("probability"),
                output_field=FloatField(),
            )
        )
        .select_related("comment")
        .order_by(F("weight").desc(nulls_last=True), "comment_id")
    )
    return [(label.comment, label.weight) for label in labels[:limit]]


def choose(pool, *, taken=(), room=MAX_QUOTES):
    """Up to `room` comments from `pool` [(comment, probability)], diverse (see the module's docstring)."""
    chosen, groups, word_sets = (
        [],
        {c.duplicate_group_id for c in taken if c.duplicate_group_id},
        [_words(c.masked_text) for c in taken],
    )
    taken_ids = {c.pk for c in taken}
    for comment, _ in pool:
        if len(chosen) >= room:
            break
        if comment.pk in taken_ids:
            continue
        text = comment.masked_text or ""
        words = len(text.split())
        if not MIN_WORDS <= words <= MAX_WORDS:
            continue
        if comment.duplicate_group_id and comment.duplicate_group_id in groups:
            continue
        these = _words(text)
        if any(len(these & other) / max(len(these | other), 1) >= MAX_OVERLAP for other in word_sets):
            continue
        chosen.append(comment)
        word_sets.append(these)
        if comment.duplicate_group_id:
            groups.add(comment.duplicate_group_id)
    return chosen


def propose(*, organisation, theme, by=None):
    """Suggest quotes for the theme until it has MAX_QUOTES (confirmed and suggested together)."""
    organisation_id = getattr(organisation, "pk", organisation)
    with transaction.atomic():
        existing = list(
            Quote.objects.filter(organisation_id=organisation_id, theme=theme, removed_at__isnull=True).select_related(
                "comment"
            )
        )
        room = MAX_QUOTES - len(existing)
        if room <= 0:
            return []
        removed = _removed(organisation_id, theme.pk)
        pool = [(c, p) for c, p in candidates(organisation=organisation_id, theme=theme) if c.pk not in removed]
        chosen = choose(pool, taken=[q.comment for q in existing], room=room)
        made = [Quote.objects.create(organisation_id=organisation_id, theme=theme, comment=c) for c in chosen]
        if made:
            audit.record(
                action="insight.quote_propose",
                by=by,
                organisation=organisation_id,
                target=theme,
                new={"comments": [c.pk for c in chosen]},
            )
        return made


def propose_all(*, organisation, by=None):
    """Suggest quotes for every theme the organisation's comments carry (after a classification run)."""
    organisation_id = getattr(organisation, "pk", organisation)
    from .models import Theme

    theme_ids = (
        Label.objects.filter(APPLIES, comment__organisation_id=organisation_id)
        .values_list("theme", flat=True)
        .distinct()
    )
    made = []
    for theme in Theme.objects.filter(pk__in=list(theme_ids)):
        made += propose(organisation=organisation_id, theme=theme, by=by)
    return made


def confirm(*, quote, by):
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if quote.confirmed_at:
            return quote
        quote.confirmed_at, quote.confirmed_by = timezone.now(), by
        quote.save(update_fields=["confirmed_at", "confirmed_by"])
        audit.record(
            action="insight.quote_confirm",
            by=by,
            organisation=quote.organisation_id,
            target=quote.theme,
            new={"comment": quote.comment_id, "theme": quote.theme_id},
        )
    return quote


def remove(*, quote, by):
    """Remove a suggestion or a confirmed quote; it is not suggested again for the theme."""
    with transaction.atomic():
        quote = Quote.objects.select_for_update().filter(pk=quote.pk).select_related("theme").first()
        if quote is None or quote.removed_at:
            return
        was_confirmed = quote.confirmed_at is not None
        theme = quote.theme
        audit.record(
            action="insight.quote_remove",
            by=by,
            organisation=quote.organisation_id,
            target=theme,
            old={"confirmed": was_confirmed},
            new={"comment": quote.comment_id, "theme": quote.theme_id},
        )
        quote.removed_at, quote.removed_by = timezone.now(), by
        quote.save(update_fields=["removed_at", "removed_by"])
