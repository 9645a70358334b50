from django.urls import include, path

urlpatterns = [
    path("", include("involve.site.urls")),
    path("", include("involve.core.urls")),
    path("organisations/", include("involve.organisations.urls")),
    path("audit/", include("involve.audit.urls")),
    path("engagement/", include("involve.engagement.urls")),
    path("consultations/", include("involve.consultations.urls")),
    path("have-your-say/", include("involve.consultations.public_urls")),
    path("equality/", include("involve.equality.urls")),
    path("insight/", include("involve.insight.urls")),
    path("accounts/", include("allauth.urls")),
]

handler400 = "involve.core.views.bad_request"
handler403 = "involve.core.views.permission_denied"
handler404 = "involve.core.views.page_not_found"
handler500 = "involve.core.views.server_error"
