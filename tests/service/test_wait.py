"""job_wait: a short job is seen soon after it ends, a long one without hammering the database."""

from __future__ import annotations

import pytest

from synthesis import selectors
from synthesis.models import SynthesisJob

pytestmark = pytest.mark.django_db
Status = SynthesisJob.Status


def test_polling_starts_fast_and_backs_off(alice, make_job, monkeypatch):
    """A job is seen within 10 % of the time waited (at least 20 ms) after it ends, and a
    long wait reads the row a few dozen times, not every 20 ms."""
    job = make_job(alice, status=Status.RUNNING)
    naps = []
    clock = [0.0]
    ends = 30.0  # the worker finishes after 30 s

    def fake_sleep(seconds):
        naps.append((clock[0], seconds))
        clock[0] += seconds
        if clock[0] >= ends:
            SynthesisJob.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED)

    monkeypatch.setattr(selectors.time, "sleep", fake_sleep)
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    got = selectors.job_wait(job=job, timeout=60)
    assert got.status == Status.SUCCEEDED
    assert naps[0][1] == pytest.approx(0.02)
    for at, nap in naps:  # never longer than a tenth of the wait so far, or 20 ms, or 0.5 s
        assert nap <= max(0.02, 0.1 * at) + 1e-9 and nap <= 0.5 + 1e-9
    assert [n for _, n in naps] == sorted(n for _, n in naps)  # grows, then stays at `poll`
    assert len(naps) < 100, "a 30 s job is read a few dozen times, not every 20 ms"
    assert clock[0] - ends < 0.5 + 1e-9  # seen within one nap of the end


def test_a_short_job_is_seen_soon_after_it_ends(alice, make_job, monkeypatch):
    """A prompt whose worker is done after 300 ms is seen by 330 ms (naps growing by half
    to 200 ms, as before, saw it at 412 ms)."""
    job = make_job(alice, status=Status.RUNNING)
    clock = [0.0]

    def fake_sleep(seconds):
        clock[0] += seconds
        if clock[0] >= 0.3:
            SynthesisJob.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED)

    monkeypatch.setattr(selectors.time, "sleep", fake_sleep)
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    assert selectors.job_wait(job=job, timeout=30).status == Status.SUCCEEDED
    assert clock[0] <= 0.33


def test_waiting_stops_at_the_timeout(alice, make_job, monkeypatch):
    job = make_job(alice, status=Status.RUNNING)
    clock = [0.0]
    monkeypatch.setattr(selectors.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    got = selectors.job_wait(job=job, timeout=1.0)
    assert got.status == Status.RUNNING and clock[0] == pytest.approx(1.0)
