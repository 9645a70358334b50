"""Every field of every Involve model says whether it holds personal data (see core/personal_data.py)."""

import pytest

from involve.core import personal_data


def test_every_field_is_classified():
    missing = {
        model._meta.label: personal_data.unclassified_fields(model)
        for model in personal_data.our_models()
        if personal_data.unclassified_fields(model)
    }
    assert missing == {}, f"classify these fields in the model's PersonalData: {missing}"


def test_classifications_name_only_real_fields():
    stale = {}
    for model in personal_data.our_models():
        names = {f.name for f in model._meta.concrete_fields}
        extra = set(personal_data.classification(model)) - names
        if extra:
            stale[model._meta.label] = extra
    assert stale == {}


@pytest.mark.parametrize("field", ["email", "first_name", "last_name"])
def test_a_persons_identifiers_are_personal(field):
    from involve.organisations.models import User

    assert personal_data.classification(User)[field] == personal_data.PERSONAL
