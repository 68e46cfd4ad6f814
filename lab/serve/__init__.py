"""Running jobs for a class of pages: the job and its context (job.py), the queue, slots and job table
(runner.py), whose turn it is and when a job should start (turns.py), identical jobs trained once
(identity.py: what makes two jobs the same; joining.py: following a training, answering from a finished
one), where a job's work runs (backend.py: a child process per job, child.py), how its outcome ends it
(outcome.py), the check before a job is queued (guards.py) and the signed owner tokens (owners.py).
Pages only submit, poll and cancel."""
