"""Routes: imports (see routes/__init__.py): a consultation's imports, the upload, the mapping page
and the report of one import."""

from django.urls import path

from ..views import imports

urlpatterns = [
    path("<int:pk>/imports/", imports.import_list, name="import_list"),
    path("<int:pk>/imports/new/", imports.import_start, name="import_start"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
]
