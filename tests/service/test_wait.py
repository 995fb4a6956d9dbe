"""job_wait: a short job is seen soon after it ends, a long one without hammering the database."""

from __future__ import annotations

import pytest

from synthesis import selectors
from synthesis.models import SynthesisJob

pytestmark = pytest.mark.django_db
Status = SynthesisJob.Status


def test_polling_starts_fast_and_backs_off(alice, make_job, monkeypatch):
    job = make_job(alice, status=Status.RUNNING)
    sleeps = []
    clock = [0.0]

    def fake_sleep(seconds):
        sleeps.append(round(seconds, 4))
        clock[0] += seconds
        if len(sleeps) == 12:  # the worker finishes after the 12th nap
            SynthesisJob.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED)

    monkeypatch.setattr(selectors.time, "sleep", fake_sleep)
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    got = selectors.job_wait(job=job, timeout=30)
    assert got.status == Status.SUCCEEDED
    assert sleeps[0] == 0.02
    assert sleeps == sorted(sleeps) and sleeps[-1] == 0.2  # grows, then stays at `poll`
    assert sleeps.count(0.2) >= 3


def test_waiting_stops_at_the_timeout(alice, make_job, monkeypatch):
    job = make_job(alice, status=Status.RUNNING)
    clock = [0.0]
    monkeypatch.setattr(selectors.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    got = selectors.job_wait(job=job, timeout=1.0)
    assert got.status == Status.RUNNING and clock[0] == pytest.approx(1.0)
