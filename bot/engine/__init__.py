"""The playbook engine: schema, loading, checks, answer parsing and the run state machine.

It knows nothing of Slack, SQL or Jinja templates on disk. The terminal, Slack and tests
all drive the same functions in ``runner``.
"""
