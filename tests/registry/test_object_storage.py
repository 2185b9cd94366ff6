"""Distribution files in object storage (S3 API), against a local S3 server (moto's server mode).

Uploads go through the real upload endpoint; downloads redirect to a presigned URL that the
test follows to the server, or hand the object to the proxy (X-Accel-Redirect); removal keeps
the object, purge deletes it once the transaction commits. Also: the file cache headers.
"""

import ast
import hashlib
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.test import override_settings
from moto.server import ThreadedMotoServer

from registry import services, tokens
from registry.distributions import build_sdist, build_wheel
from registry.models import DownloadCount, File, RemovalCategory
from registry.storage import DistributionStorage
from tests.factories import UserFactory
from tests.registry.test_upload import post

pytestmark = pytest.mark.django_db

REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
EXPIRE = 300
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3-compatible server for the whole session (one per xdist worker)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    client: object
    name: str

    def has(self, key):
        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "404"
            return False
        return True


def s3_storages(settings, endpoint, bucket):
    """STORAGES with the default storage (File.blob's) in `bucket`, as HOLDFAST_FILES_STORAGE=s3
    configures it."""
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": REGION,
        "access_key": KEYS["aws_access_key_id"],
        "secret_key": KEYS["aws_secret_access_key"],
        "addressing_style": "path",
        "querystring_expire": EXPIRE,
    }
    default = {"BACKEND": "registry.storage.DistributionStorage", "OPTIONS": options}
    return {**settings.STORAGES, "default": default}


@pytest.fixture
def bucket(settings, s3_endpoint):
    """A fresh bucket as the default storage; the `settings` fixture puts the local folder back
    when the test ends (Django's setting_changed handler drops the cached storages)."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    name = f"holdfast-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    settings.STORAGES = s3_storages(settings, s3_endpoint, name)
    return Bucket(client, name)


@pytest.fixture
def uploader():
    return UserFactory(username="uploader")


@pytest.fixture
def secret(uploader):
    _token, secret = tokens.create_token(user=uploader, description="tests")
    return secret


@pytest.fixture
def wheel(client, secret, bucket):
    built = build_wheel("Cloud_Thing", "1.0")
    assert post(client, secret, built).status_code == 200
    return built


def sha256(content):
    return hashlib.sha256(content).hexdigest()


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def count_of(filename):
    return list(DownloadCount.objects.filter(file__filename=filename).values_list("count"))


# Uploads and downloads ------------------------------------------------------------------------


def test_an_upload_puts_the_bytes_in_the_bucket(bucket, wheel):
    file = File.objects.get(filename=wheel.filename)
    assert isinstance(file.blob.storage, DistributionStorage)
    stored = bucket.client.get_object(Bucket=bucket.name, Key=file.blob.name)
    assert sha256(stored["Body"].read()) == sha256(wheel.content)
    assert stored["ContentType"] == "application/octet-stream"


def test_a_download_redirects_to_a_presigned_url_of_the_right_bytes(client, bucket, wheel):
    response = client.get(f"/files/{wheel.filename}")
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(f"{bucket.client.meta.endpoint_url}/{bucket.name}/packages/")
    assert f"X-Amz-Expires={EXPIRE}" in url
    assert sha256(fetch(url)) == sha256(wheel.content)
    # A cache may keep the redirect for half the URL's life at most.
    assert response["Cache-Control"] == f"public, max-age={EXPIRE // 2}"
    assert response["Surrogate-Key"] == "project/cloud-thing"
    assert count_of(wheel.filename) == [(1,)]
    # HEAD answers the same redirect without counting a download.
    head = client.head(f"/files/{wheel.filename}")
    assert head.status_code == 302
    assert count_of(wheel.filename) == [(1,)]


def test_an_sdist_is_stored_without_a_content_encoding(client, secret, bucket):
    """Guessed from `.tar.gz`, `Content-Encoding: gzip` would make clients unpack the archive
    and then refuse it: its sha256 would not match."""
    built = build_sdist("Cloud_Thing", "1.0")
    assert post(client, secret, built).status_code == 200
    file = File.objects.get(filename=built.filename)
    head = bucket.client.head_object(Bucket=bucket.name, Key=file.blob.name)
    assert "ContentEncoding" not in head
    url = client.get(f"/files/{built.filename}")["Location"]
    assert sha256(fetch(url)) == file.sha256


def test_accel_redirect_names_the_object_for_the_proxy(client, bucket, wheel, settings):
    settings.HOLDFAST_FILES_ACCEL_REDIRECT = "/internal-files/"
    file = File.objects.get(filename=wheel.filename)
    response = client.get(f"/files/{wheel.filename}")
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/internal-files/{file.blob.name}"
    assert bucket.has(file.blob.name)  # nginx proxies the same path to the bucket
    assert response["Surrogate-Key"] == "project/cloud-thing"
    assert count_of(wheel.filename) == [(1,)]


def test_the_metadata_file_is_served_with_object_storage(client, bucket, wheel):
    response = client.get(f"/files/{wheel.filename}.metadata")
    assert response.status_code == 200
    assert response.content == wheel.metadata.encode()
    assert response["Surrogate-Key"] == "project/cloud-thing"
    assert response["Cache-Control"] == "public, max-age=3600"


def test_a_download_costs_the_same_two_queries_from_the_bucket_as_from_the_folder(
    client, secret, settings, s3_endpoint, django_assert_num_queries
):
    def costs(built):
        assert post(client, secret, built).status_code == 200
        with django_assert_num_queries(2):  # the file with its project's name; the count
            response = client.get(f"/files/{built.filename}")
        with django_assert_num_queries(1):
            client.head(f"/files/{built.filename}")
        with django_assert_num_queries(1):
            client.get(f"/files/{built.filename}.metadata")
        return response

    assert costs(build_wheel("Cloud_Thing", "1.0")).status_code == 200
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    s3.create_bucket(Bucket="holdfast-queries")
    settings.STORAGES = s3_storages(settings, s3_endpoint, "holdfast-queries")
    assert costs(build_wheel("Cloud_Thing", "1.1")).status_code == 302


# Removal, restore and purge -------------------------------------------------------------------


def test_removal_keeps_the_object_so_a_restore_serves_it_again(
    client, bucket, wheel, registry_admin
):
    file = File.objects.get(filename=wheel.filename)
    event = services.remove_files(
        files=[file], actor=registry_admin, reason="Leak", category=RemovalCategory.SECURITY
    )
    response = client.get(f"/files/{wheel.filename}")
    assert response.status_code == 404
    assert response.content == b"This file was removed from the index.\n"
    assert "Location" not in response
    assert bucket.has(file.blob.name)
    services.restore_removal(event=event, actor=registry_admin, reason="Mistake")
    url = client.get(f"/files/{wheel.filename}")["Location"]
    assert sha256(fetch(url)) == sha256(wheel.content)


def test_purge_deletes_the_object_after_commit(
    client, bucket, wheel, registry_admin, django_capture_on_commit_callbacks
):
    file = File.objects.get(filename=wheel.filename)
    url = client.get(f"/files/{wheel.filename}")["Location"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.purge_files(
            files=[file], actor=registry_admin, reason="Keys", category=RemovalCategory.SECURITY
        )
    assert bucket.has(file.blob.name)  # not before the transaction commits
    for callback in callbacks:
        callback()
    assert not bucket.has(file.blob.name)
    with pytest.raises(urllib.error.HTTPError) as gone:
        fetch(url)
    assert gone.value.code == 404
    for path in (wheel.filename, wheel.filename + ".metadata"):
        response = client.get(f"/files/{path}")
        assert response.status_code == 404
        assert "Location" not in response
    assert (
        response.content == b"This file was removed from the index and its bytes were destroyed.\n"
    )


# The storage swap and the settings ------------------------------------------------------------


def test_the_local_folder_is_back_once_the_override_ends(settings, s3_endpoint, media_root):
    field_storage = File._meta.get_field("blob").storage
    assert field_storage is default_storage  # follows STORAGES["default"], cached per setting
    with override_settings(STORAGES=s3_storages(settings, s3_endpoint, "anything")):
        assert isinstance(storages["default"], DistributionStorage)
        assert isinstance(field_storage, DistributionStorage)
    assert isinstance(storages["default"], FileSystemStorage)
    assert isinstance(field_storage, FileSystemStorage)
    assert field_storage.location == str(media_root)


def settings_with(env):
    """config.settings as a fresh process sees it with `env` added."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; print(settings.STORAGES['default'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_environment_selects_the_bucket():
    result = settings_with(
        {
            "HOLDFAST_FILES_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "dists",
            "AWS_S3_ENDPOINT_URL": "https://s3.example.net",
            "AWS_S3_REGION_NAME": "eu-west-1",
        }
    )
    assert result.returncode == 0, result.stderr
    default = ast.literal_eval(result.stdout)
    assert default["BACKEND"] == "registry.storage.DistributionStorage"
    assert default["OPTIONS"]["bucket_name"] == "dists"
    assert default["OPTIONS"]["endpoint_url"] == "https://s3.example.net"
    assert default["OPTIONS"]["region_name"] == "eu-west-1"
    assert default["OPTIONS"]["querystring_expire"] == EXPIRE


