"""The fine-tuning comparison: the job that trains every ticked method on the same data (job.py),
the data and the plan it makes (data.py), loading a base and saving what a method trained
(models.py), and one file per method (methods/)."""
