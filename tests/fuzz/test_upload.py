"""Hostile uploads: every field twine sends, the filename as sent, and the file itself (wheels
and sdists whose core metadata holds NUL and other control characters, or is not an archive).

Each example starts from a valid upload of a new release of `demo` and changes one thing. A
change that is surely invalid (a control character in a field that is read or in the
metadata, a directory in the filename, a digest that is not hex) must store nothing.
"""

import hashlib
import io
import tarfile
import zipfile

import pytest
from hypothesis import strategies as st

from registry.distributions import core_metadata
from tests.fuzz.conftest import fuzz, snapshot
from tests.fuzz.strategies import (
    SURELY_INVALID_CHAR,
    TRAVERSAL,
    hostile_text,
    spliced,
    surely_invalid,
)
from tests.registry.test_hostile_input import BOUNDARY, auth

pytestmark = pytest.mark.django_db

READ_FIELDS = [":action", "protocol_version", "filetype", "name", "version"]
OTHER_FIELDS = ["summary", "description", "metadata_version", "pyversion", "author", "home_page"]
DIGESTS = ["sha256_digest", "md5_digest", "blake2_256_digest"]


def wheel(version, metadata):
    dist_info = f"demo-{version}.dist-info"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{dist_info}/METADATA", metadata.encode("utf-8", "surrogatepass"))
        archive.writestr("demo/__init__.py", "")
    return f"demo-{version}-py3-none-any.whl", buffer.getvalue()


def sdist(version, metadata):
    raw = io.BytesIO()
    data = metadata.encode("utf-8", "surrogatepass")
    with tarfile.open(fileobj=raw, mode="w:gz") as archive:
        info = tarfile.TarInfo(f"demo-{version}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return f"demo-{version}.tar.gz", raw.getvalue()


def encode(value):
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value


def multipart(fields, filename, content):
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (BOUNDARY.encode(), encode(name), encode(value))
        for name, value in fields.items()
    ]
    parts.append(
        b'--%s\r\nContent-Disposition: form-data; name="content"; filename="%s"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n%s\r\n"
        % (BOUNDARY.encode(), encode(filename), content)
    )
    return b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()


@st.composite
def uploads(draw):
    """(fields, filename, content, surely invalid) of one upload."""
    version = draw(st.sampled_from(["3.0", "3.1.dev1", "4.0.post1"]))
    summary = "The demo package"
    invalid = False
    change = draw(st.sampled_from(["field", "filename", "metadata", "content", "digest"]))
    if change == "metadata":
        invalid = draw(st.booleans())
        summary = draw(surely_invalid(summary) if invalid else hostile_text(summary))
    metadata = core_metadata("demo", version, summary=summary, requires=["requests>=2"])
    builder = draw(st.sampled_from([wheel, sdist]))
    filename, content = builder(version, metadata)
    fields = {
        ":action": "file_upload",
        "protocol_version": "1",
        "name": "demo",
        "version": version,
        "filetype": "bdist_wheel" if builder is wheel else "sdist",
        "metadata_version": "2.1",
    }
    if change == "field":
        field = draw(st.sampled_from(READ_FIELDS + OTHER_FIELDS))
        invalid = field in READ_FIELDS and draw(st.booleans())
        valid = fields.get(field, "x")
        fields[field] = draw(surely_invalid(valid) if invalid else hostile_text(valid))
    elif change == "filename":
        kind = draw(st.sampled_from(["directory", "control", "hostile"]))
        invalid = kind != "hostile"
        piece = TRAVERSAL.filter(lambda p: "/" in p or "\\" in p)
        piece = piece if kind == "directory" else SURELY_INVALID_CHAR
        filename = draw(spliced(filename, piece) if invalid else hostile_text(filename))
        filename = filename.replace('"', "").replace("\r", "").replace("\n", "")
    elif change == "content":
        content = draw(st.binary(max_size=2_000) | st.just(content[: len(content) // 2]))
    digest = hashlib.sha256(content).hexdigest()
    if change == "digest":
        field = draw(st.sampled_from(DIGESTS))
        value = draw(hostile_text(digest))
        given = value.strip().lower()  # an empty digest counts as not sent
        invalid = bool(given) and not (field == "sha256_digest" and given == digest)
        fields[field] = value
    fields.setdefault("sha256_digest", digest)
    return fields, filename, content, invalid


def test_upload_fields_and_files(world, probe):
    client = world.clients["anonymous"]

    def check_one(upload):
        fields, filename, content, invalid = upload
        with probe.example():
            before = snapshot()
            response = client.post(
                "/legacy/",
                multipart(fields, filename, content),
                content_type=f"multipart/form-data; boundary={BOUNDARY}",
                **auth(world.token_secret),
            )
            what = (fields, filename, content[:40])
            probe.check(response, what=what, before=before if invalid else None)

    fuzz(probe, "upload", uploads(), check_one)
