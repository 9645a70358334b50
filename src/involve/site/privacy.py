"""Subject access and erasure, built from the personal data classification (core/personal_data.py).

Nothing here names a model's fields. For every model of ours, every field classified personal or
special category that can point at a person (personal_data.referring_fields) is searched:

- the user model's own fields: the person's account row;
- foreign keys and many-to-many fields to the user, and user ids kept without a key (``user_ids``):
  rows that point at the account;
- text: rows whose value holds one of the person's full names (as a whole word, any case) or their
  email address; JSON: the same, in any string inside the structure.

A row found is exported with the personal fields that refer to this person, the row's non-personal
fields for context, and the names (not the values) of its other personal fields, which may be someone
else's. Erasure changes exactly the fields the export shows: a key to the user is set to NULL where
the column allows it (otherwise it keeps pointing at the anonymised account), a short text field
holding the name is blanked, the name or address is cut out of long text, and the account itself is
anonymised (not deleted, so foreign keys hold). Models with ``retained_on_erasure`` (the append-only
audit log) are exported but never changed; erasure reports them as retained and records one
``person.erased`` event, which holds counts only.

Outside our classification, django-allauth keeps the account's email addresses (exported, deleted on
erasure) and authenticators (their kind and dates exported, never their secrets; deleted on erasure).
Sessions end by themselves: erasure makes the password unusable, which invalidates them. Not
searched: what is inside uploaded evidence files and generated export files, and background tasks'
stored arguments and results.
"""

import datetime
import decimal
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils import timezone

from involve.audit import services as audit
from involve.core import personal_data as pd

REMOVED = "[removed]"
ERASED_DOMAIN = "erased.invalid"


class PersonNotFound(ValueError):
    """No account has the email address given, or nothing identifies a person."""


@dataclass
class Person:
    """Who to look for: an account (by email) and/or full names of someone who may not sign in."""

    user: object | None = None
    email: str = ""
    names: list[str] = field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        return [t for t in [self.email, *self.names] if t]

    def describe(self) -> str:
        parts = []
        if self.user is not None:
            parts.append(f"account {self.user.pk} ({self.email})")
        elif self.email:
            parts.append(f"email address {self.email} (no account)")
        parts += [f"name “{n}”" for n in self.names]
        return ", ".join(parts)


def find_person(*, email: str | None = None, name: str | None = None, require_account: bool = False) -> Person:
    """The person to search for. An unknown email is refused when require_account (erasure)."""
    email = (email or "").strip().lower()
    name = " ".join((name or "").split())
    if not email and not name:
        raise PersonNotFound("Give an email address, a full name, or both")
    if name and (len(name.split()) < 2 or len(name) < 5):
        raise PersonNotFound(
            f"“{name}” is too short to look for safely: give a full name (first and last name), "
            "so that other people's names and ordinary words are not matched"
        )
    user = None
    if email:
        user = get_user_model()._base_manager.filter(email__iexact=email).first()
        if user is None and require_account:
            raise PersonNotFound(f"No account has the email address {email}; nothing was changed")
    names = []
    if user is not None:
        full = " ".join(user.get_full_name().split())
        if len(full.split()) >= 2:
            names.append(full)
    if name and name.lower() not in {n.lower() for n in names}:
        names.append(name)
    return Person(user=user, email=email, names=names)


# --- matching -------------------------------------------------------------------------------------


def _patterns(person) -> list[re.Pattern]:
    patterns = []
    if person.email:
        patterns.append(re.compile(r"(?<![\w.+-])" + re.escape(person.email) + r"(?![\w-])", re.IGNORECASE))
    for name in person.names:
        words = r"\s+".join(re.escape(w) for w in name.split())
        patterns.append(re.compile(r"(?<!\w)" + words + r"(?!\w)", re.IGNORECASE))
    return patterns


def _text_holds(value, patterns) -> bool:
    return isinstance(value, str) and any(p.search(value) for p in patterns)


def _json_holds(value, patterns) -> bool:
    if isinstance(value, dict):
        return any(_text_holds(k, patterns) or _json_holds(v, patterns) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_json_holds(v, patterns) for v in value)
    return _text_holds(value, patterns)


def _db_filter(model, name, how, person) -> Q | None:
    """A database filter that finds every row that may refer to the person (text is confirmed in Python)."""
    if how == pd.BY_ACCOUNT:
        return Q(pk=person.user.pk) if person.user is not None else None
    if how == pd.BY_USER:
        if person.user is None:
            return None
        field_ = model._meta.get_field(name)
        return Q(**{name: person.user if field_.is_relation else person.user.pk})
    terms = person.terms
    if not terms:
        return None
    lookup = f"_pd_{name}" if how == pd.BY_JSON else name
    q = Q()
    for term in terms:
        q |= Q(**{f"{lookup}__icontains": term})
        if how == pd.BY_JSON:  # JSON text stored with \\u escapes (SQLite) or as written (PostgreSQL)
            q |= Q(**{f"{lookup}__icontains": json.dumps(term)[1:-1]})
    return q


