"""What the pages teach with: the concept panels (concepts.py), the code each tab runs
(code_views.py), the explainers that open a model up (explain.py) and the figures (figures.py)."""
