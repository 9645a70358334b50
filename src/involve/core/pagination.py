"""Pagination for long lists, with the NHS.UK pagination component's previous/next links."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page=PAGE_SIZE, *, param="page"):
    """One page of `queryset` (any sequence), from ?<param>=; a page can hold several lists, each with
    its own parameter."""
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get(param))
    params = request.GET.copy()

    def link(number):
        params[param] = number
        return f"?{params.urlencode()}"

    page.previous_link = link(page.previous_page_number()) if page.has_previous() else None
    page.next_link = link(page.next_page_number()) if page.has_next() else None
    return page
