"""The upload endpoint twine speaks (`/legacy/`, the "legacy" upload API of PyPI).

A multipart POST with `:action=file_upload`, the distribution in `content`, its digests and
metadata fields, authenticated by HTTP basic auth as `__token__` with an API token. Every refusal
is a 4xx whose reason phrase and body say what was wrong, because twine prints them.

This module only reads the request (authentication, form, digests, the metadata inside the
archive); every rule about the registry's state is `services.publish_file`'s, and its
RegistryError becomes the 4xx answer here.
"""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from packaging.metadata import InvalidMetadata, Metadata
from packaging.utils import canonicalize_name

from . import tokens
from .distributions import MetadataNotFound, read_core_metadata
from .models import PackageType
from .services import (
    RegistryError,
    parse_distribution_filename,
    publish_file,
    refuse_oversized,
)


class UploadError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def refusal(message, status):
    """A plain-text response whose reason phrase carries the message, as twine prints both."""
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    phrase = " ".join(message.split()).encode("ascii", "replace").decode("ascii")
    response.reason_phrase = phrase[:300]
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Holdfast uploads"'
    return response


@csrf_exempt
def upload(request):
    """Accept one distribution file from twine (or any client of the legacy upload API)."""
    if request.method != "POST":
        return refusal("Uploads are POSTed here by twine: `twine upload dist/*`.", 405)
    try:
        token = authenticate(request)
        if request.POST.get(":action") != "file_upload":
            raise UploadError("Unknown :action; this endpoint only accepts 'file_upload'.")
        if request.POST.get("protocol_version", "1") != "1":
            raise UploadError("Unknown protocol_version; only version 1 is supported.")
        content = request.FILES.get("content")
        if content is None:
            raise UploadError("The upload has no file: send it in the 'content' field.")
        publish_upload(
            token=token,
            filename=content.name,
            content=content,
            form=request.POST,
            now=timezone.now(),
        )
    except UploadError as error:
        return refusal(error.message, error.status)
    except RegistryError as error:
        message = error.message
        if error.code == "filename_reused":
            # twine's --skip-existing, like PyPI's clients, looks for "already exist".
            message = f"File already exists. {message}"
        return refusal(message, 403 if error.code in FORBIDDEN_CODES else 400)
    return HttpResponse("OK\n", content_type="text/plain; charset=utf-8")


FORBIDDEN_CODES = {"not_allowed", "quarantined", "archived", "pending_removal", "token_scope"}


def authenticate(request):
    """Return the ApiToken of the request's basic auth, or raise UploadError (401/403)."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise UploadError(
            "Authentication required: upload with the username __token__ and an API token as "
            "the password (create one on your Holdfast account page).",
            401,
        )
    try:
        username, _, password = (
            base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        raise UploadError(
            "The Authorization header is not valid basic auth: send the username __token__ "
            "and an API token as the password.",
            401,
        ) from None
    if username != "__token__":
        raise UploadError(
            "Uploads need an API token: use the username __token__ and the token as the "
            "password. Passwords are not accepted for uploads.",
            403,
        )
    token = tokens.authenticate(password.strip(), request=request)
    if token is None:
        raise UploadError(
            "Invalid or revoked API token. Create a new one on your Holdfast account page.", 403
        )
    return token


@dataclass(frozen=True)
class Digests:
    sha256: str
    md5: str
    blake2_256: str
    size: int


def compute_digests(content):
    sha256, md5, blake2 = hashlib.sha256(), hashlib.md5(), hashlib.blake2b(digest_size=32)
    size = 0
    for chunk in content.chunks():
        size += len(chunk)
        for digest in (sha256, md5, blake2):
            digest.update(chunk)
    content.seek(0)
    return Digests(sha256.hexdigest(), md5.hexdigest(), blake2.hexdigest(), size)


def check_digests(form, digests):
    supplied = {
        "sha256_digest": digests.sha256,
        "blake2_256_digest": digests.blake2_256,
        "md5_digest": digests.md5,
    }
    given = {field: form.get(field, "").strip().lower() for field in supplied}
    if not any(given.values()):
        raise UploadError(
            "The upload has no digest: send sha256_digest (twine does this by itself)."
        )
    for field, value in given.items():
        if value and not hmac.compare_digest(value, supplied[field]):
            raise UploadError(
                f"The {field} sent does not match the uploaded file: the file was corrupted "
                "on the way, or the digest belongs to another file. Upload it again."
            )


def parse_metadata(text):
    try:
        return Metadata.from_email(text, validate=True)
    except (ExceptionGroup, InvalidMetadata) as error:  # ExceptionGroup: Python 3.11 builtin
        problems = getattr(error, "exceptions", [error])
        detail = "; ".join(str(problem) for problem in problems[:3])
        raise UploadError(f"The file's core metadata does not parse: {detail}.") from None


def publish_upload(*, token, filename, content, form, now):
    """Check the request's fields against the uploaded file, then publish it through
    `services.publish_file`, which enforces every rule about the registry's state."""
    packagetype, name, version, _python_tag = parse_distribution_filename(filename)
    filetype = form.get("filetype")
    if filetype and filetype != packagetype:
        raise UploadError(
            f"filetype is {filetype!r} but {filename!r} is a "
            f"{PackageType(packagetype).label.lower()} ({packagetype})."
        )
    # Asked before the archive is read, so an oversized file costs no digest or unpacking.
    refuse_oversized(filename=filename, size=content.size)
    digests = compute_digests(content)
    check_digests(form, digests)
    try:
        metadata_text = read_core_metadata(filename, content)
    except MetadataNotFound as error:
        raise UploadError(f"Cannot read the metadata of {filename}: {error}") from None
    content.seek(0)
    metadata = parse_metadata(metadata_text)
    if canonicalize_name(metadata.name) != name or metadata.version != version:
        raise UploadError(
            f"{filename!r} names {name} {version}, but its metadata says {metadata.name} "
            f"{metadata.version}. Rebuild the file."
        )
    form_name, form_version = form.get("name", ""), form.get("version", "")
    if form_name and canonicalize_name(form_name) != name:
        raise UploadError(f"The name field {form_name!r} does not match {filename!r}.")
    if form_version and form_version != str(metadata.version) and form_version != str(version):
        raise UploadError(f"The version field {form_version!r} does not match {filename!r}.")
    return publish_file(
        name=metadata.name,
        version=str(metadata.version),
        filename=filename,
        content=content.read(),
        uploader=token.user,
        token_project=token.project,
        requires_python=str(metadata.requires_python or ""),
        requires_dist=[str(requirement) for requirement in metadata.requires_dist or []],
        core_metadata=metadata_text,
        now=now,
    )
