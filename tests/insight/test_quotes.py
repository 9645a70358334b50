"""Representative quotes: suggested by the machine (diverse, 8–60 words, one per duplicate group),
shown as representative only once a person confirms them; a removed suggestion is not suggested again."""

import pytest

from involve.audit.models import AuditEvent
from involve.insight import quotes
from involve.insight.models import Quote

from .pages_factories import make_comment, make_framework, make_group, make_theme

pytestmark = pytest.mark.django_db


def test_suggestions_are_diverse_sized_and_one_per_group(cast):
    theme = make_theme(make_framework(), "Parking")
    copies = [
        make_comment(
            cast.org_a,
            "Please keep the car park at Elm Street free for every patient and visitor",
            themes=[(theme, 0.99)],
        )
        for _ in range(3)
    ]
    make_group(cast.org_a, copies)
    make_comment(cast.org_a, "Parking bad", themes=[(theme, 0.98)])  # too short
    other = make_comment(
        cast.org_a, "There were never any spaces left when I came for my appointment at nine", themes=[(theme, 0.7)]
    )
    third = make_comment(
        cast.org_a, "The machines only take coins and nobody at the desk could give me change", themes=[(theme, 0.6)]
    )
    make_comment(
        cast.org_b, "Another organisation says the parking is far too expensive for staff", themes=[(theme, 0.95)]
    )
    made = quotes.propose(organisation=cast.org_a, theme=theme, by=None)
    chosen = [q.comment for q in made]
    assert len(chosen) == 3 and chosen[1:] == [other, third] and chosen[0] in copies
    assert not any(q.confirmed_at for q in made)
    assert quotes.propose(organisation=cast.org_a, theme=theme) == []  # it has three


def test_confirm_and_remove_are_audited_and_removed_is_not_suggested_again(cast):
    theme = make_theme(make_framework(), "Food")
    first = make_comment(
        cast.org_a, "The food was cold every single day and the portions were far too small", themes=[(theme, 0.9)]
    )
    second = make_comment(
        cast.org_a, "Lovely fresh sandwiches brought round by a volunteer with a big smile", themes=[(theme, 0.8)]
    )
    a, b = quotes.propose(organisation=cast.org_a, theme=theme)
    quotes.confirm(quote=a, by=cast.a_contributor)
    quotes.remove(quote=b, by=cast.a_contributor)
    assert Quote.objects.get(pk=a.pk).confirmed_by == cast.a_contributor
    assert quotes.propose(organisation=cast.org_a, theme=theme) == []
    shown = Quote.objects.filter(removed_at__isnull=True)
    assert set(shown.values_list("comment", flat=True)) == {first.pk}
    assert {"insight.quote_confirm", "insight.quote_remove"} <= set(AuditEvent.objects.values_list("action", flat=True))
    # The removed suggestion is kept with who removed it, so it is never suggested again.
    assert Quote.objects.get(comment=second).removed_by == cast.a_contributor
