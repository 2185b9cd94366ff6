"""Object storage for distribution files (django-storages' S3 backend, any S3-compatible store).

Selected by `HOLDFAST_FILES_STORAGE=s3` (config/settings.py), as the default storage that
`File.blob` uses; the local folder stays the default. Uploads, purges and restores go through the
storage API unchanged; downloads redirect to a short-lived presigned URL (registry/simple/files.py).
"""

from storages.backends.s3 import S3Storage
from storages.utils import setting

# Never let the store guess a type from the name: for `.tar.gz` it would also store
# `Content-Encoding: gzip`, and clients would unpack the archive and fail its sha256.
OBJECT_PARAMETERS = {"ContentType": "application/octet-stream"}


class DistributionStorage(S3Storage):
    """A private bucket of distribution files, downloaded through presigned URLs."""

    # registry/simple/files.py redirects downloads to `url()` instead of streaming the bytes.
    presigned_downloads = True

    def get_default_settings(self):
        # Signature version 4 always: without it boto3 presigns some URLs with version 2,
        # which newer regions and most S3-compatible stores refuse.
        signature_version = setting("AWS_S3_SIGNATURE_VERSION", "s3v4")
        return {**super().get_default_settings(), "signature_version": signature_version}

    def get_object_parameters(self, name):
        return {**super().get_object_parameters(name), **OBJECT_PARAMETERS}
