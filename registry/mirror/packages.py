"""Download URLs as PyPI lays them out: /packages/<sha256[:2]>/<sha256[2:4]>/<sha256[4:]>/<file>.

bandersnatch refuses a download URL whose path does not start with /packages/, and stores the
file under that path in its mirror; the digest in the path also keeps two files apart forever.
The bytes themselves (and the reasons a file cannot be downloaded) are `registry.simple`'s.
"""

from urllib.parse import quote

from django.urls import reverse

from ..models import File
from ..simple import download
from ..simple.files import FILENAME_MAX_LENGTH
from ..simple.protocol import _plain, _safe_methods_only


def packages_prefix():
    """The URL path every /packages/ URL starts with (where the URLconf mounts it)."""
    placeholder = {"prefix": "aa", "middle": "bb", "rest": "cc", "filename": "x"}
    return reverse("package-download", kwargs=placeholder).removesuffix("aa/bb/cc/x")


def package_path(prefix, sha256, filename):
    """The /packages/ path of a file under `prefix` (from `packages_prefix`)."""
    return f"{prefix}{sha256[:2]}/{sha256[2:4]}/{sha256[4:]}/{quote(filename, safe='!+')}"


@_safe_methods_only
def package_download(request, prefix, middle, rest, filename):
    """Serve a file by its PyPI-style path once the digest in the path is the file's own."""
    if len(filename) <= FILENAME_MAX_LENGTH and "\x00" not in filename:
        sha256 = File.objects.filter(filename=filename).values_list("sha256", flat=True).first()
        if sha256 is not None and prefix + middle + rest != sha256:
            return _plain(
                404,
                f"The digest in this path is not the SHA-256 of {filename}: take the file's URL "
                "from the project's JSON API or simple page.",
            )
    # Unknown, removed or purged files: the download view says why.
    return download(request, filename)
