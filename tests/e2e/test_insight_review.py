"""The insight review queue and safeguarding in a real browser: comments classified by the shipped model
are queued least certain first; an engagement lead accepts one theme, rejects another, adds a third,
corrects the sentiment and marks the comment reviewed; a re-run of the model keeps those decisions; a
flagged comment is handled with a reason. Every page on the way is checked with axe (browse.check)."""

import pytest

from involve.insight import pipeline, services
from involve.insight.models import Comment, Label, SafeguardingFlag, Theme

from ..insight.factories import make_comment, make_reviewer
from .conftest import sign_in

pytestmark = pytest.mark.e2e


def save(page, name):
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()


SCREENSHOT = "/tmp/insight-review.png"
TEXTS = [
    "The nurses were kind and explained everything, but I waited four hours to be seen.",
    "Parking was impossible and the signs to the clinic were confusing.",
    "Food was cold and the ward was noisy at night.",
    "I was scared to tell anyone that my carer hits me when nobody is around.",
]


def test_a_lead_reviews_the_least_certain_comment_and_handles_a_flag(browse, cast):
    org = cast.org_a
    make_reviewer(org, cast.a_engagement_lead)
    comments = [make_comment(org, text=t, question="What could we do better?") for t in TEXTS]
    version = services.ensure_ready(org)
    pipeline.classify_comments([c.pk for c in comments], version=version)
    flag = SafeguardingFlag.objects.get()  # only the disclosure of abuse is flagged
    assert flag.comment.text.startswith("I was scared")
    least_sure = Comment.objects.filter(organisation=org).order_by("certainty", "pk").first()

    page = browse.new_page()
    sign_in(page, cast.a_engagement_lead)
    page.goto("/insight/review/")
    browse.check(page, "review queue", key="insight review queue")
    # The first comment in the queue is the one the model is least sure of.
    page.locator("main a[href^='/insight/comments/']").first.click()
    assert page.url.endswith(f"/insight/comments/{least_sure.pk}/")
    browse.check(page, "comment review", key="insight comment")

    labels = list(least_sure.labels.select_related("theme").order_by("pk"))
    first = labels[0]
    page.get_by_role("group", name=f"Does ‘{first.theme.name}’ apply?").get_by_label("Applies (accept)").check()
    rejected = labels[1] if len(labels) > 1 else None
    if rejected:
        page.get_by_role("group", name=f"Does ‘{rejected.theme.name}’ apply?").get_by_label(
            "Does not apply (reject)"
        ).check()
    added = Theme.objects.filter(framework=version.framework).exclude(labels__comment=least_sure).first()
    page.get_by_label("Add a theme").select_option(label=f"{added.category.name}: {added.name}")
    # A sentiment other than the model's, so it is a person's correction.
    corrected = "positive" if least_sure.sentiment3 != "positive" else "negative"
    page.get_by_label(corrected.capitalize(), exact=True).check()
    page.get_by_label("I have reviewed this comment's themes and sentiment").check()
    save(page, "Save the review")
    browse.check(page, "comment after review", key="insight comment reviewed")
    page.screenshot(path=SCREENSHOT, full_page=True)

    least_sure.refresh_from_db()
    assert least_sure.review == Comment.Review.REVIEWED and least_sure.sentiment3 == corrected
    assert least_sure.sentiment_coded_by == cast.a_engagement_lead
    decided = {label.theme_id: (label.source, label.decision) for label in least_sure.labels.all()}
    assert decided[first.theme_id] == (Label.Source.MODEL, Label.Decision.ACCEPTED)
    assert decided[added.pk] == (Label.Source.PERSON, Label.Decision.ACCEPTED)
    if rejected:
        assert decided[rejected.theme_id] == (Label.Source.MODEL, Label.Decision.REJECTED)

    # Saving the page again unchanged changes nothing.
    before = sorted(least_sure.labels.values_list("theme", "source", "decision", "decided_at"))
    save(page, "Save the review")
    assert sorted(least_sure.labels.values_list("theme", "source", "decision", "decided_at")) == before

    # A re-run of the model never overwrites what a person decided.
    services.rerun(organisation=org, by=cast.a_engagement_lead)
    assert sorted(least_sure.labels.values_list("theme", "source", "decision", "decided_at")) == before
    least_sure.refresh_from_db()
    assert least_sure.sentiment3 == corrected

    # The safeguarding flag: the urgent queue, then handled with a reason.
    page.goto("/insight/safeguarding/")
    browse.check(page, "safeguarding queue", key="insight safeguarding queue")
    page.locator(f"a[href='/insight/safeguarding/flags/{flag.pk}/']").first.click()
    browse.check(page, "safeguarding flag", key="insight safeguarding flag")
    page.get_by_label("Referred (to the safeguarding team, the police or another service)").check()
    page.get_by_label("Reason").fill("Referred to the adult safeguarding team by phone at 10:40.")
    save(page, "Save")
    flag.refresh_from_db()
    assert flag.state == SafeguardingFlag.State.REFERRED and flag.handled_by == cast.a_engagement_lead
    browse.check(page, "after handling the flag", key="insight flag handled")
