"""The Jinja2 environment for Involve's pages: NHS.UK design system macros plus a few globals."""

import functools
import os
import sys

import jinja2
from django.contrib.humanize.templatetags.humanize import intcomma
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader
from jinja2.utils import missing

from involve.core import forms as form_helpers
from involve.core.navigation import items_for as nav_items


def url(name, *args, **kwargs):
    return reverse(name, args=args, kwargs=kwargs)


def local_datetime(value, fmt="%-d %B %Y, %H:%M"):
    if value is None:
        return ""
    return timezone.localtime(value).strftime(fmt)


def date(value, fmt="%-d %B %Y"):
    if value is None:
        return ""
    return value.strftime(fmt)


_JINJA2_CODE = os.path.dirname(os.path.realpath(jinja2.__file__)) + os.sep
_OUR_CODE = os.path.dirname(os.path.realpath(__file__)) + os.sep


@functools.lru_cache(maxsize=1024)
def _is_our_template(filename):
    return not filename.endswith(".py") and os.path.realpath(filename).startswith(_OUR_CODE)


def _made_by_our_template():
    """Whether the template code that looked a value up (skipping Jinja's own) is one of Involve's."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_JINJA2_CODE):
        frame = frame.f_back
    return frame is not None and _is_our_template(frame.f_code.co_filename)


class StrictInOurTemplates(ChainableUndefined):
    """The undefined value under test (OPTIONS "strict_undefined"): a name or attribute that one of
    Involve's own templates looks up and does not find raises UndefinedError as soon as it is
    printed, tested, compared or iterated, wherever that happens (a misspelt `decision.titel`
    passed to a macro fails inside the macro). `is defined`, `|default` and chaining still work.

    What the NHS.UK design system's templates look up themselves (a macro's optional `params.x`,
    the page template's `htmlClasses`) stays lenient, as in production: they are written for
    leniency. So do Jinja's own hinted values ("No caller defined", "parameter was not provided").
    """

    __slots__ = ("_undefined_strict",)

    def __init__(self, hint=None, obj=missing, name=None, exc=jinja2.UndefinedError):
        super().__init__(hint, obj, name, exc)
        self._undefined_strict = hint is None and _made_by_our_template()

    def _check(self):
        if self._undefined_strict:
            self._fail_with_undefined_error()

    def __str__(self):
        self._check()
        return ""

    def __bool__(self):
        self._check()
        return False

    def __len__(self):
        self._check()
        return 0

    def __iter__(self):
        self._check()
        return iter(())

    def __eq__(self, other):
        self._check()
        return type(self) is type(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        self._check()
        return id(type(self))


def environment(**options):
    # Django built a FileSystemLoader over DIRS and <app>/jinja2/; the design system macros come after it.
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    # The macros test optional parameters with attribute chains, which DebugUndefined breaks. Tests
    # (tests/conftest.py) turn on strict_undefined so a misspelt variable in our templates fails.
    strict = options.pop("strict_undefined", False)
    options["undefined"] = StrictInOurTemplates if strict else ChainableUndefined
    options.setdefault("extensions", []).extend(["jinja2.ext.do", "jinja2.ext.i18n"])
    # Django passes autoescape=True; set it here too so the environment is safe however it is built.
    options["autoescape"] = True
    env = Environment(**options)  # noqa: S701  (autoescape is on, line above)
    # _() and {% trans %} in templates use Django's translations (the public pages: English and Welsh).
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    env.globals.update(
        static=static,
        url=url,
        field_kind=form_helpers.field_kind,
        field_id=form_helpers.field_id,
        date_parts=form_helpers.date_parts,
        selected_values=form_helpers.selected_values,
        error_list=form_helpers.error_list,
        character_limit=form_helpers.character_limit,
        nav_items=nav_items,
    )
    env.filters.update(local_datetime=local_datetime, date=date, intcomma=intcomma)
    return env
