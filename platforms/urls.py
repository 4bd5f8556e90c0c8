from django.urls import path

from . import views

urlpatterns = [path("", views.platform_list, name="platform-list")]
