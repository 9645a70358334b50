"""Every field of every Involve model says whether it holds personal data (see core/personal_data.py)."""

import pytest
from django.db import models

from involve.core import personal_data


def _each_model(check):
    """{model label: what check found} for every model where it found something."""
    found = {}
    for model in personal_data.our_models():
        if result := check(model):
            found[model._meta.label] = result
    return found


def test_every_field_is_classified(scorecard):
    missing = _each_model(personal_data.unclassified_fields)
    fields = sum(len(personal_data.model_fields(m)) for m in personal_data.our_models())
    scorecard.add(scorecard.UNCLASSIFIED, found=sum(len(f) for f in missing.values()), checked=fields)
    assert missing == {}, f"classify these fields in the model's PersonalData: {missing}"


def test_many_to_many_fields_are_classified_too():
    from involve.engagement.models import Decision

    assert "affected_organisations" in {f.name for f in personal_data.model_fields(Decision)}
    assert personal_data.classification(Decision)["affected_organisations"] == personal_data.NONE


def test_no_field_is_in_two_categories():
    twice = _each_model(personal_data.duplicated_fields)
    assert twice == {}, f"each field belongs to exactly one category: {twice}"


def test_classifications_name_only_real_fields():
    def stale(model):
        names = {f.name for f in personal_data.model_fields(model)}
        return set(personal_data.classification(model)) - names

    assert _each_model(stale) == {}


def test_declarations_beside_the_categories_name_classified_fields():
    def wrong(model):
        declared = personal_data.classification(model)
        problems = []
        for name in personal_data.about_the_work(model):
            if declared.get(name) != personal_data.NONE:
                problems.append(f"about_the_work {name} must be classified none")
        for name in personal_data.user_ids(model):
            field = model._meta.get_field(name)
            if declared.get(name) != personal_data.PERSONAL or not isinstance(field, models.IntegerField):
                problems.append(f"user_ids {name} must be a personal integer field")
        for name in personal_data.secret(model):
            if name not in declared:
                problems.append(f"secret {name} is not classified")
        for name, why in personal_data.not_found_by_name(model).items():
            if declared.get(name) not in (personal_data.PERSONAL, personal_data.SPECIAL_CATEGORY) or not why:
                problems.append(f"not_found_by_name {name} must be a personal field, with the reason")
        return problems

    assert _each_model(wrong) == {}


def test_free_text_is_personal_unless_written_about_the_work():
    """Rule 3: every TextField, and every CharField named for a person, is personal or in about_the_work."""

    def undecided(model):
        classification = personal_data.classification(model)
        allowed = set(personal_data.about_the_work(model))
        return [
            f.name
            for f in model._meta.concrete_fields
            if personal_data.is_free_text(f)
            and classification.get(f.name) == personal_data.NONE
            and f.name not in allowed
        ]

    assert _each_model(undecided) == {}, (
        "free text is personal unless staff write it about the work: classify it personal, "
        "or list it in about_the_work with a comment saying why"
    )


def test_fields_that_point_at_a_person_are_personal():
    """Rule 1: relations to the user model and email addresses are personal."""

    def not_personal(model):
        personal = set(personal_data.personal_fields(model))
        return [
            f.name
            for f in personal_data.model_fields(model)
            if (personal_data.points_at_user(f) or isinstance(f, models.EmailField)) and f.name not in personal
        ]

    assert _each_model(not_personal) == {}


def test_every_personal_field_can_be_traced_to_a_person():
    """Rule 5: privacy.py can find whose each personal value is, so export and erasure miss none."""

    def untraceable(model):
        return [name for name in personal_data.personal_fields(model) if personal_data.refers_by(model, name) is None]

    assert _each_model(untraceable) == {}


def test_the_rule_puts_the_borderline_fields_where_the_comments_say():
    from involve.engagement.models import Activity, BoardPaper, Decision, Evidence, ImprovementObjective

    cls = personal_data.classification
    assert cls(ImprovementObjective)["owner_name"] == personal_data.PERSONAL
    assert cls(BoardPaper)["author"] == cls(BoardPaper)["lead_director"] == personal_data.PERSONAL
    assert cls(BoardPaper)["what_people_said"] == personal_data.PERSONAL
    assert cls(Activity)["public_partner_roles"] == personal_data.PERSONAL
    assert cls(Evidence)["original_name"] == personal_data.PERSONAL
    assert cls(Decision)["feedback_changes"] == personal_data.NONE
    assert cls(Activity)["feedback_what"] == personal_data.NONE


@pytest.mark.parametrize("field", ["email", "first_name", "last_name"])
def test_a_persons_identifiers_are_personal(field):
    from involve.organisations.models import User

    assert personal_data.classification(User)[field] == personal_data.PERSONAL


def test_the_password_is_never_exported():
    from involve.organisations.models import User

    assert "password" in personal_data.secret(User)
