"""The Jinja2 environment for Involve's pages: NHS.UK design system macros plus a few globals."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

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


def environment(**options):
    # Django built a FileSystemLoader over DIRS and <app>/jinja2/; the design system macros come after it.
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    # The macros test optional parameters with attribute chains, which DebugUndefined breaks.
    options["undefined"] = ChainableUndefined
    options.setdefault("extensions", []).append("jinja2.ext.do")
    # Django passes autoescape=True; set it here too so the environment is safe however it is built.
    options["autoescape"] = True
    env = Environment(**options)  # noqa: S701  (autoescape is on, line above)
    env.globals.update(
        static=static,
        url=url,
        field_kind=form_helpers.field_kind,
        field_id=form_helpers.field_id,
        date_parts=form_helpers.date_parts,
        selected_values=form_helpers.selected_values,
        error_list=form_helpers.error_list,
        nav_items=nav_items,
    )
    env.filters.update(local_datetime=local_datetime, date=date, intcomma=intcomma)
    return env
