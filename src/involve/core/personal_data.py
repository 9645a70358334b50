"""Every model field says whether it holds personal data.

Each model of ours declares an inner ``PersonalData`` class listing its concrete fields under
``personal``, ``special_category`` or ``none``. Subject access exports, erasure and retention are
built from that list, and tests/test_personal_data.py fails on any field left out, so a new
column cannot slip in unclassified.
"""

from django.apps import apps

PERSONAL = "personal"
SPECIAL_CATEGORY = "special category"
NONE = "none"

OUR_APP_PREFIX = "involve."


def our_models():
    return [m for m in apps.get_models() if m._meta.app_config.name.startswith(OUR_APP_PREFIX)]


def classification(model) -> dict[str, str]:
    declared = getattr(model, "PersonalData", None)
    result = {}
    for category, attr in ((PERSONAL, "personal"), (SPECIAL_CATEGORY, "special_category"), (NONE, "none")):
        for name in getattr(declared, attr, ()):
            result[name] = category
    return result


def unclassified_fields(model) -> list[str]:
    declared = classification(model)
    return [f.name for f in model._meta.concrete_fields if f.name not in declared]


def fields_in(model, category: str) -> list[str]:
    return [name for name, cat in classification(model).items() if cat == category]
