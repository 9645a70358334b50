"""Routes: responding (see routes/__init__.py)."""

urlpatterns = []
