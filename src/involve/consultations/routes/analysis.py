"""Routes: analysis (see routes/__init__.py)."""

urlpatterns = []
