from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from registry.sign_in import LoginView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("registry.api_urls")),
    path("", include("moderation.urls")),
    path("", include("registry.urls")),
]

handler404 = "registry.views.errors.page_not_found"
