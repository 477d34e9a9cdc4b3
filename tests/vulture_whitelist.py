"""Names vulture reports in bot/ that are used where it cannot look (run: ``vulture``, settings
in pyproject.toml's ``[tool.vulture]``). Vulture only parses this file: each bare name marks
every attribute or variable of that name as used. Add a name only with its reason; delete
code instead when nothing uses it.

Click commands, Bolt listeners and pydantic validators are skipped by ``ignore_decorators``,
pydantic's ``model_config`` by ``ignore_names``.
"""

# Fields of records that templates read (prompts/**/*.j2), that ``to_dict``/``asdict`` hand to
# JSON output and templates, or that mirror a table's columns when a row is read.
effort_cost, by_person, value_lost, net  # domain/costs.MistakeCost
pilot_count, decided_count, converted_count, pending_count, pilot_fees  # domain/costs.PilotConversion
full_value_at_stake, decided_value, converted_value, conversion_rate, value_conversion
retained_exceeds_lost, multiple_source, pipeline_to_add, covered_by_current  # domain/coverage.RecoveryPlan
pipeline_needed_total, covered_total_by_current, current_coverage
cumulative, top  # domain/ranking
recovered_in_window, open_pipeline, share_recovered, includes_lost  # domain/recovery
competitor, stage_lost, close_date, customer_words, product_lesson, enablement_lesson, crm_url  # domain/weekly.Deal
focus, reviewed, change_percent, average_deals, one_on_one  # domain/weekly rows and trends
display_information, usage_hint  # files/manifest and engine/model: keys of manifest.yml and playbooks
closed_at, recorded_at, action_at  # store/pilots rows
locked_at, stage, strategic_fit, relationship, status_at  # store/recovery rows
cancelled_at  # store/runs.Run
deferred  # outbox/sender.DrainReport, read by tests

# Public API that only tests and tools call today.
flagged_sellers  # domain/concentration: the pair of flagged_accounts, tested with it
ALL_ACTIONS  # ids: every action id, which the fuzz and access tests click
field_reference  # engine/reference: generates the README's playbook reference (tests/test_readme.py)
history_of  # store/runs: an answer's earlier versions, read by the store and crash tests
release_stale  # store/jobs: frees a claim whose process died; tested, but nothing calls it yet
serve_http  # slack/http: bench/noop_server.py serves the benchmark's no-op baseline through it
prec  # values/money: the precision of a decimal.localcontext, read by Decimal itself
