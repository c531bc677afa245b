"""The quota mail: a pre-built HTML table inserted raw, everything typed in the form escaped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from moc_tui.core.mail import OutgoingMail, build_message, fill_placeholders
from moc_tui.core.quota import QuotaRequest, mail
from moc_tui.core.settings import EmailSettings, load_settings
from tests.settings_files import write_settings


def test_raw_keys_are_inserted_as_they_are_and_others_escaped() -> None:
    body = fill_placeholders(
        "<p><FULLNAME></p><LIST>",
        {"FULLNAME": "<b>x</b>", "LIST": "<table><tr><td>a &amp; b</td></tr></table>"},
        html_body=True,
        raw={"LIST"},
    )
    assert body == "<p>&lt;b&gt;x&lt;/b&gt;</p><table><tr><td>a &amp; b</td></tr></table>"


def test_raw_html_wins_over_settings_and_form_values_of_the_same_name() -> None:
    section = EmailSettings(
        section="quota_email",
        formatting="html",
        placeholders={"quota_list": "<script>alert(1)</script>"},
    )
    built = build_message(
        section,
        "<QUOTA_LIST>|<FULLNAME>",
        {"quota_list": "<script>defaults</script>"},
        {"QUOTA_LIST": "<img src=x>", "FULLNAME": "<i>Pat</i>"},
        ["pi@example.org"],
        raw_html={"QUOTA_LIST": "<table></table>"},
    )
    assert built.body == "<table></table>|&lt;i&gt;Pat&lt;/i&gt;"


def request(**changes: object) -> QuotaRequest:
    base = QuotaRequest(
        row=2,
        cells=(),
        timestamp="t",
        email="pi@example.org",
        first_name="<b>Pat</b>",
        last_name="I",
        project="k2k",
        requested={"cores": 40},
        comment="",
        problems=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_table_holds_applied_values_and_escapes_everything_else(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path, {"quota_email": {"cc_list": "a@x.org"}}))
    payload = mail.compose(
        settings,
        request(),
        "k2k<script>",
        {"cores": 20, "port": -1},
        {"cores": 40, "port": 60},
        "port <raised>",
        ["A@x.org", "pi@example.org", None, "bad address", "m@x.org", "M@X.org"],
    )
    body = payload["body"]
    assert "<td>Cores</td><td>20</td><td>40</td>" in body
    assert "<td>Ports</td><td>unlimited</td><td>60</td>" in body
    assert "&lt;b&gt;Pat&lt;/b&gt;" in body and "<b>Pat</b>" not in body
    assert "k2k&lt;script&gt;" in body and "<p>port &lt;raised&gt;</p>" in body
    assert payload["subject"] == "Quota change for your cloud project k2k<script>"
    assert list(payload["to"]) == ["pi@example.org"]
    assert list(payload["cc"]) == ["a@x.org", "m@x.org"]


def test_a_plain_text_quota_mail_gets_a_text_table(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path, {"quota_email": {"formatting": "plain"}}))
    payload = mail.compose(settings, request(), "k2k", {"cores": 20}, {"cores": 40}, None, [])
    assert "QUOTA  OLD VALUE  NEW VALUE\nCores  20         40" in payload["body"]
    assert "<table" not in payload["body"]


def test_the_html_quota_mail_also_has_a_text_part_with_the_table(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path))
    payload = mail.compose(settings, request(), "k2k", {"cores": 20}, {"cores": 40}, None, [])
    message = OutgoingMail.from_payload(payload).to_message()
    assert message.get_content_type() == "multipart/alternative"
    assert message["Date"] and message["Message-ID"]
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "QUOTA  OLD VALUE  NEW VALUE\nCores  20         40" in text
    assert "<b>Pat</b> I" in text and "<table" not in text
