"""Routes: imports (see routes/__init__.py)."""

urlpatterns = []
