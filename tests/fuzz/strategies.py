"""Hostile values, as text a client can put in a path segment, a query string or a form."""

from urllib.parse import quote

from hypothesis import strategies as st

CONTROL = st.characters(codec=None, categories=["Cc"])
# Never stripped as whitespace and never allowed, even in multi-line text: a field holding one
# between two letters is invalid whatever the form.
SURELY_INVALID_CHAR = st.sampled_from(
    ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x1b", "\x7f", "\x80", "\x9b"]
)
SURROGATE = st.characters(categories=["Cs"])
CONFUSABLE = st.sampled_from(
    list("аеіорѕԁһјӏ０１ⅰ／＼．‐–—－＿\u200b\u200d\u202e\u2066\ufeff\u00a0\u2028İıſK")  # noqa: RUF001
)
TRAVERSAL = st.sampled_from(
    [
        "/",
        "\\",
        "..",
        "../",
        "..\\",
        "/etc/passwd",
        "../../etc/passwd",
        "..%2f..%2f",
        "%2e%2e/",
        "C:\\Windows\\",
        "//",
        "./",
        "~",
        "*",
        "?",
        "#",
        "%",
        "&",
        "=",
        ";",
        "'",
        '"',
        "<script>",
    ]
)
MALFORMED_PERCENT = st.sampled_from(
    ["%", "%0", "%zz", "%E0%A4%A", "%FF", "%C0%AF", "%ED%A0%80", "%F0%9F", "%%", "%u0000", "%00"]
)
HUGE_INTEGER = st.one_of(
    st.integers(min_value=2**31 - 2, max_value=2**70),
    st.integers(max_value=-1, min_value=-(2**70)),
    st.sampled_from([2**63 - 1, 2**63, 2**64, 10**20, 0]),
).map(str)


def long_text(min_size=1_000, max_size=12_000):
    return st.builds(
        lambda base, n: (base * n)[:max_size],
        st.text(min_size=1),
        st.integers(min_value=min_size, max_value=max_size),
    )


def spliced(base, hostile):
    """`base` with a hostile piece inserted somewhere: reaches past the first check."""
    return st.builds(
        lambda b, h, at: b[: at % (len(b) + 1)] + h + b[at % (len(b) + 1) :],
        base if isinstance(base, st.SearchStrategy) else st.just(base),
        hostile,
        st.integers(min_value=0, max_value=400),
    )


HOSTILE_PIECE = st.one_of(
    CONTROL,
    SURROGATE,
    CONFUSABLE,
    TRAVERSAL,
    MALFORMED_PERCENT,
    HUGE_INTEGER,
    st.text(alphabet=CONTROL, min_size=1, max_size=5),
)


def hostile_text(*valid):
    """Hostile text: on its own, or spliced into one of the `valid` values (when given)."""
    options = [
        HOSTILE_PIECE,
        st.text(max_size=30),
        st.text(alphabet=st.one_of(CONTROL, SURROGATE, CONFUSABLE), max_size=20),
        long_text(),
        HUGE_INTEGER,
    ]
    if valid:
        options.append(spliced(st.sampled_from(valid), HOSTILE_PIECE))
    return st.one_of(options)


def surely_invalid(*valid):
    """Text that every text field refuses: a control character between two other characters
    (so stripping whitespace cannot remove it)."""
    bases = st.sampled_from(valid) if valid else st.text(min_size=2, max_size=20)
    return st.builds(lambda b, c: f"x{b}{c}{b}x", bases, SURELY_INVALID_CHAR)


def as_path_segment(value, raw=False):
    """Percent-encode `value` (surrogates as their UTF-8 bytes) for a path; `raw` keeps an
    ASCII value as it is, so malformed percent-encoding reaches the server unchanged."""
    if raw and value.isascii() and not set(value) & set("?#/"):
        return value
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def form_encoded(pairs):
    """A query string or form body of (name, value) pairs, encoded by hand: a lone surrogate
    goes as the bytes a broken client would send."""
    return "&".join(f"{as_path_segment(k)}={as_path_segment(str(v))}" for k, v in pairs)
