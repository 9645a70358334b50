"""Staff routes of the consultations area, in the "consultations" namespace, mounted at /consultations/."""

from .routes import analysis, builder, imports, responding

app_name = "consultations"
urlpatterns = [*builder.urlpatterns, *responding.urlpatterns, *imports.urlpatterns, *analysis.urlpatterns]
