"""Walk every URL pattern Involve serves, so tests cover pages added later without edits."""

import uuid

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {"int": "1", "uuid": str(uuid.UUID(int=1)), "str": "x", "slug": "x", "path": "x"}


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns and namespace and p.namespace:
                ns = f"{namespace}:{p.namespace}"
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern), p


def all_patterns():
    """(name, route, pattern) for every URL, including third-party ones such as allauth's."""
    return list(_walk(get_resolver().url_patterns))


def sample_url(route: str) -> str:
    """A concrete URL for a route, with dummy values for its parameters."""
    import re

    def fill(match):
        converter = match.group(1) or "str"
        return SAMPLE_VALUES.get(converter, "x")

    url = re.sub(r"<(?:(\w+):)?\w+>", fill, route)
    # allauth writes some routes as regular expressions.
    url = re.sub(r"\(\?P<\w+>[^)]*\)", "x", url)
    url = url.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + url.lstrip("/")
