"""Public routes, in the "have_your_say" namespace, mounted at /have-your-say/: no sign-in.

Every view here is marked @login_not_required and listed in tests/project/test_default_deny.py.
"""

from .routes import public_results

app_name = "have_your_say"
urlpatterns = [*public_results.urlpatterns]