def _refers(model, instance, name, how, user_pk, patterns) -> bool:
    """Whether this row's field refers to the person (the database filter only narrows the rows)."""
    if how == pd.BY_ACCOUNT:
        return True  # the row is the account, found by its id
    field_ = model._meta.get_field(name)
    if how == pd.BY_USER:
        if field_.many_to_many:
            return getattr(instance, name).filter(pk=user_pk).exists()
        return getattr(instance, field_.attname) == user_pk
    value = getattr(instance, name)
    return _json_holds(value, patterns) if how == pd.BY_JSON else _text_holds(value, patterns)


@dataclass
class Found:
    model: type
    instance: models.Model
    fields: list[tuple[str, str]]  # (field name, how it refers)


def searched_fields() -> list[tuple[str, str, str]]:
    """Every (model label, field, how) the search covers: the classification's referring fields."""
    return [(m._meta.label_lower, name, how) for m in pd.our_models() for name, how in pd.referring_fields(m)]


def find(person) -> list[Found]:
    """Every row of our models with a personal field that refers to the person."""
    patterns = _patterns(person)
    found = []
    for model in pd.our_models():
        referring = pd.referring_fields(model)
        filters = {name: (how, _db_filter(model, name, how, person)) for name, how in referring}
        wanted = [q for how, q in filters.values() if q is not None]
        if not wanted:
            continue
        query = Q()
        for q in wanted:
            query |= q
        qs = model._base_manager.all()
        json_fields = [name for name, how in referring if how == pd.BY_JSON]
        if json_fields:
            qs = qs.annotate(**{f"_pd_{name}": Cast(name, models.TextField()) for name in json_fields})
        user_pk = person.user.pk if person.user is not None else None
        for instance in qs.filter(query).distinct().order_by("pk"):
            hits = [
                (name, how)
                for name, (how, q) in filters.items()
                if q is not None and _refers(model, instance, name, how, user_pk, patterns)
            ]
            if hits:
                found.append(Found(model, instance, hits))
    return found


# --- subject access export ---------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return value


def _value(instance, name):
    field_ = instance._meta.get_field(name)
    if field_.many_to_many:
        return sorted(getattr(instance, name).values_list("pk", flat=True))
    if field_.is_relation:
        return _plain(getattr(instance, field_.attname))
    return _plain(getattr(instance, name))


def _row(found: Found) -> dict:
    model, instance = found.model, found.instance
    declared = pd.classification(model)
    secret = set(pd.secret(model))
    hit = {name for name, _ in found.fields}
    context_names = [f.name for f in pd.model_fields(model) if declared.get(f.name) == pd.NONE]
    return {
        "id": _plain(instance.pk),
        "about_you": {
            name: {"value": _value(instance, name), "category": declared[name], "found_by": how}
            for name, how in found.fields
            if name not in secret
        },
        "context": {name: _value(instance, name) for name in context_names if name not in secret},
        "held_not_shown": sorted(secret),
        # Other personal fields of the row: someone else's, or empty; named so the reader knows they exist.
        "withheld_other_people": [name for name in pd.personal_fields(model) if name not in hit],
    }


def _allauth_records(person) -> dict:
    if person.user is None:
        return {}
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "account.emailaddress": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=person.user).order_by("pk")
        ],
        # The secrets (TOTP key, recovery codes) are never exported: only that they exist.
        "mfa.authenticator": [
            {"type": a.type, "created_at": _plain(a.created_at), "last_used_at": _plain(a.last_used_at)}
            for a in Authenticator.objects.filter(user=person.user).order_by("pk")
        ],
    }


def subject_access(person) -> dict:
    """Everything Involve holds about the person, as JSON-ready data."""
    records: dict[str, list] = {}
    for found in find(person):
        records.setdefault(found.model._meta.label_lower, []).append(_row(found))
    return {
        "subject": {
            "account_id": person.user.pk if person.user is not None else None,
            "email": person.email,
            "names_searched": person.names,
        },
        "generated_at": timezone.now().isoformat(),
        "how_to_read": (
            "One list of records per kind of record. 'about_you' holds each personal field that refers to "
            "you, with its category; 'context' the record's non-personal fields; 'withheld_other_people' the "
            "names of personal fields that do not refer to you (someone else's data)."
        ),
        "searched": [f"{label}.{name} ({how})" for label, name, how in searched_fields()],
        "records": records,
        "sign_in_records": _allauth_records(person),
        "not_searched": [
            "what is inside uploaded evidence files and generated export files",
            "the arguments and results kept for background tasks",
        ],
    }


def write_subject_access(person, path) -> dict:
    data = subject_access(person)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    return data


# --- erasure ---------------------------------------------------------------------------------------


