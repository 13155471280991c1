"""Rendering subscriptions, sources and admin reports, in the style of bot.render."""

from __future__ import annotations

import datetime as dt

from bot.broadcast import StoreStats
from bot.ingest import IngestOutcome
from bot.render import Button, Reply, esc
from bot.render_digest import shorten
from bot.sources import AddResult, PollReport, SourceStatus
from bot.subscriptions import SubscriptionView

NOT_ADMIN = "Sorry, only the bot's admins can do that."
NOT_GROUP_ADMIN = "Sorry, only this group's administrators can change its digests."


DATE_LABELS = {"day-month": "3 Feb 2026", "iso": "2026-02-03"}
MODE_LABELS = {"instant": "Instant", "daily": "Daily", "off": "Off"}
SETTINGS_HINT = (
    "Tap to change, or send /settings daily 7 Europe/Berlin, /settings every 30, "
    "/settings quiet 22-7, /settings timezone Asia/Tokyo or /settings off. "
    "/unsubscribe stops digests."
)


def digest_schedule(view: SubscriptionView) -> str:
    """When this chat gets digests, in words."""
    if not view.subscribed:
        return "not subscribed (tap Instant or Daily, or send /subscribe)"
    if view.mode == "daily":
        return f"once a day at {view.hour:02d}:00 ({esc(view.timezone)}), if anything changed"
    if view.mode == "off":
        return "paused (tap Instant or Daily to resume)"
    if view.every_minutes <= 0:
        return "as soon as the picture changes"
    return f"when the picture changes, at most one every {view.every_minutes} minutes"


def settings_panel(view: SubscriptionView) -> Reply:
    """The one /settings panel: real current values, buttons and words for the same changes."""
    lines: list[str] = []
    if view.error:
        lines += [f"⚠️ {esc(view.error)}", ""]
    if view.newly:
        lines.append("Subscribed." if view.subscribed else "Unsubscribed: digests are off here.")
    quiet = (
        f"{view.quiet[0]:02d}:00–{view.quiet[1]:02d}:00, held till after" if view.quiet else "none"
    )
    lines += [
        "<b>Your settings</b>",
        f"Digests: {digest_schedule(view)}.",
        f"Quiet hours: {quiet}",
        f"Time zone: {esc(view.timezone)}",
        f"Dates written as: {DATE_LABELS.get(view.date_style, DATE_LABELS['day-month'])}",
        "",
        esc(SETTINGS_HINT),
    ]
    current = view.effective_mode
    buttons = (
        tuple(
            Button(("• " if mode == current else "") + label, f"set:digest_mode={mode}")
            for mode, label in MODE_LABELS.items()
        ),
        tuple(
            Button(("• " if style == view.date_style else "") + label, f"set:date_style={style}")
            for style, label in DATE_LABELS.items()
        ),
    )
    return Reply("\n".join(lines), buttons)


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%-d %b %H:%M UTC") if value else "never"


def outcome_line(outcome: IngestOutcome) -> str:
    return esc(shorten(outcome.line(), 300))


def poll_report(report: PollReport) -> Reply:
    source = report.source
    if report.result == "error":
        return Reply(f"Could not read {esc(source.url)}: {esc(report.error or 'unknown error')}")
    name = esc(source.title or source.url)
    if source.kind == "feed":
        lines = [
            f"<b>Feed: {name}</b>",
            f"{report.entries} entries, {report.new_entries} new: {report.count('added')} added, "
            f"{report.count('duplicate')} already known, {report.count('skipped')} skipped, "
            f"{report.count('error')} failed.",
        ]
    else:
        lines = [f"<b>Web page: {name}</b>"]
    lines += [f"• {outcome_line(o)}" for o in report.outcomes[:8]]
    if len(report.outcomes) > 8:
        lines.append(f"…and {len(report.outcomes) - 8} more.")
    lines.append(f"Checked every {source.interval_seconds // 60} minutes.")
    return Reply("\n".join(lines))


def added_source(result: AddResult) -> Reply:
    if result.error or result.report is None:
        return Reply(esc(result.error or "Could not add that source."))
    return poll_report(result.report)


def source_statuses(sources: list[SourceStatus]) -> Reply:
    if not sources:
        return Reply("No feeds or pages are polled yet. Add one with /addsource URL.")
    lines = ["<b>Polled sources</b>", ""]
    for s in sources:
        state = f"failing ×{s.failures}" if s.failures else "ok"
        lines.append(
            f"#{s.id} {esc(s.kind)} <b>{esc(shorten(s.title or s.url, 80))}</b> – {state}, "
            f"{s.articles} articles, last fetch {_when(s.last_fetch_at)}, "
            f"next {_when(s.next_fetch_at)}"
        )
        lines.append(f"   {esc(s.url)}")
        if s.last_error:
            lines.append(f"   ⚠ {esc(shorten(s.last_error, 200))}")
    lines += ["", "/removesource ID stops one."]
    return Reply("\n".join(lines))


def removed_source(status: SourceStatus | None) -> Reply:
    if status is None:
        return Reply("No such source; /feeds lists them with their numbers.")
    return Reply(f"Removed #{status.id} {esc(status.url)}. Its articles stay in the store.")


def ingested(outcomes: list[IngestOutcome]) -> Reply:
    if not outcomes:
        return Reply("Give the address of one article: /ingest URL")
    return Reply("\n".join(outcome_line(o) for o in outcomes))


def stats(result: StoreStats) -> Reply:
    lines = [
        "<b>Store and delivery</b>",
        f"Articles: {result.articles}, quotes: {result.quotes}, polled sources: {result.sources}",
        f"Subscribers: {result.subscribers}",
        f"Outbox: {result.queued} queued, {result.sent} sent, {result.blocked} blocked, "
        f"{result.failed} failed",
        f"Sent again after a restart (possible duplicates): {result.resent_after_restart}",
    ]
    if result.last_errors:
        lines += ["", "<b>Last errors</b>"]
        lines += [f"• {esc(shorten(e, 200))}" for e in result.last_errors]
    return Reply("\n".join(lines))
