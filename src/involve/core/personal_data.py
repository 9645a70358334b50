"""Every model field says whether it holds personal data.

Each model of ours declares an inner ``PersonalData`` class listing every field it has (concrete fields
and many-to-many fields alike) under exactly one of ``personal``, ``special_category`` or ``none``.
Subject access exports and erasure (``involve.site.privacy``) are built from that list, and
tests/core/test_personal_data.py fails on any field left out or listed twice, so a new column cannot slip
in unclassified.

The rules, checked mechanically by tests/core/test_personal_data.py where a rule can be checked:

1. A field that points at a person is personal: a foreign key or many-to-many field to the user
   model, an id of a user kept without a foreign key (listed in ``user_ids``), every email address.
2. Every field of the user model that describes the account holder is personal: the account is
   the person.
3. **Free text.** Free text that staff (or Involve itself) write *about the work* is ``none``:
   summaries, rationales, plans, descriptions, recommendations, what we told participants. The
   forms ask for the work, not for people. Such a field must be listed in the model's
   ``about_the_work`` (a subset of ``none``), so that calling a text field "not personal" is a
   decision someone wrote down, with a comment where it is borderline. Free text that may hold
   *what members of the public said*, *who they are* (roles, circumstances) or *names of people*
   is ``personal``: a named owner, an author, a file name as uploaded, a summary of what people
   said. Every ``TextField`` and every ``CharField`` whose name says it holds a name, a person or
   an address (``*_name``, author, director, owner, contact, email, actor) is either personal
   (or special category) or listed in ``about_the_work``.
4. Special category data (UK GDPR art. 9: health, ethnicity, religion, sexual orientation…) is
   ``special_category``; it is found, exported and erased by the same code as ``personal``.
5. A personal field outside the user model must be one that can point at a person (rule 1, or
   free text in which a name or address can be found); a personal value that cannot (a date, a
   number) needs privacy.py to learn whose it is before it is added.

Optional declarations beside the three categories:
- ``about_the_work``: the ``none`` free-text fields of rule 3;
- ``user_ids``: personal integer fields holding a user's id without a foreign key;
- ``secret``: fields (of any category) never written into an export: only that they are held;
- ``retained_on_erasure``: a sentence saying why rows of this model are kept unchanged when a person
  is erased (the append-only audit log); the export still includes them;
- ``not_found_by_name``: {field: why} for personal fields that hold only codes about someone who
  answered without an account (equality monitoring answers): no name or email address can ever be
  found in them, so the search by name leaves them out, and the reason says how such a record is
  found instead (through the response it belongs to).
"""

from django.apps import apps
from django.conf import settings
from django.db import models

PERSONAL = "personal"
SPECIAL_CATEGORY = "special category"
NONE = "none"

CATEGORIES = ((PERSONAL, "personal"), (SPECIAL_CATEGORY, "special_category"), (NONE, "none"))

OUR_APP_PREFIX = "involve."

# How a personal field can point at a person (refers_by()).
BY_ACCOUNT = "account"  # a field of the user model: the row is the person
BY_USER = "user"  # a foreign key, many-to-many or id of a user
BY_TEXT = "text"  # text in which the person's name or email address is looked for
BY_JSON = "json"  # structured data in whose strings the name or email address is looked for

# CharFields whose name says they hold a person's name or address (rule 3).
PERSON_WORDS = ("author", "director", "owner", "contact", "email", "actor", "person")


def our_models():
    return [m for m in apps.get_models() if m._meta.app_config.name.startswith(OUR_APP_PREFIX)]


def model_fields(model) -> list:
    """Every field a PersonalData class must classify: concrete fields and many-to-many fields."""
    return [*model._meta.concrete_fields, *model._meta.many_to_many]


def _declared(model):
    return getattr(model, "PersonalData", None)


def classification(model) -> dict[str, str]:
    declared = _declared(model)
    result = {}
    for category, attr in CATEGORIES:
        for name in getattr(declared, attr, ()):
            result.setdefault(name, category)
    return result


def duplicated_fields(model) -> dict[str, list[str]]:
    """Fields listed in more than one category (or twice in one): {field: [categories]}."""
    declared = _declared(model)
    seen: dict[str, list[str]] = {}
    for category, attr in CATEGORIES:
        for name in getattr(declared, attr, ()):
            seen.setdefault(name, []).append(category)
    return {name: cats for name, cats in seen.items() if len(cats) > 1}


def unclassified_fields(model) -> list[str]:
    declared = classification(model)
    return [f.name for f in model_fields(model) if f.name not in declared]


def fields_in(model, category: str) -> list[str]:
    return [name for name, cat in classification(model).items() if cat == category]


def personal_fields(model) -> list[str]:
    """Personal and special category fields, in the model's field order."""
    declared = classification(model)
    return [f.name for f in model_fields(model) if declared.get(f.name) in (PERSONAL, SPECIAL_CATEGORY)]


def about_the_work(model) -> list[str]:
    return list(getattr(_declared(model), "about_the_work", ()))


def user_ids(model) -> list[str]:
    return list(getattr(_declared(model), "user_ids", ()))


def secret(model) -> list[str]:
    return list(getattr(_declared(model), "secret", ()))


def retained_on_erasure(model) -> str:
    return getattr(_declared(model), "retained_on_erasure", "")


def is_user_model(model) -> bool:
    return model._meta.label_lower == settings.AUTH_USER_MODEL.lower()


def points_at_user(field) -> bool:
    return bool(field.is_relation and field.related_model is not None and is_user_model(field.related_model))


def is_free_text(field) -> bool:
    """Rule 3's fields: every TextField, and CharFields whose name says they hold a person's name or address."""
    if isinstance(field, models.TextField):
        return True
    if isinstance(field, models.EmailField):
        return True
    if isinstance(field, models.CharField) and not field.choices:
        name = field.name.lower()
        return name.endswith("_name") or any(word in name for word in PERSON_WORDS)
    return False


def refers_by(model, name) -> str | None:
    """How a personal field can point at a person, or None when it cannot (see rule 5)."""
    field = model._meta.get_field(name)
    if is_user_model(model):
        return BY_ACCOUNT
    if points_at_user(field) or name in user_ids(model):
        return BY_USER
    if isinstance(field, models.JSONField):
        return BY_JSON
    if isinstance(field, models.CharField | models.TextField):  # EmailField is a CharField
        return BY_TEXT
    return None


def not_found_by_name(model) -> dict[str, str]:
    return dict(getattr(_declared(model), "not_found_by_name", {}))


def referring_fields(model) -> list[tuple[str, str]]:
    """The personal (and special category) fields that can point at a person, with how: [(field, BY_…)]."""
    result = []
    unsearchable = not_found_by_name(model)
    for name in personal_fields(model):
        how = refers_by(model, name)
        if how is not None and name not in unsearchable:
            result.append((name, how))
    return result