def _redact(value, patterns):
    if isinstance(value, str):
        for p in patterns:
            value = p.sub(REMOVED, value)
        return value
    if isinstance(value, dict):
        return {_redact(k, patterns): _redact(v, patterns) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, patterns) for v in value]
    return value


def placeholder_email(user) -> str:
    return f"erased-{user.pk}@{ERASED_DOMAIN}"


def _erase_field(model, instance, name, how, patterns):
    """(new value, what happens) for one field; new value None with 'kept: …' when it cannot change."""
    field_ = model._meta.get_field(name)
    if how == pd.BY_ACCOUNT:
        if isinstance(field_, models.EmailField):
            return placeholder_email(instance), "replaced by a placeholder"
        if isinstance(field_, models.CharField | models.TextField):
            return "", "blanked"
        if field_.null:
            return None, "set to null"
        return ..., "kept: the column cannot be empty"
    if how == pd.BY_USER:
        if field_.many_to_many:
            return ..., "removed from the relation"
        if field_.null:
            return None, "set to null"
        return ..., "kept: points at the anonymised account"
    if how == pd.BY_JSON:
        return _redact(getattr(instance, name), patterns), "name and address cut out"
    if isinstance(field_, models.TextField):
        return _redact(getattr(instance, name), patterns), "name and address cut out"
    return (None if field_.null and not field_.blank else ""), "blanked"


@dataclass
class ErasureReport:
    person: Person
    changes: Counter = field(default_factory=Counter)  # (model label, field, what happens) -> rows
    retained: Counter = field(default_factory=Counter)  # (model label, reason) -> rows
    sign_in_records: Counter = field(default_factory=Counter)
    done: bool = False

    def lines(self) -> list[str]:
        verb = "Changed" if self.done else "Would change"
        out = [f"{verb} for {self.person.describe()}:"]
        if not self.changes:
            out.append("  nothing")
        for (label, name, what), n in sorted(self.changes.items()):
            out.append(f"  {label}.{name}: {n} row{'s' if n != 1 else ''}, {what}")
        for label, n in sorted(self.sign_in_records.items()):
            out.append(f"  {label}: {n} row{'s' if n != 1 else ''}, {'deleted' if self.done else 'would be deleted'}")
        for (label, reason), n in sorted(self.retained.items()):
            out.append(f"Retained {label}: {n} row{'s' if n != 1 else ''} unchanged. {reason}")
        return out


def erase(person, *, confirm=False, by=None) -> ErasureReport:
    """Erase the person's personal data (dry run unless confirm): one transaction, one audit event."""
    report = ErasureReport(person)
    patterns = _patterns(person)
    with transaction.atomic():
        planned = []
        for found in find(person):
            label = found.model._meta.label_lower
            reason = pd.retained_on_erasure(found.model)
            if reason:
                report.retained[(label, reason)] += 1
                continue
            updates, m2m = {}, []
            for name, how in found.fields:
                value, what = _erase_field(found.model, found.instance, name, how, patterns)
                report.changes[(label, name, what)] += 1
                if what == "removed from the relation":
                    m2m.append(name)
                elif value is not ...:
                    updates[found.model._meta.get_field(name).attname] = value
            planned.append((found, updates, m2m))
        if person.user is not None:
            from allauth.account.models import EmailAddress
            from allauth.mfa.models import Authenticator

            for sign_in_model in (EmailAddress, Authenticator):
                if n := sign_in_model.objects.filter(user=person.user).count():
                    report.sign_in_records[sign_in_model._meta.label_lower] += n
        if not confirm:
            return report
        for found, updates, m2m in planned:
            _apply(found, updates, m2m, person)
        if person.user is not None:
            EmailAddress.objects.filter(user=person.user).delete()
            Authenticator.objects.filter(user=person.user).delete()
            # Not delete(): keys from other records (memberships, the audit trail's ids) keep pointing here.
            get_user_model()._base_manager.filter(pk=person.user.pk).update(
                password=make_password(None), is_active=False
            )
            person.user.refresh_from_db()
        report.done = True
        audit.record(
            action="person.erased",
            by=by,
            target=person.user,
            target_label=placeholder_email(person.user) if person.user is not None else "a person named in records",
            new={
                "changed": {f"{label}.{name}": n for (label, name, _), n in sorted(report.changes.items())},
                "retained": {label: n for (label, _), n in sorted(report.retained.items())},
                "sign_in_records_deleted": dict(report.sign_in_records),
            },
        )
    return report


def _apply(found, updates, m2m, person):
    model, instance = found.model, found.instance
    names = {f.name for f in model._meta.concrete_fields}
    if updates:
        if "revision" in names:  # so that a form opened before the erasure cannot write the data back
            updates["revision"] = F("revision") + 1
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False):
                updates[f.attname] = timezone.now()
        model._base_manager.filter(pk=instance.pk).update(**updates)
    for name in m2m:
        getattr(instance, name).remove(person.user)
