from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts import bulk_enable_api
from notifications import api as notifications_api
from platforms import api as platforms_api
from replication import api as replication_api
from replication import retirement_api, scan_api
from replication import views as replication_views

from . import views

api = DefaultRouter()
api.register("locations", platforms_api.LocationViewSet, basename="api-location")
api.register("platforms", platforms_api.PlatformViewSet, basename="api-platform")
api.register("customers", accounts_api.CustomerViewSet, basename="api-customer")
api.register("projects", accounts_api.ProjectViewSet, basename="api-project")
api.register("bindings", accounts_api.BindingViewSet, basename="api-binding")
api.register("accounts", replication_api.ProjectAccountViewSet, basename="api-projectaccount")
api.register("runs", replication_api.ReplicationRunViewSet, basename="api-replicationrun")
api.register(
    "unmanaged-accounts",
    replication_api.UnmanagedAccountViewSet,
    basename="api-unmanagedaccount",
)
api.register(
    "retirements", retirement_api.AccountRetirementViewSet, basename="api-accountretirement"
)
api.register("discovery-scans", scan_api.DiscoveryScanViewSet, basename="api-discoveryscan")
api.register(
    "notification-contacts", notifications_api.ContactViewSet, basename="api-notificationcontact"
)
api.register(
    "notification-deliveries",
    notifications_api.DeliveryViewSet,
    basename="api-notificationdelivery",
)

urlpatterns = [
    path("", replication_views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("platforms/", include("platforms.urls")),
    path("platforms/", include("notifications.urls")),
    path("", include("accounts.urls")),
    path("", include("replication.urls")),
    path("audit/", include("audit.urls")),
    # Not a model viewset: the user segment is an e-mail (dots, @), not a router lookup.
    path(
        "api/v1/entitlements/<str:user>/",
        accounts_api.EntitlementsView.as_view(),
        name="api-entitlements",
    ),
    path(
        "api/v1/platforms/<slug:platform>.<slug:location>/enable-projects/",
        bulk_enable_api.ProjectsEnableView.as_view(),
        name="api-platform-enable-projects",
    ),
    path("api/v1/", include(api.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from this URL (?script), not inline, so
    # script-src stays 'self'; its page and widgets need inline styles, on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("django-rq/", include("django_rq.urls")),
]
