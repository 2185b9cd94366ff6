"""The path converter of every text segment of Holdfast's pages (project names, versions,
usernames, private keys). The installer API (`api_urls`) keeps `str`: its views answer any
odd name with the plain-text 404 installers expect.

It matches what Django's `str` converter matches (anything but '/'), except a segment that
holds a control character or a lone surrogate (`validators.text_problem`): no name, version or
filename does, and PostgreSQL refuses NUL in a query. Such an address matches no page, and the
404 page says why (`views.errors.page_not_found`).
"""

from django.urls import register_converter

from .validators import text_problem


class TextConverter:
    regex = "[^/]+"

    def to_python(self, value):
        problem = text_problem(value)
        if problem is not None:
            raise ValueError(f"The path segment {value!r} {problem}.")
        return value

    def to_url(self, value):
        return value


register_converter(TextConverter, "text")
