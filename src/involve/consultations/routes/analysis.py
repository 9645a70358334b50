"""Routes: analysis (see routes/__init__.py): counts, cross-tabs, exports, the summary report, moderation."""

from django.urls import path

from ..views import analysis, moderation

urlpatterns = [
    path("<int:pk>/analysis/", analysis.analysis_page, name="analysis"),
    path("<int:pk>/analysis/crosstab/", analysis.crosstab_page, name="crosstab"),
    path("<int:pk>/responses/export/<str:fmt>/", analysis.response_export, name="response_export"),
    path("<int:pk>/summary/", analysis.summary, name="summary"),
    path("<int:pk>/summary/pdf/", analysis.summary_pdf, name="summary_pdf"),
    path("<int:pk>/moderation/", moderation.moderation_queue, name="moderation"),
    path("responses/<int:pk>/moderate/", moderation.moderate, name="moderate"),
]
