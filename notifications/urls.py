from django.urls import path

from . import views

# Under platforms/ (meshaws_site/urls.py), beside the platform's own pages.
urlpatterns = [
    path(
        "<slug:location>/<slug:platform>/notifications/",
        views.platform_notifications,
        name="platform-notifications",
    ),
    path(
        "<slug:location>/<slug:platform>/notifications/delete/",
        views.contact_delete,
        name="platform-notification-delete",
    ),
    path(
        "<slug:location>/<slug:platform>/notifications/test/",
        views.contact_test,
        name="platform-notification-test",
    ),
]
