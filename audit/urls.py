from django.urls import path

from . import views

urlpatterns = [
    path("", views.audit_event_list, name="audit-event-list"),
    path("export.csv", views.audit_event_export, name="audit-event-export"),
    path("<int:event>/", views.audit_event_detail, name="audit-event-detail"),
]
