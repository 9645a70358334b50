"""Jinja2 partials inside Django templates, so allauth's pages share the Jinja pages' header, footer and
design-system components instead of a second copy of that markup."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name, **variables):
    """`{% jinja_include "partials/header.html" form=form %}`: the page's context plus any named values."""
    jinja_template = engines["jinja2"].get_template(template_name)
    # Rendering with the request adds csrf_token and runs the Jinja context processors (access, cspNonce).
    return mark_safe(jinja_template.render({**context.flatten(), **variables}, context.get("request")))  # noqa: S308
