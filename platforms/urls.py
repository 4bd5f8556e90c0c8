from django.urls import path

from . import views

urlpatterns = [
    path("", views.platform_list, name="platform-list"),
    path("new/", views.platform_create, name="platform-create"),
    path("import/", views.platform_import, name="platform-import"),
    path("preview/", views.pattern_preview, name="platform-pattern-preview"),
    path("locations/", views.location_list, name="location-list"),
    path("<slug:location>/<slug:platform>/", views.platform_detail, name="platform-detail"),
    path("<slug:location>/<slug:platform>/edit/", views.platform_edit, name="platform-edit"),
    path("<slug:location>/<slug:platform>/delete/", views.platform_delete, name="platform-delete"),
    path("<slug:location>/<slug:platform>/check/", views.platform_check, name="platform-check"),
    path(
        "<slug:location>/<slug:platform>/deprecate/",
        views.platform_deprecate,
        name="platform-deprecate",
    ),
    path(
        "<slug:location>/<slug:platform>/reactivate/",
        views.platform_reactivate,
        name="platform-reactivate",
    ),
    path(
        "<slug:location>/<slug:platform>/export.json",
        views.platform_export,
        name="platform-export",
    ),
]
