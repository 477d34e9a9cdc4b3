"""Templates escape user text for Slack mrkdwn by default and fail loudly on misspelt names."""

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from bot.render import blocks
from bot.render.templates import Renderer


@pytest.fixture
def renderer(tmp_path):
    (tmp_path / "t.md.j2").write_text("*Deal:* {{ deal }} by {{ user | mention }} {{ link(url, deal) }}")
    return Renderer(tmp_path)


HOSTILE = "<!channel> <@U123> <https://evil.example|click> & co"


def test_user_text_is_escaped_by_default(renderer):
    text = renderer.render("t.md.j2", {"deal": HOSTILE, "user": "U0REP1", "url": "https://crm.example/1"})
    assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; co" in text
    assert "<@U0REP1>" in text  # the mention the bot builds on purpose
    assert "<https://crm.example/1|&lt;!channel&gt;" in text  # link label escaped too


def test_only_slack_entities_are_used(renderer):
    text = renderer.render_string("{{ x }}", {"x": "it's \"quoted\""})
    assert text == "it's \"quoted\""


def test_plain_rendering_does_not_escape(renderer):
    text = renderer.render("t.md.j2", {"deal": "A & B", "user": "dana", "url": "https://x.example"}, plain=True)
    assert text == "*Deal:* A & B by @dana A & B (https://x.example)"


def test_mention_of_something_that_is_not_a_user_id_is_text(renderer):
    assert renderer.render_string("{{ u | mention }}", {"u": "<!here>"}) == "&lt;!here&gt;"


def test_link_refuses_non_http_targets(renderer):
    assert renderer.render_string("{{ link(u, 'x') }}", {"u": "javascript:alert(1)"}) == "x"


def test_misspelt_name_fails(renderer):
    with pytest.raises(UndefinedError):
        renderer.render_string("{{ dael }}", {"deal": "x"})


def test_templates_are_sandboxed(renderer):
    with pytest.raises(SecurityError):
        renderer.render_string("{{ x.__class__.__mro__[1].__subclasses__() }}", {"x": 1})


def test_money_and_date_filters(renderer):
    text = renderer.render_string("{{ a | money }} on {{ d | date }} at {{ p | percent }}",
                                  {"a": {"amount": 120000, "currency": "USD"}, "d": "2026-12-04", "p": 25})
    assert text == "USD 120,000 on Fri 4 Dec 2026 at 25%"


def test_quote_filter_escapes_each_line(renderer):
    assert renderer.render_string("{{ t | quote }}", {"t": "one\n<!channel>"}) == "> one\n> &lt;!channel&gt;"


def test_split_text_respects_section_limit():
    text = "\n".join("line %d %s" % (i, "x" * 90) for i in range(100))
    chunks = blocks.split_text(text)
    assert all(len(chunk) <= blocks.MAX_SECTION_TEXT for chunk in chunks)
    assert "\n".join(chunks) == text


def test_clip_never_cuts_an_entity():
    clipped = blocks.clip("a" * 8 + "&amp;b", 11)
    assert clipped == "a" * 8 + "…"


def test_inline_templates_are_compiled_once(renderer):
    assert renderer.render_string("Hi {{ name }}", {"name": "<b>"}) == "Hi &lt;b&gt;"
    compiled = dict(renderer._compiled)
    assert renderer.render_string("Hi {{ name }}", {"name": "Dana"}) == "Hi Dana"
    assert renderer.render_string("Hi {{ name }}", {"name": "<b>"}, plain=True) == "Hi <b>"
    assert renderer._compiled[(False, "Hi {{ name }}")] is compiled[(False, "Hi {{ name }}")]
    assert len(renderer._compiled) == 2  # one per environment
