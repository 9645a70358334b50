"""Audit events in plain words, for the audit log page and its CSV export.

"Ellen Morris changed the screening of ‘Hubs’", then each changed field by its label
(the model field's verbose_name), before → after in words: Yes/No, choice labels, dates as
"1 December 2026", and for many-to-many fields "added X, removed Y". Related records are named from
the event's stored labels (see services.snapshot); an event written before labels were stored, or a
name that is missing, reads "record 3".

Nothing here marks text safe: the template escapes everything.
"""

import datetime
import decimal
from dataclasses import dataclass, field
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from . import registry

NOBODY = "The system or someone not signed in"
SOMEONE = "Someone"
NOT_SET = "not set"
SHORT = 200  # longer values are shortened on the page, with the whole value in a details component


def plural(n, noun, nouns=None):
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


@dataclass
class Change:
    label: str
    before: str = ""  # words; "" when the event has no old value for the field (a record added)
    after: str = ""  # words; "" when the event has no new value (a record deleted)
    added: list[str] = field(default_factory=list)  # many-to-many and list fields
    removed: list[str] = field(default_factory=list)
    kind: str = "changed"  # changed, set (a new record's value), was (a deleted record's value), links

    @property
    def summary(self) -> str:
        """The change in one line of words (the CSV's Before/After keep the whole lists)."""
        if self.kind == "links":
            parts = []
            if self.added:
                parts.append("added " + ", ".join(self.added))
            if self.removed:
                parts.append("removed " + ", ".join(self.removed))
            return "; ".join(parts)
        if self.kind == "set":
            return self.after
        if self.kind == "was":
            return self.before
        return f"{self.before} → {self.after}"


@dataclass
class Entry:
    event: object
    who: str
    phrase: str
    record: str  # the record's stored name ("" for events about no record)
    record_type: str
    changes: list[Change]
    url: str | None = None  # set by add_links() for records that still exist and the reader may open

    @property
    def phrase_text(self) -> str:
        """The phrase on its own (the record in a column of its own): "removed … from the organisation"."""
        return self.phrase.replace("{record}", "…")

    @property
    def phrase_before(self) -> str:
        """The words before the record's name (a phrase may put it in the middle: "removed {record} from")."""
        return self.phrase.split("{record}", 1)[0].rstrip()

    @property
    def phrase_after(self) -> str:
        parts = self.phrase.split("{record}", 1)
        return parts[1].strip() if len(parts) > 1 else ""

    @property
    def sentence(self) -> str:
        text = f"{self.who} {self.phrase_before}"
        if self.record:
            text += f" ‘{self.record}’"
        return f"{text} {self.phrase_after}" if self.phrase_after else text

    @property
    def changes_count(self) -> str:
        if not self.changes:
            return ""
        if all(c.kind == "was" for c in self.changes):
            return plural(len(self.changes), "value recorded", "values recorded")
        if all(c.kind == "set" for c in self.changes):
            return plural(len(self.changes), "detail")
        return plural(len(self.changes), "change")


@lru_cache(maxsize=256)
def _model(target_type):
    if not target_type:
        return None
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def record_type(target_type) -> str:
    model = _model(target_type)
    if model is None:
        return target_type.rsplit(".", 1)[-1].replace("_", " ") if target_type else ""
    return str(model._meta.verbose_name)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def field_label(action, target_type, name) -> str:
    override = registry.field_label_override(action, target_type, name)
    if override:
        return capital(override)
    model_field = _field(_model(target_type), name)
    if model_field is not None and getattr(model_field, "verbose_name", None):
        return capital(str(model_field.verbose_name))
    return capital(name.replace("_", " "))


def _date(text):
    try:
        return datetime.date.fromisoformat(text).strftime("%-d %B %Y")
    except (TypeError, ValueError):
        return str(text)


def _datetime(text):
    try:
        value = datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%-d %B %Y, %H:%M")


def _empty(value):
    return value is None or value == "" or value == [] or value == {}


def _related_name(labels, name, value):
    return (labels.get(name) or {}).get(str(value)) or f"record {value}"


