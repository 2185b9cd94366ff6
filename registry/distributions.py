"""Build small, real, installable distributions (a wheel and an sdist) in memory.

Used by the demo data and by tests: each file is a valid archive that pip can install (the wheel
directly; the sdist with a setuptools build), with core metadata that names its dependencies.
Output is deterministic (fixed timestamps), so the same input always gives the same SHA-256.
"""

import base64
import gzip
import hashlib
import io
import re
import tarfile
import zipfile
from dataclasses import dataclass

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BuiltDistribution:
    filename: str
    content: bytes
    metadata: str


def distribution_name(name):
    """Return the name as it appears in filenames (PEP 427 / PEP 625: lowercase, '_')."""
    return re.sub(r"[-_.]+", "_", name).lower()


def core_metadata(name, version, *, requires=(), requires_python="", summary=""):
    """Return a Metadata 2.1 document."""
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary or f'The {name} demo package'}",
    ]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {requirement}" for requirement in requires)
    return "\n".join(lines) + "\n\n"


def _module_source(name, version):
    return f'"""The {name} package."""\n\n__version__ = "{version}"\n'


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(name, version, *, requires=(), requires_python="", tag="py3-none-any"):
    """Return a pure-Python wheel of a one-module package called like the project."""
    dist = distribution_name(name)
    metadata = core_metadata(name, version, requires=requires, requires_python=requires_python)
    dist_info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": _module_source(name, version).encode(),
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: holdfast\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
    }
    record = [_record_line(path, data) for path, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return BuiltDistribution(f"{dist}-{version}-{tag}.whl", buffer.getvalue(), metadata)


def build_sdist(name, version, *, requires=(), requires_python=""):
    """Return a `.tar.gz` source distribution buildable with setuptools."""
    dist = distribution_name(name)
    metadata = core_metadata(name, version, requires=requires, requires_python=requires_python)
    root = f"{dist}-{version}"
    dependencies = ", ".join(f'"{requirement}"' for requirement in requires)
    python_line = f'requires-python = "{requires_python}"\n' if requires_python else ""
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n{python_line}'
        f"dependencies = [{dependencies}]\n\n"
        f'[tool.setuptools]\npackages = ["{dist}"]\n'
    )
    files = {
        f"{root}/PKG-INFO": metadata.encode(),
        f"{root}/pyproject.toml": pyproject.encode(),
        f"{root}/{dist}/__init__.py": _module_source(name, version).encode(),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    # mtime=0 in the gzip header (as in the tar entries) keeps the bytes reproducible.
    content = gzip.compress(raw.getvalue(), mtime=0)
    return BuiltDistribution(f"{dist}-{version}.tar.gz", content, metadata)


class MetadataNotFound(ValueError):
    """The archive has no readable core metadata file."""


METADATA_MAX_BYTES = 1024 * 1024


def _read_limited(handle, what):
    data = handle.read(METADATA_MAX_BYTES + 1)
    if len(data) > METADATA_MAX_BYTES:
        raise MetadataNotFound(f"{what} is larger than {METADATA_MAX_BYTES:,} bytes.")
    return data


def read_core_metadata(filename, fileobj):
    """Return the text of the core metadata file inside a wheel or sdist.

    A wheel's is `{name}-{version}.dist-info/METADATA` at its root; an sdist's is
    `{name}-{version}/PKG-INFO` (one directory deep). Only that member is read, with a size
    limit, so a hostile archive cannot exhaust memory.
    """
    try:
        if filename.endswith(".whl"):
            with zipfile.ZipFile(fileobj) as archive:
                names = [
                    name
                    for name in archive.namelist()
                    if name.count("/") == 1 and name.endswith(".dist-info/METADATA")
                ]
                if len(names) != 1:
                    raise MetadataNotFound("The wheel has no single .dist-info/METADATA file.")
                with archive.open(names[0]) as handle:
                    data = _read_limited(handle, names[0])
        elif filename.endswith(".zip"):
            with zipfile.ZipFile(fileobj) as archive:
                names = [
                    n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/PKG-INFO")
                ]
                if len(names) != 1:
                    raise MetadataNotFound("The sdist has no single top-level PKG-INFO file.")
                with archive.open(names[0]) as handle:
                    data = _read_limited(handle, names[0])
        else:
            with tarfile.open(fileobj=fileobj, mode="r:*") as archive:
                member = next(
                    (
                        m
                        for m in archive
                        if m.isfile() and m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")
                    ),
                    None,
                )
                if member is None:
                    raise MetadataNotFound("The sdist has no top-level PKG-INFO file.")
                data = _read_limited(archive.extractfile(member), member.name)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
        raise MetadataNotFound(f"The file is not a readable archive ({error}).") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MetadataNotFound("The core metadata is not valid UTF-8.") from None
