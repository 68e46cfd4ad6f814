"""A run as code: the script writer (script.py) asks the kind's builder (builders.py) for a
`Bundle` (bundle.py), fills its template (templates/), adds accelerate and torchrun configs
(scale.py); report.py zips a run's curves and settings; hub.py pushes a trained model."""
