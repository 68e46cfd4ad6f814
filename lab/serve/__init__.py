"""Running jobs for a class of pages: the job and its context (job.py), the queue and worker
(runner.py), the child process each job trains in (child.py), the check before a job is queued
(guards.py) and the signed owner tokens (owners.py). Pages only submit, poll and cancel."""
