"""A job's fingerprint (what marks its outputs complete, nst_course.batch.engine) is the one
batches written before the options were defined once (issue 24) recorded, so their finished
jobs are still skipped. The expected digest was computed by that version for this job."""

import dataclasses

import imageio.v2 as imageio
import numpy as np

from nst_course.batch.engine import _payload, fingerprint
from nst_course.batch.manifest import pair_jobs, run_defaults


def _job(tmp_path):
    imageio.imwrite(tmp_path / "a.png", np.zeros((40, 50, 3), np.uint8))
    imageio.imwrite(tmp_path / "s.png", np.ones((40, 50, 3), np.uint8))
    jobs, errors = pair_jobs(
        [str(tmp_path / "a.png")], [str(tmp_path / "s.png")], run_defaults(), str(tmp_path / "o")
    )
    assert errors == []
    return jobs[0]


def test_a_jobs_fingerprint_is_unchanged(tmp_path):
    assert (
        fingerprint(_payload(_job(tmp_path)))
        == "157329ab5c9236b992aa03f81dee5fefe7d9e378e9788082f080414bad21e084"
    )


def test_an_option_added_later_counts_once_set(tmp_path):
    """--stop-below (issue 25) at its default leaves the digest above alone; set, it counts."""
    job = _job(tmp_path)
    job.options = dataclasses.replace(job.options, optimizer="lbfgs-carry")
    before = fingerprint(_payload(job))
    job.options = dataclasses.replace(job.options, stop_below=0.01)
    assert fingerprint(_payload(job)) != before
