"""The maintainers' pages, under /manage/ (Django's login and logout live at /accounts/)."""

from django.urls import path

from . import token_views, views
from .views.home import home
from .views.names import name_available

app_name = "registry"

release = "manage/<text:name>/releases/<text:version>"

urlpatterns = [
    path("", home, name="home"),
    path("names/available/", name_available, name="name_available"),
    path("account/tokens/", token_views.token_list, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
    path("manage/", views.projects, name="projects"),
    path("manage/<text:name>/", views.ProjectDetailView.as_view(), name="project"),
    path("manage/<text:name>/history/", views.HistoryView.as_view(), name="history"),
    path("manage/<text:name>/remove/", views.RemoveProjectView.as_view(), name="remove"),
    path("manage/<text:name>/archive/", views.ArchiveView.as_view(), name="archive"),
    path("manage/<text:name>/unarchive/", views.UnarchiveView.as_view(), name="unarchive"),
    path("manage/<text:name>/deprecate/", views.DeprecateView.as_view(), name="deprecate"),
    path("manage/<text:name>/undeprecate/", views.UndeprecateView.as_view(), name="undeprecate"),
    path(
        "manage/<text:name>/yank-releases/",
        views.YankReleasesView.as_view(),
        name="yank_releases",
    ),
    path("manage/<text:name>/lock-deletions/", views.LockDeletionsView.as_view(), name="lock"),
    path("manage/<text:name>/roles/", views.RolesView.as_view(), name="roles"),
    path(
        "manage/<text:name>/roles/<text:username>/remove/",
        views.RemoveRoleView.as_view(),
        name="remove_role",
    ),
    path(f"{release}/yank/", views.YankView.as_view(), name="yank"),
    path(f"{release}/unyank/", views.UnyankView.as_view(), name="unyank"),
    path(f"{release}/remove/", views.RemoveReleaseView.as_view(), name="remove_release"),
    path(f"{release}/remove-files/", views.RemoveFilesView.as_view(), name="remove_files"),
]
