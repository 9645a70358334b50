"""What each app may write to the audit log, and how its events read.

Every app declares its audit actions in its own ``audit_actions.py`` with a plain-language verb
phrase, read as "<person> <phrase> <record>" ("Ellen Morris changed the screening of ‘Hubs’"):

    from involve.audit.registry import register_actions, register_link

    register_actions({"decision.screen": "changed the screening of"})
    register_link("engagement.decision", "engagement:decision_detail")

``AuditConfig.ready`` imports every installed app's ``audit_actions`` module at start-up, and
``services.record()`` refuses an action that is not registered, so a typo fails at once.

Optional declarations help the log read well:
- ``register_link(model, url_name, via="pk")``: the page a record of that model is shown on
  (``via`` names the column holding the URL's pk, e.g. an objective is shown on its programme's page);
- ``register_field_labels(key, {...})``: labels for keys that are not model fields (key is an
  action or a model label), e.g. ``{"new_account": "new account created"}``;
- ``register_value_labels(model, field, choices)``: labels for values a field stores without
  Django choices (a JSON list of codes).
"""

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


class UnknownAuditAction(ValueError):
    """record() was given an action no app has registered."""


@dataclass(frozen=True)
class Link:
    url_name: str
    via: str = "pk"  # the column (a lookup path allowed) holding the pk the URL takes
    organisation_field: str = "organisation"  # scope: only records of organisations the reader may read


_actions: dict[str, str] = {}
_links: dict[str, Link] = {}
_field_labels: dict[str, dict[str, str]] = {}
_value_labels: dict[tuple[str, str], dict[str, str]] = {}
_hide_record: set[str] = set()
_loaded = False


def register_actions(actions: dict[str, str], *, names_record=True):
    """Declare actions and their phrases. names_record=False for phrases that read whole without the
    record's name after them ("signed in")."""
    for code, phrase in actions.items():
        if not code or len(code) > 64:
            raise ValueError(f"An audit action code must be 1 to 64 characters: {code!r}")
        if not phrase or not phrase.strip():
            raise ValueError(f"The audit action {code!r} needs a plain-language phrase")
        if code in _actions and _actions[code] != phrase:
            raise ValueError(f"The audit action {code!r} is already registered as {_actions[code]!r}")
        _actions[code] = phrase
        if not names_record:
            _hide_record.add(code)


def unregister_actions(codes):
    """For tests that register throwaway actions."""
    for code in codes:
        _actions.pop(code, None)
        _hide_record.discard(code)


def register_link(model_label: str, url_name: str, *, via="pk", organisation_field="organisation"):
    _links[model_label.lower()] = Link(url_name, via, organisation_field)


def register_field_labels(key: str, labels: dict[str, str]):
    _field_labels.setdefault(key.lower(), {}).update(labels)


def register_value_labels(model_label: str, field: str, choices):
    mapping = dict(choices.choices if hasattr(choices, "choices") else choices)
    _value_labels[(model_label.lower(), field)] = {str(k): str(v) for k, v in mapping.items()}


def load():
    """Import every installed app's audit_actions module (once). Called from AuditConfig.ready."""
    global _loaded
    if not _loaded:
        _loaded = True
        autodiscover_modules("audit_actions")


def is_registered(action: str) -> bool:
    load()
    return action in _actions


def require(action: str):
    if not is_registered(action):
        raise UnknownAuditAction(
            f"The audit action {action!r} is not registered: declare it in the app's audit_actions.py"
        )


def phrase(action: str) -> str:
    """The plain-language phrase; an unknown (say, retired) action reads as its code in words."""
    load()
    if action in _actions:
        return _actions[action]
    return action.replace("_", " ").replace(".", " ") if action else "did something to"


def hides_record(action: str) -> bool:
    load()
    return action in _hide_record


def actions() -> dict[str, str]:
    load()
    return dict(_actions)


def choice_label(action: str) -> str:
    """The phrase as a filter option: "Changed the screening of", "Removed … from the organisation"."""
    text = phrase(action).replace("{record}", "…")
    return text[:1].upper() + text[1:]


def link_for(model_label: str) -> Link | None:
    load()
    return _links.get(model_label)


def field_label_override(action: str, model_label: str, field: str) -> str | None:
    load()
    for key in (action, model_label):
        if key in _field_labels and field in _field_labels[key]:
            return _field_labels[key][field]
    return None


def value_labels(model_label: str, field: str) -> dict[str, str] | None:
    load()
    return _value_labels.get((model_label, field))