def words(value, *, model_field=None, labels=None, name="", value_labels=None) -> str:
    """One stored value in words."""
    if _empty(value):
        return NOT_SET
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model_field is not None and model_field.is_relation:
        return _related_name(labels or {}, name, value)
    if value_labels and str(value) in value_labels:
        return value_labels[str(value)]
    if model_field is not None:
        if getattr(model_field, "choices", None):
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(model_field, models.DateTimeField):
            return _datetime(value)
        if isinstance(model_field, models.DateField):
            return _date(value)
        if isinstance(model_field, models.DecimalField) and "£" in str(model_field.verbose_name):
            try:
                return f"£{decimal.Decimal(str(value)):,.2f}"
            except decimal.InvalidOperation:
                return str(value)
    if isinstance(value, list):
        return ", ".join(words(v, value_labels=value_labels) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{capital(str(k).replace('_', ' '))}: {words(v)}" for k, v in value.items())
    if isinstance(value, str) and model_field is None:
        # Dates in values that are not model fields (a succession's effective date, export filters).
        if len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
            return _date(value)
    return str(value)


def _is_list_field(model_field, old, new):
    if model_field is not None and model_field.many_to_many:
        return True
    return isinstance(old, list) or isinstance(new, list)


def changes_for(event) -> list[Change]:
    model = _model(event.target_type)
    labels = event.labels or {}
    old, new = event.old or {}, event.new or {}
    keys = list(new) + [k for k in old if k not in new]
    result = []
    for name in keys:
        model_field = _field(model, name)
        value_labels = registry.value_labels(event.target_type, name)
        label = field_label(event.action, event.target_type, name)
        in_old, in_new = name in old, name in new
        before, after = old.get(name), new.get(name)

        def say(value, model_field=model_field, name=name, value_labels=value_labels):
            return words(value, model_field=model_field, labels=labels, name=name, value_labels=value_labels)

        if in_old and in_new:
            if (
                _is_list_field(model_field, before, after)
                and isinstance(before or [], list)
                and isinstance(after or [], list)
            ):
                before, after = before or [], after or []
                added = [say(v) for v in after if v not in before]
                removed = [say(v) for v in before if v not in after]
                result.append(
                    Change(
                        label,
                        before=", ".join(say(v) for v in before) or NOT_SET,
                        after=", ".join(say(v) for v in after) or NOT_SET,
                        added=added,
                        removed=removed,
                        kind="links",
                    )
                )
            else:
                result.append(Change(label, before=say(before), after=say(after)))
        elif _empty(after if in_new else before):
            continue  # a new record's blank field, or a deleted record's: nothing worth reading
        elif in_new:
            result.append(Change(label, after=_list_words(after, say), kind="set"))
        else:
            result.append(Change(label, before=_list_words(before, say), kind="was"))
    return result


def _list_words(value, say):
    if isinstance(value, list):
        return ", ".join(say(v) for v in value)
    return say(value)


def who(event) -> str:
    if not (event.actor_name or event.actor_label) and event.action.startswith("auth."):
        return SOMEONE  # a sign-in attempt is always a person's, not yet signed in
    return event.actor_name or event.actor_label or NOBODY


def entry(event) -> Entry:
    return Entry(
        event=event,
        who=who(event),
        phrase=registry.phrase(event.action),
        record="" if registry.hides_record(event.action) else event.target_label,
        record_type=capital(record_type(event.target_type)),
        changes=changes_for(event),
    )


def entries(events, access=None) -> list[Entry]:
    result = [entry(e) for e in events]
    if access is not None:
        add_links(result, access)
    return result


def add_links(items, access):
    """Link each entry to its record's page, only if the record still exists and is of an organisation
    the reader may read. One query per kind of record on the page."""
    wanted = {}
    for item in items:
        event = item.event
        link = registry.link_for(event.target_type)
        if link and event.target_id and _model(event.target_type) is not None:
            wanted.setdefault(event.target_type, set()).add(event.target_id)
    found = {}
    for target_type, ids in wanted.items():
        model, link = _model(target_type), registry.link_for(target_type)
        pks = [int(i) for i in ids if i.isdigit()]
        queryset = model._default_manager.filter(pk__in=pks)
        if link.organisation_field:
            queryset = access.scope(queryset, link.organisation_field)
        else:  # the record is an organisation
            queryset = queryset.filter(pk__in=access.readable_organisations.values("pk"))
        for pk, via in queryset.values_list("pk", link.via):
            if via is None:
                continue
            try:
                found[(target_type, str(pk))] = reverse(link.url_name, args=[via])
            except NoReverseMatch:
                continue
    for item in items:
        item.url = found.get((item.event.target_type, item.event.target_id))
    return items
