"""Public routes: results and published responses (see public_urls.py)."""

urlpatterns = []
