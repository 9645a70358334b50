from django.utils.functional import SimpleLazyObject

from .access import access_for


class ActiveOrganisationMiddleware:
    """Gives each request `request.access`: the organisation the person is acting for, and their role."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = SimpleLazyObject(lambda: access_for(request))
        return self.get_response(request)
