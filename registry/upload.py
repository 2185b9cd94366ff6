"""The upload endpoint twine speaks (`/legacy/`, the "legacy" upload API of PyPI).

A multipart POST with `:action=file_upload`, the distribution in `content`, its digests and
metadata fields, authenticated by HTTP basic auth as `__token__` with an API token. Every refusal
is a 4xx whose reason phrase and body say what was wrong, because twine prints them.

This module only reads the request (authentication, form, digests, the metadata inside the
archive); every rule about the registry's state is `services.publish_file`'s, and its
RegistryError becomes the 4xx answer here. Text it reads passes `validators.text_problem`
(no control characters, no lone surrogates), the core metadata included.
"""

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.http import HttpResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
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
from .validators import text_problem


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
        form, files = read_form(request)
        token = authenticate(request)
        refuse_control_characters(form)
        if form.get(":action") != "file_upload":
            raise UploadError("Unknown :action; this endpoint only accepts 'file_upload'.")
        if form.get("protocol_version", "1") != "1":
            raise UploadError("Unknown protocol_version; only version 1 is supported.")
        content = files.get("content")
        if content is None:
            raise UploadError("The upload has no file: send it in the 'content' field.")
        publish_upload(
            token=token,
            filename=content.name,
            content=content,
            form=form,
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


class SentNamesParser(MultiPartParser):
    """Django's multipart parser, keeping each file's name as the client sent it.

    Django cuts a file's name down to its last path component (`../x.whl` becomes `x.whl`)
    and drops characters that are not printable before any view sees it. PyPI refuses such
    names, so this endpoint compares what was sent with what Django kept.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_names = []  # (as sent, as Django keeps it)

    def sanitize_file_name(self, file_name):
        kept = super().sanitize_file_name(file_name)
        self.file_names.append((file_name, kept))
        return kept


def read_form(request):
    """Return the upload's (form, files), refusing first a file whose name is not a bare
    filename: a directory part (`../x.whl`, `/abs/x.whl`, `a\\b.whl`), a control character,
    or anything else Django would change."""
    if request.content_type != "multipart/form-data":
        raise UploadError("Uploads are multipart/form-data POSTs, as twine sends them.")
    parser = SentNamesParser(request.META, request, request.upload_handlers, request.encoding)
    try:
        form, files = parser.parse()
    except MultiPartParserError as error:
        raise UploadError(f"The upload's multipart body does not parse: {error}.") from None
    for sent, kept in parser.file_names:
        if sent == kept:
            continue
        shown = repr(sent[:300])
        bare = f" ({kept!r})" if kept else ""
        if "/" in sent or "\\" in sent:
            problem = "has a directory part"
        elif text_problem(sent) is not None:
            problem = text_problem(sent)
        else:
            problem = "holds characters that are not printable, or HTML character references"
        raise UploadError(
            f"The filename {shown} {problem}. Send the bare filename{bare}, as twine does."
        )
    return form, files


# The fields this endpoint reads; the others (description, summary, …) are not stored.
READ_FIELDS = (":action", "protocol_version", "filetype", "name", "version")


def refuse_control_characters(form):
    for field in READ_FIELDS:
        for value in form.getlist(field):
            problem = text_problem(value)
            if problem is not None:
                raise UploadError(f"The field {field} {problem}. Send plain text, as twine does.")


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


DIGEST_LENGTHS = {"sha256_digest": 64, "blake2_256_digest": 64, "md5_digest": 32}
HEX_DIGITS = re.compile("[0-9a-f]+")


def given_digests(form):
    """Return {field: digest} of the digests sent, each checked to be lowercase hexadecimal
    of its length (so `compare_digest` compares ASCII); refuse any other value."""
    given = {}
    for field, length in DIGEST_LENGTHS.items():
        value = form.get(field, "").strip().lower()
        if value and (len(value) != length or not HEX_DIGITS.fullmatch(value)):
            raise UploadError(
                f"The {field} sent does not match the uploaded file: it must be {length} "
                f"hexadecimal digits (0-9, a-f), and {value[:80]!r} is not. Send the digest "
                "twine computes, or leave the field out."
            )
        given[field] = value
    if not any(given.values()):
        raise UploadError(
            "The upload has no digest: send sha256_digest (twine does this by itself)."
        )
    return given


def check_digests(given, digests):
    supplied = {
        "sha256_digest": digests.sha256,
        "blake2_256_digest": digests.blake2_256,
        "md5_digest": digests.md5,
    }
    for field, value in given.items():
        if value and not hmac.compare_digest(value.encode(), supplied[field].encode()):
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
    given = given_digests(form)
    # Asked before the archive is read, so an oversized file costs no digest or unpacking.
    refuse_oversized(filename=filename, size=content.size)
    check_digests(given, compute_digests(content))
    try:
        metadata_text = read_core_metadata(filename, content)
    except MetadataNotFound as error:
        raise UploadError(f"Cannot read the metadata of {filename}: {error}") from None
    content.seek(0)
    problem = text_problem(metadata_text, document=True)
    if problem is not None:
        raise UploadError(
            f"The core metadata of {filename} (its METADATA or PKG-INFO file) {problem}. "
            "Remove it from the project's metadata and rebuild the file."
        )
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
