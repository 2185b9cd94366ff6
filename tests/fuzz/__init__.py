"""Generated hostile input (Hypothesis) against every edge of Holdfast (issue 11).

- `strategies`: the hostile values (control characters, lone surrogates, very long strings,
  huge integers, path separators and traversal, confusable Unicode, malformed percent-encoding);
- `conftest`: the world every test runs against, one client per role, and `Probe`, which runs one
  example in a rolled-back savepoint and checks it: never a 5xx, and no row changed when the
  request was a GET or its input was surely invalid;
- `test_paths`: every URL pattern's path segments; `test_queries`: every page's query string,
  admin change lists and filters included; `test_forms`: the public, maintainers' and admin
  forms and admin actions; `test_upload`: the upload endpoint's fields and files.

Every test has a fixed example budget (`BUDGET`, over 5,000 in total per database) and a fixed
seed (`derandomize=True`), so a failure reproduces on the next run.
"""
