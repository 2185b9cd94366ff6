"""Reports over the whole registry: what each deletion-policy preset would let owners delete.

- `facts`: the ProjectFacts of every live project, streamed in a fixed number of queries;
- `compare`: the comparison of presets (`compare(presets, now=...)` -> `Comparison`);
- `output`: the comparison as text, CSV and JSON (`manage.py policy_report`);
- `chart`: the "share deletable by popularity decile" chart, drawn as SVG for the admin page;
- `stored`: the comparison kept in the cache, computed hourly by the scheduler for that page.
"""
