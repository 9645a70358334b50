"""Insight records for the pages' tests, made straight through the ORM (no pipeline, no model)."""

import datetime
import itertools
import zoneinfo

from involve.insight.models import Category, Comment, DuplicateGroup, Framework, Label, Theme
from involve.insight.text import text_hash

LONDON = zoneinfo.ZoneInfo("Europe/London")
_seq = itertools.count(1)


def make_framework(organisation=None, name="Test framework"):
    return Framework.objects.create(
        organisation=organisation, name=name, version=f"v{next(_seq)}", source_sha256="0" * 64
    )


def make_theme(framework, name, category="Care"):
    cat, _ = Category.objects.get_or_create(framework=framework, name=category, defaults={"position": next(_seq)})
    return Theme.objects.create(framework=framework, category=cat, name=name, position=next(_seq))


def make_comment(organisation, text="The staff were kind", *, themes=(), when=None, sentiment="", group=None, **fields):
    """A comment with model labels for `themes` (a theme, or (theme, probability) pairs)."""
    when = when or datetime.datetime(2026, 3, 15, 12, tzinfo=LONDON)
    comment = Comment.objects.create(
        organisation=organisation,
        source=fields.pop("source", Comment.Source.IMPORT),
        text=text,
        masked_text=fields.pop("masked_text", text),
        text_hash=text_hash(text),
        received_at=when,
        sentiment3=sentiment,
        duplicate_group=group,
        **fields,
    )
    for item in themes:
        theme, probability = item if isinstance(item, tuple) else (item, 0.9)
        Label.objects.create(comment=comment, theme=theme, source=Label.Source.MODEL, probability=probability)
    return comment


def make_group(organisation, comments, kind=DuplicateGroup.Kind.IDENTICAL):
    group = DuplicateGroup.objects.create(
        organisation=organisation, kind=kind, size=len(comments), representative=comments[0]
    )
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(duplicate_group=group)
    return group
