"""What a reviewer needs that no service writes: files taken away, and records someone was refused.

Every export and download (any response sent as an attachment: list exports, the audit log, cover
sheets, task results) and every refused request for one record (a 403, or a 404 on a URL that
resolved, i.e. names a record that does not exist for this person) by a signed-in person goes to
the audit log, in their active organisation so that its administrators see it.

Views that already write a richer event of their own (an evidence download names the evidence) set
`response.audited = True`, so that nothing is written twice. A free-text search (?q=) is recorded
as present ("search"), never as typed: it may be someone's name, and the log is append-only.
"""

from . import services

MAX_TEXT = 500
# What this middleware writes: who read or was refused what. Neither changes a record.
ACCESS_ACTIONS = ("file.downloaded", "request.refused")


def _query(request) -> dict:
    query = {}
    for key, values in list(request.GET.lists())[:30]:
        if key == "q":
            query["search"] = services.NOT_STORED
        else:
            query[key[:50]] = ", ".join(values)[:200]
    return query


def _filename(response) -> str:
    disposition = response.get("Content-Disposition", "")
    if "filename=" not in disposition:
        return ""
    return disposition.split("filename=", 1)[1].strip().strip('"')[:MAX_TEXT]


def _organisation(request):
    access = getattr(request, "access", None)
    try:
        return access.organisation if access else None
    except Exception:  # noqa: BLE001  (a broken session must not turn a 404 into a 500)
        return None


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or getattr(response, "audited", False):
            return response
        disposition = response.get("Content-Disposition", "")
        if response.status_code == 200 and disposition.startswith("attachment"):
            services.record(
                action="file.downloaded",
                by=user,
                organisation=_organisation(request),
                target_label=_filename(response),
                new={"path": request.path[:MAX_TEXT], "query": _query(request)},
            )
        elif response.status_code == 403 or (response.status_code == 404 and _names_a_record(request)):
            services.record(
                action="request.refused",
                by=user,
                organisation=_organisation(request),
                target_label=request.path[:MAX_TEXT],
                new={"status": response.status_code, "method": request.method[:10], "query": _query(request)},
            )
        return response


def _names_a_record(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and (match.kwargs or match.args))