def test_an_unknown_files_storage_is_refused_at_start():
    result = settings_with({"HOLDFAST_FILES_STORAGE": "ftp"})
    assert result.returncode != 0
    assert "HOLDFAST_FILES_STORAGE must be 'local' or 's3'" in result.stderr


# File cache headers (local folder) -------------------------------------------------------------


@pytest.fixture
def local_wheel(client, secret):
    built = build_wheel("Cloud_Thing", "1.0")
    assert post(client, secret, built).status_code == 200
    return built


def test_without_a_cdn_purge_files_are_cached_for_files_max_age(client, local_wheel, settings):
    settings.HOLDFAST_FILES_MAX_AGE = 600
    for path in (local_wheel.filename, local_wheel.filename + ".metadata"):
        response = client.get(f"/files/{path}")
        assert response["Cache-Control"] == "public, max-age=600"
        assert response["Surrogate-Key"] == "project/cloud-thing"
        response.getvalue()  # reading a streamed body closes it (and the file)


def test_with_a_cdn_purge_files_are_immutable_for_a_year(client, local_wheel, settings):
    settings.HOLDFAST_CDN_PURGE_URL = "https://cdn.example.net/purge/{key}"
    etag = f'"{sha256(local_wheel.content)}"'
    for path in (local_wheel.filename, local_wheel.filename + ".metadata"):
        response = client.get(f"/files/{path}")
        assert response["Cache-Control"] == IMMUTABLE
        response.getvalue()  # reading a streamed body closes it (and the file)
    not_modified = client.get(f"/files/{local_wheel.filename}", HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified["Cache-Control"] == IMMUTABLE
    assert not_modified["Surrogate-Key"] == "project/cloud-thing"
    assert count_of(local_wheel.filename) == [(1,)]  # the GET, not the 304
