"""The pages part's declarations for the project-wide tests (see spec.py): the insight overview, trends,
two periods compared, a theme's comments and quotes, duplicate groups, themes by equality, the export."""

from involve.organisations.permissions import Action

from ..matrix import LIST, OBJECT

_I = "insight:"

# (url name, record from tests/insight/test_pages_permissions.py's `pages` fixture, action, kind)
ROWS = [
    (f"{_I}{name}", needs, action, kind)
    for name, needs, action, kind in [
        ("overview", None, Action.VIEW, LIST),
        ("trends", None, Action.VIEW, LIST),
        ("compare", None, Action.VIEW, LIST),
        ("duplicates", None, Action.VIEW, LIST),
        ("equality", None, Action.VIEW, LIST),
        # The national framework's themes: everyone signed in to an organisation may read them.
        ("theme_detail", "theme", Action.VIEW, LIST),
        ("duplicate_detail", "group", Action.VIEW, OBJECT),
    ]
]
_POST = "POST only (GET is 405); every role and another organisation's record: tests/insight/test_pages_permissions.py"
EXEMPT = {
    f"{_I}export": "takes a format: every role in tests/insight/test_pages_permissions.py",
    f"{_I}quotes_suggest": _POST,
    f"{_I}quote_confirm": _POST,
    f"{_I}quote_remove": _POST,
    f"{_I}duplicate_campaign": _POST,
}


def pages_for(w):
    """A theme with comments in org_a, a duplicate group and a suggested quote, made on first use."""
    if not hasattr(w, "insight_pages"):
        import types

        from involve.insight.models import Quote

        from .pages_factories import make_comment, make_framework, make_group, make_theme

        framework = make_framework()
        theme = make_theme(framework, "Staff attitude")
        comments = [
            make_comment(w.org_a, f"The staff on the ward were kind and listened to me, number {i}", themes=[theme])
            for i in range(3)
        ]
        copies = [make_comment(w.org_a, "Keep the Elm Street clinic open", themes=[theme]) for _ in range(2)]
        group = make_group(w.org_a, copies)
        quote = Quote.objects.create(organisation=w.org_a, theme=theme, comment=comments[0])
        w.insight_pages = types.SimpleNamespace(theme=theme, group=group, quote=quote, comments=comments)
    return w.insight_pages


OBJECTS = {
    f"{_I}theme_detail": lambda w: {"pk": pages_for(w).theme.pk},
    f"{_I}quotes_suggest": lambda w: {"pk": pages_for(w).theme.pk},
    f"{_I}quote_confirm": lambda w: {"pk": pages_for(w).quote.pk},
    f"{_I}quote_remove": lambda w: {"pk": pages_for(w).quote.pk},
    f"{_I}duplicate_detail": lambda w: {"pk": pages_for(w).group.pk},
    f"{_I}duplicate_campaign": lambda w: {"pk": pages_for(w).group.pk},
    f"{_I}export": lambda w: {"fmt": "csv"},
}
FORMS = {}
FORM_EXEMPT = {
    f"{_I}theme_detail": "buttons only (confirm, remove, suggest quotes) and GET filters: "
    "tests/insight/test_quotes.py, tests/insight/test_pages_permissions.py",
    f"{_I}duplicate_detail": "one yes/no choice posted to insight:duplicate_campaign; saving it unchanged changes "
    "nothing and audits nothing: tests/insight/test_pages.py",
}
PUBLIC = set()
