"""Routes: builder (see routes/__init__.py): consultations, their sections and questions, and the
staff view of responses."""

from django.urls import path

from ..views import consultations, questions, responses

urlpatterns = [
    path("", consultations.consultation_list, name="consultation_list"),
    path("export/<str:fmt>/", consultations.consultation_export, name="consultation_export"),
    path("add/", consultations.consultation_add, name="consultation_add"),
    path("<int:pk>/", consultations.consultation_detail, name="consultation_detail"),
    path("<int:pk>/edit/", consultations.consultation_edit, name="consultation_edit"),
    path("<int:pk>/delete/", consultations.consultation_delete, name="consultation_delete"),
    path("<int:pk>/publish/", consultations.consultation_publish, name="consultation_publish"),
    path("<int:pk>/close/", consultations.consultation_close, name="consultation_close"),
    path("<int:pk>/reopen/", consultations.consultation_reopen, name="consultation_reopen"),
    path("<int:pk>/publish-results/", consultations.consultation_publish_results, name="consultation_publish_results"),
    path("<int:pk>/copy/", consultations.consultation_copy, name="consultation_copy"),
    path("<int:pk>/sections/add/", questions.section_add, name="section_add"),
    path("sections/<int:pk>/edit/", questions.section_edit, name="section_edit"),
    path("sections/<int:pk>/delete/", questions.section_delete, name="section_delete"),
    path("<int:pk>/questions/add/", questions.question_add, name="question_add"),
    path("questions/<int:pk>/edit/", questions.question_edit, name="question_edit"),
    path("questions/<int:pk>/delete/", questions.question_delete, name="question_delete"),
    path("questions/<int:pk>/move/", questions.question_move, name="question_move"),
    path("<int:pk>/responses/", responses.response_list, name="response_list"),
    path("responses/<int:pk>/", responses.response_detail, name="response_detail"),
    path("responses/<int:pk>/delete/", responses.response_delete, name="response_delete"),
]
