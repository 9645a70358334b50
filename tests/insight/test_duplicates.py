"""Identical and nearly identical comments grouped within an organisation; campaigns marked by a person."""

import pytest

from involve.audit.models import AuditEvent
from involve.insight import duplicates
from involve.insight.models import Comment, DuplicateGroup

from .pages_factories import make_comment

pytestmark = pytest.mark.django_db

LETTER = (
    "Dear Sir, I am writing as a resident of Elm Street to object to the closure of the clinic. My name is {name} "
    "and I rely on it every week for my blood tests, as do my neighbours. Please keep it open."
)


def test_near_pairs_keep_a_template_letter_and_not_different_complaints():
    texts = [
        LETTER.format(name="John Smith"),
        LETTER.format(name="Priya Patel"),
        "I waited too long to be seen in the clinic today",
        "I waited a long time to be seen by the doctor in the clinic today",
        "The staff on ward 5 were rude and nobody answered the call bell all night",
        "The food on ward 5 was cold and the portions were tiny, I was hungry all the time",
    ]
    assert duplicates.near_pairs(texts) == [(0, 1)]


def test_identical_short_and_near_groups_within_one_organisation(cast):
    a = [make_comment(cast.org_a, "Nothing") for _ in range(3)]
    letters = [make_comment(cast.org_a, LETTER.format(name=n)) for n in ("John Smith", "Priya Patel", "Ann Lee")]
    make_comment(cast.org_a, "Parking is hard")
    b = make_comment(cast.org_b, LETTER.format(name="Bob Jones"))
    result = duplicates.regroup_organisation(organisation=cast.org_a)
    assert (result.identical, result.near) == (1, 1)
    short = DuplicateGroup.objects.get(kind="identical")
    assert short.size == 3 and set(short.comments.all()) == set(a) and not short.is_campaign
    near = DuplicateGroup.objects.get(kind="near")
    assert set(near.comments.all()) == set(letters) and near.representative == letters[0]
    assert Comment.objects.get(pk=b.pk).duplicate_group is None  # another organisation is never compared


def test_assign_groups_adds_new_comments_and_keeps_the_campaign_mark(cast):
    first = [make_comment(cast.org_a, LETTER.format(name=n)) for n in ("John Smith", "Priya Patel")]
    duplicates.regroup_organisation(organisation=cast.org_a)
    group = DuplicateGroup.objects.get()
    duplicates.mark_campaign(group=group, is_campaign=True, by=cast.a_contributor)
    new = make_comment(cast.org_a, LETTER.format(name="Ann Lee"))
    duplicates.assign_groups([new])
    group.refresh_from_db()
    assert group.is_campaign and group.size == 3 and Comment.objects.get(pk=new.pk).duplicate_group == group
    assert set(group.comments.all()) == {*first, new}


def test_marking_a_campaign_is_audited_once(cast):
    comments = [make_comment(cast.org_a, "N/A") for _ in range(2)]
    duplicates.regroup_organisation(organisation=cast.org_a)
    group = DuplicateGroup.objects.get()
    assert set(group.comments.all()) == set(comments)
    duplicates.mark_campaign(group=group, is_campaign=True, by=cast.a_contributor)
    duplicates.mark_campaign(group=group, is_campaign=True, by=cast.a_contributor)
    events = AuditEvent.objects.filter(action="insight.duplicate_campaign")
    assert events.count() == 1 and events.get().new == {"is_campaign": True}


def test_regrouping_removes_groups_that_no_longer_hold(cast):
    one = make_comment(cast.org_a, "Nothing")
    two = make_comment(cast.org_a, "Nothing")
    duplicates.regroup_organisation(organisation=cast.org_a)
    Comment.objects.filter(pk=two.pk).delete()
    duplicates.regroup_organisation(organisation=cast.org_a)
    assert not DuplicateGroup.objects.exists() and Comment.objects.get(pk=one.pk).duplicate_group is None
