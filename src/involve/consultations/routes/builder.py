"""Routes: builder (see routes/__init__.py)."""

urlpatterns = []
