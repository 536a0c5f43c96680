"""An audit of the built-in catalog that does not trust the generators.

One checker per skill reads only a task's prompt text and re-derives its gold answer (for free-form
skills, the decision the rubric requires). See ``test_audit.py``.
"""
