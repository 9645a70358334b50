"""Public routes, in the "have_your_say" namespace, mounted at /have-your-say/: no sign-in.

Every view here is marked @login_not_required and listed in tests/project/test_default_deny.py.
"""

from django.urls import path

from .routes import public_results
from .views import public

app_name = "have_your_say"
urlpatterns = [
    path("language/", public.language, name="language"),
    path("answers/<str:token>/", public.resume, name="resume"),
    path("answers/<str:token>/page/<int:number>/", public.page_view, name="page"),
    path("answers/<str:token>/about-you/", public.about_you, name="about_you"),
    path("answers/<str:token>/check/", public.check, name="check"),
    path("answers/<str:token>/saved/", public.saved, name="saved"),
    path("<int:org>/", public.hub, name="hub"),
    path("<int:org>/<slug:slug>/", public.consultation_page, name="consultation"),
    path("<int:org>/<slug:slug>/respond/", public.respond, name="respond"),
    path("<int:org>/<slug:slug>/privacy/", public.privacy, name="privacy"),
    path("<int:org>/<slug:slug>/documents/<int:pk>/", public.document, name="document"),
    path("<int:org>/<slug:slug>/closed/", public.closed, name="closed"),
    path("<int:org>/<slug:slug>/confirmation/<str:reference>/", public.confirmation, name="confirmation"),
    *public_results.urlpatterns,
]
